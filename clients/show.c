/*
 * show — scan replies for people and programs.
 *
 * The server's map is the source of truth: this file only picks fields out
 * of it and lays them out.  A field that is missing, or of a type the
 * server does not send, is skipped rather than guessed, so a newer server
 * with more fields, or an older one with fewer, still prints.
 */
#include "show.h"
#include "buf.h"
#include "output.h"
#include "text.h"
#include "xmem.h"
#include "zone.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define COLOUR_GREEN "\033[1;32m"
#define COLOUR_AMBER "\033[1;33m"
#define COLOUR_RED   "\033[1;31m"
#define COLOUR_RESET "\033[0m"

/* Escaped copies live in a ring: a line prints a few strings at once. */
#define SAFE_RING 8

const char *show_safe(const char *s)
{
	static struct buf ring[SAFE_RING];
	static unsigned next;
	struct text_fault fault;
	size_t n = strlen(s);
	if (text_check(s, n, &fault) == 0)
		return s;
	struct buf *b = &ring[next++ % SAFE_RING];
	buf_reset(b);
	text_escape(b, s, n);
	return b->data;
}

static bool show_true(const struct resp_value *v, const char *key)
{
	const struct resp_value *f = resp_get(v, key);
	return f && (f->type == RESP_T_BOOL || f->type == RESP_T_INT) && f->integer;
}

bool show_false(const struct resp_value *v, const char *key)
{
	const struct resp_value *f = resp_get(v, key);
	return f && (f->type == RESP_T_BOOL || f->type == RESP_T_INT) && !f->integer;
}

bool show_colour(FILE *f)
{
	const char *term = getenv("TERM");
	return isatty(fileno(f)) && getenv("NO_COLOR") == NULL &&
	       !(term && strcmp(term, "dumb") == 0);
}

bool show_is_error(const struct resp_value *v)
{
	return v->type == RESP_T_ERROR || v->type == RESP_T_BULK_ERROR;
}

int show_exit(const struct resp_value *v)
{
	const char *verdict = resp_get_str(v, "verdict");
	if (verdict == NULL)
		return 1;
	if (strcmp(verdict, "green") == 0)
		return 0;
	if (strcmp(verdict, "amber") == 0)
		return 3;
	if (strcmp(verdict, "red") == 0)
		return 4;
	return 1;
}

static bool is_list(const struct resp_value *v)
{
	return v && (v->type == RESP_T_ARRAY || v->type == RESP_T_SET);
}

/* The verdict word, padded to 5 columns so the lines of a session align. */
static void light_word(FILE *f, bool colour, const char *verdict)
{
	const char *word = "?", *col = "";
	if (verdict && strcmp(verdict, "green") == 0) {
		word = "GREEN";
		col = COLOUR_GREEN;
	} else if (verdict && strcmp(verdict, "amber") == 0) {
		word = "AMBER";
		col = COLOUR_AMBER;
	} else if (verdict && strcmp(verdict, "red") == 0) {
		word = "RED";
		col = COLOUR_RED;
	}
	if (colour && col[0])
		fprintf(f, "%s%-5s%s  ", col, word, COLOUR_RESET);
	else
		fprintf(f, "%-5s  ", word);
}

void show_light(FILE *f, bool colour, const struct resp_value *v, const char *code)
{
	light_word(f, colour, resp_get_str(v, "verdict"));
	if (code)
		fprintf(f, "%s  ", show_safe(code));
	const struct resp_value *reasons = resp_get(v, "reasons");
	const char *msg = resp_get_str(v, "message");
	size_t shown = 0;
	if (reasons && (reasons->type == RESP_T_ARRAY || reasons->type == RESP_T_SET)) {
		for (size_t i = 0; i < reasons->n; i++) {
			if (!resp_is_text(&reasons->elem[i]))
				continue;
			fprintf(f, "%s%s", shown ? ", " : "", show_safe(reasons->elem[i].str));
			shown++;
		}
	}
	if (shown) {
		if (msg && msg[0])
			fprintf(f, " — %s", show_safe(zone_text(msg)));
		fputc('\n', f);
		return;
	}
	/* Nothing to warn about: say what was scanned instead. */
	fputs("ok", f);
	const char *name = resp_get_str(v, "product_name"), *lot = resp_get_str(v, "lot"),
		   *expiry = resp_get_str(v, "expiry");
	const char *sep = " — ";
	if (name && name[0]) {
		fprintf(f, "%s%s", sep, show_safe(name));
		sep = ", ";
	}
	if (lot) {
		fprintf(f, "%slot %s", sep, show_safe(lot));
		sep = ", ";
	}
	if (expiry)
		fprintf(f, "%sexpiry %s", sep, show_safe(expiry));
	fputc('\n', f);
}

