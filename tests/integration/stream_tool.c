/*
 * stream_tool — drives daemon/stream.c against a running JetStream cluster
 * for the integration tests (tests/integration/test_stream.py).
 *
 *   stream_tool info --urls U [--stream S]
 *       prints the stream's first_seq, last_seq, msgs and leader.
 *   stream_tool run --urls U [--stream S] [--subject X] [--replicas R]
 *                   [--publish N] [--size B] [--consume-from K] [--until SEQ]
 *                   [--out FILE] [--timeout SEC]
 *       publishes N entries asynchronously (ids 0..N-1; an entry whose ack
 *       ends STREAM_UNKNOWN is published again with its id, as yimad
 *       retries), and, with --consume-from, consumes on a second connection
 *       from sequence K until it has delivered every acked sequence (and
 *       SEQ, with --until).  --out writes "ack ID SEQ" and "dlv SEQ ID"
 *       lines.  Prints "progress acked=A delivered=D" lines while it runs
 *       and "key value" figures at the end.  Exit 0 when done, 1 on a
 *       broken order or the timeout, 2 on usage or connection errors.
 *
 * An entry is its id and its publish time (8 bytes each, CLOCK_REALTIME
 * ns, the same machine), padded to --size: delivery latency is measured
 * from it.
 *
 *   stream_tool put --urls U [--stream S] [--subject X] --hex HEX
 *       publishes the bytes HEX spells as one message (what a yimad of
 *       another build could have published: tests/integration/test_cluster.py)
 *       and prints "seq N" once it is acked; exit 1 when it is not.
 */
#include "config.h"
#include "stream.h"

#include <inttypes.h>
#include <nats/nats.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct tool {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	uint64_t npub;		/* ids to publish */
	uint8_t *acked;		/* per id: acked at least once */
	uint64_t nacked_ids;
	uint64_t *retry;	/* ids whose ack ended unknown, to publish again */
	size_t nretry;
	uint64_t acks, unknown, max_acked_seq;
	int64_t last_ack_ns, max_ack_gap_ns;
	/* consumer */
	uint64_t from, next, delivered, order_errors, until;
	double *lat_ms;
	size_t nlat, lat_cap;
	FILE *out;
};

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void on_ack(void *arg, void *token, const struct stream_ack *ack)
{
	struct tool *t = arg;
	uint64_t id = (uint64_t)(uintptr_t)token;
	pthread_mutex_lock(&t->mu);
	int64_t now = now_ns();
	if (ack->result == STREAM_ACKED) {
		t->acks++;
		if (t->last_ack_ns && now - t->last_ack_ns > t->max_ack_gap_ns)
			t->max_ack_gap_ns = now - t->last_ack_ns;
		t->last_ack_ns = now;
		if (!t->acked[id]) {
			t->acked[id] = 1;
			t->nacked_ids++;
		}
		if (ack->seq > t->max_acked_seq)
			t->max_acked_seq = ack->seq;
		if (t->out)
			fprintf(t->out, "ack %" PRIu64 " %" PRIu64 "\n", id, ack->seq);
	} else {
		t->unknown++;
		t->retry[t->nretry++] = id;
	}
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->mu);
}

static void on_deliver(void *arg, uint64_t seq, const void *data, size_t len)
{
	struct tool *t = arg;
	uint64_t id = UINT64_MAX;
	int64_t sent = 0;
	if (len >= 16) {
		memcpy(&id, data, 8);
		memcpy(&sent, (const char *)data + 8, 8);
	}
	int64_t now = now_ns();
	pthread_mutex_lock(&t->mu);
	if (seq != t->next) {
		t->order_errors++;
		fprintf(stderr, "stream_tool: delivered %" PRIu64 " where %" PRIu64 " was due\n",
			seq, t->next);
	}
	t->next = seq + 1;
	t->delivered++;
	if (t->nlat == t->lat_cap) {
		t->lat_cap = t->lat_cap ? t->lat_cap * 2 : 4096;
		t->lat_ms = realloc(t->lat_ms, t->lat_cap * sizeof *t->lat_ms);
		if (t->lat_ms == NULL)
			abort();
	}
	t->lat_ms[t->nlat++] = (double)(now - sent) / 1e6;
	if (t->out)
		fprintf(t->out, "dlv %" PRIu64 " %" PRIu64 "\n", seq, id);
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->mu);
}

