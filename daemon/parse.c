/*
 * parse — read a request by its command's grammar (see parse.h).
 *
 * Messages match what each command has always said: "SITE is required",
 * "QTY '0' is not a whole number from 1 to 1000000", "TIME '...' is not
 * ...", "TX must be 1 to 64 bytes", "REASON is required: 1 to 200 bytes
 * of text".
 */
#include "parse.h"
#include "acl.h"
#include "args.h"
#include "entry.h"
#include "eventlog.h"
#include "xmem.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool is_word(const struct resp_arg *a, const char *name)
{
	return a->len == strlen(name) && strncasecmp(a->ptr, name, a->len) == 0;
}

/* The grammar's option entry named by word a, or NULL. */
static const struct option_spec *option_named(const struct command_grammar *g,
					      const struct resp_arg *a)
{
	for (int k = 0; k < GRAMMAR_OPTS_MAX && g->opts[k].name; k++)
		if (is_word(a, g->opts[k].name))
			return &g->opts[k];
	return NULL;
}

static void list_options(const struct command_grammar *g, char *err, size_t errlen, int w)
{
	for (int k = 0; k < GRAMMAR_OPTS_MAX && g->opts[k].name && w > 0 && (size_t)w < errlen;
	     k++)
		w += snprintf(err + w, errlen - (size_t)w, "%s%s", k ? ", " : "", g->opts[k].name);
}

/* Read one option's value by its kind. */
static int read_value(const struct option_spec *o, const struct resp_arg *a, struct cmd_opt *out,
		      char *err, size_t errlen)
{
	char why[200];
	out->arg = a;
	switch (o->kind) {
	case OPT_K_TIME:
		if (args_time(a, &out->v.ms, why, sizeof why) != 0)
			return snprintf(err, errlen, "%s %s", o->name, why), -1;
		return 0;
	case OPT_K_DATE:
		if (args_date(a, &out->v.ymd, why, sizeof why) != 0)
			return snprintf(err, errlen, "%s %s", o->name, why), -1;
		return 0;
	case OPT_K_UINT:
		return args_uint(a, o->name, o->min, o->max, &out->v.n, err, errlen);
	case OPT_K_SEQ: {
		char *end;
		char digits[16];	/* below 2^48: at most 15 digits */
		if (a->len == 0 || a->len >= sizeof digits || a->ptr[0] < '0' || a->ptr[0] > '9')
			goto bad_seq;
		memcpy(digits, a->ptr, a->len);
		digits[a->len] = '\0';
		out->v.seq = strtoull(digits, &end, 10);
		if (*end == '\0' && out->v.seq != 0 && out->v.seq < (UINT64_C(1) << 48))
			return 0;
bad_seq:
		snprintf(err, errlen, "%s '%.20s' is not an event sequence number (1 or more)",
			 o->name, a->ptr);
		return -1;
	}
	case OPT_K_TEXT:
		if (a->len < o->min || a->len > o->max) {
			if (o->required)
				snprintf(err, errlen, "%s is required: %u to %u bytes of text",
					 o->name, o->min, o->max);
			else
				snprintf(err, errlen, "%s must be %u to %u bytes", o->name, o->min,
					 o->max);
			return -1;
		}
		/* Stored and shown in traces: no terminal controls. */
		return args_text(a, o->name, err, errlen);
	case OPT_K_SITE:
	case OPT_K_WORD:
	default:
		return 0;
	}
}

/* "SITE is required", "SITE and TX are required", "LEVEL is required
 * (1, 2 or 3)", "REASON is required: 1 to 200 bytes of text". */
static int missing(const struct command_grammar *g, const struct cmd *c, char *err, size_t errlen)
{
	const struct option_spec *miss[GRAMMAR_OPTS_MAX];
	int n = 0;
	for (int k = 0; k < GRAMMAR_OPTS_MAX && g->opts[k].name; k++)
		if (g->opts[k].required && !c->opt[g->opts[k].id].arg)
			miss[n++] = &g->opts[k];
	if (n == 0)
		return 0;
	const struct option_spec *o = miss[0];
	if (n > 1) {
		int w = 0;
		for (int i = 0; i < n && w >= 0 && (size_t)w < errlen; i++)
			w += snprintf(err + w, errlen - (size_t)w, "%s%s", i == 0 ? "" :
				      i == n - 1 ? " and " : ", ", miss[i]->name);
		if (w >= 0 && (size_t)w < errlen)
			snprintf(err + w, errlen - (size_t)w, " are required");
	} else if (o->kind == OPT_K_TEXT) {
		snprintf(err, errlen, "%s is required: %u to %u bytes of text", o->name, o->min,
			 o->max);
	} else if (o->kind == OPT_K_UINT && o->max - o->min == 2) {
		snprintf(err, errlen, "%s is required (%u, %u or %u)", o->name, o->min,
			 o->min + 1, o->max);
	} else {
		snprintf(err, errlen, "%s is required", o->name);
	}
	return -1;
}

