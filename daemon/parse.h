/*
 * parse — a request read once into a typed command.
 *
 * The network thread that reads a request parses it here, by its grammar in
 * the command table (proto/command.h): fixed words, the codes it names
 * (parsed with code_parse against the request's own time), and its options
 * as typed values with their limits checked.  The ACL, the handler and the
 * log entry all read the result; no one parses the words again.
 *
 * What the accepting node adds — when it accepted the request, who sent it
 * — is stamped on the command too: together they are everything the rules
 * need, so applying the same commands in the same order gives the same
 * state on any node and at any later time (DESIGN.md §8).
 *
 * EVENTS carries other commands, its records: each is split into words and
 * parsed here, by its own command's grammar, into a command of its own
 * (struct cmd_records), so that the ACL checks each record where the
 * request arrives and the writer only applies them.
 *
 * Ownership: a struct cmd points into the request's words (argv) and owns
 * its codes array and its records (their words are copies); cmd_free
 * releases those.  The request's words must outlive it.
 */
#ifndef YIMA_PARSE_H
#define YIMA_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "code.h"
#include "command.h"
#include "resp.h"

struct principal;
struct cmd_records;

/* An option as given: its word, and its value read by its kind. */
struct cmd_opt {
	const struct resp_arg *arg;	/* NULL: not given */
	union {
		int64_t ms;		/* OPT_K_TIME */
		uint32_t ymd;		/* OPT_K_DATE */
		uint32_t n;		/* OPT_K_UINT */
		uint64_t seq;		/* OPT_K_SEQ */
	} v;
};

struct cmd {
	const struct command_spec *spec;
	int argc;
	const struct resp_arg *argv;	/* the words as sent, name first */

	/* The stamp. */
	int64_t time_ms;		/* when the accepting node read it */
	int64_t when_ms;		/* TIME when given, else time_ms: when it
					 * happened; codes are read against it */
	const struct principal *who;	/* who sent it; NULL: trusted */
	uint64_t request_id;		/* a write's, from its log entry or given
					 * when it becomes a job (entry.h) */
	uint8_t entry_version;		/* its log entry's (ENTRY_VERSION for a
					 * request): how the rules apply it */

	/* Fixed words: word(c, 0) .. word(c, nwords - 1). */
	int first_word;			/* argv index of the first */
	int nwords;

	/* The codes: the grammar's code word, or its list.  Each is parsed;
	 * one that does not parse has cr_err set (a scan answers that with a
	 * verdict, other commands refuse it: their choice). */
	int first_code;			/* argv index of codes[0] */
	size_t ncodes;
	struct code_result *codes;	/* ncodes entries */
	struct code_result one;		/* codes when ncodes <= 1 */
	/* A grammar of two lists (TRANSFORM: INPUTS ... OUTPUTS ...): codes
	 * [0, nsplit) are the first, [nsplit, ncodes) the second, and the
	 * split word lies between them in argv.  0 for other grammars. */
	size_t nsplit;

	int first_option;		/* argv index of the first option word */
	struct cmd_opt opt[OPT__COUNT];

	struct cmd_records *records;	/* EVENTS: its records; NULL otherwise */
};

/*
 * An EVENTS record: a command line of its own, parsed by its grammar and
 * stamped like the request that carries it.  Consecutive records that
 * differ only in their one code — a lot's units commissioned, a case's
 * children packed, one a record — are parsed as one command naming all
 * their codes (struct cmd_group): the first record is parsed, and of the
 * others only their code.  Such a record has no command of its own until
 * one is needed (cmd_group_record).
 */
struct cmd_record {
	const struct resp_arg *argv;	/* its words */
	int argc;			/* 0: none; -1: it could not be split */
	struct cmd *cmd;	/* its command, when it names a distribution
				 * command and is in no group; else NULL */
	char *err;		/* why it cannot run, as EVENTS reports it
				 * ("empty record", "ERR PACK: SITE is
				 * required" ...); NULL: it parsed */
	char *refused;		/* the role matrix's answer for the request's
				 * principal when it may not run it
				 * (acl_check_records), or NULL */
};