static void on_lost(void *arg, uint64_t from, uint64_t to)
{
	struct tool *t = arg;
	pthread_mutex_lock(&t->mu);
	t->order_errors++;
	fprintf(stderr, "stream_tool: entries %" PRIu64 " to %" PRIu64 " lost\n", from, to);
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->mu);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* put: one message of the bytes hex spells, acked. */
static int put(struct stream *pub, struct tool *t, const char *hex, int timeout_s)
{
	size_t n = hex ? strlen(hex) / 2 : 0;
	uint8_t *bytes = malloc(n + 1);
	char err[1024];
	if (bytes == NULL)
		abort();
	for (size_t i = 0; i < n; i++)
		if (sscanf(hex + 2 * i, "%2hhx", &bytes[i]) != 1) {
			fprintf(stderr, "stream_tool: --hex: not hex at %zu\n", 2 * i);
			free(bytes);
			return 2;
		}
	if (hex == NULL || n == 0 || strlen(hex) % 2) {
		fprintf(stderr, "stream_tool: put needs --hex with an even number of digits\n");
		free(bytes);
		return 2;
	}
	int rc = 0;
	if (stream_publish(pub, bytes, n, (void *)(uintptr_t)0, err, sizeof err) != 0) {
		fprintf(stderr, "stream_tool: %s\n", err);
		rc = 1;
	}
	int64_t deadline = now_ns() + (int64_t)timeout_s * 1000000000;
	pthread_mutex_lock(&t->mu);
	while (rc == 0 && t->acks == 0 && t->unknown == 0 && now_ns() < deadline) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&t->cond, &t->mu, &ts);
	}
	if (rc == 0 && t->acks == 0) {
		fprintf(stderr, "stream_tool: put: not acked\n");
		rc = 1;
	} else if (rc == 0) {
		printf("seq %" PRIu64 "\n", t->max_acked_seq);
	}
	pthread_mutex_unlock(&t->mu);
	free(bytes);
	return rc;
}

