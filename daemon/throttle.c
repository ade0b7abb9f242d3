/*
 * throttle — per-address and per-principal limits.
 *
 * An address's entry holds its connection count, its AUTH failures and
 * lockout, and the request rate of its unauthenticated connections; it is
 * made when the address first connects and swept once nothing is held
 * against it, so the table's size follows the clients connected or
 * recently misbehaving, not every address ever seen.  Principals' rates
 * are kept for the life of the process (there are as many as ACL entries
 * and sites).
 */
#include "throttle.h"
#include "config.h"
#include "xmem.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define ADDR_BUCKETS 4096
#define RATE_BUCKETS 1024

#define KNOWN_KEEP 86400		/* s a token that signed in stays known */
#define TRIED_MAX 64			/* wrong tokens told apart per address */

struct addr_entry {
	struct addr_entry *next;
	struct throttle_addr addr;
	uint32_t conns;
	uint32_t failures;		/* distinct wrong tokens since first_failure */
	time_t   first_failure;
	time_t   blocked_until;		/* locked out until (0: not) */
	uint8_t  ntried, nknown, known_next;
	time_t   known_until;		/* the known tokens are forgotten then */
	uint64_t *tried;		/* the wrong tokens counted (TRIED_MAX);
					 * made at the first failure */
	uint64_t known[AUTH_KNOWN_MAX];	/* tokens that signed in from it */
	struct throttle_rate rate;	/* its unauthenticated connections' */
};

struct rate_entry {
	struct rate_entry *next;
	struct throttle_rate rate;
	char key[];
};

struct throttle {
	uint32_t per_addr;		/* 0 = no limit */
	uint32_t auth_failures;
	uint64_t auth_lockout;
	pthread_mutex_t lock;		/* guards addrs and rates */
	struct addr_entry *addrs[ADDR_BUCKETS];
	struct rate_entry *rates[RATE_BUCKETS];
};

struct throttle *throttle_new(const struct config *cfg)
{
	struct throttle *l = xcalloc(1, sizeof *l);
	l->per_addr = cfg->max_clients_per_addr;
	l->auth_failures = cfg->auth_max_failures;
	l->auth_lockout = cfg->auth_lockout;
	pthread_mutex_init(&l->lock, NULL);
	return l;
}

void throttle_free(struct throttle *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < ADDR_BUCKETS; i++)
		for (struct addr_entry *e = l->addrs[i], *next; e; e = next) {
			next = e->next;
			free(e->tried);
			free(e);
		}
	for (size_t i = 0; i < RATE_BUCKETS; i++)
		for (struct rate_entry *e = l->rates[i], *next; e; e = next) {
			next = e->next;
			free(e);
		}
	pthread_mutex_destroy(&l->lock);
	free(l);
}

void throttle_addr_of(const struct sockaddr *sa, socklen_t len, struct throttle_addr *a)
{
	memset(a, 0, sizeof *a);
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		a->len = 4;
		memcpy(a->ip, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const uint8_t *ip = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
		if (memcmp(ip, mapped, 12) == 0) {	/* one client, one key */
			a->len = 4;
			memcpy(a->ip, ip + 12, 4);
		} else {
			a->len = 16;
			memcpy(a->ip, ip, 16);
		}
	}
}

bool throttle_addr_loopback(const struct throttle_addr *a)
{
	static const uint8_t v6_loopback[16] = { [15] = 1 };
	if (a->len == 4)
		return a->ip[0] == 127;
	return a->len == 16 && memcmp(a->ip, v6_loopback, 16) == 0;
}

static size_t addr_hash(const struct throttle_addr *a)
{
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */
	for (size_t i = 0; i < a->len; i++)
		h = (h ^ a->ip[i]) * 1099511628211ull;
	return (size_t)(h % ADDR_BUCKETS);
}

/* The entry of a; created when `create`.  Caller holds the lock. */
static struct addr_entry *do_addr_find(struct throttle *l, const struct throttle_addr *a,
				       bool create)
{
	struct addr_entry **head = &l->addrs[addr_hash(a)];
	for (struct addr_entry *e = *head; e; e = e->next)
		if (e->addr.len == a->len && memcmp(e->addr.ip, a->ip, a->len) == 0)
			return e;
	if (!create)
		return NULL;
	struct addr_entry *e = xcalloc(1, sizeof *e);
	e->addr = *a;
	e->next = *head;
	*head = e;
	return e;
}

bool throttle_conn_open(struct throttle *l, const struct throttle_addr *a)
{
	pthread_mutex_lock(&l->lock);
	struct addr_entry *e = do_addr_find(l, a, true);
	bool ok = l->per_addr == 0 || e->conns < l->per_addr;
	if (ok)
		e->conns++;
	pthread_mutex_unlock(&l->lock);
	return ok;
}

void throttle_conn_close(struct throttle *l, const struct throttle_addr *a)
{
	pthread_mutex_lock(&l->lock);
	struct addr_entry *e = do_addr_find(l, a, false);
	if (e && e->conns)
		e->conns--;
	pthread_mutex_unlock(&l->lock);
}

uint64_t throttle_token_fp(const uint8_t digest[32])
{
	uint64_t fp;
	memcpy(&fp, digest, sizeof fp);
	return fp;
}

static bool holds(const uint64_t *list, size_t n, uint64_t fp)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == fp)
			return true;
	return false;
}

/* Start afresh once a lockout, or the window of failures, is over.
 * Caller holds the lock. */