struct cmd_group {
	struct cmd cmd;		/* the first record's, naming every code */
	struct resp_arg *argv;	/* cmd's words */
	size_t first, n;	/* records first .. first + n - 1 */
	int vary;		/* the word in which they differ */
};

struct cmd_records {
	struct resp_arg batch;	/* BATCH id (a copy); len 0: none */
	bool skipbad;		/* SKIPBAD: a record that fails is passed over */
	bool checked;		/* each record has been put to the ACL */
	size_t n;
	struct cmd_record *rec;
	size_t ngroups;
	struct cmd_group *group;	/* in record order, none overlapping */
	char *text;		/* the batch id, then each record split in place */
	struct resp_arg *words;	/* each record's words */
};

/* Record g->first + k as the command it is alone: g's command with the
 * record's words and its own code (a PACK's container too).  Nothing is
 * parsed; out holds its own codes: cmd_free it. */
void cmd_group_record(const struct cmd_group *g, const struct cmd_record *r, size_t k,
		      struct cmd *out);

/* Parse argv (argc words, argv[0] the command's name) for spec, stamped
 * with time_ms and who.  Returns 0, or -1 with the problem in err (without
 * the command's name: "SITE is required").  Commands with a raw grammar
 * get only their stamp.  Call cmd_free after either. */
int cmd_parse(struct cmd *c, const struct command_spec *spec, int argc,
	      const struct resp_arg *argv, int64_t time_ms, const struct principal *who,
	      char *err, size_t errlen);
/* The same for a command already stamped by cmd_stamp (with its spec):
 * admission stamps every request first, and parses only those it lets
 * through. */
int cmd_parse_stamped(struct cmd *c, char *err, size_t errlen);
void cmd_free(struct cmd *c);
/* Look up the command argv names and check its arity: its spec, or NULL
 * with the reason in err ("unknown command 'X'", "wrong number of
 * arguments for 'PACK'; usage: ..."). */
const struct command_spec *cmd_find(int argc, const struct resp_arg *argv, char *err,
				    size_t errlen);
/* Only the stamp and the words, nothing parsed (spec may be NULL: a
 * request for no known command). */
void cmd_stamp(struct cmd *c, const struct command_spec *spec, int argc,
	       const struct resp_arg *argv, int64_t time_ms, const struct principal *who);

/* Fixed word i (0-based). */
static inline const struct resp_arg *cmd_word(const struct cmd *c, int i)
{
	return &c->argv[c->first_word + i];
}

/* Is option id given? */
static inline bool cmd_has(const struct cmd *c, enum opt_id id)
{
	return c->opt[id].arg != NULL;
}

/* The log entry version c was stored as (a replayed or replicated
 * entry's), for c and its records. */
void cmd_set_entry_version(struct cmd *c, unsigned version);

/* Does c's log entry version record its events' actor and obey site
 * kinds (entry.h)? */
static inline bool cmd_v2(const struct cmd *c)
{
	return c->entry_version >= 2;
}

/* Stamp event e with who sent c, as an entry of version 2 has its events
 * record (the local principal: ROLE_LOCAL, no name); nothing for an
 * older entry. */
struct event;
void cmd_actor(const struct cmd *c, struct event *e);

/* Point c's words at argv instead (same words, moved: a write job copies
 * them into its own memory).  Its records do not move: their words are
 * their own.  To move c itself to another address, cmd_move. */
void cmd_rebase(struct cmd *c, const struct resp_arg *argv);
/* Move c into *to (a write job): its words are now at argv and its
 * principal is who (copies of them; who NULL when c's is), for the records
 * too; codes and records go with it, nothing is copied, and c is left
 * empty (cmd_free is still safe). */
void cmd_move(struct cmd *to, struct cmd *c, const struct resp_arg *argv,
	      const struct principal *who);

#endif
