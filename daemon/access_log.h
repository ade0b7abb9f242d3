/*
 * access_log — one line per request answered, RESP and HTTP alike: when,
 * over which protocol from which address, who (principal and role), for
 * which site, which command on which code, how it ended (the verdict, OK,
 * or the error code) and how long it took.  `access_log` in the
 * configuration turns it on; log_format json writes each line as a JSON
 * object.
 *
 * Cost: off, the hot path pays one load and branch (access_log_on).  On,
 * the thread that has the answer formats the line on its stack and appends
 * it with one write(2) to a file opened O_APPEND (lines of different
 * threads never interleave), without fsync: the access log is for
 * operators, the store is what is durable.  What a line needs from the
 * request (its code and site) is noted when it is admitted
 * (access_note_of), because a write's words go to the writer with it.
 */
#ifndef YIMA_ACCESS_LOG_H
#define YIMA_ACCESS_LOG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cmd;
struct principal;

/* Is the access log on?  Read on every request: a plain atomic load. */
extern atomic_bool access_log_on;

/* Open (or, on SIGHUP, reopen) path for appending; "" turns it off.
 * 0, or -1 with errno set (the old file, if any, stays). */
int access_log_open(const char *path);

/* What a line shows of the request, copied while its words are at hand. */
struct access_note {
	char code[64];		/* the first code it names ("+N" more), "" none */
	char site[40];		/* the acting site (or SITE), "" none */
};

void access_note_of(const struct cmd *c, struct access_note *n);

/* One request answered.  proto "resp" or "http"; who NULL: the trusted
 * local client; cmd: enum cmd_id or -1 (no such command); note NULL when
 * none was taken; reply: the RESP reply's bytes, whose first tell the
 * outcome (an error's code, a verdict, OK). */
void access_log(const char *proto, uint64_t conn, const char *addr,
		const struct principal *who, int cmd, const struct access_note *note,
		int64_t ns, const char *reply, size_t len);

#endif
