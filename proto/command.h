/*
 * command — the table of commands yimad understands.
 *
 * Shared by the daemon (dispatch, arity checks) and the clients (help,
 * completion).  Names, arities and flags live here once; handlers live in
 * daemon/cmd_*.c, indexed by enum cmd_id.  PROTOCOL.md documents each.
 */
#ifndef YIMA_COMMAND_H
#define YIMA_COMMAND_H

#include <stddef.h>

/* Log entries (daemon/entry.h) store these values: add commands at the
 * end, never renumber. */
enum cmd_id {
	CMD_PING,
	CMD_ECHO,
	CMD_HELLO,
	CMD_INFO,
	CMD_QUIT,
	CMD_SITE_SET,
	CMD_SITE_GET,
	CMD_PRODUCT_SET,
	CMD_PRODUCT_GET,
	CMD_COMMISSION,
	CMD_PACK,
	CMD_UNPACK,
	CMD_SHIP,
	CMD_RECEIVE,
	CMD_RETURN,
	CMD_DESTROY,
	CMD_VERIFY,
	CMD_DISPENSE,
	CMD_UNDO,
	CMD_TRACE,
	CMD_ALERTS,
	CMD_RECALL,
	CMD_LIFT,
	CMD_WITHDRAW,
	CMD_LOCK,
	CMD_UNLOCK,
	CMD_EVENTS,
	CMD_RECALL_ACK,
	CMD_IMPACT,
	CMD_CODES,
	CMD_AUTH,
	CMD_AUDIT_VERIFY,
	CMD_CLOCK,
	CMD__COUNT
};

enum cmd_flags {
	CMD_F_WRITE = 1 << 0,	/* changes the store: runs on the writer thread */
	CMD_F_READ  = 1 << 1,	/* reads the store */
};

struct command_spec {
	enum cmd_id id;
	const char *name;	/* upper case */
	const char *sub;	/* subcommand, or NULL */
	int min_argc;		/* counting the name (and subcommand) */
	int max_argc;		/* -1: no limit */
	unsigned flags;
	const char *usage;	/* arguments after the name(s) */
	const char *summary;
};

/*
 * Find the command for a request (case-insensitive).  Returns the spec, or
 * NULL with *why set to:
 *   1  no such command          (argv[0] unknown)
 *   2  no such subcommand       (argv[0] known, argv[1] missing or unknown)
 */
const struct command_spec *command_lookup(int argc, const char *const *names,
					  const size_t *lens, int *why);
const struct command_spec *command_by_id(enum cmd_id id);
/* Does argc fit the spec's arity? */
int command_arity_ok(const struct command_spec *c, int argc);
/* "SITE SET" or "PING": the full name, for messages. */
const char *command_full_name(const struct command_spec *c, char *buf, size_t n);
/* Subcommands of a command name, as "SET, GET" into buf. */
const char *command_subcommands(const char *name, char *buf, size_t n);

#endif
