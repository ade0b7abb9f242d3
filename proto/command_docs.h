/*
 * command_docs — the command table (command.h) described the way Redis
 * describes its own commands: COMMAND, COMMAND INFO, COMMAND COUNT and
 * COMMAND DOCS, so that redis-cli shows hints and Redis client libraries
 * that ask the server what it runs get an answer they can read.
 *
 * Nothing here is written twice: a command's arguments are read from its
 * usage text in the table, the option words checked against its grammar
 * (an option of the grammar is a token; its kind says whether a value
 * follows and whether that value is an integer).  The usage's notation is
 * the one PROTOCOL.md uses: `[...]` optional, `a | b` one of, `x [x ...]`
 * repeated, upper-case words typed as they are.
 */
#ifndef YIMA_COMMAND_DOCS_H
#define YIMA_COMMAND_DOCS_H

#include <stdbool.h>
#include <stddef.h>

#include "command.h"
#include "resp.h"

/* One argument, in Redis's terms. */
struct doc_arg {
	char name[64];
	const char *type;	/* "string", "integer", "pure-token", "block", "oneof" */
	char token[24];		/* the word typed before the value ("" none) */
	bool optional, multiple;
	int child, next;	/* block, oneof: first child; the next sibling (-1 none) */
};

#define DOC_ARGS_MAX 64

struct doc_args {
	struct doc_arg a[DOC_ARGS_MAX];
	int n;
	int first;		/* the first top-level argument, -1 none */
};

/* The arguments of spec (after its name and subcommand).  0, or -1 when
 * its usage does not parse (a unit test keeps every one parsing). */
int command_doc_args(const struct command_spec *spec, struct doc_args *out);

/* The hint redis-cli builds from those arguments, into buf. */
const char *command_doc_hint(const struct doc_args *d, char *buf, size_t n);

/* Names as Redis's COMMAND replies give them: "site", "site|set". */
const char *command_doc_name(const struct command_spec *c, char *buf, size_t n);

/* The replies.  names: the words after COMMAND DOCS / INFO (argc of them;
 * none: every command).  A name that is no command is left out of DOCS
 * and is nil in INFO, as in Redis. */
void command_docs_reply(struct resp_out *o, int argc, const struct resp_arg *names);
void command_info_reply(struct resp_out *o, int argc, const struct resp_arg *names);
void command_list_reply(struct resp_out *o);
/* Commands with their subcommands counted once, as COMMAND COUNT does. */
size_t command_count(void);

#endif
