/*
 * rules_fixture — what a unit test of the rules needs: a fresh store in a
 * temporary directory, the default configuration, master data, and typed
 * commands stamped with a fixed time.  Included by test_*.c files that
 * test rule modules (scan.c ...); everything here is static.
 *
 *   struct fx f;
 *   fx_open(&f);
 *   fx_site(&f, "PH1", "pharmacy");
 *   fx_product(&f, "8301234", "1");
 *   struct fx_cmd c;
 *   fx_parse(&c, T0, "DISPENSE", "83012340000000000011", "SITE", "PH1", NULL);
 *   struct store_txn *t = fx_begin(&f);
 *   ... apply c.cmd by a rule ...
 *   fx_commit(&f);
 *   fx_cmd_free(&c);
 *   fx_close(&f);
 */
#ifndef YIMA_RULES_FIXTURE_H
#define YIMA_RULES_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "eventlog.h"
#include "log.h"
#include "master.h"
#include "parse.h"
#include "store.h"
#include "units.h"

/* 2027-03-15T04:00:00Z, noon in Beijing: the rules' "now" in these tests. */
#define FX_T0 INT64_C(1805083200000)
#define FX_DAY_MS INT64_C(86400000)

/* Each test file uses some of these. */
#define FX_FN static __attribute__((unused))

struct fx {
	char base[64];
	struct store *s;
	struct config cfg;
	struct store_txn *txn;
};

#define FX_WORDS_MAX 32

struct fx_cmd {
	struct cmd cmd;
	struct resp_arg argv[FX_WORDS_MAX];
	char text[4096];	/* the words' copies */
	char err[400];		/* fx_parse_err: why it did not parse */
};

FX_FN int fx_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

FX_FN void fx_open(struct fx *f)
{
	memset(f, 0, sizeof *f);
	snprintf(f->base, sizeof f->base, "/tmp/yima-test-rules-XXXXXX");
	assert_non_null(mkdtemp(f->base));
	char dir[96], err[512] = "";
	snprintf(dir, sizeof dir, "%s/data", f->base);
	log_set_level(LOG_WARN);
	struct store_options o = { .dir = dir, .map_size = 1 << 24, .max_readers = 4 };
	if (store_open(&f->s, &o, err, sizeof err) != 0)
		fail_msg("store_open(%s): %s", dir, err);
	config_defaults(&f->cfg);
	snprintf(f->cfg.timezone, sizeof f->cfg.timezone, "+08:00");
}

FX_FN void fx_close(struct fx *f)
{
	if (f->txn)
		store_write_abort(f->txn);
	store_close(f->s);
	nftw(f->base, fx_rm, 16, FTW_DEPTH | FTW_PHYS);
}

static struct store_txn *fx_begin(struct fx *f)
{
	assert_null(f->txn);
	int rc = store_write_begin(f->s, &f->txn);
	if (rc)
		fail_msg("store_write_begin: %s", store_strerror(rc));
	return f->txn;
}

FX_FN void fx_commit(struct fx *f)
{
	int rc = store_write_commit(f->txn);
	f->txn = NULL;
	if (rc)
		fail_msg("commit: %s", store_strerror(rc));
}

FX_FN void fx_abort(struct fx *f)
{
	store_write_abort(f->txn);
	f->txn = NULL;
}

/* Words (NULL-terminated) into c->argv; their count. */
FX_FN int fx_words(struct fx_cmd *c, const char *first, va_list ap)
{
	int n = 0;
	size_t used = 0;
	for (const char *w = first; w; w = va_arg(ap, const char *)) {
		size_t len = strlen(w);
		assert_true(n < FX_WORDS_MAX && used + len < sizeof c->text);
		memcpy(c->text + used, w, len + 1);
		c->argv[n].ptr = c->text + used;
		c->argv[n].len = len;
		used += len + 1;
		n++;
	}
	return n;
}

static const struct command_spec *fx_spec(const struct fx_cmd *c, int argc)
{
	const char *names[2] = { c->argv[0].ptr, argc > 1 ? c->argv[1].ptr : "" };
	size_t lens[2] = { c->argv[0].len, argc > 1 ? c->argv[1].len : 0 };
	int why;
	const struct command_spec *spec = command_lookup(argc, names, lens, &why);
	if (spec == NULL)
		fail_msg("no command %s", c->argv[0].ptr);
	return spec;
}

/* Parse a command line stamped at `ms`, sent by the trusted principal;
 * the test fails if it does not parse. */
FX_FN void fx_vparse(struct fx_cmd *c, int64_t ms, const char *first, va_list ap)
{
	int argc = fx_words(c, first, ap);
	if (cmd_parse(&c->cmd, fx_spec(c, argc), argc, c->argv, ms, NULL, c->err,
		      sizeof c->err) != 0)
		fail_msg("%s does not parse: %s", first, c->err);
}

FX_FN void fx_parse(struct fx_cmd *c, int64_t ms, const char *first, ...)
{
	va_list ap;
	va_start(ap, first);
	fx_vparse(c, ms, first, ap);
	va_end(ap);
}

/* The same for a command line that must not parse: 0 when it did not (the
 * reason in c->err). */
FX_FN int fx_parse_err(struct fx_cmd *c, int64_t ms, const char *first, ...)
{
	va_list ap;
	va_start(ap, first);
	int argc = fx_words(c, first, ap);
	va_end(ap);
	int rc = cmd_parse(&c->cmd, fx_spec(c, argc), argc, c->argv, ms, NULL, c->err,
			   sizeof c->err);
	cmd_free(&c->cmd);
	return rc == 0 ? -1 : 0;
}