static void usage(void)
{
	fprintf(stderr, "usage: stream_tool info --urls U [--stream S]\n"
		"       stream_tool run --urls U [--stream S] [--subject X] [--replicas R]\n"
		"                       [--publish N] [--size B] [--consume-from K] [--until SEQ]\n"
		"                       [--out FILE] [--timeout SEC]\n"
		"       stream_tool put --urls U [--stream S] [--subject X] --hex HEX\n");
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	struct config cfg;
	config_defaults(&cfg);
	struct stream_config sc;
	stream_config_init(&sc, &cfg);
	sc.replicas = 3;
	sc.max_bytes = 1ull << 30;	/* natsctl.py's servers hold 4 GB each */
	sc.open_wait_ms = 20000;
	const char *mode = argv[1], *out = NULL, *hex = NULL;
	uint64_t npub = 0, size = 100, from = 0, until = 0;
	int timeout_s = 60;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (i + 1 >= argc)
			usage();
		const char *v = argv[++i];
		if (strcmp(a, "--urls") == 0)
			sc.urls = v;
		else if (strcmp(a, "--stream") == 0)
			sc.stream = v;
		else if (strcmp(a, "--subject") == 0)
			sc.subject = v;
		else if (strcmp(a, "--replicas") == 0)
			sc.replicas = atoi(v);
		else if (strcmp(a, "--publish") == 0)
			npub = strtoull(v, NULL, 10);
		else if (strcmp(a, "--size") == 0)
			size = strtoull(v, NULL, 10);
		else if (strcmp(a, "--consume-from") == 0)
			from = strtoull(v, NULL, 10);
		else if (strcmp(a, "--until") == 0)
			until = strtoull(v, NULL, 10);
		else if (strcmp(a, "--out") == 0)
			out = v;
		else if (strcmp(a, "--timeout") == 0)
			timeout_s = atoi(v);
		else if (strcmp(a, "--hex") == 0)
			hex = v;
		else
			usage();
	}
	if (sc.urls == NULL || size < 16 || size > 1 << 20)
		usage();

	struct tool t = { .npub = npub, .from = from, .next = from, .until = until };
	pthread_mutex_init(&t.mu, NULL);
	pthread_cond_init(&t.cond, NULL);
	t.acked = calloc(npub + 1, 1);
	t.retry = calloc(npub + 1, sizeof *t.retry);
	if (t.acked == NULL || t.retry == NULL)
		abort();
	sc.on_ack = on_ack;
	sc.ack_arg = &t;

	char err[1024];
	int rc = 0;
	struct stream *sub = NULL;
	char *payload = NULL;
	struct stream *pub = stream_open(&sc, err, sizeof err);
	if (pub == NULL) {
		fprintf(stderr, "stream_tool: %s\n", err);
		rc = 2;
		goto done;
	}
	if (strcmp(mode, "info") == 0) {
		struct stream_state st;
		if (stream_info(pub, &st, err, sizeof err) != 0) {
			fprintf(stderr, "stream_tool: %s\n", err);
			rc = 2;
			goto done;
		}
		printf("first_seq %" PRIu64 "\nlast_seq %" PRIu64 "\nmsgs %" PRIu64
		       "\nleader %s\nreplicas %d\n", st.first_seq, st.last_seq, st.msgs,
		       st.leader[0] ? st.leader : "-", st.replicas);
		goto done;
	}
	if (strcmp(mode, "put") == 0) {
		rc = put(pub, &t, hex, timeout_s);
		goto done;
	}
	if (strcmp(mode, "run") != 0)
		usage();
	if (out && (t.out = fopen(out, "w")) == NULL) {
		perror(out);
		rc = 2;
		goto done;
	}

	if (from) {
		struct stream_config cc = sc;
		cc.on_ack = NULL;
		sub = stream_open(&cc, err, sizeof err);
		struct stream_consumer cons = { on_deliver, on_lost, &t };
		if (sub == NULL || stream_consume(sub, from, &cons, err, sizeof err) != 0) {
			fprintf(stderr, "stream_tool: %s\n", err);
			rc = 2;
			goto done;
		}
	}

	int64_t start = now_ns(), deadline = start + (int64_t)timeout_s * 1000000000;
	int64_t pub_done = 0;
	payload = calloc(1, size);
	uint64_t next_id = 0, last_progress = 0;
	if (payload == NULL)
		abort();
	for (;;) {
		pthread_mutex_lock(&t.mu);
		uint64_t id = UINT64_MAX;
		if (t.nretry)
			id = t.retry[--t.nretry];
		else if (next_id < npub)
			id = next_id++;
		bool all_acked = t.nacked_ids == npub;
		if (all_acked && pub_done == 0)
			pub_done = now_ns();
		uint64_t target = t.max_acked_seq > until ? t.max_acked_seq : until;
		bool consumed = !from || (t.next > target && t.next > from) ||
				(target == 0 && npub == 0);
		if (t.acks + t.delivered >= last_progress + 2000) {
			last_progress = t.acks + t.delivered;
			printf("progress acked=%" PRIu64 " delivered=%" PRIu64 "\n", t.nacked_ids,
			       t.delivered);
			fflush(stdout);
		}
		if (t.order_errors) {
			rc = 1;
			pthread_mutex_unlock(&t.mu);
			break;
		}
		if (all_acked && consumed) {
			pthread_mutex_unlock(&t.mu);
			break;
		}
		if (now_ns() > deadline) {
			fprintf(stderr, "stream_tool: timeout: %" PRIu64 " of %" PRIu64
				" ids acked, delivered up to %" PRIu64 " (want %" PRIu64 ")\n",
				t.nacked_ids, npub, t.next ? t.next - 1 : 0, target);
			rc = 1;
			pthread_mutex_unlock(&t.mu);
			break;
		}
		if (id == UINT64_MAX) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 20000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&t.cond, &t.mu, &ts);
			pthread_mutex_unlock(&t.mu);
			continue;
		}
		pthread_mutex_unlock(&t.mu);
		int64_t sent = now_ns();
		memcpy(payload, &id, 8);
		memcpy(payload + 8, &sent, 8);
		if (stream_publish(pub, payload, size, (void *)(uintptr_t)id, err, sizeof err) != 0) {
			/* Not sent: try it again. */
			pthread_mutex_lock(&t.mu);
			t.retry[t.nretry++] = id;
			pthread_mutex_unlock(&t.mu);
			fprintf(stderr, "stream_tool: %s\n", err);
		}
	}
	int64_t end = now_ns();
	struct stream_stats ps, cs;
	stream_get_stats(pub, &ps);
	bool consumed_too = sub != NULL;
	if (sub)
		stream_get_stats(sub, &cs);
	stream_close(sub);
	stream_close(pub);
	sub = pub = NULL;

	double pub_s = ((pub_done ? pub_done : end) - start) / 1e9;
	printf("published %" PRIu64 "\nacks %" PRIu64 "\nunknown %" PRIu64
	       "\nno_responders %" PRIu64 "\nstalls %" PRIu64 "\npublish_seconds %.3f"
	       "\npublish_rate %.0f\nmax_ack_gap_ms %.0f\nmax_acked_seq %" PRIu64 "\n",
	       ps.published, t.acks, t.unknown, ps.no_responders, ps.stalls, pub_s,
	       npub && pub_s > 0 ? t.acks / pub_s : 0, t.max_ack_gap_ns / 1e6, t.max_acked_seq);
	if (consumed_too) {
		qsort(t.lat_ms, t.nlat, sizeof *t.lat_ms, cmp_double);
		double sum = 0;
		for (size_t i = 0; i < t.nlat; i++)
			sum += t.lat_ms[i];
		printf("delivered %" PRIu64 "\nlast_delivered %" PRIu64 "\norder_errors %" PRIu64
		       "\nduplicates_dropped %" PRIu64 "\ngaps %" PRIu64 "\nresubscribes %" PRIu64
		       "\nreconnects %" PRIu64 "\nlatency_mean_ms %.3f\nlatency_p99_ms %.3f\n",
		       t.delivered, cs.last_delivered_seq, t.order_errors, cs.duplicates, cs.gaps,
		       cs.resubscribes, cs.reconnects, t.nlat ? sum / t.nlat : 0,
		       t.nlat ? t.lat_ms[t.nlat * 99 / 100] : 0);
	}
	printf("result %s\n", rc == 0 ? "ok" : "failed");
done:
	stream_close(sub);
	stream_close(pub);
	if (t.out)
		fclose(t.out);
	free(payload);
	free(t.acked);
	free(t.retry);
	free(t.lat_ms);
	/* Wait for libnats' own threads: a subscription's delivery thread may
	 * still free a message after nats_Close() returns, and libnats clears
	 * its garbage list when the library goes, so that message would be
	 * lost (LeakSanitizer reports it). */
	natsStatus ns = nats_CloseAndWait(10000);
	if (ns != NATS_OK) {
		fprintf(stderr, "stream_tool: closing libnats: %s\n", natsStatus_GetText(ns));
		if (rc == 0)
			rc = 1;
	}
	return rc;
}