void show_received(FILE *f, bool colour, const struct resp_value *v, const char *code)
{
	long long codes = 0, diverted = 0, units;
	resp_get_int(v, "codes", &codes);
	resp_get_int(v, "diverted", &diverted);
	const struct resp_value *w = resp_get(v, "warnings");
	size_t nw = is_list(w) ? w->n : 0;
	light_word(f, colour, diverted > 0 || nw ? "amber" : "green");
	if (code)
		fprintf(f, "%s  ", show_safe(code));
	fprintf(f, "received, %lld code%s", codes, codes == 1 ? "" : "s");
	if (diverted > 0)
		fprintf(f, "; diverted: %lld %s shipped elsewhere", diverted,
			diverted == 1 ? "was" : "were");
	for (size_t i = 0; i < nw; i++) {
		const struct resp_value *x = &w->elem[i];
		const char *reason = resp_get_str(x, "reason"), *product = resp_get_str(x, "product"),
			   *lot = resp_get_str(x, "lot");
		fprintf(f, "; %s: product %s lot %s", show_safe(reason ? reason : "?"),
			show_safe(product ? product : "?"), show_safe(lot ? lot : "?"));
		if (resp_get_int(x, "units", &units))
			fprintf(f, " (%lld units)", units);
	}
	fputc('\n', f);
}

void show_invalid(FILE *f, bool colour, const struct code_result *r)
{
	light_word(f, colour, "red");
	fprintf(f, "not a trace code: %s (at byte %zu)\n", show_safe(r->cr_msg), r->cr_err_pos);
}

static void label(FILE *f, const char *name)
{
	fprintf(f, "%-14s ", name);
}

static const char *level_name(long long level)
{
	switch (level) {
	case 1: return "unit";
	case 2: return "middle pack";
	case 3: return "case";
	case 4: return "pallet";
	}
	return "?";
}

void show_record(FILE *f, const struct resp_value *v)
{
	const char *s, *t;
	long long n, m;
	if ((s = resp_get_str(v, "code")) != NULL) {
		label(f, "code:");
		if ((t = resp_get_str(v, "type")) != NULL)
			fprintf(f, "%s (%s)\n", show_safe(s), show_safe(t));
		else
			fprintf(f, "%s\n", show_safe(s));
	}
	s = resp_get_str(v, "product_name");
	t = resp_get_str(v, "product");
	if (s || t) {
		label(f, "product:");
		if (s && t)
			fprintf(f, "%s (%s)\n", show_safe(s), show_safe(t));
		else
			fprintf(f, "%s\n", show_safe(s ? s : t));
	}
	if ((s = resp_get_str(v, "lot")) != NULL) {
		label(f, "lot:");
		fprintf(f, "%s\n", show_safe(s));
	}
	if ((s = resp_get_str(v, "expiry")) != NULL) {
		label(f, "expiry:");
		fprintf(f, "%s\n", show_safe(s));
	}
	if (show_true(v, "recalled")) {
		const struct resp_value *src = resp_get(v, "recalled_source");
		label(f, "recalled:");
		if (src && (s = resp_get_str(src, "lot")) && (t = resp_get_str(src, "product")))
			fprintf(f, "yes, through lot %s of product %s (repackaged from it)\n",
				show_safe(s), show_safe(t));
		else
			fputs("yes\n", f);
	}
	if (resp_get_int(v, "level", &n) && n != 1) {
		label(f, "level:");
		fprintf(f, "%lld (%s)\n", n, level_name(n));
	}
	if ((s = resp_get_str(v, "status")) != NULL) {
		label(f, "status:");
		fprintf(f, "%s\n", show_safe(s));
	}
	if ((s = resp_get_str(v, "holder")) != NULL) {
		label(f, "holder:");
		fprintf(f, "%s\n", show_safe(s));
	}
	if ((s = resp_get_str(v, "in_transit_to")) != NULL) {
		label(f, "in transit to:");
		fprintf(f, "%s\n", show_safe(s));
	}
	if ((s = resp_get_str(v, "parent")) != NULL) {
		label(f, "packed in:");
		fprintf(f, "%s\n", show_safe(s));
	}
	if (resp_get_int(v, "dispensed", &n)) {
		label(f, "dispensed:");
		if (resp_get_int(v, "units_per_pack", &m))
			fprintf(f, "%lld of %lld\n", n, m);
		else
			fprintf(f, "%lld\n", n);
	}
	const struct resp_value *e = resp_get(v, "last_event");
	if ((s = resp_get_str(e, "event")) != NULL) {
		label(f, "last event:");
		fputs(show_safe(s), f);
		if ((t = resp_get_str(e, "site")) != NULL)
			fprintf(f, " at %s", show_safe(t));
		if ((t = resp_get_str(e, "time")) != NULL)
			fprintf(f, ", %s", show_safe(zone_time(t)));
		fputc('\n', f);
	}
	if ((s = resp_get_str(v, "commissioned")) != NULL) {
		label(f, "commissioned:");
		fprintf(f, "%s\n", show_safe(zone_time(s)));
	}
	const struct resp_value *fs = resp_get(v, "first_sale");
	if ((s = resp_get_str(fs, "site")) != NULL) {
		label(f, "first sale:");
		fputs(show_safe(s), f);
		if ((t = resp_get_str(fs, "time")) != NULL)
			fprintf(f, ", %s", show_safe(zone_time(t)));
		if ((t = resp_get_str(fs, "tx")) != NULL && t[0])
			fprintf(f, ", tx %s", show_safe(t));
		if (resp_get_int(fs, "qty", &n))
			fprintf(f, ", qty %lld", n);
		fputc('\n', f);
	}
}