FX_FN void fx_cmd_free(struct fx_cmd *c)
{
	cmd_free(&c->cmd);
}

/* Master data, in a transaction of its own: "field value ..." pairs. */
FX_FN void fx_master(struct fx *f, const struct master_kind *k, const char *id,
		      const char *const *pairs, int npairs)
{
	struct resp_arg a[16];
	char err[300], text[16][256];
	struct master_rec rec = { 0 };
	assert_true(npairs <= 16);
	for (int i = 0; i < npairs; i++) {
		snprintf(text[i], sizeof text[i], "%s", pairs[i]);
		a[i].ptr = text[i];
		a[i].len = strlen(text[i]);
	}
	struct store_txn *t = fx_begin(f);
	int rc = master_load(t, k, id, &rec);
	assert_true(rc == 0 || rc == STORE_NOTFOUND);
	if (master_apply(k, &rec, npairs, a, err, sizeof err) != 0)
		fail_msg("%s %s: %s", master_what(k), id, err);
	rc = master_store(t, k, id, &rec);
	if (rc)
		fail_msg("store %s: %s", id, store_strerror(rc));
	fx_commit(f);
}

FX_FN void fx_site(struct fx *f, const char *id, const char *kind)
{
	const char *pairs[] = { "name", id, "kind", kind };
	fx_master(f, &master_site, id, pairs, 4);
}

FX_FN void fx_product(struct fx *f, const char *id, const char *units_per_pack)
{
	const char *pairs[] = { "name", "Amoxicillin 250mg", "units_per_pack", units_per_pack };
	fx_master(f, &master_product, id, pairs, 4);
}

/* Run a command line's handler in a transaction of its own, as the
 * writer would, stamped at `ms`; the test fails unless it is done.  For
 * setting the scene (COMMISSION, SHIP ...) around the rule under test. */
FX_FN void fx_do(struct fx *f, int64_t ms, const char *first, ...)
{
	struct fx_cmd c;
	va_list ap;
	va_start(ap, first);
	int argc = fx_words(&c, first, ap);
	va_end(ap);
	if (cmd_parse(&c.cmd, fx_spec(&c, argc), argc, c.argv, ms, NULL, c.err,
		      sizeof c.err) != 0)
		fail_msg("%s does not parse: %s", first, c.err);
	struct resp_out out = { BUF_INIT, 2 };
	struct cmd_ctx ctx = { .cmd = &c.cmd, .cfg = &f->cfg, .out = &out, .txn = fx_begin(f) };
	enum cmd_status st = cmd_run(&ctx);
	if (st != CMD_DONE)
		fail_msg("%s: status %d, store %s: %.*s", first, (int)st,
			 store_strerror(ctx.store_rc), (int)out.b.len, out.b.data);
	fx_commit(f);
	buf_free(&out.b);
	cmd_free(&c.cmd);
}

/* A rule applied directly (not through its handler), at time `ms`: parse
 * the words into c and begin its transaction ... */
FX_FN struct store_txn *fx_rule_begin(struct fx *f, struct fx_cmd *c, int64_t ms,
				      const char *first, va_list ap)
{
	fx_vparse(c, ms, first, ap);
	return fx_begin(f);
}

/* ... then end it: the test fails on a store error; anything else is
 * committed (a refusal must have written nothing). */
FX_FN enum cmd_status fx_rule_end(struct fx *f, struct fx_cmd *c, enum cmd_status st,
				  const struct outcome *o)
{
	if (st == CMD_FAILED)
		fail_msg("%s: store %s", c->argv[0].ptr, store_strerror(o->store_rc));
	fx_commit(f);
	fx_cmd_free(c);
	return st;
}

/* Refused, with `msg` in the reason (o: a struct outcome). */
#define fx_assert_refused(st, o, msg)                                                \
	do {                                                                         \
		assert_int_equal((st), CMD_REFUSED);                                 \
		if (strstr((o).why, (msg)) == NULL)                                  \
			fail_msg("refused with \"%s\", not \"%s\"", (o).why, (msg));    \
	} while (0)

/* The number of site `id`, which must exist. */
FX_FN uint32_t fx_site_num(struct fx *f, const char *id)
{
	struct master_rec rec;
	struct store_txn *t = fx_begin(f);
	assert_int_equal(master_load(t, &master_site, id, &rec), 0);
	fx_abort(f);
	return rec.num;
}

/* The next id of a counter ("event", "alert"): what the store has
 * assigned so far. */
FX_FN uint64_t fx_next(struct fx *f, const char *counter)
{
	uint64_t n;
	struct store_txn *t = fx_begin(f);
	assert_int_equal(store_peek_id64(t, counter, &n), 0);
	fx_abort(f);
	return n;
}

/* Event seq, which must exist. */
FX_FN struct event fx_event(struct fx *f, uint64_t seq)
{
	struct event e;
	struct store_txn *t = fx_begin(f);
	assert_int_equal(events_get(t, seq, &e), 0);
	fx_abort(f);
	return e;
}

/* The unit a code names: 0 or STORE_NOTFOUND. */
FX_FN int fx_find_unit(struct fx *f, const char *code, struct unit *u)
{
	struct fx_cmd c;
	fx_parse(&c, FX_T0, "TRACE", code, NULL);
	struct store_txn *t = fx_begin(f);
	int rc = units_find(t, c.cmd.codes[0].cr_key, c.cmd.codes[0].cr_key_len, u);
	fx_abort(f);
	fx_cmd_free(&c);
	return rc;
}

/* The unit a code names, which must exist. */
FX_FN struct unit fx_unit(struct fx *f, const char *code)
{
	struct unit u;
	assert_int_equal(fx_find_unit(f, code, &u), 0);
	return u;
}

#endif
