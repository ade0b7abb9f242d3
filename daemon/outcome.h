/*
 * outcome — how applying a command ended.  The rules (scan.c and the other
 * rule modules) return it to the handlers above them (cmd.h), which reply.
 */
#ifndef YIMA_OUTCOME_H
#define YIMA_OUTCOME_H

#include <stdbool.h>
#include <stddef.h>

/*
 *   CMD_DONE      applied; what it changed (if anything) stands
 *   CMD_REFUSED   not applied, and nothing changed: why says what is wrong
 *   CMD_ROLLBACK  refused after writing: what was written must be
 *                 discarded (writer.h, WRITE_UNDO)
 *   CMD_FAILED    the store failed: store_rc
 */
enum cmd_status { CMD_DONE, CMD_REFUSED, CMD_ROLLBACK, CMD_FAILED };

struct outcome {
	int store_rc;
	char why[400];		/* without the command's name: "SITE is required" */
	bool conflict;		/* refused for what the store holds, not for its
				 * words ("already recalled"): HTTP's 409 */
};

/* Set why from fmt and return CMD_REFUSED. */
enum cmd_status outcome_refuse(struct outcome *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The same for a request that is well formed but conflicts with what the
 * store holds: a code already commissioned, packed or not here, a lot
 * already recalled.  The reply is the same (-ERR); HTTP answers 409. */
enum cmd_status outcome_conflict(struct outcome *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Keep rc and return CMD_FAILED. */
enum cmd_status outcome_failed(struct outcome *o, int rc);

#endif
