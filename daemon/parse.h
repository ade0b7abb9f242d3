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
 * Ownership: a struct cmd points into the request's words (argv) and owns
 * its codes array; cmd_free releases that.  The words must outlive it.
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

	int first_option;		/* argv index of the first option word */
	struct cmd_opt opt[OPT__COUNT];
};

/* Parse argv (argc words, argv[0] the command's name) for spec, stamped
 * with time_ms and who.  Returns 0, or -1 with the problem in err (without
 * the command's name: "SITE is required").  Commands with a raw grammar
 * get only their stamp.  Call cmd_free after either. */
int cmd_parse(struct cmd *c, const struct command_spec *spec, int argc,
	      const struct resp_arg *argv, int64_t time_ms, const struct principal *who,
	      char *err, size_t errlen);
void cmd_free(struct cmd *c);
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

/* Point c's words at argv instead (same words, moved: a write job copies
 * them into its own memory). */
void cmd_rebase(struct cmd *c, const struct resp_arg *argv);

#endif