/* "  by pharmacy ph1-till-1": who made the event, when TRACE says. */
static void event_by(FILE *f, const struct resp_value *e)
{
	const char *who = resp_get_str(e, "principal"), *role = resp_get_str(e, "role");
	if (who == NULL)
		return;
	if (role && strcmp(role, who) != 0)
		fprintf(f, "  by %s %s", show_safe(role), show_safe(who));
	else
		fprintf(f, "  by %s", show_safe(who));
}

/* A repackaging's side, under its event line:
 *     made from 2 codes: C1 (8301234 lot B1), C2 (8301234 lot B1) */
static void xform_side(FILE *f, const struct resp_value *e, const char *key, const char *count,
		       const char *what)
{
	const struct resp_value *l = resp_get(e, key);
	long long n = 0;
	if (!is_list(l))
		return;
	resp_get_int(e, count, &n);
	fprintf(f, "    %s %lld code%s:", what, n, n == 1 ? "" : "s");
	for (size_t i = 0; i < l->n; i++) {
		const char *c = resp_get_str(&l->elem[i], "code"),
			   *p = resp_get_str(&l->elem[i], "product"),
			   *lot = resp_get_str(&l->elem[i], "lot");
		fprintf(f, "%s %s", i ? "," : "", show_safe(c ? c : "?"));
		if (p && *p && lot)
			fprintf(f, " (%s lot %s)", show_safe(p), show_safe(lot));
	}
	if ((long long)l->n < n)
		fprintf(f, ", ... (%lld more)", n - (long long)l->n);
	fputc('\n', f);
}

/* 2026-11-22T11:42:05.123Z  ship        MFR → DIST  ref DN-1  (in (00)0690...)  by local */
static void event_line(FILE *f, const struct resp_value *e)
{
	const char *time = resp_get_str(e, "time"), *ev = resp_get_str(e, "event");
	const char *site = resp_get_str(e, "site"), *from = resp_get_str(e, "from"),
		   *to = resp_get_str(e, "to"), *s;
	long long n;
	bool receive = ev && strcmp(ev, "receive") == 0;
	fprintf(f, "%s  %-10s  ", show_safe(time ? zone_time(time) : "?"),
		show_safe(ev ? ev : "?"));
	if ((s = resp_get_str(e, "scope")) != NULL) {
		/* recall, lift, withdraw, lock, unlock: of a lot, product or code */
		fprintf(f, "the %s", show_safe(s));
		if (resp_get_int(e, "level", &n))
			fprintf(f, "  level %lld", n);
		if ((s = resp_get_str(e, "reason")) != NULL)
			fprintf(f, "  reason: %s", show_safe(s));
		event_by(f, e);
		fputc('\n', f);
		return;
	}
	if (from && to && !receive)
		fprintf(f, "%s → %s", show_safe(from), show_safe(to));
	else
		fputs(show_safe(site ? site : "?"), f);
	if (receive && from)
		fprintf(f, "  from %s", show_safe(from));
	if (show_true(e, "diverted"))
		fputs("  DIVERTED", f);
	if ((s = resp_get_str(e, "container")) != NULL) {
		const char *how = ev && strcmp(ev, "pack") == 0 ? "into" :
				  ev && strcmp(ev, "unpack") == 0 ? "out of" : "container";
		fprintf(f, "  %s %s", how, show_safe(s));
	}
	if ((s = resp_get_str(e, "ref")) != NULL)
		fprintf(f, "  ref %s", show_safe(s));
	if ((s = resp_get_str(e, "tx")) != NULL)
		fprintf(f, "  tx %s", show_safe(s));
	if (resp_get_int(e, "qty", &n))
		fprintf(f, "  qty %lld", n);
	if (resp_get_int(e, "codes", &n) && n > 1)
		fprintf(f, "  (one of %lld codes)", n);
	if ((s = resp_get_str(e, "via")) != NULL)
		fprintf(f, "  (in %s)", show_safe(s));
	if ((s = resp_get_str(e, "side")) != NULL)	/* transform */
		fputs(strcmp(s, "output") == 0 ? "  (made here from other codes)" :
		      "  (repackaged here into other codes)", f);
	event_by(f, e);
	fputc('\n', f);
	if (s != NULL) {
		xform_side(f, e, "inputs", "input_count", "made from");
		xform_side(f, e, "outputs", "output_count", "into");
	}
}

