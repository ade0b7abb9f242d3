/*
 * load_epcis.c — the GS1 EPCIS 2.0 JSON / JSON-LD reader: turns the events
 * of an EPCIS document into yima's distribution records (FORMATS.md has
 * the mapping table).
 *
 * DESIGN
 * The document is streamed: load_scan.c finds its event list and hands out
 * one event's bytes at a time, which jansson parses; records then point
 * into jansson's strings (no copies) until the next event.  Memory is one
 * event, whatever the document's size (an event larger than the caller's
 * limit is refused by its size, and the next one read).  A document that
 * is no list of events (a single event) is read whole, up to that limit.
 * The structure outside the events is checked as it streams by, so a
 * document broken after its thousandth event gives its events first and
 * then a fatal error: callers that must not act on a broken document read
 * it through before acting on it (`yima load` does, without --skip-bad).
 *
 * Events are taken one at a time.  Each is first judged whole — skipped
 * (and counted by reason), refused (LOAD_BAD), or turned into a list of
 * identifiers plus the fields common to all its records — and only then are
 * its records handed out one per call.  So a bad identifier in the middle
 * of an epcList refuses the whole event, never half of it.
 *
 * Sites are passed through as the document gives them (SGLN or PGLN URNs,
 * GLNs): the server maps GLNs to its sites.  Identifiers are passed through
 * too, after code_parse() has accepted them.  Nothing here invents ids.
 *
 * Error declarations, and the corrective events they point to, are skipped:
 * an erroneous event may already have been loaded and yima cannot take it
 * back automatically, so applying the correction would be a second truth.
 * The corrective event may come before the declaration naming it, so a
 * file that seeks is read through once for the declarations first (only
 * events mentioning errorDeclaration are parsed); from a stream that
 * cannot seek, only declarations already read are known.
 */
#include "load_int.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "cbv.h"
#include "command.h"
#include "load_scan.h"
#include "xmem.h"

struct item {
	const char   *code;  /* NULL: an UNPACK of everything */
	size_t        len;
	unsigned long qty;   /* 0: none */
};

struct load_epcis {
	char            *name;
	struct load_opts opts;
	struct load_scan *scan;      /* NULL: a single event, in one */
	size_t           max;        /* the largest event, bytes */
	struct buf       text;       /* the event being read, as JSON */
	json_t          *ev;         /* ... parsed: records point into it */
	json_t          *one;        /* a document that is a single event */
	bool             fatal;
	json_t          *corrective; /* eventIDs named by error declarations */
	size_t           next;       /* index of the next event to judge */
	/* the event being handed out */
	struct load_rec  base;
	struct item     *items;
	size_t           nitems, items_cap, iitem;
	char             time[64];
	char             qty[24];
	char             ext_level[24], ext_qty[24];	/* yima: extensions */
	char             temp[40];   /* the sensor readings, as TEMP min:max */
	struct buf       inputs, outputs;	/* a TransformationEvent's codes */
	struct load_epcis_stats st;
	char             err[LOAD_MSG_MAX];
};

static const char *const skip_names[LOAD_SKIP__COUNT] = {
	[LOAD_SKIP_ERROR_DECL] = "error-declaration",
	[LOAD_SKIP_CORRECTIVE] = "corrective",
	[LOAD_SKIP_TYPE] = "type",
	[LOAD_SKIP_NO_BIZSTEP] = "no-bizstep",
	[LOAD_SKIP_BIZSTEP] = "bizstep",
	[LOAD_SKIP_ACTION] = "action",
	[LOAD_SKIP_EMPTY] = "no-objects",
};

const char *load_skip_name(enum load_skip why)
{
	if ((unsigned)why < LOAD_SKIP__COUNT)
		return skip_names[why];
	return "?";
}

/* ---- reading the document ---- */

static bool is_event_type(const char *t)
{
	static const char *const types[] = { "ObjectEvent", "AggregationEvent",
		"TransactionEvent", "TransformationEvent", "AssociationEvent" };

	for (size_t i = 0; t != NULL && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(t, types[i]) == 0)
			return true;
	return false;
}

/* The correctiveEventIDs of an error declaration in event ev, into the
 * set r->corrective. */
static void add_corrective(struct load_epcis *r, json_t *ev)
{
	json_t *ids = json_object_get(json_object_get(ev, "errorDeclaration"),
	                              "correctiveEventIDs");
	size_t j;
	json_t *id;

	json_array_foreach(ids, j, id)
		if (json_is_string(id))
			json_object_set_new(r->corrective, json_string_value(id), json_true());
}

/* A first pass over the list for error declarations, when the file seeks;
 * the scanner is then back where it was. */
static void find_corrective(struct load_epcis *r)
{
	struct load_scan_mark m;
	struct load_scan_pos at;
	unsigned long long size;
	char why[LOAD_SCAN_ERR];

	if (load_scan_tell(r->scan, &m) != 0 || load_scan_seek(r->scan, &m) != 0)
		return; /* a stream: declarations count from where they are */
	while (load_scan_next(r->scan, r->max, &r->text, &at, &size, why) == 1) {
		json_t *ev;

		if (memmem(r->text.data, r->text.len, "errorDeclaration", 16) == NULL)
			continue;
		ev = json_loadb(r->text.data, r->text.len, JSON_DECODE_ANY, NULL);
		add_corrective(r, ev);
		json_decref(ev);
	}
	if (load_scan_seek(r->scan, &m) != 0)
		r->fatal = true; /* reported by the first next() */
}

