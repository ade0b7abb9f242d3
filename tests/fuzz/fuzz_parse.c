/*
 * fuzz_parse — libFuzzer target for the command parser (daemon/parse.c):
 * any request a client can send, EVENTS and its records included.
 *
 * Input: byte 0 picks the request's time (the fixture's day, the year
 * 2060, the epoch, far ends of the range), the rest is the request's words
 * separated by newlines (a word may hold blanks, quotes, NULs: an EVENTS
 * record is one word).  A request whose command the table does not know,
 * or of the wrong arity, stops at the lookup, as on a connection.
 *
 * Checked: a refused request says why; a parsed one points only into its
 * own words (options, codes) and holds as many codes as it names; each
 * EVENTS record either parsed, stamped like the request, or says why not,
 * or is in a group; groups are in order and apart, and each of their
 * records, taken out of its group (cmd_group_record), is exactly the
 * command it parses into alone.  The command then moves
 * (as into a write job) onto a copy of its words, the original words are
 * overwritten, the moved command is checked again, and both are freed:
 * AddressSanitizer catches anything still pointing at the old words, and
 * LeakSanitizer anything not freed.
 */
#include "parse.h"
#include "xmem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define check(cond) do { if (!(cond)) { \
	fprintf(stderr, "fuzz_parse: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	abort(); } } while (0)

static const int64_t times[8] = {
	INT64_C(1805083200000),		/* 2027-03-15T04:00:00Z */
	INT64_C(2840140800000),		/* 2060-01-01 */
	0,
	-INT64_C(62135596800000),	/* 0001-01-01 */
	INT64_C(253402300799000),	/* 9999-12-31T23:59:59Z */
	INT64_C(1805083200000) - 1,
	INT64_C(946684800000),		/* 2000-01-01 */
	INT64_C(4102444800000),		/* 2100-01-01 */
};

static bool inside(const struct resp_arg *a, const struct resp_arg *argv, int argc)
{
	return a >= argv && a < argv + argc;
}

static bool same_code(const struct code_result *a, const struct code_result *b)
{
	return a->cr_err == b->cr_err && a->cr_key_len == b->cr_key_len &&
	       memcmp(a->cr_key, b->cr_key, a->cr_key_len) == 0;
}

/* One parsed command (a request, a record or a group). */
static void check_cmd(const struct cmd *c)
{
	check(c->spec != NULL);
	check(c->argc >= 1);
	for (int i = 0; i < c->argc; i++)
		check(c->argv[i].ptr[c->argv[i].len] == '\0');
	check(c->when_ms == (c->opt[OPT_TIME].arg ? c->opt[OPT_TIME].v.ms : c->time_ms));
	if (c->spec->g.raw || c->spec->g.records)
		return;
	const struct command_grammar *g = &c->spec->g;
	for (int k = 0; k < OPT__COUNT; k++)
		if (c->opt[k].arg) {
			check(inside(c->opt[k].arg, c->argv, c->argc));
			check(c->opt[k].arg - c->argv >= c->first_option);	/* a flag: its word */
		}
	check(c->first_word + c->nwords <= c->argc);
	check(c->first_option <= c->argc);
	if (g->codes)
		check(c->first_code + (int)c->ncodes == c->first_option);
	else if (g->code && c->nwords)
		check(c->ncodes == 1);
	else
		check(c->ncodes == (g->code_alone && c->nwords == 0));
	check((c->ncodes <= 1) == (c->codes == &c->one));
	for (size_t k = 0; k < c->ncodes; k++)
		check(c->codes[k].cr_err == CODE_OK || c->codes[k].cr_msg[0] != '\0');
}

/* Are a and b the same command: words, stamp, codes, options? */
static void check_same(const struct cmd *a, const struct cmd *b)
{
	check(a->spec == b->spec && a->argc == b->argc);
	for (int k = 0; k < a->argc; k++)
		check(a->argv[k].len == b->argv[k].len &&
		      memcmp(a->argv[k].ptr, b->argv[k].ptr, a->argv[k].len) == 0);
	check(a->time_ms == b->time_ms && a->when_ms == b->when_ms && a->who == b->who);
	check(a->first_word == b->first_word && a->nwords == b->nwords);
	check(a->first_code == b->first_code && a->first_option == b->first_option);
	check(a->ncodes == b->ncodes);
	for (size_t k = 0; k < a->ncodes; k++)
		check(same_code(&a->codes[k], &b->codes[k]) &&
		      memcmp(&a->codes[k].cr_expiry, &b->codes[k].cr_expiry,
			     sizeof a->codes[k].cr_expiry) == 0);
	for (int k = 0; k < OPT__COUNT; k++) {
		check((a->opt[k].arg == NULL) == (b->opt[k].arg == NULL));
		if (a->opt[k].arg)
			check(a->opt[k].arg - a->argv == b->opt[k].arg - b->argv &&
			      memcmp(&a->opt[k].v, &b->opt[k].v, sizeof a->opt[k].v) == 0);
	}
}

static void check_records(const struct cmd *c)
{
	const struct cmd_records *rs = c->records;
	check((rs != NULL) == c->spec->g.records);
	if (rs == NULL)
		return;
	check(rs->n >= 1 && rs->n < (size_t)c->argc);
	check(rs->batch.len <= CMD_BATCH_ID_MAX);
	check(!rs->checked);
	size_t in_groups = 0;
	for (size_t g = 0; g < rs->ngroups; g++)
		in_groups += rs->group[g].n;
	for (size_t i = 0; i < rs->n; i++) {
		const struct cmd_record *r = &rs->rec[i];
		check(r->refused == NULL);
		check(r->argc != 0 || r->err != NULL);
		if (r->err)
			check(r->err[0] != '\0' && strlen(r->err) < 600);
		if (r->cmd == NULL) {
			in_groups -= r->err == NULL;
			continue;
		}
		check(r->cmd->time_ms == c->time_ms && r->cmd->who == c->who);
		check(r->cmd->records == NULL && r->cmd->argv == r->argv);
		if (r->err == NULL)
			check_cmd(r->cmd);
	}
	check(in_groups == 0);	/* the records with neither a command nor an error */

	size_t next = 0;
	for (size_t g = 0; g < rs->ngroups; g++) {
		const struct cmd_group *grp = &rs->group[g];
		check(grp->first >= next && grp->n >= 2 && grp->first + grp->n <= rs->n);
		next = grp->first + grp->n;
		check_cmd(&grp->cmd);
		check(grp->cmd.argv == grp->argv && grp->cmd.records == NULL);
		/* Each of its records alone: the command it parses into. */
		for (size_t k = 0; k < grp->n; k++) {
			const struct cmd_record *r = &rs->rec[grp->first + k];
			check(r->cmd == NULL && r->err == NULL);
			struct cmd view, alone;
			char err[400];
			cmd_group_record(grp, r, k, &view);
			check(cmd_parse(&alone, grp->cmd.spec, r->argc, r->argv, c->time_ms, c->who,
					err, sizeof err) == 0);
			check_same(&view, &alone);
			check_cmd(&view);
			cmd_free(&view);
			cmd_free(&alone);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int64_t now = times[data[0] & 7];
	/* The words, each NUL-terminated, as the request parser leaves them. */
	size_t n = size - 1;
	char *text = xmalloc(n + 1);
	memcpy(text, data + 1, n);
	text[n] = '\0';
	int argc = 1;
	for (size_t i = 0; i < n; i++)
		argc += text[i] == '\n';
	struct resp_arg *argv = xmalloc((size_t)argc * sizeof *argv);
	char *w = text;
	for (int i = 0; i < argc; i++) {
		char *end = i + 1 < argc ? memchr(w, '\n', (size_t)(text + n - w)) : text + n;
		*end = '\0';
		argv[i] = (struct resp_arg){ w, (size_t)(end - w) };
		w = end + 1;
	}

	char err[400];
	const struct command_spec *spec = cmd_find(argc, argv, err, sizeof err);
	if (spec == NULL) {
		check(err[0] != '\0');
		goto out;
	}
	struct cmd c;
	err[0] = '\0';
	if (cmd_parse(&c, spec, argc, argv, now, NULL, err, sizeof err) != 0) {
		check(err[0] != '\0' && memchr(err, '\0', sizeof err) != NULL);
		struct cmd held;	/* as a connection holds a refused request */
		cmd_move(&held, &c, argv, NULL);
		cmd_free(&c);
		cmd_free(&held);
		goto out;
	}
	check(c.argv == argv && c.argc == argc && c.time_ms == now);
	check_cmd(&c);
	check_records(&c);

	/* Moved onto a copy of the words; the old words are gone. */
	char *copy = xmalloc(n + 1);
	memcpy(copy, text, n + 1);
	struct resp_arg *argv2 = xmalloc((size_t)argc * sizeof *argv2);
	for (int i = 0; i < argc; i++)
		argv2[i] = (struct resp_arg){ copy + (argv[i].ptr - text), argv[i].len };
	struct cmd moved;
	cmd_move(&moved, &c, argv2, NULL);
	check(c.records == NULL && c.ncodes == 0);
	cmd_free(&c);
	memset(text, 0x55, n);
	free(argv);
	free(text);
	argv = NULL;
	text = NULL;
	check_cmd(&moved);
	check_records(&moved);
	cmd_free(&moved);
	free(argv2);
	free(copy);
out:
	free(argv);
	free(text);
	return 0;
}