/* #3  2026-11-22T11:42:51.082Z  duplicate  PH2  8301...  tx T9  first sale at PH1 on ... */
static void alert_line(FILE *f, const struct resp_value *a)
{
	const char *s, *t;
	long long id;
	if (resp_get_int(a, "id", &id))
		fprintf(f, "#%lld  ", id);
	s = resp_get_str(a, "time");
	t = resp_get_str(a, "kind");
	fprintf(f, "%s  %-9s", show_safe(s ? zone_time(s) : "?"), show_safe(t ? t : "?"));
	s = resp_get_str(a, "site");
	t = resp_get_str(a, "code");
	fprintf(f, "  %s  %s", show_safe(s ? s : "?"), show_safe(t ? t : "?"));
	if ((s = resp_get_str(a, "tx")) != NULL)
		fprintf(f, "  tx %s", show_safe(s));
	if ((s = resp_get_str(a, "first_sale_site")) != NULL) {
		fprintf(f, "  first sale at %s", show_safe(s));
		if ((t = resp_get_str(a, "first_sale_time")) != NULL)
			fprintf(f, " on %s", show_safe(zone_time(t)));
	}
	/* Its handling (ALERT SET), when the server keeps one. */
	if ((s = resp_get_str(a, "status")) != NULL) {
		fprintf(f, "  [%s", show_safe(s));
		if ((t = resp_get_str(a, "class")) != NULL)
			fprintf(f, " %s", show_safe(t));
		if ((t = resp_get_str(a, "note")) != NULL)
			fprintf(f, ": %s", show_safe(t));
		fputc(']', f);
	}
	fputc('\n', f);
}

void show_product_archive(FILE *f, const struct resp_value *a)
{
	static const char *const shown[][2] = {
		{ "approval_number", "approval" }, { "holder", "holder" }, { "form", "form" },
		{ "strength", "strength" }, { "nhsa_code", "NHSA" }, { "category", "category" },
	};
	const char *sep = "";
	for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++) {
		const char *s = resp_get_str(a, shown[i][0]);
		if (s) {
			fprintf(f, "%s%s %s", sep, shown[i][1], show_safe(s));
			sep = ", ";
		}
	}
	const char *lo = resp_get_str(a, "storage_min_c"), *hi = resp_get_str(a, "storage_max_c");
	if (lo || hi) {
		fprintf(f, "%sstorage %s–%s °C", sep, lo ? show_safe(lo) : "", hi ? show_safe(hi) : "");
		sep = ", ";
	}
	fputs(*sep ? "\n" : "(no archive)\n", f);
}

void show_site_archive(FILE *f, const struct resp_value *a)
{
	const char *lic = resp_get_str(a, "licence"), *from = resp_get_str(a, "licence_valid_from");
	const char *until = resp_get_str(a, "licence_valid_until"), *region = resp_get_str(a, "region");
	if (lic)
		fprintf(f, "licence %s", show_safe(lic));
	else
		fputs("no licence on file", f);
	if (from || until)
		fprintf(f, " valid %s..%s", from ? show_safe(from) : "", until ? show_safe(until) : "");
	if (show_true(a, "licence_expired"))
		fputs(" EXPIRED", f);
	if (region)
		fprintf(f, ", region %s", show_safe(region));
	fputc('\n', f);
}

