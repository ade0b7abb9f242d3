/*
 * parse — read a request by its command's grammar (see parse.h).
 *
 * Messages match what each command has always said: "SITE is required",
 * "QTY '0' is not a whole number from 1 to 1000000", "TIME '...' is not
 * ...", "TX must be 1 to 64 bytes", "REASON is required: 1 to 200 bytes
 * of text".
 */
#include "parse.h"
#include "args.h"
#include "xmem.h"

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
	c->codes = &c->one;
	c->first_word = spec && spec->sub ? 2 : 1;
	c->first_option = argc;
}

int cmd_parse(struct cmd *c, const struct command_spec *spec, int argc,
	      const struct resp_arg *argv, int64_t time_ms, const struct principal *who,
	      char *err, size_t errlen)
{
	const struct command_grammar *g = &spec->g;
	cmd_stamp(c, spec, argc, argv, time_ms, who);
	if (g->raw)
		return 0;

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
	if (g->codes) {
		c->first_code = i;
		while (i < argc && option_named(g, &argv[i]) == NULL)
			i++;
		c->ncodes = (size_t)(i - c->first_code);
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
		const struct resp_arg *a = &argv[c->first_code + (int)k];
		code_parse(a->ptr, a->len, &opts, &c->codes[k]);
	}
	return 0;
}

void cmd_free(struct cmd *c)
{
	if (c->codes != &c->one)
		free(c->codes);
	c->codes = &c->one;
	c->ncodes = 0;
}

void cmd_rebase(struct cmd *c, const struct resp_arg *argv)
{
	for (int k = 0; k < OPT__COUNT; k++)
		if (c->opt[k].arg)
			c->opt[k].arg = argv + (c->opt[k].arg - c->argv);
	if (c->ncodes <= 1)
		c->codes = &c->one;
	c->argv = argv;
}
