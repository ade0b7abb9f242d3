/*
 * epcis_query — EPCIS.QUERY's pages (epcis_query.h).
 *
 * A query is read first (its lists split, codes parsed against the
 * command's time, sites resolved), then its candidates are walked in seq
 * order: the events of the units it names, or the whole log.  Each
 * candidate is first seen cheaply (struct shown: the event shown, its
 * places) and judged by the filters; only those kept are gathered whole
 * (codes, URIs, lot data) into the page.
 */
#include "epcis_query.h"
#include "acl.h"
#include "args.h"
#include "cbv.h"
#include "config.h"
#include "eventlog.h"
#include "master.h"
#include "mcache.h"
#include "parse.h"
#include "store.h"
#include "units.h"
#include "view.h"
#include "xmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A walk's callback: the page is done (not a store error). */
#define PAGE_DONE (-31300)

size_t epcis_scan_max = EPCIS_SCAN_MAX;

/* ------------------------------------------------------------ the table */

static const struct epcis_kind kinds[] = {
	[EV_COMMISSION] = { EPCIS_OBJECT_EVENT, EPCIS_AT_SITE, "ADD", "commissioning", "active" },
	[EV_PACK] = { EPCIS_AGGREGATION_EVENT, EPCIS_AT_SITE, "ADD", "packing", "in_progress" },
	[EV_UNPACK] = { EPCIS_AGGREGATION_EVENT, EPCIS_AT_SITE, "DELETE", "unpacking",
			"in_progress" },
	[EV_SHIP] = { EPCIS_OBJECT_EVENT, EPCIS_DEPARTING, "OBSERVE", "shipping", "in_transit" },
	[EV_RECEIVE] = { EPCIS_OBJECT_EVENT, EPCIS_ARRIVING, "OBSERVE", "receiving",
			 "in_progress" },
	[EV_RETURN] = { EPCIS_OBJECT_EVENT, EPCIS_DEPARTING, "OBSERVE", "shipping", "returned" },
	[EV_DESTROY] = { EPCIS_OBJECT_EVENT, EPCIS_AT_SITE, "DELETE", "destroying", "destroyed" },
	[EV_DISPENSE] = { EPCIS_OBJECT_EVENT, EPCIS_AT_SITE, "OBSERVE", "dispensing",
			  "dispensed" },
	[EV_RECALL] = { EPCIS_OBJECT_EVENT, EPCIS_NOWHERE, "OBSERVE", "holding", "recalled" },
	[EV_LIFT] = { EPCIS_OBJECT_EVENT, EPCIS_NOWHERE, "OBSERVE", "holding", "active" },
	[EV_WITHDRAW] = { EPCIS_OBJECT_EVENT, EPCIS_NOWHERE, "OBSERVE", "holding", "recalled" },
	[EV_LOCK] = { EPCIS_OBJECT_EVENT, EPCIS_NOWHERE, "OBSERVE", "holding",
		      "non_sellable_other" },
	[EV_UNLOCK] = { EPCIS_OBJECT_EVENT, EPCIS_NOWHERE, "OBSERVE", "holding",
			"sellable_accessible" },
	[EV_RECALL_ACK] = { EPCIS_OBJECT_EVENT, EPCIS_AT_SITE, "OBSERVE", "holding", "recalled" },
	/* CBV 2.0 has no step nor disposition per end state: TRACE names it. */
	[EV_DECOMMISSION] = { EPCIS_OBJECT_EVENT, EPCIS_AT_SITE, "DELETE", "decommissioning",
			      "inactive" },
	[EV_REACTIVATE] = { EPCIS_OBJECT_EVENT, EPCIS_AT_SITE, "OBSERVE", "holding",
			    "sellable_accessible" },
	[EV_UNWITHDRAW] = { EPCIS_OBJECT_EVENT, EPCIS_NOWHERE, "OBSERVE", "holding",
			    "active" },
	[EV_TRANSFORM] = { EPCIS_TRANSFORMATION_EVENT, EPCIS_AT_SITE, NULL, "repackaging",
			   "active" },
};

const struct epcis_kind *epcis_kind_of(uint8_t kind)
{
	if (kind >= sizeof kinds / sizeof kinds[0] || kinds[kind].step == NULL)
		return NULL;
	return &kinds[kind];
}