/* A scanner's message after the file name: "FILE:L:C: ..." or "FILE: ...". */
static void scan_msg(char *out, const char *name, const char *why)
{
	load_msgf(out, "%s%s%s", name, why[0] >= '0' && why[0] <= '9' ? ":" : ": ", why);
}

struct load_epcis *load_epcis_open(FILE *fp, const char *name,
                                   size_t max_bytes,
                                   const struct load_opts *opts,
                                   char err[LOAD_MSG_MAX])
{
	struct load_epcis *r = xcalloc(1, sizeof(*r));
	char why[LOAD_SCAN_ERR];
	bool cut;

	r->name = xstrdup(name != NULL ? name : "-");
	if (opts != NULL)
		r->opts = *opts;
	r->max = max_bytes;
	buf_init(&r->text);
	buf_init(&r->inputs);
	buf_init(&r->outputs);
	r->corrective = json_object();
	r->scan = load_scan_new(fp);
	switch (load_scan_open(r->scan, max_bytes, &r->text, &cut, why)) {
	case LOAD_SCAN_LIST:
		find_corrective(r);
		return r;
	case LOAD_SCAN_OBJECT:
		load_scan_free(r->scan);
		r->scan = NULL;
		if (!cut)
			r->one = json_loadb(r->text.data, r->text.len, JSON_REJECT_DUPLICATES, NULL);
		if (r->one == NULL && cut) {
			load_msgf(err, "%s: a document without an event list, larger than the "
			          "limit of %zu bytes for one event", r->name, max_bytes);
		} else if (!is_event_type(json_string_value(json_object_get(r->one, "type")))) {
			load_msgf(err, "%s: not an EPCIS document (no epcisBody.eventList, "
			          "not an array of events)", r->name);
		} else {
			add_corrective(r, r->one);
			r->text.len = 0;
			return r;
		}
		break;
	default:
		scan_msg(err, r->name, why);
		break;
	}
	load_epcis_close(r);
	return NULL;
}

void load_epcis_close(struct load_epcis *r)
{
	if (r == NULL)
		return;
	load_scan_free(r->scan);
	json_decref(r->ev);
	json_decref(r->one);
	json_decref(r->corrective);
	buf_free(&r->text);
	buf_free(&r->inputs);
	buf_free(&r->outputs);
	free(r->items);
	free(r->name);
	free(r);
}

unsigned long long load_epcis_offset(const struct load_epcis *r)
{
	return r->scan ? load_scan_offset(r->scan) : 0;
}

const char *load_epcis_error(const struct load_epcis *r)
{
	return r->err;
}

const struct load_epcis_stats *load_epcis_stats(const struct load_epcis *r)
{
	return &r->st;
}

/* ---- judging one event ---- */

/* Why-message for the current event: "FILE: event N: ...". */
static int bad(struct load_epcis *r, size_t idx, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bad(struct load_epcis *r, size_t idx, const char *fmt, ...)
{
	char why[LOAD_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	load_msgf(r->err, "%s: event %zu: %s", r->name, idx, why);
	r->st.es_bad++;
	return LOAD_BAD;
}

static void skip(struct load_epcis *r, size_t idx, enum load_skip why,
                 const char *what)
{
	char q[64];

	r->st.es_skipped[why]++;
	load_warnf(&r->opts, "%s: event %zu: skipped (%s): %s", r->name, idx,
	           skip_names[why],
	           load_quote(what, strlen(what), q, sizeof(q)));
}

/* A string member: 1 and *s set when present and non-empty, 0 when absent
 * (or empty), -1 when not a string or holding a NUL (message set). */
static int str_of(struct load_epcis *r, size_t idx, json_t *v, const char *path,
                  const char **s, size_t *n)
{
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return bad(r, idx, "%s is not a string", path), -1;
	*s = json_string_value(v);
	*n = json_string_length(v);
	if (memchr(*s, '\0', *n) != NULL)
		return bad(r, idx, "%s holds a NUL character", path), -1;
	return *n > 0;
}

static int set_field(struct load_epcis *r, size_t idx, enum load_field f,
                     json_t *v, const char *path)
{
	const char *s;
	size_t n;
	int e = str_of(r, idx, v, path, &s, &n);

	if (e > 0) {
		r->base.f[f] = s;
		r->base.len[f] = n;
	}
	return e;
}

/*
 * A yima extension field holding a whole number in [min, max] ("yima:level"
 * on commissioning, "yima:qty" on a sale; yima-gen writes them): copied as
 * text into buf and set as field f.  0 when absent, -1 after reporting.
 */
static int set_ext_uint(struct load_epcis *r, size_t idx, json_t *ev, const char *key,
                        json_int_t min, json_int_t max, char buf[24], enum load_field f)
{
	json_t *v = json_object_get(ev, key);

	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return bad(r, idx, "%s must be a whole number from %lld to %lld", key,
		           (long long)min, (long long)max), -1;
	r->base.len[f] = (size_t)snprintf(buf, 24, "%lld", (long long)json_integer_value(v));
	r->base.f[f] = buf;
	return 1;
}

/* The "id" of readPoint / bizLocation. */
static json_t *loc_id(json_t *ev, const char *key)
{
	return json_object_get(json_object_get(ev, key), "id");
}

/* From sourceList or destinationList (list, with member key): the entry of
 * type location, else possessing_party, else owning_party, else the
 * first; NULL if none. */
static json_t *party(json_t *ev, const char *list, const char *key)
{
	static const char *const pref[] = { "location", "possessing_party",
	                                    "owning_party" };
	json_t *l = json_object_get(ev, list), *e, *first = NULL;
	size_t i;

	for (size_t p = 0; p < sizeof(pref) / sizeof(pref[0]); p++)
		json_array_foreach(l, i, e) {
			const char *t = cbv_term(json_string_value(
				json_object_get(e, "type")), "SDT", "urn:epcglobal:cbv:sdt:");

			if (first == NULL && json_object_get(e, key) != NULL)
				first = json_object_get(e, key);
			if (t != NULL && strcmp(t, pref[p]) == 0 &&
			    json_object_get(e, key) != NULL)
				return json_object_get(e, key);
		}
	return first;
}

/* Set a site field from the first of the candidates present.  Returns 1,
 * 0 when none, -1 when bad. */
static int site_from(struct load_epcis *r, size_t idx, enum load_field f,
                     json_t *const cand[], const char *const paths[], size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int e = set_field(r, idx, f, cand[i], paths[i]);

		if (e != 0)
			return e;
	}
	return 0;
}

/* n digits at p into *v. */
static bool digs(const char *p, int n, int *v)
{
	int x = 0;

	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		x = x * 10 + (p[i] - '0');
	}
	*v = x;
	return true;
}