void show_trace(FILE *f, const struct resp_value *v)
{
	show_record(f, v);
	const struct resp_value *ev = resp_get(v, "events");
	if (is_list(ev) && ev->n) {
		fputc('\n', f);
		for (size_t i = 0; i < ev->n; i++)
			event_line(f, &ev->elem[i]);
	}
	const struct resp_value *al = resp_get(v, "alerts");
	if (is_list(al) && al->n) {
		fputs("\nalerts:\n", f);
		for (size_t i = 0; i < al->n; i++)
			alert_line(f, &al->elem[i]);
	}
	const struct resp_value *pa = resp_get(v, "product_archive");
	if (pa && pa->type == RESP_T_MAP) {
		fputc('\n', f);
		label(f, "product:");
		show_product_archive(f, pa);
	}
	const struct resp_value *sites = resp_get(v, "sites");
	if (is_list(sites) && sites->n) {
		fputs("\nsites:\n", f);
		for (size_t i = 0; i < sites->n; i++) {
			const struct resp_value *s = &sites->elem[i];
			const char *id = resp_get_str(s, "site"), *kind = resp_get_str(s, "kind");
			fprintf(f, "  %-16s %-12s ", show_safe(id ? id : "?"),
				show_safe(kind && kind[0] ? kind : "-"));
			show_site_archive(f, resp_get(s, "archive"));
		}
	}
}

void show_alerts(FILE *f, const struct resp_value *v)
{
	if (!is_list(v) || v->n == 0) {
		fputs("(no alerts)\n", f);
		return;
	}
	for (size_t i = 0; i < v->n; i++)
		alert_line(f, &v->elem[i]);
}

/* The keys a verdict's JSON always has (issue 4: "at least"). */
static char json_keys[][8] = {
	"verdict", "reasons", "code", "product", "lot", "expiry", "status", "holder",
};
#define JSON_KEYS (sizeof json_keys / sizeof json_keys[0])

static void set_text(struct resp_value *v, char *s)
{
	memset(v, 0, sizeof *v);
	v->type = RESP_T_BULK;
	v->str = s;
	v->len = strlen(s);
}

int show_json_verdict(FILE *f, const struct resp_value *v)
{
	if (v->type != RESP_T_MAP)
		return output_json(f, v);
	/* A shallow copy of the map with nulls added for the keys it lacks:
	 * the elements still belong to v, so only the array is freed. */
	struct resp_value *elem = xcalloc(2 * (v->n + JSON_KEYS), sizeof *elem);
	memcpy(elem, v->elem, 2 * v->n * sizeof *elem);
	size_t n = v->n;
	for (size_t k = 0; k < JSON_KEYS; k++) {
		if (resp_get(v, json_keys[k]))
			continue;
		set_text(&elem[2 * n], json_keys[k]);
		elem[2 * n + 1].type = RESP_T_NULL;
		n++;
	}
	struct resp_value map = *v;
	map.elem = elem;
	map.n = n;
	int rc = output_json(f, &map);
	free(elem);
	return rc;
}

int show_json_invalid(FILE *f, const struct code_result *r)
{
	char red[] = "red", why[] = "not_a_trace_code", msg[CODE_MSG_MAX], err[32];
	char k_message[] = "message", k_error[] = "error", k_at[] = "at";
	snprintf(msg, sizeof msg, "%s", r->cr_msg);
	snprintf(err, sizeof err, "%s", code_err_name(r->cr_err));

	struct resp_value reason, elem[2 * (JSON_KEYS + 3)];
	memset(elem, 0, sizeof elem);
	set_text(&reason, why);
	size_t n = 0;
	for (size_t k = 0; k < JSON_KEYS; k++, n++) {
		set_text(&elem[2 * n], json_keys[k]);
		elem[2 * n + 1].type = RESP_T_NULL;
	}
	set_text(&elem[1], red);			/* verdict */
	elem[3].type = RESP_T_ARRAY;			/* reasons */
	elem[3].n = 1;
	elem[3].elem = &reason;
	set_text(&elem[2 * n], k_message);
	set_text(&elem[2 * n + 1], msg);
	n++;
	set_text(&elem[2 * n], k_error);
	set_text(&elem[2 * n + 1], err);
	n++;
	set_text(&elem[2 * n], k_at);
	elem[2 * n + 1].type = RESP_T_INT;
	elem[2 * n + 1].integer = (int64_t)r->cr_err_pos;
	n++;
	struct resp_value map = { .type = RESP_T_MAP, .n = n, .elem = elem };
	return output_json(f, &map);
}
