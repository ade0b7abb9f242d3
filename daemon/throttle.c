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

struct addr_entry {
	struct addr_entry *next;
	struct throttle_addr addr;
	uint32_t conns;
	uint32_t failures;		/* failed AUTH since first_failure */
	time_t   first_failure;
	time_t   blocked_until;
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

uint64_t throttle_auth_wait(struct throttle *l, const struct throttle_addr *a, time_t now)
{
	pthread_mutex_lock(&l->lock);
	struct addr_entry *e = do_addr_find(l, a, false);
	uint64_t wait = e && e->blocked_until > now ? (uint64_t)(e->blocked_until - now) : 0;
	pthread_mutex_unlock(&l->lock);
	return wait;
}

void throttle_auth_failed(struct throttle *l, const struct throttle_addr *a, time_t now)
{
	pthread_mutex_lock(&l->lock);
	struct addr_entry *e = do_addr_find(l, a, true);
	/* Failures count within one lockout period; older ones are forgiven. */
	if (e->failures == 0 || now - e->first_failure > (time_t)l->auth_lockout) {
		e->failures = 0;
		e->first_failure = now;
	}
	if (++e->failures >= l->auth_failures) {
		e->blocked_until = now + (time_t)l->auth_lockout;
		e->failures = 0;
	}
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
			bool forgotten = e->failures == 0 ||
					 now - e->first_failure > (time_t)l->auth_lockout;
			/* Nobody else touches the rate of an address with no
			 * connection: a plain read. */
			bool rate_paid = atomic_load_explicit(&e->rate.tat_us,
							      memory_order_relaxed) <=
					 (int64_t)now * 1000000;
			if (e->conns == 0 && e->blocked_until <= now && forgotten && rate_paid) {
				*p = e->next;
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