/* "+HH:MM" / "-HH:MM" (or "Z") → minutes east of UTC. */
static bool tz_minutes(const char *s, size_t n, int *min)
{
	int h, m;

	if (n == 1 && (s[0] == 'Z' || s[0] == 'z')) {
		*min = 0;
		return true;
	}
	if (n != 6 || (s[0] != '+' && s[0] != '-') || !digs(s + 1, 2, &h) ||
	    s[3] != ':' || !digs(s + 4, 2, &m) || h > 14 || m > 59)
		return false;
	*min = (h * 60 + m) * (s[0] == '-' ? -1 : 1);
	return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
static long long days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	long long yoe = y - era * 400;
	long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

static void civil_from_days(long long z, int *y, int *m, int *d)
{
	z += 719468;
	long long era = (z >= 0 ? z : z - 146096) / 146097;
	long long doe = z - era * 146097;
	long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long long mp = (5 * doy + 2) / 153;

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/*
 * eventTime, shown in the zone of eventTimeZoneOffset ("2013-06-08T14:58:
 * 56.591Z" with "+02:00" → "2013-06-08T16:58:56.591+02:00"): the same
 * instant, as the event's local time.  Without an offset, eventTime as
 * given.
 */
static int event_time(struct load_epcis *r, size_t idx, json_t *ev)
{
	const char *t, *z = NULL;
	size_t tn, zn = 0, i = 19, fs = 0, fn = 0;
	char why[LOAD_MSG_MAX];
	int y = 0, mo = 0, d = 0, hh = 0, mi = 0, ss = 0, off = 0, tz = 0;
	long long secs;
	int e;

	e = str_of(r, idx, json_object_get(ev, "eventTime"), "eventTime", &t, &tn);
	if (e < 0)
		return -1;
	if (e == 0)
		return bad(r, idx, "no eventTime"), -1;
	if (load_check_time(t, tn, why) < 0)
		return bad(r, idx, "eventTime: %s", why), -1;
	e = str_of(r, idx, json_object_get(ev, "eventTimeZoneOffset"),
	           "eventTimeZoneOffset", &z, &zn);
	if (e < 0)
		return -1;
	if (e > 0 && (zn != 6 || !tz_minutes(z, zn, &tz))) {
		char q[64];

		return bad(r, idx, "eventTimeZoneOffset: '%s' is not +HH:MM or "
		           "-HH:MM", load_quote(z, zn, q, sizeof(q))), -1;
	}
	if (e == 0 || tn >= sizeof(r->time) - 8) {
		r->base.f[LOAD_F_TIME] = t;
		r->base.len[LOAD_F_TIME] = tn;
		return 0;
	}
	/* load_check_time vouched for the layout */
	digs(t, 4, &y);
	digs(t + 5, 2, &mo);
	digs(t + 8, 2, &d);
	digs(t + 11, 2, &hh);
	digs(t + 14, 2, &mi);
	digs(t + 17, 2, &ss);
	if (t[i] == '.') {
		fs = i;
		for (i++; t[i] >= '0' && t[i] <= '9'; i++)
			;
		fn = i - fs;
	}
	tz_minutes(t + i, tn - i, &off);
	secs = days_from_civil(y, mo, d) * 86400 + hh * 3600 + mi * 60 + ss -
	       (long long)off * 60 + (long long)tz * 60;
	{
		long long days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
		long long rem = secs - days * 86400;

		civil_from_days(days, &y, &mo, &d);
		if (y < 0 || y > 9999)
			return bad(r, idx, "eventTime out of range"), -1;
		snprintf(r->time, sizeof(r->time), "%04d-%02d-%02dT%02d:%02d:%02d%.*s%.6s",
		         y, mo, d, (int)(rem / 3600), (int)(rem / 60 % 60),
		         (int)(rem % 60), (int)fn, t + fs, z);
	}
	r->base.f[LOAD_F_TIME] = r->time;
	r->base.len[LOAD_F_TIME] = strlen(r->time);
	return 0;
}

static void add_item(struct load_epcis *r, const char *code, size_t len,
                     unsigned long qty)
{
	if (r->nitems == r->items_cap) {
		r->items_cap = r->items_cap ? 2 * r->items_cap : 16;
		r->items = xrealloc(r->items, r->items_cap * sizeof(*r->items));
	}
	r->items[r->nitems++] = (struct item){ code, len, qty };
}

/* Every identifier of an array (epcList, childEPCs) as an item. */
static int add_epcs(struct load_epcis *r, size_t idx, json_t *list,
                    const char *key)
{
	char path[64], why[LOAD_MSG_MAX];
	json_t *v;
	size_t i;

	if (list == NULL)
		return 0;
	if (!json_is_array(list))
		return bad(r, idx, "%s is not an array", key), -1;
	json_array_foreach(list, i, v) {
		const char *s;
		size_t n;
		int e;

		snprintf(path, sizeof(path), "%s[%zu]", key, i);
		e = str_of(r, idx, v, path, &s, &n);
		if (e < 0)
			return -1;
		if (e == 0)
			return bad(r, idx, "%s is empty", path), -1;
		if (load_check_code(s, n, r->opts.lo_code, why) < 0)
			return bad(r, idx, "%s: %s", path, why), -1;
		add_item(r, s, n, 0);
	}
	return 0;
}

/* Units of measure that count items (UN/ECE Rec. 20: piece, each, one). */
static bool uom_counts(const char *u)
{
	return u == NULL || strcmp(u, "EA") == 0 || strcmp(u, "H87") == 0 ||
	       strcmp(u, "C62") == 0;
}

/* quantityList: class identifiers (lot-level records) with quantities.
 * max: the largest QTY the record's command takes (proto/command.h); 0:
 * it takes none. */
static int add_quantities(struct load_epcis *r, size_t idx, json_t *list,
                          unsigned long max)
{
	char path[64], why[LOAD_MSG_MAX];
	json_t *v;
	size_t i;

	if (list == NULL)
		return 0;
	if (!json_is_array(list))
		return bad(r, idx, "quantityList is not an array"), -1;
	json_array_foreach(list, i, v) {
		json_t *q = json_object_get(v, "quantity");
		const char *s, *uom = json_string_value(json_object_get(v, "uom"));
		unsigned long qty = 0;
		size_t n;
		int e;

		snprintf(path, sizeof(path), "quantityList[%zu].epcClass", i);
		e = str_of(r, idx, json_object_get(v, "epcClass"), path, &s, &n);
		if (e < 0)
			return -1;
		if (e == 0)
			return bad(r, idx, "%s is missing", path), -1;
		if (load_check_code(s, n, r->opts.lo_code, why) < 0)
			return bad(r, idx, "%s: %s", path, why), -1;
		if (max && q != NULL) {
			double d = json_number_value(q);

			if (!json_is_number(q) || !uom_counts(uom) || !(d >= 1) ||
			    d > 1e15 || d != (double)(unsigned long)d)
				return bad(r, idx, "quantityList[%zu]: quantity %g%s%s is "
				           "not a whole number of items", i, d,
				           uom ? " " : "", uom ? uom : ""), -1;
			if (d > (double)max)
				return bad(r, idx, "quantityList[%zu]: quantity %.0f is more "
				           "than %lu, the most one record may count", i, d,
				           max), -1;
			qty = (unsigned long)d;
		}
		add_item(r, s, n, qty);
	}
	return 0;
}

/* An ilmd value under its cbvmda: name, its full URN or its bare name. */
static json_t *ilmd_get(json_t *ilmd, const char *name)
{
	static const char *const pre[] = { "cbvmda:", "urn:epcglobal:cbv:mda:", "" };
	char key[96];

	for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++) {
		json_t *v;

		snprintf(key, sizeof(key), "%s%s", pre[i], name);
		v = json_object_get(ilmd, key);
		if (v != NULL)
			return v;
	}
	return NULL;
}

/* bizTransactionList → ref: the despatch advice if there is one, else the
 * first transaction. */
static int event_ref(struct load_epcis *r, size_t idx, json_t *ev)
{
	json_t *l = json_object_get(ev, "bizTransactionList"), *t, *pick = NULL;
	size_t i;

	json_array_foreach(l, i, t) {
		const char *type = cbv_term(json_string_value(json_object_get(t, "type")),
		                            "BTT", "urn:epcglobal:cbv:btt:");

		if (pick == NULL)
			pick = json_object_get(t, "bizTransaction");
		if (type != NULL && strcmp(type, "desadv") == 0) {
			pick = json_object_get(t, "bizTransaction");
			break;
		}
	}
	return set_field(r, idx, LOAD_F_REF, pick, "bizTransactionList") < 0 ? -1 : 0;
}

/* A temperature in °C from a sensorReport value in `uom` (CEL, FAH, KEL):
 * 0, or -1 when the unit is not a temperature's. */
static int celsius(double v, const char *uom, double *c)
{
	if (uom == NULL || strcmp(uom, "CEL") == 0)
		*c = v;
	else if (strcmp(uom, "FAH") == 0)
		*c = (v - 32.0) * 5.0 / 9.0;
	else if (strcmp(uom, "KEL") == 0)
		*c = v - 273.15;
	else
		return -1;
	return 0;
}

/* Is a sensorReport type gs1:Temperature (as a CURIE, a bare term or the
 * GS1 Web Vocabulary's URI)? */
static bool is_temperature(const char *type)
{
	return type != NULL && (strcmp(type, "gs1:Temperature") == 0 ||
	                        strcmp(type, "Temperature") == 0 ||
	                        strcmp(type, "https://gs1.org/voc/Temperature") == 0);
}

/*
 * The temperature readings of an event (EPCIS 2.0 sensorElementList: each
 * element's sensorReport entries of type gs1:Temperature, with value or
 * minValue/maxValue), as one TEMP: the lowest and highest of them all.
 * Other sensor types are left alone.  0 (no reading: no field), or
 * LOAD_BAD with a message naming the report.
 */
static int event_temp(struct load_epcis *r, size_t idx, json_t *ev)
{
	json_t *list = json_object_get(ev, "sensorElementList"), *el, *rep;
	size_t i, j;
	double lo = 0, hi = 0;
	bool any = false;

	if (list == NULL)
		return 0;
	if (!json_is_array(list))
		return bad(r, idx, "sensorElementList is not an array");
	json_array_foreach(list, i, el) {
		json_t *reports = json_object_get(el, "sensorReport");
		if (reports != NULL && !json_is_array(reports))
			return bad(r, idx, "sensorElementList[%zu].sensorReport is not an array", i);
		json_array_foreach(reports, j, rep) {
			const char *uom = json_string_value(json_object_get(rep, "uom"));
			const char *keys[] = { "value", "minValue", "maxValue" };
			if (!is_temperature(json_string_value(json_object_get(rep, "type"))))
				continue;
			for (size_t k = 0; k < 3; k++) {
				json_t *v = json_object_get(rep, keys[k]);
				double c;
				if (v == NULL)
					continue;
				if (!json_is_number(v))
					return bad(r, idx, "sensorElementList[%zu].sensorReport[%zu]."
					           "%s is not a number", i, j, keys[k]);
				if (celsius(json_number_value(v), uom, &c) < 0)
					return bad(r, idx, "sensorElementList[%zu].sensorReport[%zu]: "
					           "uom '%s' is not a temperature's (CEL, FAH or KEL)",
					           i, j, uom);
				if (c < -200.0 || c > 100.0)
					return bad(r, idx, "sensorElementList[%zu].sensorReport[%zu]."
					           "%s: %g °C is out of -200 to 100", i, j, keys[k], c);
				lo = any && lo < c ? lo : c;
				hi = any && hi > c ? hi : c;
				any = true;
			}
		}
	}
	if (!any)
		return 0;
	/* Tenths, rounded outwards: a reading is never made milder. */
	long l = (long)(lo * 10.0), h = (long)(hi * 10.0);	/* toward zero, then out */
	l -= (double)l > lo * 10.0 + 1e-9;
	h += (double)h < hi * 10.0 - 1e-9;
	int n = snprintf(r->temp, sizeof r->temp, "%s%ld.%ld:%s%ld.%ld", l < 0 ? "-" : "",
	                 labs(l) / 10, labs(l) % 10, h < 0 ? "-" : "", labs(h) / 10, labs(h) % 10);
	r->base.f[LOAD_F_TEMP] = r->temp;
	r->base.len[LOAD_F_TEMP] = (size_t)n;
	return 0;
}

/* A TransformationEvent's list `key` (inputEPCList, outputEPCList) into
 * b, its codes one a line, as record field f: 0, or -1 (LOAD_BAD said). */
static int transform_codes(struct load_epcis *r, size_t idx, json_t *ev, const char *key,
                           const char *what, struct buf *b, enum load_field f)
{
	char path[64], why[LOAD_MSG_MAX];
	json_t *list = json_object_get(ev, key), *v;
	size_t i;

	if (list == NULL || json_array_size(list) == 0)
		return bad(r, idx, "TransformationEvent without %s (%s)", key, what), -1;
	if (!json_is_array(list))
		return bad(r, idx, "%s is not an array", key), -1;
	buf_reset(b);
	json_array_foreach(list, i, v) {
		const char *s;
		size_t n;
		int e;

		snprintf(path, sizeof(path), "%s[%zu]", key, i);
		if ((e = str_of(r, idx, v, path, &s, &n)) < 0)
			return -1;
		if (e == 0)
			return bad(r, idx, "%s is empty", path), -1;
		if (memchr(s, '\n', n) != NULL)
			return bad(r, idx, "%s holds a line break", path), -1;
		if (load_check_code(s, n, r->opts.lo_code, why) < 0)
			return bad(r, idx, "%s: %s", path, why), -1;
		if (i > 0)
			buf_putc(b, '\n');
		buf_append(b, s, n);
	}
	buf_putc(b, '\0');	/* a field is NUL-terminated */
	r->base.f[f] = b->data;
	r->base.len[f] = b->len - 1;
	return 0;
}

/*
 * A TransformationEvent (judge's part): a repackaging, TRANSFORM, whatever
 * its bizStep.  inputEPCList are the codes consumed, outputEPCList those
 * commissioned at its bizLocation (or readPoint) in the ilmd's lotNumber,
 * expiring its itemExpirationDate.  Lot quantities (inputQuantityList,
 * outputQuantityList) are refused: yima repackages serialised codes.
 */
static int judge_transformation(struct load_epcis *r, json_t *ev, size_t idx)
{
	static const char *const qty_lists[] = { "inputQuantityList", "outputQuantityList" };
	json_t *here[] = { loc_id(ev, "bizLocation"), loc_id(ev, "readPoint") };
	const char *here_p[] = { "bizLocation.id", "readPoint.id" };
	json_t *ilmd = json_object_get(ev, "ilmd");
	char why[LOAD_MSG_MAX];
	int e;

	r->base.kind = LOAD_TRANSFORM;
	for (size_t i = 0; i < 2; i++)
		if (json_array_size(json_object_get(ev, qty_lists[i])) > 0)
			return bad(r, idx, "%s: lot quantities cannot be repackaged (yima "
			           "repackages serialised codes: inputEPCList, outputEPCList)",
			           qty_lists[i]);
	if (event_time(r, idx, ev) < 0)
		return LOAD_BAD;
	if ((e = site_from(r, idx, LOAD_F_FROM, here, here_p, 2)) < 0)
		return LOAD_BAD;
	if (e == 0)
		return bad(r, idx, "TransformationEvent without a place (bizLocation or "
		           "readPoint)");
	if (event_ref(r, idx, ev) < 0 ||
	    set_field(r, idx, LOAD_F_LOT, ilmd_get(ilmd, "lotNumber"), "ilmd lotNumber") < 0 ||
	    set_field(r, idx, LOAD_F_EXPIRY, ilmd_get(ilmd, "itemExpirationDate"),
	              "ilmd itemExpirationDate") < 0)
		return LOAD_BAD;
	if (r->base.f[LOAD_F_LOT] == NULL)
		return bad(r, idx, "TransformationEvent without ilmd lotNumber (the outputs' "
		           "lot)");
	if (r->base.f[LOAD_F_EXPIRY] == NULL)
		return bad(r, idx, "TransformationEvent without ilmd itemExpirationDate (the "
		           "outputs' expiry)");
	if (load_check_date(r->base.f[LOAD_F_EXPIRY], r->base.len[LOAD_F_EXPIRY], why) < 0)
		return bad(r, idx, "ilmd itemExpirationDate: %s", why);
	if (transform_codes(r, idx, ev, "inputEPCList", "the codes consumed", &r->inputs,
	                    LOAD_F_INPUTS) < 0 ||
	    transform_codes(r, idx, ev, "outputEPCList", "the codes made", &r->outputs,
	                    LOAD_F_OUTPUTS) < 0)
		return LOAD_BAD;
	add_item(r, NULL, 0, 0);	/* one record, its codes in its fields */
	r->st.es_mapped++;
	return LOAD_OK;
}

/*
 * Judge event idx (1-based).  Returns LOAD_OK with r->base and r->items
 * ready, LOAD_END when skipped (counted), or LOAD_BAD.
 */
static int judge(struct load_epcis *r, json_t *ev, size_t idx)
{
	const char *type, *step, *action, *disp, *id;
	bool agg, add, del, obs;
	enum load_kind kind;
	json_t *rp, *bl, *src, *dst;

	load_rec_clear(&r->base);
	r->base.where = idx;
	r->nitems = 0;
	r->iitem = 0;
	if (!json_is_object(ev))
		return bad(r, idx, "not a JSON object");
	type = json_string_value(json_object_get(ev, "type"));
	if (json_object_get(ev, "errorDeclaration") != NULL) {
		skip(r, idx, LOAD_SKIP_ERROR_DECL, type ? type : "event");
		return LOAD_END;
	}
	id = json_string_value(json_object_get(ev, "eventID"));
	if (id != NULL && json_object_get(r->corrective, id) != NULL) {
		skip(r, idx, LOAD_SKIP_CORRECTIVE, id);
		return LOAD_END;
	}
	if (type != NULL && strcmp(type, "TransformationEvent") == 0)
		return judge_transformation(r, ev, idx);
	if (type == NULL || (strcmp(type, "ObjectEvent") != 0 &&
	                     strcmp(type, "AggregationEvent") != 0)) {
		skip(r, idx, LOAD_SKIP_TYPE, type ? type : "no type");
		return LOAD_END;
	}
	agg = strcmp(type, "AggregationEvent") == 0;
	step = cbv_term(json_string_value(json_object_get(ev, "bizStep")),
	                "BizStep", "urn:epcglobal:cbv:bizstep:");
	action = json_string_value(json_object_get(ev, "action"));
	disp = cbv_term(json_string_value(json_object_get(ev, "disposition")),
	                "Disp", "urn:epcglobal:cbv:disp:");
	add = action != NULL && strcmp(action, "ADD") == 0;
	del = action != NULL && strcmp(action, "DELETE") == 0;
	obs = action != NULL && strcmp(action, "OBSERVE") == 0;
	if (step == NULL && !(agg && del)) {
		skip(r, idx, LOAD_SKIP_NO_BIZSTEP, type);
		return LOAD_END;
	}
#define IS(s) (step != NULL && strcmp(step, s) == 0)
	if (agg) {
		if (step == NULL || IS("unpacking")) {
			if (!del)
				goto wrong_action;
			kind = LOAD_UNPACK;
		} else if (IS("packing")) {
			if (!add)
				goto wrong_action;
			kind = LOAD_PACK;
		} else {
			goto wrong_step;
		}
	} else if (IS("commissioning")) {
		if (!add)
			goto wrong_action;
		kind = LOAD_COMMISSION;
	} else if (IS("shipping")) {
		if (!obs)
			goto wrong_action;
		kind = disp != NULL && strcmp(disp, "returned") == 0 ? LOAD_RETURN :
		       LOAD_SHIP;
	} else if (IS("receiving")) {
		if (!obs)
			goto wrong_action;
		kind = LOAD_RECEIVE;
	} else if (IS("dispensing") || IS("retail_selling")) {
		if (!obs && !del)
			goto wrong_action;
		kind = LOAD_DISPENSE;
	} else if (IS("decommissioning") || IS("destroying")) {
		if (!obs && !del)
			goto wrong_action;
		kind = LOAD_DESTROY;
	} else {
		goto wrong_step;
	}
#undef IS
	r->base.kind = kind;
	if (event_time(r, idx, ev) < 0)
		return LOAD_BAD;

	/* sites */
	rp = loc_id(ev, "readPoint");
	bl = loc_id(ev, "bizLocation");
	src = party(ev, "sourceList", "source");
	dst = party(ev, "destinationList", "destination");
	{
		json_t *here[] = { bl, rp };
		const char *here_p[] = { "bizLocation.id", "readPoint.id" };
		json_t *sender[] = { src, rp, bl };
		const char *sender_p[] = { "sourceList", "readPoint.id", "bizLocation.id" };
		json_t *recv[] = { bl, dst, rp };
		const char *recv_p[] = { "bizLocation.id", "destinationList", "readPoint.id" };
		int e;

		switch (kind) {
		case LOAD_SHIP:
		case LOAD_RETURN:
			if ((e = site_from(r, idx, LOAD_F_FROM, sender, sender_p, 3)) < 0)
				return LOAD_BAD;
			if (e == 0)
				return bad(r, idx, "%s event without a sender (sourceList, "
				           "readPoint or bizLocation)", step);
			if ((e = set_field(r, idx, LOAD_F_TO, dst, "destinationList")) < 0)
				return LOAD_BAD;
			/* A shipment without destinationList (GS1's own Example
			 * 9.6.1) goes to a place not known: SHIP without TO.  A
			 * return must say whom it goes back to. */
			if (e == 0 && kind == LOAD_RETURN)
				return bad(r, idx, "return (shipping, returned) event without a "
				           "destination (destinationList)");
			break;
		case LOAD_RECEIVE:
			if ((e = site_from(r, idx, LOAD_F_TO, recv, recv_p, 3)) < 0)
				return LOAD_BAD;
			if (e == 0)
				return bad(r, idx, "receiving event without a place "
				           "(bizLocation, destinationList or readPoint)");
			if (set_field(r, idx, LOAD_F_FROM, src, "sourceList") < 0)
				return LOAD_BAD;
			break;
		default:
			if ((e = site_from(r, idx, LOAD_F_FROM, here, here_p, 2)) < 0)
				return LOAD_BAD;
			if (e == 0)
				return bad(r, idx, "%s event without a place (bizLocation or "
				           "readPoint)", step ? step : "unpacking");
			break;
		}
	}
	if ((load_allowed(kind) & LOAD_BIT(LOAD_F_REF)) && event_ref(r, idx, ev) < 0)
		return LOAD_BAD;
	if ((load_allowed(kind) & LOAD_BIT(LOAD_F_TEMP)) && event_temp(r, idx, ev) < 0)
		return LOAD_BAD;

	/* lot and expiry */
	if (kind == LOAD_COMMISSION) {
		json_t *ilmd = json_object_get(ev, "ilmd");
		char why[LOAD_MSG_MAX];

		if (set_field(r, idx, LOAD_F_LOT, ilmd_get(ilmd, "lotNumber"),
		              "ilmd lotNumber") < 0 ||
		    set_field(r, idx, LOAD_F_EXPIRY, ilmd_get(ilmd, "itemExpirationDate"),
		              "ilmd itemExpirationDate") < 0)
			return LOAD_BAD;
		if (r->base.f[LOAD_F_EXPIRY] != NULL &&
		    load_check_date(r->base.f[LOAD_F_EXPIRY], r->base.len[LOAD_F_EXPIRY],
		                    why) < 0)
			return bad(r, idx, "ilmd itemExpirationDate: %s", why);
		if (set_ext_uint(r, idx, ev, "yima:level", 1, 4, r->ext_level, LOAD_F_LEVEL) < 0)
			return LOAD_BAD;
	}
	if (kind == LOAD_DISPENSE &&
	    set_ext_uint(r, idx, ev, "yima:qty", 1, CMD_SALE_QTY_MAX, r->ext_qty, LOAD_F_QTY) < 0)
		return LOAD_BAD;

	/* identifiers */
	if (agg) {
		char why[LOAD_MSG_MAX];
		int e = set_field(r, idx, LOAD_F_PARENT, json_object_get(ev, "parentID"),
		                  "parentID");

		if (e < 0)
			return LOAD_BAD;
		if (e == 0)
			return bad(r, idx, "AggregationEvent without parentID");
		if (load_check_code(r->base.f[LOAD_F_PARENT], r->base.len[LOAD_F_PARENT],
		                    r->opts.lo_code, why) < 0)
			return bad(r, idx, "parentID: %s", why);
		if (add_epcs(r, idx, json_object_get(ev, "childEPCs"), "childEPCs") < 0)
			return LOAD_BAD;
		if (json_array_size(json_object_get(ev, "childQuantityList")) > 0)
			load_warnf(&r->opts, "%s: event %zu: childQuantityList ignored "
			           "(lot quantities are not packed)", r->name, idx);
		if (r->nitems == 0 && kind == LOAD_UNPACK)
			add_item(r, NULL, 0, 0); /* everything in parentID */
	} else {
		unsigned long max = kind == LOAD_COMMISSION ? CMD_LOT_QTY_MAX :
		                    kind == LOAD_DISPENSE ? CMD_SALE_QTY_MAX : 0;

		if (add_epcs(r, idx, json_object_get(ev, "epcList"), "epcList") < 0 ||
		    add_quantities(r, idx, json_object_get(ev, "quantityList"),
		                   max) < 0)
			return LOAD_BAD;
	}
	if (r->nitems == 0) {
		skip(r, idx, LOAD_SKIP_EMPTY, type);
		return LOAD_END;
	}
	r->st.es_mapped++;
	return LOAD_OK;

wrong_step:
	skip(r, idx, LOAD_SKIP_BIZSTEP, step);
	return LOAD_END;
wrong_action:
	{
		char what[128];

		snprintf(what, sizeof(what), "%s %s", action ? action : "no action",
		         step ? step : "");
		skip(r, idx, LOAD_SKIP_ACTION, what);
	}
	return LOAD_END;
}

/*
 * The next event into r->ev (r->next its index, counted): LOAD_OK; LOAD_BAD
 * for an event that is no JSON or too large (counted as refused);
 * LOAD_END; LOAD_FATAL when the document cannot be read further.
 */
static int next_event(struct load_epcis *r)
{
	struct load_scan_pos at;
	unsigned long long size;
	char why[LOAD_SCAN_ERR];
	json_error_t je;
	int got;

	json_decref(r->ev);
	r->ev = NULL;
	if (r->fatal)
		return LOAD_FATAL;
	if (r->scan == NULL) { /* a single event */
		if (r->next > 0)
			return LOAD_END;
		r->ev = json_incref(r->one);
		got = 1;
	} else {
		got = load_scan_next(r->scan, r->max, &r->text, &at, &size, why);
		if (got < 0) {
			scan_msg(r->err, r->name, why);
			r->fatal = true;
			return LOAD_FATAL;
		}
		if (got == 0)
			return LOAD_END;
	}
	r->next++;
	r->st.es_events++;
	r->st.es_done++;
	if (got == 2)
		return bad(r, r->next, "%llu bytes, larger than the limit of %zu bytes for "
		           "one event", size, r->max);
	if (r->ev == NULL)
		r->ev = json_loadb(r->text.data, r->text.len,
		                   JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (r->ev == NULL)
		return bad(r, r->next, "invalid JSON at %lu:%lu (byte %llu): %s",
		           at.line + (unsigned long)je.line - 1,
		           je.line == 1 ? at.col + (unsigned long)je.column - 1 :
		                          (unsigned long)je.column,
		           at.byte + (unsigned long long)je.position, je.text);
	return LOAD_OK;
}

int load_epcis_next(struct load_epcis *r, struct load_rec *rec)
{
	while (r->iitem >= r->nitems) {
		size_t idx;
		int e = next_event(r);

		rec->where = r->next; /* a bad event's place too */
		if (e != LOAD_OK)
			return e;
		idx = r->next;
		e = judge(r, r->ev, idx);
		if (e == LOAD_BAD) {
			r->nitems = 0;
			return LOAD_BAD;
		}
		if (e != LOAD_OK)
			r->nitems = 0;
	}
	{
		const struct item *it = &r->items[r->iitem++];

		*rec = r->base;
		rec->f[LOAD_F_CODE] = it->code;
		rec->len[LOAD_F_CODE] = it->len;
		if (it->qty > 0) {
			rec->len[LOAD_F_QTY] = (size_t)snprintf(r->qty, sizeof(r->qty),
			                                        "%lu", it->qty);
			rec->f[LOAD_F_QTY] = r->qty;
		}
		r->st.es_records++;
	}
	return LOAD_OK;
}