static void do_expire(struct throttle *l, struct addr_entry *e, time_t now)
{
	bool over = e->blocked_until ? e->blocked_until <= now :
		    e->failures && now - e->first_failure > (time_t)l->auth_lockout;
	if (over) {
		e->failures = 0;
		e->ntried = 0;
		e->blocked_until = 0;
	}
}

/* Count wrong token fp against e, once however often it comes.  Caller
 * holds the lock. */
static void do_count(struct throttle *l, struct addr_entry *e, uint64_t fp, time_t now)
{
	if (holds(e->tried, e->ntried, fp))
		return;
	if (e->tried == NULL)
		e->tried = xcalloc(TRIED_MAX, sizeof *e->tried);
	if (e->ntried < TRIED_MAX)	/* beyond: counted, not told apart */
		e->tried[e->ntried++] = fp;
	if (e->failures++ == 0)
		e->first_failure = now;
	if (e->failures == l->auth_failures)
		e->blocked_until = now + (time_t)l->auth_lockout;
}

uint64_t throttle_auth_wait(struct throttle *l, const struct throttle_addr *a, uint64_t fp,
			    time_t now)
{
	pthread_mutex_lock(&l->lock);
	struct addr_entry *e = do_addr_find(l, a, false);
	uint64_t wait = 0;
	if (e) {
		do_expire(l, e, now);
		bool known = e->known_until > now && holds(e->known, e->nknown, fp);
		if (e->blocked_until > now && !known) {
			wait = (uint64_t)(e->blocked_until - now);
			do_count(l, e, fp, now);	/* a guess all the same */
		}
	}
	pthread_mutex_unlock(&l->lock);
	return wait;
}

void throttle_auth_failed(struct throttle *l, const struct throttle_addr *a, uint64_t fp,
			  time_t now)
{
	pthread_mutex_lock(&l->lock);
	struct addr_entry *e = do_addr_find(l, a, true);
	do_expire(l, e, now);
	do_count(l, e, fp, now);
	pthread_mutex_unlock(&l->lock);
}

void throttle_auth_passed(struct throttle *l, const struct throttle_addr *a, uint64_t fp,
			  time_t now)
{
	pthread_mutex_lock(&l->lock);
	struct addr_entry *e = do_addr_find(l, a, true);
	if (e->known_until <= now)
		e->nknown = e->known_next = 0;
	if (!holds(e->known, e->nknown, fp)) {	/* the oldest makes room */
		e->known[e->known_next] = fp;
		e->known_next = (uint8_t)((e->known_next + 1) % AUTH_KNOWN_MAX);
		if (e->nknown < AUTH_KNOWN_MAX)
			e->nknown++;
	}
	e->known_until = now + KNOWN_KEEP;
	pthread_mutex_unlock(&l->lock);
}

struct throttle_rate *throttle_addr_rate(struct throttle *l, const struct throttle_addr *a)
{
	pthread_mutex_lock(&l->lock);
	struct addr_entry *e = do_addr_find(l, a, true);
	pthread_mutex_unlock(&l->lock);
	return &e->rate;
}

void throttle_sweep(struct throttle *l, time_t now)
{
	pthread_mutex_lock(&l->lock);
	for (size_t i = 0; i < ADDR_BUCKETS; i++) {
		struct addr_entry **p = &l->addrs[i];
		while (*p) {
			struct addr_entry *e = *p;
			do_expire(l, e, now);
			bool forgotten = e->failures == 0 && e->known_until <= now;
			/* Nobody else touches the rate of an address with no
			 * connection: a plain read. */
			bool rate_paid = atomic_load_explicit(&e->rate.tat_us,
							      memory_order_relaxed) <=
					 (int64_t)now * 1000000;
			if (e->conns == 0 && e->blocked_until <= now && forgotten && rate_paid) {
				*p = e->next;
				free(e->tried);
				free(e);
			} else {
				p = &e->next;
			}
		}
	}
	pthread_mutex_unlock(&l->lock);
}

struct throttle_rate *throttle_rate_of(struct throttle *l, const char *key)
{
	uint64_t h = 1469598103934665603ull;
	for (const char *p = key; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ull;
	pthread_mutex_lock(&l->lock);
	struct rate_entry **head = &l->rates[h % RATE_BUCKETS], *e;
	for (e = *head; e; e = e->next)
		if (strcmp(e->key, key) == 0)
			break;
	if (e == NULL) {
		size_t n = strlen(key) + 1;
		e = xcalloc(1, sizeof *e + n);
		memcpy(e->key, key, n);
		e->next = *head;
		*head = e;
	}
	pthread_mutex_unlock(&l->lock);
	return &e->rate;
}

bool throttle_rate_take(struct throttle_rate *r, uint32_t per_second, uint32_t burst,
		      int64_t now_us)
{
	if (per_second == 0)
		return true;
	int64_t interval = 1000000 / (int64_t)per_second;
	if (interval < 1)
		interval = 1;
	int64_t tolerance = interval * (int64_t)burst;
	int64_t tat = atomic_load_explicit(&r->tat_us, memory_order_relaxed);
	for (int tries = 0; tries < 64; tries++) {
		int64_t next = (tat > now_us ? tat : now_us) + interval;
		if (next - now_us > tolerance)
			return false;
		if (atomic_compare_exchange_weak_explicit(&r->tat_us, &tat, next,
							  memory_order_relaxed,
							  memory_order_relaxed))
			return true;
	}
	return true;	/* heavy contention: let it through rather than spin */
}