/* The business steps the table shows, for BIZSTEP: bit i is steps[i]. */
static const char *const steps[] = {
	"commissioning", "packing", "unpacking", "shipping", "receiving", "destroying",
	"dispensing", "holding", "decommissioning", "repackaging",
};

static uint32_t step_bit(const char *step)
{
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
		if (strcmp(steps[i], step) == 0)
			return 1u << i;
	return 0;
}

/* ---------------------------------------------------------- the query */

struct ids {
	uint64_t *v;
	size_t n, cap;
};

static void ids_add(struct ids *x, uint64_t id)
{
	if (x->n == x->cap) {
		x->cap = x->cap ? 2 * x->cap : 16;
		x->v = xrealloc(x->v, x->cap * sizeof *x->v);
	}
	x->v[x->n++] = id;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* Sorted, each once. */
static void ids_settle(struct ids *x)
{
	if (x->n == 0)
		return;
	qsort(x->v, x->n, sizeof *x->v, cmp_u64);
	size_t n = 1;
	for (size_t i = 1; i < x->n; i++)
		if (x->v[i] != x->v[n - 1])
			x->v[n++] = x->v[i];
	x->n = n;
}

static bool ids_has(const struct ids *x, uint64_t id)
{
	return bsearch(&id, x->v, x->n, sizeof *x->v, cmp_u64) != NULL;
}

/* A query, read. */
struct query {
	const struct principal *who;
	uint32_t steps;			/* bits; with_steps and 0: none can match */
	bool with_steps;
	struct ids epc, anyepc;		/* units named (those known) */
	bool with_epc, with_anyepc;
	struct ids locations, read_points;	/* site numbers (those known) */
	bool with_locations, with_read_points;
	int64_t since, before;
	bool with_since, with_before;
	uint32_t count;
	uint64_t after;
};

static void query_free(struct query *q)
{
	free(q->epc.v);
	free(q->anyepc.v);
	free(q->locations.v);
	free(q->read_points.v);
}

/* The '|'-separated values of option opt: fn(arg, value) for each.
 * CMD_DONE, or what fn or the list says. */
static enum cmd_status each_value(const struct cmd *c, enum opt_id opt, const char *name,
				  enum cmd_status (*fn)(void *arg, const struct resp_arg *v),
				  void *arg, struct outcome *o)
{
	const struct resp_arg *a = c->opt[opt].arg;
	size_t n = 0;
	for (size_t at = 0; at <= a->len;) {
		const char *bar = memchr(a->ptr + at, '|', a->len - at);
		size_t end = bar ? (size_t)(bar - a->ptr) : a->len;
		if (end == at)
			return outcome_refuse(o, "%s: an empty value in '%.80s' (values are "
					      "separated by |)", name, a->ptr);
		if (++n > CMD_EPCIS_VALUES_MAX)
			return outcome_refuse(o, "%s: more than %d values", name,
					      CMD_EPCIS_VALUES_MAX);
		struct resp_arg v = { a->ptr + at, end - at };
		enum cmd_status st = fn(arg, &v);
		if (st != CMD_DONE)
			return st;
		at = end + 1;
	}
	return CMD_DONE;
}

struct reading {
	struct store_txn *t;
	const struct cmd *c;
	struct query *q;
	struct ids *into;
	const char *name;
	struct outcome *o;
};

static enum cmd_status read_step(void *arg, const struct resp_arg *v)
{
	struct reading *r = arg;
	char s[96];
	snprintf(s, sizeof s, "%.*s", (int)(v->len < 95 ? v->len : 95), v->ptr);
	/* A step no yima event shows (inspecting ...) matches nothing. */
	r->q->steps |= step_bit(cbv_term(s, "BizStep", "urn:epcglobal:cbv:bizstep:"));
	return CMD_DONE;
}

static enum cmd_status read_code(void *arg, const struct resp_arg *v)
{
	struct reading *r = arg;
	struct code_opts opts;
	struct code_result code;
	struct unit u;
	args_code_opts(r->c->when_ms, &opts);
	if (code_parse(v->ptr, v->len, &opts, &code) != CODE_OK)
		return outcome_refuse(r->o, "%s '%.*s': %s", r->name, (int)(v->len < 80 ? v->len : 80),
				      v->ptr, code.cr_msg);
	int rc = units_find(r->t, code.cr_key, code.cr_key_len, &u);
	if (rc == 0)
		ids_add(r->into, u.id);
	else if (rc != STORE_NOTFOUND)	/* a code yima does not hold matches nothing */
		return outcome_failed(r->o, rc);
	return CMD_DONE;
}

static enum cmd_status read_site(void *arg, const struct resp_arg *v)
{
	struct reading *r = arg;
	char why[200];
	uint32_t num;
	int rc = args_site(r->t, v, &num, why, sizeof why);
	if (rc == 0)
		ids_add(r->into, num);
	else if (rc != -1)	/* a place yima does not know matches nothing */
		return outcome_failed(r->o, rc);
	return CMD_DONE;
}

/* Read a list option into its ids.  *with: the option was given. */
static enum cmd_status read_list(struct reading *r, enum opt_id opt, const char *name,
				 enum cmd_status (*fn)(void *, const struct resp_arg *),
				 struct ids *into, bool *with)
{
	*with = cmd_has(r->c, opt);
	if (!*with)
		return CMD_DONE;
	r->into = into;
	r->name = name;
	enum cmd_status st = each_value(r->c, opt, name, fn, r, r->o);
	ids_settle(into);
	return st;
}

static enum cmd_status read_query(struct store_txn *t, const struct cmd *c, struct query *q,
				  struct outcome *o)
{
	struct reading r = { .t = t, .c = c, .q = q, .o = o };
	enum cmd_status st;
	q->who = c->who;
	q->count = cmd_has(c, OPT_COUNT) ? c->opt[OPT_COUNT].v.n : EPCIS_PAGE_DEFAULT;
	q->with_since = cmd_has(c, OPT_SINCE);
	q->since = c->opt[OPT_SINCE].v.ms;
	q->with_before = cmd_has(c, OPT_BEFORE);
	q->before = c->opt[OPT_BEFORE].v.ms;
	q->with_steps = cmd_has(c, OPT_BIZSTEP);
	if (q->with_steps &&
	    (st = each_value(c, OPT_BIZSTEP, "BIZSTEP", read_step, &r, o)) != CMD_DONE)
		return st;
	if ((st = read_list(&r, OPT_EPC, "EPC", read_code, &q->epc, &q->with_epc)) != CMD_DONE ||
	    (st = read_list(&r, OPT_ANYEPC, "ANYEPC", read_code, &q->anyepc,
			    &q->with_anyepc)) != CMD_DONE ||
	    (st = read_list(&r, OPT_LOCATION, "LOCATION", read_site, &q->locations,
			    &q->with_locations)) != CMD_DONE ||
	    (st = read_list(&r, OPT_READPOINT, "READPOINT", read_site, &q->read_points,
			    &q->with_read_points)) != CMD_DONE)
		return st;
	if (cmd_has(c, OPT_AFTER)) {
		const struct resp_arg *a = c->opt[OPT_AFTER].arg;
		uint64_t v = 0;
		bool ok = a->len > 0 && a->len <= 15 && a->ptr[0] != '0';
		for (size_t i = 0; ok && i < a->len; i++) {
			ok = a->ptr[i] >= '0' && a->ptr[i] <= '9';
			v = v * 10 + (uint64_t)(a->ptr[i] - '0');
		}
		if (!ok || v >= (UINT64_C(1) << 48))
			return outcome_refuse(o, "AFTER '%.40s' is not a page token this server "
					      "gave (the nextPageToken of a page)", a->ptr);
		q->after = v;
	}
	return CMD_DONE;
}

/* Can the query match nothing, whatever the store holds? */
static bool matches_nothing(const struct query *q)
{
	return (q->with_steps && q->steps == 0) || (q->with_epc && q->epc.n == 0) ||
	       (q->with_anyepc && q->anyepc.n == 0) ||
	       (q->with_locations && q->locations.n == 0) ||
	       (q->with_read_points && q->read_points.n == 0) ||
	       (q->with_since && q->with_before && q->since >= q->before);
}

/* ----------------------------------------------- an event, seen cheaply */

struct shown {
	struct event e;			/* the event shown (an UNDO's DISPENSE) */
	uint8_t link[32];
	int64_t declared_ms;		/* an UNDO: its time */
	const struct epcis_kind *k;
	uint32_t read_point, biz_location;	/* site numbers; 0: none */
};

/* Event x (with its link) as shown: 0 with s->k NULL when it is not shown
 * at all, or a store error. */
static int see(struct store_txn *t, const struct event *x, const uint8_t *link,
	       struct shown *s)
{
	memset(s, 0, sizeof *s);
	if (x->kind == EV_UNDO) {
		int rc = events_get_link(t, x->parent, &s->e, s->link);
		if (rc)
			return rc;
		if (s->e.kind != EV_DISPENSE)
			return 0;
		s->declared_ms = x->time_ms;
	} else {
		s->e = *x;
		memcpy(s->link, link, sizeof s->link);
	}
	if ((s->k = epcis_kind_of(s->e.kind)) == NULL)
		return 0;
	if (s->k->places != EPCIS_NOWHERE)
		s->read_point = s->e.site;
	if (s->k->places == EPCIS_AT_SITE || s->k->places == EPCIS_ARRIVING)
		s->biz_location = s->e.site;
	return 0;
}

/* May the query's principal see event x (its own, as logged)? */
static bool visible(const struct query *q, const struct event *x)
{
	if (!acl_sees_own_site_only(q->who))
		return true;
	return x->site == q->who->site || x->other == q->who->site || x->kind == EV_RECALL ||
	       x->kind == EV_LIFT || x->kind == EV_WITHDRAW || x->kind == EV_UNWITHDRAW;
}

static bool wanted(const struct query *q, const struct shown *s)
{
	int64_t ms = s->e.time_ms;
	return (!q->with_steps || (q->steps & step_bit(s->k->step))) &&
	       (!q->with_since || ms >= q->since) && (!q->with_before || ms < q->before) &&
	       (!q->with_locations || (s->biz_location && ids_has(&q->locations, s->biz_location))) &&
	       (!q->with_read_points ||
		(s->read_point && ids_has(&q->read_points, s->read_point)));
}

/* ---------------------------------------------------- gathering whole */

/* Site numbers and their URIs, as the page has written them. */
#define SITES_KEPT 32

struct gathering {
	struct store_txn *t;
	const struct config *cfg;
	struct epcis_page *p;
	struct {
		uint32_t num;
		struct epcis_text uri;
	} site[SITES_KEPT];
	size_t nsite, next_site;
	int gln;			/* the site's field index of "gln" */
	struct epcis_event *ev;		/* being gathered */
	const struct shown *s;
	bool first_unit;		/* the next unit is the event's first */
};

static struct epcis_text put_text(struct epcis_page *p, const char *s, size_t n)
{
	struct epcis_text x = { (uint32_t)p->text.len, (uint32_t)n };
	buf_append(&p->text, s, n);
	buf_append(&p->text, "", 1);	/* each a C string too */
	return x;
}

/* Characters a URI takes as they are (RFC 3986 unreserved). */
static bool uri_plain(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

static void put_pct(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (uri_plain(c)) {
			buf_putc(b, (char)c);
		} else {
			buf_putc(b, '%');
			buf_putc(b, hex[c >> 4]);
			buf_putc(b, hex[c & 15]);
		}
	}
}

/* prefix, then the parts %-encoded with ':' between them, as page text. */
static struct epcis_text put_urn(struct epcis_page *p, const char *prefix, const char *a,
				 const char *b)
{
	struct buf u = BUF_INIT;
	buf_puts(&u, prefix);
	put_pct(&u, a, strlen(a));
	if (b) {
		buf_putc(&u, ':');
		put_pct(&u, b, strlen(b));
	}
	struct epcis_text x = put_text(p, u.data, u.len);
	buf_free(&u);
	return x;
}

/* A site's URI: its GLN as a Digital Link, else ARGS_SITE_URN and its id. */
static int site_uri(struct gathering *g, uint32_t num, struct epcis_text *out)
{
	for (size_t i = 0; i < g->nsite; i++)
		if (g->site[i].num == num) {
			*out = g->site[i].uri;
			return 0;
		}
	char id[MASTER_ID_MAX + 1];
	struct master_rec rec;
	int rc = master_load_num(g->t, &master_site, num, id, &rec);
	if (rc == STORE_NOTFOUND) {
		uint8_t k[4] = { (uint8_t)(num >> 24), (uint8_t)(num >> 16), (uint8_t)(num >> 8),
				 (uint8_t)num };
		return store_corrupt(DB_SITE_NUMS, k, sizeof k, "a site an event names is missing");
	}
	if (rc)
		return rc;
	const char *gln = g->gln >= 0 ? rec.val[g->gln] : NULL;	/* not NUL-ended */
	if (gln && rec.len[g->gln] == 13) {
		char uri[64];
		int n = snprintf(uri, sizeof uri, "https://id.gs1.org/414/%.13s", gln);
		*out = put_text(g->p, uri, (size_t)n);
	} else {
		*out = put_urn(g->p, ARGS_SITE_URN, id, NULL);
	}
	size_t at = g->nsite < SITES_KEPT ? g->nsite++ : g->next_site++ % SITES_KEPT;
	g->site[at].num = num;
	g->site[at].uri = *out;
	return 0;
}

/* A code as EPCIS names it: a Digital Link, else its canonical text. */
static struct epcis_text code_uri(struct epcis_page *p, const struct unit *u)
{
	char text[CODE_TEXT_MAX];
	if (code_key_dl(u->key, u->key_len, text, sizeof text) < 0)
		view_code(u->key, u->key_len, text);
	return put_text(p, text, strlen(text));
}

static void add_code(struct epcis_page *p, struct epcis_text uri, bool klass, uint32_t quantity)
{
	if (p->ncodes == p->codes_cap) {
		p->codes_cap = p->codes_cap ? 2 * p->codes_cap : 64;
		p->codes = xrealloc(p->codes, p->codes_cap * sizeof *p->codes);
	}
	p->codes[p->ncodes++] = (struct epcis_code){ uri, klass, quantity };
}

/* A commissioning's ilmd and level, from its first unit. */
static int commissioned(struct gathering *g, const struct unit *u)
{
	struct epcis_event *ev = g->ev;
	ev->level = u->level > 1 ? u->level : 0;
	if (u->lot == 0)
		return 0;
	const struct mcache_lot *l;
	int rc = mcache_lot(g->t, u->lot, &l);
	if (rc)
		return rc;
	ev->lot = put_text(g->p, l->lot.name, l->lot.name_len);
	if (l->lot.expiry) {
		char d[16];
		int n = snprintf(d, sizeof d, "%04u-%02u-%02u", l->lot.expiry / 10000,
				 l->lot.expiry / 100 % 100, l->lot.expiry % 100);
		ev->expiry = put_text(g->p, d, (size_t)n);
	}
	return 0;
}

/* Unit id, which an event names: a store error, STORE_CORRUPT when it is
 * missing. */
static int unit_named(struct store_txn *t, uint64_t id, struct unit *u)
{
	int rc = units_get(t, id, u);
	if (rc == STORE_NOTFOUND) {
		uint8_t k[5];
		for (int i = 0; i < 5; i++)
			k[i] = (uint8_t)(id >> (8 * (4 - i)));
		return store_corrupt(DB_UNITS, k, sizeof k, "a unit an event names is missing");
	}
	return rc;
}

static int add_unit(void *arg, uint64_t id)
{
	struct gathering *g = arg;
	const struct event *e = &g->s->e;
	struct unit u;
	int rc = unit_named(g->t, id, &u);
	if (rc)
		return rc;
	if (g->first_unit && e->kind == EV_COMMISSION && (rc = commissioned(g, &u)) != 0)
		return rc;
	g->first_unit = false;
	bool klass = units_lot_level(u.key, u.key_len);
	uint32_t quantity = !klass ? 0 : e->kind == EV_COMMISSION ? u.quantity :
			    e->kind == EV_DISPENSE ? e->qty : 0;
	add_code(g->p, code_uri(g->p, &u), klass, quantity);
	g->ev->ncodes++;
	return 0;
}

/* The class of lot `num` (RECALL, LIFT, RECALL.ACK) or of product `num`
 * (WITHDRAW): a GTIN's Digital Link, else a yima URN. */
static int class_uri(struct gathering *g, const struct event *e, struct epcis_text *out)
{
	char product[MASTER_ID_MAX + 1], lot[CODE_SERIAL_MAX] = "";
	bool of_lot = e->kind != EV_WITHDRAW && e->kind != EV_UNWITHDRAW;
	int rc;
	if (of_lot) {
		const struct mcache_lot *l;
		if ((rc = mcache_lot(g->t, (uint32_t)e->parent, &l)) != 0)
			return rc;
		snprintf(product, sizeof product, "%s", l->product_id);
		snprintf(lot, sizeof lot, "%.*s", (int)l->lot.name_len, l->lot.name);
	} else if ((rc = master_num_id(g->t, &master_product, (uint32_t)(e->kind == EV_UNWITHDRAW ?
					e->other : e->parent), product)) != 0) {
		return rc;
	}
	bool gtin = strlen(product) == 14 && strspn(product, "0123456789") == 14;
	char text[CODE_TEXT_MAX];
	uint8_t key[CODE_KEY_MAX];
	int kl, n;
	if (gtin && !of_lot) {
		n = snprintf(text, sizeof text, "https://id.gs1.org/01/%s", product);
		*out = put_text(g->p, text, (size_t)n);
		return 0;
	}
	snprintf(text, sizeof text, "(01)%s(10)%s", product, lot);
	if (gtin && (kl = code_key_parse(text, strlen(text), key)) > 0 &&
	    (n = code_key_dl(key, (size_t)kl, text, sizeof text)) > 0) {
		*out = put_text(g->p, text, (size_t)n);
		return 0;
	}
	*out = of_lot ? put_urn(g->p, "urn:yima:lot:", product, lot) :
			put_urn(g->p, "urn:yima:product:", product, NULL);
	return 0;
}

/* A reference (a delivery note, a sale's TX) as a URI: as it is when it is
 * one ("scheme:..."), else "urn:yima:ref:" and it %-encoded. */
static struct epcis_text ref_uri(struct epcis_page *p, const struct event *e)
{
	size_t i = 0;
	bool scheme = e->ref_len > 0 && ((e->ref[0] | 0x20) >= 'a' && (e->ref[0] | 0x20) <= 'z');
	while (scheme && i < e->ref_len && e->ref[i] != ':') {
		char c = e->ref[i++];
		scheme = (c | 0x20) - 'a' < 26 || (c >= '0' && c <= '9') || c == '+' || c == '-' ||
			 c == '.';
	}
	if (scheme && i > 1 && i + 1 < e->ref_len && strchr(e->ref, ' ') == NULL)
		return put_text(p, e->ref, e->ref_len);
	return put_urn(p, "urn:yima:ref:", e->ref, NULL);
}

/* eventTimeZoneOffset at ms: the configured zone's offset then. */
static void zone_offset(const struct config *cfg, int64_t ms, char out[8])
{
	const char *tz = cfg->timezone;
	if (tz[0] == '+' || tz[0] == '-') {
		snprintf(out, 8, "%.6s", tz);
		return;
	}
	time_t t = (time_t)(ms / 1000 - (ms % 1000 < 0));
	struct tm tm;
	localtime_r(&t, &tm);	/* TZ was set from cfg->timezone at start */
	long off = labs(tm.tm_gmtoff) / 60;	/* at most 14:00 */
	snprintf(out, 8, "%c%02d:%02d", tm.tm_gmtoff < 0 ? '-' : '+', (int)(off / 60 % 100),
		 (int)(off % 60));
}

/* The eventID: a UUID (RFC 9562 version 8) made of the link's first 16 bytes. */
static void event_id(const uint8_t link[32], char out[48])
{
	uint8_t b[16];
	memcpy(b, link, 16);
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x80);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	snprintf(out, 48, "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8],
		 b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* A TRANSFORM's outputs (consecutive ids from e->parent) after its inputs,
 * and the ilmd of their lot. */
static int transform_outputs(struct gathering *g, const struct event *e)
{
	struct epcis_event *ev = g->ev;
	ev->first_output = (uint32_t)g->p->ncodes;
	for (uint32_t k = 0; k < e->qty; k++) {
		struct unit u;
		int rc = unit_named(g->t, e->parent + k, &u);
		if (rc == 0 && k == 0)
			rc = commissioned(g, &u);
		if (rc)
			return rc;
		add_code(g->p, code_uri(g->p, &u), false, 0);
		ev->noutputs++;
	}
	return 0;
}

/* Event s, whole, as the page's next. */
static int gather(struct gathering *g, const struct shown *s)
{
	struct epcis_page *p = g->p;
	const struct event *e = &s->e;
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 16;
		p->ev = xrealloc(p->ev, p->cap * sizeof *p->ev);
	}
	struct epcis_event *ev = g->ev = &p->ev[p->n];
	memset(ev, 0, sizeof *ev);
	ev->k = s->k;
	ev->kind = e->kind;
	ev->time_ms = e->time_ms;
	ev->declared_ms = s->declared_ms;
	zone_offset(g->cfg, e->time_ms, ev->tz);
	event_id(s->link, ev->id);
	int rc = 0;
	if (s->read_point)
		rc = site_uri(g, s->read_point, &ev->read_point);
	if (rc == 0 && s->biz_location)
		rc = site_uri(g, s->biz_location, &ev->biz_location);
	if (rc == 0 && s->k->places == EPCIS_DEPARTING) {
		if ((rc = site_uri(g, e->site, &ev->source)) == 0 && e->other)
			rc = site_uri(g, e->other, &ev->destination);	/* 0: not known */
	} else if (rc == 0 && s->k->places == EPCIS_ARRIVING) {
		if (e->other)
			rc = site_uri(g, e->other, &ev->source);
		if (rc == 0)
			rc = site_uri(g, e->site, &ev->destination);
	}
	if (rc == 0 && s->k->type == EPCIS_AGGREGATION_EVENT) {
		struct unit box;
		if ((rc = unit_named(g->t, e->unit, &box)) == 0)
			ev->parent = code_uri(p, &box);
	}
	ev->first_code = (uint32_t)p->ncodes;
	g->s = s;
	g->first_unit = true;
	if (rc == 0)
		rc = events_units(g->t, e, add_unit, g);
	if (rc == 0 && e->kind == EV_TRANSFORM)
		rc = transform_outputs(g, e);
	if (rc == 0 && (e->kind == EV_RECALL || e->kind == EV_LIFT || e->kind == EV_WITHDRAW ||
			e->kind == EV_UNWITHDRAW || e->kind == EV_RECALL_ACK))
		rc = class_uri(g, e, &ev->klass);
	if (rc)
		return rc;
	switch (e->kind) {
	case EV_SHIP:
	case EV_RETURN:
	case EV_RECEIVE:
	case EV_DESTROY:
	case EV_DECOMMISSION:
	case EV_REACTIVATE:
		ev->ref_desadv = true;
		/* fall through */
	case EV_DISPENSE:
	case EV_TRANSFORM:
		if (e->ref_len)
			ev->ref = ref_uri(p, e);
		ev->qty = e->kind == EV_DISPENSE ? e->qty : 0;
		break;
	case EV_RECALL:
		ev->level = (uint8_t)e->qty;
		/* fall through */
	case EV_LIFT:
	case EV_WITHDRAW:
	case EV_UNWITHDRAW:
	case EV_LOCK:
	case EV_UNLOCK:
		if (e->ref_len)
			ev->reason = put_text(p, e->ref, e->ref_len);
		break;
	default:
		break;
	}
	p->n++;
	return 0;
}

/* ------------------------------------------------------------ the walk */

struct paging {
	struct gathering g;
	const struct query *q;
	size_t budget;			/* events still to look at */
	uint64_t last;			/* the last event looked at */
	bool full;			/* the page holds what it may */
	bool more;			/* ... and another event matches */
};

/* Look at event x: 0 to go on, PAGE_DONE, or a store error. */
static int look(struct paging *pg, const struct event *x, const uint8_t *link)
{
	struct shown s;
	if (pg->budget == 0)
		return PAGE_DONE;
	pg->budget--;
	int rc = see(pg->g.t, x, link, &s);
	if (rc)
		return rc;
	if (s.k == NULL || !visible(pg->q, x) || !wanted(pg->q, &s)) {
		pg->last = x->seq;
		return 0;
	}
	if (pg->full) {
		pg->more = true;
		return PAGE_DONE;
	}
	if ((rc = gather(&pg->g, &s)) != 0)
		return rc;
	pg->last = x->seq;
	pg->full = pg->g.p->n >= pg->q->count || pg->g.p->ncodes >= EPCIS_CODES_MAX;
	return 0;
}

static int look_walked(void *arg, const struct event *x, const uint8_t *link)
{
	return look(arg, x, link);
}

/* The events that name the units of q (EPC, ANYEPC): their seqs, sorted. */
struct naming {
	struct store_txn *t;
	uint64_t unit;
	bool as_parent;			/* a container's PACK and UNPACK too */
	struct ids *into;
};

static int note_seq(void *arg, uint64_t seq)
{
	struct naming *nm = arg;
	struct event e;
	if (!nm->as_parent) {	/* MATCH_epc: the unit in epcList or childEPCs */
		int rc = events_get(nm->t, seq, &e);
		if (rc)
			return rc;
		if ((e.kind == EV_PACK || e.kind == EV_UNPACK) && e.unit == nm->unit)
			return 0;
	}
	ids_add(nm->into, seq);
	return 0;
}

static int events_naming(struct store_txn *t, const struct ids *units, bool as_parent,
			 struct ids *into)
{
	struct naming nm = { .t = t, .as_parent = as_parent, .into = into };
	int rc = 0;
	for (size_t i = 0; i < units->n && rc == 0; i++) {
		struct unit u;
		nm.unit = units->v[i];
		if ((rc = units_get(t, nm.unit, &u)) == 0 &&
		    (rc = note_seq(&nm, u.commission_seq)) == 0)
			rc = events_of(t, &u, note_seq, &nm);
	}
	ids_settle(into);
	return rc;
}

/* Walk the candidates of a query naming codes. */
static int walk_named(struct paging *pg)
{
	const struct query *q = pg->q;
	struct ids a = { 0 }, b = { 0 };
	int rc = 0;
	if (q->with_epc)
		rc = events_naming(pg->g.t, &q->epc, false, &a);
	if (rc == 0 && q->with_anyepc)
		rc = events_naming(pg->g.t, &q->anyepc, true, &b);
	const struct ids *walked = q->with_epc ? &a : &b;
	for (size_t i = 0; rc == 0 && i < walked->n; i++) {
		uint64_t seq = walked->v[i];
		struct event x;
		uint8_t link[32];
		if (seq <= q->after || (q->with_epc && q->with_anyepc && !ids_has(&b, seq)))
			continue;
		if ((rc = events_get_link(pg->g.t, seq, &x, link)) == 0)
			rc = look(pg, &x, link);
	}
	free(a.v);
	free(b.v);
	return rc == PAGE_DONE ? 0 : rc;
}

enum cmd_status epcis_query_page(struct store_txn *t, const struct config *cfg,
				 const struct cmd *c, struct epcis_page *p)
{
	struct query q = { 0 };
	enum cmd_status st = read_query(t, c, &q, &p->o);
	if (st != CMD_DONE || matches_nothing(&q)) {
		query_free(&q);
		return st;
	}
	struct paging pg = {
		.g = { .t = t, .cfg = cfg, .p = p,
		       .gln = master_field_index(&master_site, "gln") },
		.q = &q,
		.budget = epcis_scan_max,
		.last = q.after,
	};
	int rc;
	if (q.with_epc || q.with_anyepc) {
		pg.budget = SIZE_MAX;	/* a few events a unit */
		rc = walk_named(&pg);
	} else {
		rc = events_walk(t, q.after + 1, look_walked, &pg);
		rc = rc == PAGE_DONE ? 0 : rc;
	}
	query_free(&q);
	if (rc)
		return outcome_failed(&p->o, rc);
	/* Another event matches; or the walk stopped before the log's end. */
	uint64_t next_event;
	if (pg.more)
		p->next = pg.last;
	else if (pg.budget == 0 && (rc = store_peek_id64(t, "event", &next_event)) == 0 &&
		 pg.last + 1 < next_event)
		p->next = pg.last;
	if (rc)
		return outcome_failed(&p->o, rc);
	return CMD_DONE;
}

void epcis_page_free(struct epcis_page *p)
{
	free(p->ev);
	free(p->codes);
	buf_free(&p->text);
	p->ev = NULL;
	p->codes = NULL;
	p->n = p->ncodes = 0;
}