/* Show an argument in an error message: printable, bounded. */
static const char *shown(const struct resp_arg *a, char *buf, size_t n)
{
	size_t j = 0;
	for (size_t i = 0; i < a->len && j + 5 < n; i++) {
		unsigned char c = (unsigned char)a->ptr[i];
		buf[j++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	if (a->len && j + 5 >= n) {
		memcpy(buf + j, "...", 3);
		j += 3;
	}
	buf[j] = '\0';
	return buf;
}

const struct command_spec *cmd_find(int argc, const struct resp_arg *argv, char *err,
				    size_t errlen)
{
	const char *names[2] = { argv[0].ptr, argc > 1 ? argv[1].ptr : "" };
	size_t lens[2] = { argv[0].len, argc > 1 ? argv[1].len : 0 };
	char a[48], b[48], full[64], subs[128];
	int why = 0;
	const struct command_spec *spec = command_lookup(argc, names, lens, &why);
	if (spec == NULL) {
		if (why == 1)
			snprintf(err, errlen, "unknown command '%s'", shown(&argv[0], a, sizeof a));
		else if (argc < 2)
			snprintf(err, errlen, "'%s' needs a subcommand: %s",
				 shown(&argv[0], a, sizeof a),
				 command_subcommands(argv[0].ptr, subs, sizeof subs));
		else
			snprintf(err, errlen, "unknown subcommand '%s' for '%s'; try %s",
				 shown(&argv[1], b, sizeof b), shown(&argv[0], a, sizeof a),
				 command_subcommands(argv[0].ptr, subs, sizeof subs));
		return NULL;
	}
	if (!command_arity_ok(spec, argc)) {
		snprintf(err, errlen, "wrong number of arguments for '%s'; usage: %s %s",
			 command_full_name(spec, full, sizeof full), full, spec->usage);
		return NULL;
	}
	return spec;
}

/* ---------------------------------------------------------------- EVENTS */

/* A record's error is cut at this many bytes, as EVENTS has always cut
 * the line a record's error reply said. */
#define RECORD_ERR_MAX 600

/* What an EVENTS record may be: the distribution records, and master data
 * (SITE SET, PRODUCT SET: `yima load` sends sites and products in batches
 * too, each record answering to the role matrix as if sent alone). */
static bool is_record_command(enum cmd_id id)
{
	switch (id) {
	case CMD_SITE_SET:
	case CMD_PRODUCT_SET:
	case CMD_COMMISSION:
	case CMD_PACK:
	case CMD_UNPACK:
	case CMD_SHIP:
	case CMD_RECEIVE:
	case CMD_RETURN:
	case CMD_DESTROY:
	case CMD_DISPENSE:
	case CMD_DECOMMISSION:
	case CMD_REACTIVATE:
	case CMD_TRANSFORM:
		return true;
	default:
		return false;
	}
}

static char *record_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *record_error(const char *fmt, ...)
{
	char why[RECORD_ERR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	return xstrdup(why);
}

/* Where a record's words are, once split. */
struct split {
	size_t at;		/* its first word in rs->words */
	int argc;		/* how many; -1: it cannot be split (err) */
	const char *err;
};

/* Copy each record (and the batch id) into rs->text and split it there
 * into words.  Every record is split before any is parsed: rs->words moves
 * while it grows. */
static void split_records(struct cmd_records *rs, const struct resp_arg *batch,
			  const struct resp_arg *argv, struct split *sp)
{
	size_t bytes = batch ? batch->len + 1 : 0, cap = 0, nwords = 0;
	for (size_t i = 0; i < rs->n; i++)
		bytes += argv[i].len + 1;
	char *line = rs->text = xmalloc(bytes ? bytes : 1);
	if (batch) {
		memcpy(line, batch->ptr, batch->len);
		line[batch->len] = '\0';
		rs->batch.ptr = line;
		rs->batch.len = batch->len;
		line += batch->len + 1;
	}
	for (size_t i = 0; i < rs->n; i++) {
		size_t len = argv[i].len;
		memcpy(line, argv[i].ptr, len);
		line[len] = '\0';
		/* Words are separated by blanks: at most (len + 1) / 2 of them. */
		size_t most = (len + 1) / 2 + 1;
		if (most > INT_MAX)
			most = INT_MAX;
		if (nwords + most > cap) {
			cap = (nwords + most) * 2;
			rs->words = xrealloc(rs->words, cap * sizeof *rs->words);
		}
		sp[i].at = nwords;
		sp[i].argc = resp_split_inline(line, len, rs->words + nwords, (int)most,
					       &sp[i].err);
		if (sp[i].argc > 0)
			nwords += (size_t)sp[i].argc;
		line += len + 1;
	}
}

/* The command record r names, if it is a distribution record; else NULL
 * with r->err saying why it cannot run. */
static const struct command_spec *record_command(struct cmd_record *r, const char *split_err)
{
	const struct command_spec *spec = NULL;
	char err[400];
	if (r->argc < 0)
		r->err = record_error("%s", split_err);
	else if (r->argc == 0)
		r->err = record_error("empty record");
	else if ((spec = cmd_find(r->argc, r->argv, err, sizeof err)) == NULL)
		r->err = record_error("ERR %s", err);
	else if (!is_record_command(spec->id))
		r->err = record_error("%.*s is not a distribution record or master data",
				      (int)r->argv[0].len, r->argv[0].ptr);
	return r->err ? NULL : spec;
}

/* Parse record r alone into a command of its own, stamped like c. */
static void parse_record(struct cmd_record *r, const struct command_spec *spec,
			 const struct cmd *c)
{
	char err[400];
	r->cmd = xmalloc(sizeof *r->cmd);
	if (cmd_parse(r->cmd, spec, r->argc, r->argv, c->time_ms, c->who, err, sizeof err) != 0)
		r->err = record_error("ERR %.*s: %s", (int)r->argv[0].len, r->argv[0].ptr, err);
}

/* How many code words a record of spec names before its first option
 * (the first `most` at most), as cmd_parse reads them. */
static int codes_named(const struct command_spec *spec, int argc, const struct resp_arg *argv,
		       int most)
{
	const struct command_grammar *g = &spec->g;
	int first = (spec->sub ? 2 : 1) + g->words, n = 0;
	if (!g->codes)
		return 0;
	while (n < most && first + n < argc && option_named(g, &argv[first + n]) == NULL)
		n++;
	return n;
}

/*
 * The word in which records of a command may differ and still run as one
 * command naming all their codes: the code of a one-code COMMISSION, the
 * child of a one-child PACK (their handlers refuse, with as_records, what
 * the command would not do exactly as the records one by one).  0: none.
 */
static int varying_word(const struct command_spec *spec, const struct cmd_record *r)
{
	switch (spec->id) {
	case CMD_COMMISSION:
		return codes_named(spec, r->argc, r->argv, 2) == 1 ? 1 : 0;
	case CMD_PACK:
		return codes_named(spec, r->argc, r->argv, 3) == 2 ? 2 : 0;
	default:
		return 0;
	}
}

static bool same_word(const struct resp_arg *a, const struct resp_arg *b)
{
	return a->len == b->len && memcmp(a->ptr, b->ptr, a->len) == 0;
}

/* Does record b differ from a, a record of spec whose varying word is
 * vary, in that word only, and is that word in b a code too? */
static bool same_but_varying(const struct command_spec *spec, const struct cmd_record *a,
			     int vary, const struct cmd_record *b)
{
	if (a->argc != b->argc || option_named(&spec->g, &b->argv[vary]) != NULL)
		return false;
	for (int k = 0; k < a->argc; k++)
		if (k != vary && !same_word(&a->argv[k], &b->argv[k]))
			return false;
	return true;
}

/*
 * Records first .. first + n - 1 of rs (the same but for word vary) as
 * group g: the first record parsed by spec's grammar, the others' codes
 * read against the same time, every code in its place.  -1 when the first
 * record does not parse (nor would the others: they differ in a code
 * only), and g is untouched.
 */
static int group_parse(struct cmd_group *g, const struct cmd_records *rs, size_t first,
		       size_t n, int vary, const struct command_spec *spec, const struct cmd *c)
{
	const struct cmd_record *rec = &rs->rec[first];
	struct cmd c0;
	char err[400];
	if (cmd_parse(&c0, spec, rec->argc, rec->argv, c->time_ms, c->who, err, sizeof err) != 0) {
		cmd_free(&c0);
		return -1;
	}
	int extra = (int)n - 1;
	struct resp_arg *argv = xmalloc((size_t)(c0.argc + extra) * sizeof *argv);
	memcpy(argv, c0.argv, (size_t)vary * sizeof *argv);
	for (size_t k = 0; k < n; k++)
		argv[vary + (int)k] = rec[k].argv[vary];
	memcpy(argv + vary + n, c0.argv + vary + 1, (size_t)(c0.argc - vary - 1) * sizeof *argv);

	size_t at = (size_t)(vary - c0.first_code), ncodes = c0.ncodes + n - 1;
	struct code_result *codes = xmalloc(ncodes * sizeof *codes);
	memcpy(codes, c0.codes, (at + 1) * sizeof *codes);
	struct code_opts opts;
	args_code_opts(c0.when_ms, &opts);
	for (size_t k = 1; k < n; k++) {
		const struct resp_arg *a = &rec[k].argv[vary];
		code_parse(a->ptr, a->len, &opts, &codes[at + k]);
	}
	memcpy(codes + at + n, c0.codes + at + 1, (c0.ncodes - at - 1) * sizeof *codes);

	g->first = first;
	g->n = n;
	g->vary = vary;
	g->argv = argv;
	g->cmd = c0;
	g->cmd.argc = c0.argc + extra;
	g->cmd.argv = argv;
	g->cmd.first_option += extra;	/* options follow the codes */
	for (int k = 0; k < OPT__COUNT; k++)
		if (c0.opt[k].arg)
			g->cmd.opt[k].arg = argv + (c0.opt[k].arg - c0.argv) + extra;
	cmd_free(&c0);
	g->cmd.codes = codes;
	g->cmd.ncodes = ncodes;
	return 0;
}

void cmd_group_record(const struct cmd_group *g, const struct cmd_record *r, size_t k,
		      struct cmd *out)
{
	const struct cmd *gc = &g->cmd;
	int extra = (int)g->n - 1;
	size_t at = (size_t)(g->vary - gc->first_code), ncodes = gc->ncodes - (size_t)extra;
	*out = *gc;
	out->argc = r->argc;
	out->argv = r->argv;
	out->first_option -= extra;
	for (int j = 0; j < OPT__COUNT; j++)
		if (gc->opt[j].arg)
			out->opt[j].arg = r->argv + (gc->opt[j].arg - gc->argv) - extra;
	out->ncodes = ncodes;
	out->codes = ncodes > 1 ? xmalloc(ncodes * sizeof *out->codes) : &out->one;
	for (size_t j = 0; j < ncodes; j++)
		out->codes[j] = gc->codes[j < at ? j : j == at ? at + k : j + (size_t)extra];
}

/* EVENTS [BATCH id] [SKIPBAD] record [record ...] */
static int parse_records(struct cmd *c, char *err, size_t errlen)
{
	const struct resp_arg *argv = c->argv, *batch = NULL;
	bool skipbad = false;
	int first = 1;
	while (first < c->argc) {
		if (is_word(&argv[first], "BATCH") && first + 1 < c->argc) {
			batch = &argv[first + 1];
			first += 2;
		} else if (is_word(&argv[first], "SKIPBAD")) {
			skipbad = true;
			first++;
		} else {
			break;
		}
	}
	if (batch && (batch->len == 0 || batch->len > CMD_BATCH_ID_MAX)) {
		snprintf(err, errlen, "BATCH id must be 1 to %d bytes", CMD_BATCH_ID_MAX);
		return -1;
	}
	if (batch && args_text(batch, "BATCH id", err, errlen) != 0)
		return -1;
	if (first >= c->argc) {
		snprintf(err, errlen, "no records given");
		return -1;
	}

	struct cmd_records *rs = c->records = xcalloc(1, sizeof *rs);
	rs->skipbad = skipbad;
	rs->n = (size_t)(c->argc - first);
	rs->rec = xcalloc(rs->n, sizeof *rs->rec);
	struct split *sp = xmalloc(rs->n * sizeof *sp);
	split_records(rs, batch, argv + first, sp);
	for (size_t i = 0; i < rs->n; i++) {
		rs->rec[i].argv = rs->words + sp[i].at;
		rs->rec[i].argc = sp[i].argc;
	}
	size_t cap = 0;
	for (size_t i = 0; i < rs->n;) {
		struct cmd_record *r = &rs->rec[i];
		const struct command_spec *spec = record_command(r, sp[i].err);
		if (spec == NULL) {
			i++;
			continue;
		}
		int vary = varying_word(spec, r);
		size_t end = i + 1;
		while (vary && end < rs->n && end - i < (size_t)(INT_MAX - r->argc) &&
		       same_but_varying(spec, r, vary, &rs->rec[end]))
			end++;
		if (end - i > 1) {
			if (rs->ngroups == cap) {
				cap = cap ? cap * 2 : 8;
				rs->group = xrealloc(rs->group, cap * sizeof *rs->group);
			}
			if (group_parse(&rs->group[rs->ngroups], rs, i, end - i, vary, spec, c) == 0) {
				rs->ngroups++;
				i = end;
				continue;
			}
		}
		/* Alone; a group that did not parse, each record alone. */
		for (; i < end; i++)
			parse_record(&rs->rec[i], spec, c);
	}
	free(sp);
	return 0;
}

void cmd_stamp(struct cmd *c, const struct command_spec *spec, int argc,
	       const struct resp_arg *argv, int64_t time_ms, const struct principal *who)
{
	memset(c, 0, sizeof *c);
	c->spec = spec;
	c->argc = argc;
	c->argv = argv;
	c->time_ms = time_ms;
	c->when_ms = time_ms;
	c->who = who;
	c->entry_version = ENTRY_VERSION;
	c->codes = &c->one;
	c->first_word = spec && spec->sub ? 2 : 1;
	c->first_option = argc;
}

int cmd_parse(struct cmd *c, const struct command_spec *spec, int argc,
	      const struct resp_arg *argv, int64_t time_ms, const struct principal *who,
	      char *err, size_t errlen)
{
	cmd_stamp(c, spec, argc, argv, time_ms, who);
	return cmd_parse_stamped(c, err, errlen);
}

int cmd_parse_stamped(struct cmd *c, char *err, size_t errlen)
{
	const struct command_spec *spec = c->spec;
	const struct command_grammar *g = &spec->g;
	int argc = c->argc;
	const struct resp_arg *argv = c->argv;
	if (g->raw)
		return 0;
	if (g->records)
		return parse_records(c, err, errlen);

	/* Fixed words, then the list of codes up to the first option word. */
	int i = c->first_word;
	c->nwords = g->words;
	if (g->code_alone && argc - i == 1) {	/* one code in place of the words */
		c->nwords = 0;
		c->first_code = i;
		c->ncodes = 1;
	}
	if (i + c->nwords > argc) {
		snprintf(err, errlen, "needs %d argument%s", g->words, g->words == 1 ? "" : "s");
		return -1;
	}
	i += c->nwords + (int)c->ncodes;
	int split_at = 0;
	if (g->codes) {
		if (g->lead && (i >= argc || !is_word(&argv[i], g->lead))) {
			snprintf(err, errlen, "%s must come first: %s code [code ...] %s code "
				 "[code ...]", g->lead, g->lead, g->split);
			return -1;
		}
		i += g->lead != NULL;
		c->first_code = i;
		for (; i < argc && option_named(g, &argv[i]) == NULL; i++) {
			if (!g->split || !is_word(&argv[i], g->split))
				continue;
			if (split_at) {
				snprintf(err, errlen, "%s given twice", g->split);
				return -1;
			}
			split_at = i;
		}
		c->ncodes = (size_t)(i - c->first_code - (split_at != 0));
		c->nsplit = split_at ? (size_t)(split_at - c->first_code) : 0;
		if (g->split && (!split_at || c->nsplit == 0 || c->nsplit == c->ncodes)) {
			if (!split_at)
				snprintf(err, errlen, "%s is required after the %s codes", g->split,
					 g->lead);
			else
				snprintf(err, errlen, "%s needs at least one code",
					 c->nsplit == 0 ? g->lead : g->split);
			return -1;
		}
	} else if (g->code && c->nwords) {
		c->first_code = c->first_word + g->code - 1;
		c->ncodes = 1;
	}

	/* Options: "NAME value", or a flag's NAME alone. */
	c->first_option = i;
	while (i < argc) {
		const struct option_spec *o = option_named(g, &argv[i]);
		if (o == NULL) {
			int w = snprintf(err, errlen, "unexpected argument '%.40s'; options are ",
					 argv[i].ptr);
			list_options(g, err, errlen, w);
			return -1;
		}
		if (c->opt[o->id].arg) {
			snprintf(err, errlen, "%s given twice", o->name);
			return -1;
		}
		if (o->kind == OPT_K_FLAG) {	/* the word is all there is */
			c->opt[o->id].arg = &argv[i];
			i++;
			continue;
		}
		if (i + 1 >= argc) {
			snprintf(err, errlen, "%s needs a value", o->name);
			return -1;
		}
		c->opt[o->id].arg = &argv[i + 1];
		i += 2;
	}
	if (missing(g, c, err, errlen) != 0)
		return -1;
	for (int k = 0; k < GRAMMAR_OPTS_MAX && g->opts[k].name; k++) {
		struct cmd_opt *v = &c->opt[g->opts[k].id];
		if (v->arg && read_value(&g->opts[k], v->arg, v, err, errlen) != 0)
			return -1;
	}
	if (c->opt[OPT_TIME].arg)
		c->when_ms = c->opt[OPT_TIME].v.ms;

	/* The codes, read against the time the request is about: two-digit
	 * years of an expiry are read around the year of its TIME. */
	if (c->ncodes > 1)
		c->codes = xmalloc(c->ncodes * sizeof *c->codes);
	struct code_opts opts;
	args_code_opts(c->when_ms, &opts);
	for (size_t k = 0; k < c->ncodes; k++) {
		const struct resp_arg *a = &argv[c->first_code + (int)k +
						 (split_at && k >= c->nsplit)];
		code_parse(a->ptr, a->len, &opts, &c->codes[k]);
	}
	return 0;
}

static void records_free(struct cmd_records *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		if (rs->rec[i].cmd)
			cmd_free(rs->rec[i].cmd);
		free(rs->rec[i].cmd);
		free(rs->rec[i].err);
		free(rs->rec[i].refused);
	}
	for (size_t i = 0; i < rs->ngroups; i++) {
		cmd_free(&rs->group[i].cmd);
		free(rs->group[i].argv);
	}
	free(rs->rec);
	free(rs->group);
	free(rs->words);
	free(rs->text);
	free(rs);
}

void cmd_free(struct cmd *c)
{
	if (c->codes != &c->one)
		free(c->codes);
	c->codes = &c->one;
	c->ncodes = 0;
	if (c->records)
		records_free(c->records);
	c->records = NULL;
}

void cmd_rebase(struct cmd *c, const struct resp_arg *argv)
{
	for (int k = 0; k < OPT__COUNT; k++)
		if (c->opt[k].arg)
			c->opt[k].arg = argv + (c->opt[k].arg - c->argv);
	c->argv = argv;
}

void cmd_set_entry_version(struct cmd *c, unsigned version)
{
	c->entry_version = (uint8_t)version;
	for (size_t i = 0; c->records && i < c->records->n; i++)
		if (c->records->rec[i].cmd)
			c->records->rec[i].cmd->entry_version = (uint8_t)version;
	for (size_t i = 0; c->records && i < c->records->ngroups; i++)
		c->records->group[i].cmd.entry_version = (uint8_t)version;
}

void cmd_actor(const struct cmd *c, struct event *e)
{
	if (!cmd_v2(c))
		return;
	e->actor_role = c->who ? c->who->role : ROLE_LOCAL;
	e->actor_len = c->who ? strlen(c->who->name) : 0;
	if (e->actor_len > EVENT_ACTOR_MAX)
		e->actor_len = EVENT_ACTOR_MAX;
	memcpy(e->actor, c->who ? c->who->name : "", e->actor_len);
	e->actor[e->actor_len] = '\0';
}

void cmd_move(struct cmd *to, struct cmd *c, const struct resp_arg *argv,
	      const struct principal *who)
{
	*to = *c;
	/* One code lives in the command itself, more in their own memory:
	 * which, the pointer says (a request refused part-way has counted
	 * its codes but not yet given them memory). */
	if (c->codes == &c->one)
		to->codes = &to->one;
	cmd_rebase(to, argv);
	to->who = who;
	for (size_t i = 0; to->records && i < to->records->n; i++)
		if (to->records->rec[i].cmd)
			to->records->rec[i].cmd->who = who;
	for (size_t i = 0; to->records && i < to->records->ngroups; i++)
		to->records->group[i].cmd.who = who;
	c->codes = &c->one;
	c->ncodes = 0;
	c->records = NULL;
}
