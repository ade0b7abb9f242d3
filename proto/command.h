/*
 * command — the table of commands yimad understands.
 *
 * Shared by the daemon (dispatch, arity checks) and the clients (help,
 * completion).  Names, arities and flags live here once; handlers live in
 * daemon/cmd_*.c, indexed by enum cmd_id.  PROTOCOL.md documents each.
 */
#ifndef YIMA_COMMAND_H
#define YIMA_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
	CMD_BACKUP,
	CMD_EPCIS_QUERY,
	CMD_CLIENT_SETNAME,
	CMD_CLIENT_GETNAME,
	CMD_CLIENT_ID,
	CMD_CLIENT_INFO,
	CMD_CLIENT_SETINFO,
	CMD_SELECT,
	CMD_COMMAND,
	CMD_DECOMMISSION,
	CMD_REACTIVATE,
	CMD_UNWITHDRAW,
	CMD_COLDCHAIN_RELEASE,
	CMD_ALERT_SET,
	CMD_STOCK,
	CMD_PRODUCT_LIST,
	CMD_SITE_LIST,
	CMD_LOTS,
	CMD_CONTENTS,
	CMD_RISK,
	CMD_TRANSFORM,
	CMD__COUNT
};

enum cmd_flags {
	CMD_F_WRITE = 1 << 0,	/* changes the store: runs on the writer thread */
	CMD_F_READ  = 1 << 1,	/* reads the store */
	CMD_F_SLOW  = 1 << 2,	/* runs for minutes (BACKUP): on a thread of
				 * its own, not the network thread (daemon/slow.h) */
	CMD_F_VERDICT = 1 << 3,	/* a write answered with a verdict (DISPENSE,
				 * UNDO): the writer keeps the judgement and
				 * the request's thread renders it (cmd.c) */
};

/*
 * The options a command may take, by name: one id per option word, wherever
 * it appears.  What a value means (a site, a sequence number) and its limits
 * belong to each command's grammar below.
 */
enum opt_id {
	OPT_SITE, OPT_FROM, OPT_TO, OPT_REF, OPT_TIME, OPT_TX, OPT_QTY,
	OPT_PRODUCT, OPT_LOT, OPT_EXPIRY, OPT_LEVEL, OPT_REASON,
	OPT_SINCE, OPT_LIMIT, OPT_STATUS, OPT_AFTER, OPT_COUNT, OPT_STATE,
	OPT_FRESH, OPT_BIZSTEP, OPT_EPC, OPT_ANYEPC, OPT_BEFORE, OPT_LOCATION, OPT_READPOINT,
	OPT_TEMP,
	OPT_KIND, OPT_CLASS, OPT_NOTE, OPT_REGION,
	OPT_EXPIRED,
	OPT_BRIEF,
	OPT__COUNT
};

/* How an option's value is read (daemon/parse.c turns it into a typed value). */
enum opt_kind {
	OPT_K_SITE = 1,	/* a site id or GLN; resolved when the command applies */
	OPT_K_TEXT,	/* stored text: min..max bytes, no control characters */
	OPT_K_TIME,	/* ISO 8601 date-time → Unix ms */
	OPT_K_DATE,	/* YYYY-MM-DD → YYYYMMDD */
	OPT_K_UINT,	/* whole number min..max */
	OPT_K_SEQ,	/* an event's sequence number: 1 to 2^48 - 1 */
	OPT_K_WORD,	/* a word the command reads itself (STATUS, AFTER) */
	OPT_K_FLAG,	/* a word alone, no value (AUDIT VERIFY STATE) */
};

struct option_spec {
	const char *name;	/* upper case, as sent */
	uint8_t id;		/* enum opt_id */
	uint8_t kind;		/* enum opt_kind */
	bool required;
	uint32_t min, max;	/* UINT: the value; TEXT: bytes */
};

#define GRAMMAR_OPTS_MAX 9

/* Text limits the commands share (bytes). */
#define CMD_TX_MAX	64	/* a sale's transaction id */
#define CMD_REF_MAX	200	/* a delivery note, a reason */
#define CMD_LOT_MAX	20	/* a lot number, as GS1 AI (10) allows */
/* How many sub-units one DISPENSE sells (split packs), and how many uses a
 * lot-level device record holds (COMMISSION QTY). */
#define CMD_SALE_QTY_MAX	1000000
#define CMD_LOT_QTY_MAX		100000000
/* Replies that list: alerts (ALERTS LIMIT) and codes (CODES COUNT). */
#define CMD_ALERTS_MAX		10000
#define CMD_CODES_MAX		10000
/* A page of a listing (STOCK, PRODUCT LIST, SITE LIST, LOTS, CONTENTS:
 * COUNT) and the sites RISK ranks (LIMIT). */
#define CMD_LIST_MAX		10000
/* An alert's note (ALERT SET NOTE). */
#define CMD_NOTE_MAX		500
/* An EVENTS batch's id (BATCH): text, kept with the batch's result. */
#define CMD_BATCH_ID_MAX	64
/* A temperature reading (TEMP min[:max]), as text: the rule reads it. */
#define CMD_TEMP_MAX	16
/* EPCIS.QUERY: events a page (COUNT), and the values an option may list
 * ("a|b|c": EPC, ANYEPC, BIZSTEP, LOCATION, READPOINT). */
#define CMD_EPCIS_PAGE_MAX	1000
#define CMD_EPCIS_VALUES_MAX	64

/*
 * A command's arguments, read once by daemon/parse.c into a typed command
 * that the ACL, the handler and the log all use.  The words after the name:
 *
 *   `words` fixed words (product, lot, a code ...), of which word `code`
 *   (1-based; 0 none) is a scanned code; then, when `codes`, a list of
 *   codes up to the first option word; then "NAME value" options.
 *
 * With `code_alone`, one code may stand in place of the fixed words (IMPACT
 * product lot | code).
 *
 * `acting` names the option that says which site acts (OPT_SITE, OPT_FROM;
 * -1 none): a principal of one site may only act as that site.
 * Commands with `raw` set read their words themselves (PING, HELLO, master
 * data's field lists ...).  `records` is EVENTS': [BATCH id] [SKIPBAD],
 * then records, each a command line read by its own command's grammar.
 *
 * With `lead` and `split` (TRANSFORM), the list of codes comes in two parts:
 * the word `lead` first, then codes, the word `split`, more codes (the
 * typed command's nsplit says where the second part starts).
 */
struct command_grammar {
	bool raw;
	bool records;
	uint8_t words;
	uint8_t code;
	bool codes;
	bool code_alone;
	int8_t acting;
	bool acting_optional;	/* the acting site may be left out (VERIFY) */
	const char *lead, *split;	/* two lists of codes: INPUTS ... OUTPUTS ... */
	struct option_spec opts[GRAMMAR_OPTS_MAX];
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
	struct command_grammar g;
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
/* The grammar's entry for option `id` of a command; NULL if it has none. */
const struct option_spec *command_option(enum cmd_id cmd, enum opt_id id);
/* Subcommands of a command name, as "SET, GET" into buf. */
const char *command_subcommands(const char *name, char *buf, size_t n);

#endif
