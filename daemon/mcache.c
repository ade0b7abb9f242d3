/*
 * mcache — per-thread, direct-mapped tables in front of the store for the
 * records every scan reads (mcache.h says when an entry may be used).
 *
 * Direct-mapped: each number has one slot; a collision replaces the entry.
 * Sites and lots are numbered from 1 upwards, so the first thousands never
 * collide; events are hashed.  A miss costs what the lookup cost before.
 */
#include "mcache.h"
#include "eventlog.h"
#include "master.h"
#include "product_state.h"
#include "store.h"
#include "xmem.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define SITE_SLOTS  4096
#define LOT_SLOTS   1024
#define EVENT_SLOTS 65536

struct site_slot {
	uint64_t tag;
	uint32_t num;		/* 0: empty */
	uint32_t licence_until;	/* YYYYMMDD, 0: not set */
	char id[MASTER_ID_MAX + 1];
};

struct lot_slot {
	uint64_t tag;
	uint32_t num;		/* 0: empty */
	struct mcache_lot v;
};

struct event_slot {
	uint64_t tag;
	uint64_t seq;		/* 0: empty */
	struct mcache_event v;
};

struct mcache {
	uint64_t hits, misses;
	struct site_slot sites[SITE_SLOTS];
	struct lot_slot lots[LOT_SLOTS];
	struct event_slot events[EVENT_SLOTS];
};

static _Thread_local struct mcache *mine;
static pthread_key_t key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void release(void *tables)
{
	munmap(tables, sizeof(struct mcache));
}

static void make_key(void)
{
	if (pthread_key_create(&key, release) != 0)
		abort();
}

/* This thread's tables; the key's destructor unmaps them at thread exit.
 * Mapped populated: 3 MB touched page by page would take ~700 page faults
 * during a thread's first requests. */
static struct mcache *tables(void)
{
	if (mine == NULL) {
		pthread_once(&key_once, make_key);
		void *p = mmap(NULL, sizeof *mine, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (p == MAP_FAILED)
			xmem_fail(sizeof *mine);
		mine = p;
		pthread_setspecific(key, mine);
	}
	return mine;
}

void mcache_prepare(void)
{
	(void)tables();
}

int mcache_lot(struct store_txn *t, uint32_t num, const struct mcache_lot **out)
{
	struct mcache *m = tables();
	uint64_t tag = store_txn_tag(t);
	struct lot_slot *s = &m->lots[num % LOT_SLOTS];
	if (s->num == num && s->tag == tag && num) {
		m->hits++;
		*out = &s->v;
		return 0;
	}
	m->misses++;
	struct mcache_lot v;
	memset(&v, 0, sizeof v);
	v.units_per_pack = 1;
	int rc = lots_get(t, num, &v.lot);
	if (rc)
		return rc;
	struct master_rec prod;
	rc = master_load_num(t, &master_product, v.lot.product, v.product_id, &prod);
	if (rc && rc != STORE_NOTFOUND)
		return rc;
	if (rc == 0) {
		v.has_product = true;
		v.units_per_pack = master_units_per_pack(&prod);
		v.category = (uint8_t)master_category(&prod);
		master_storage(&prod, &v.min_dc, &v.has_min_c, &v.max_dc, &v.has_max_c);
		size_t n = prod.val[0] ? prod.len[0] : 0;
		if (n > MCACHE_NAME_MAX)
			n = MCACHE_NAME_MAX;
		memcpy(v.product_name, prod.val[0] ? prod.val[0] : "", n);
		v.product_name[n] = '\0';
	}
	uint64_t wseq;
	if ((rc = products_withdrawn(t, v.lot.product, &v.withdrawn, &wseq)) != 0)
		return rc;
	s->num = num;
	s->tag = tag;
	s->v = v;
	*out = &s->v;
	return 0;
}

/* Site `num`'s slot, filled from the store when it is not this
 * transaction's. */
static int site_slot(struct store_txn *t, uint32_t num, const struct site_slot **out)
{
	struct mcache *m = tables();
	uint64_t tag = store_txn_tag(t);
	struct site_slot *s = &m->sites[num % SITE_SLOTS];
	if (s->num == num && s->tag == tag) {
		m->hits++;
		*out = s;
		return 0;
	}
	m->misses++;
	struct master_rec rec;
	char id[MASTER_ID_MAX + 1];
	int rc = master_num_id(t, &master_site, num, id);
	if (rc)
		return rc;
	/* The number names the site; its record, when there is one, its
	 * licence. */
	rc = master_load(t, &master_site, id, &rec);
	if (rc && rc != STORE_NOTFOUND)
		return rc;
	memcpy(s->id, id, sizeof s->id);
	s->licence_until = rc == 0 ? master_licence_until(&rec) : 0;
	s->num = num;
	s->tag = tag;
	*out = s;
	return 0;
}

/* Site `num`'s id and licence (0: none, id ""). */
static int site_of(struct store_txn *t, uint32_t num, const char **id, uint32_t *until)
{
	*id = "";
	*until = 0;
	if (num == 0)
		return 0;
	const struct site_slot *s;
	int rc = site_slot(t, num, &s);
	if (rc == 0) {
		*id = s->id;
		*until = s->licence_until;
	}
	return rc;
}

int mcache_site(struct store_txn *t, uint32_t num, const char **id)
{
	uint32_t until;
	return site_of(t, num, id, &until);
}

int mcache_site_licence(struct store_txn *t, uint32_t num, uint32_t *until)
{
	const char *id;
	return site_of(t, num, &id, until);
}

int mcache_event(struct store_txn *t, uint64_t seq, struct mcache_event *out)
{
	struct mcache *m = tables();
	uint64_t tag = store_txn_tag(t);
	/* Fibonacci hashing: consecutive seqs spread over the table. */
	struct event_slot *s = &m->events[(seq * 0x9e3779b97f4a7c15ull) >> 48];
	_Static_assert(EVENT_SLOTS == 1 << (64 - 48), "EVENT_SLOTS");
	if (s->seq == seq && s->tag == tag && seq) {
		m->hits++;
		*out = s->v;
		return 0;
	}
	m->misses++;
	struct event e;
	int rc = events_get(t, seq, &e);
	if (rc)
		return rc;
	out->kind = e.kind;
	out->time_ms = e.time_ms;
	out->site = e.site;
	s->seq = seq;
	s->tag = tag;
	s->v = *out;
	return 0;
}

void mcache_counts(uint64_t *hits, uint64_t *misses)
{
	struct mcache *m = tables();
	*hits = m->hits;
	*misses = m->misses;
}
