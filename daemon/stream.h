/*
 * stream — yima's replicated log on a NATS JetStream stream (libnats).
 *
 * A handle is one NATS connection to the cluster's servers, one JetStream
 * context and at most one consumer.  It appends entries (plain asynchronous
 * publishes: no message ids, no expected-sequence headers; on nats-server
 * 2.9.10 a rejected publish can leave replicas diverging after a crash, and
 * a per-subject compare-and-set is not serializable) and delivers every
 * entry of the stream, in order, once, with its stream sequence.  What an entry means
 * is the caller's business: the same entries in the same order give the
 * same state on every node.
 *
 * Threads.  libnats runs its own threads and calls back on them:
 *   - the ack function (stream_config.on_ack) runs on one libnats thread,
 *     the JetStream context's reply delivery thread: acks, ack errors and
 *     ack timeouts of one handle never run concurrently, in no promised
 *     order.  It must not block for long: every later ack waits.
 *   - the deliver function (stream_consumer.deliver) runs on the
 *     consumer's delivery thread (a new one after a resubscribe); stream.c
 *     serializes the calls itself, so at most one runs at a time, in
 *     sequence order.  It may block (the writer is busy): the server stops
 *     sending once the flow control window is unanswered and nothing is
 *     lost; past a few seconds libnats may recreate the consumer, which
 *     stream.c follows without a gap or a repeat.
 *   - the lost function runs on stream.c's own watch thread.
 * Hand results to the daemon's threads by value (a queue plus an eventfd).
 * stream_publish, stream_last_seq and stream_info may block (network round
 * trips, a stall at max_pending, back-off during an election): call them
 * from a thread that may wait, never an event loop thread.
 *
 * Errors: functions return 0, or -1 with a message in err; the handle
 * stays usable unless stream_close was called.
 */
#ifndef YIMA_STREAM_H
#define YIMA_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct stream;

/* How a publish ended.  STREAM_UNKNOWN is an ack error or an ack that did
 * not come within ack_wait_ms: the entry may be in the stream or not (on
 * nats-server 2.9.10 a leader kill left 109 of 257 such entries stored), so
 * a retry must be recognisable when applied (an id in the payload). */
enum stream_result { STREAM_ACKED, STREAM_UNKNOWN };

struct stream_ack {
	enum stream_result result;
	uint64_t seq;		/* STREAM_ACKED: the entry's stream sequence */
	int status;		/* STREAM_UNKNOWN: libnats natsStatus (NATS_TIMEOUT,
				 * NATS_NO_RESPONDERS, ...), 0 when acked */
	int js_code;		/* the server's JetStream error code, or 0 */
	const char *text;	/* a description; valid during the call only */
};

/* Called once for every publish stream_publish accepted (see Threads). */
typedef void (*stream_ack_fn)(void *arg, void *token, const struct stream_ack *ack);

struct stream_config {
	const char *urls;	/* "nats://h:p,nats://h:p" */
	const char *client_name;/* shown by the servers (the node's name) */
	const char *stream;	/* the stream's name */
	const char *subject;	/* its one subject */
	int replicas;		/* 1..5 */
	uint64_t max_age_s;	/* retention: entries older than this go */
	uint64_t max_bytes;	/* retention: oldest entries beyond this go */
	int64_t max_pending;	/* publishes waiting for their ack, at most */
	int64_t ack_wait_ms;	/* an ack not come by then: STREAM_UNKNOWN */
	int64_t publish_wait_ms;/* stream_publish blocks at most this long */
	int64_t open_wait_ms;	/* stream_open keeps trying this long */
	int64_t heartbeat_ms;	/* the consumer's idle heartbeat */
	stream_ack_fn on_ack;
	void *ack_arg;
};

/* Fill c from yimad's settings (cluster_* and node_name) and the defaults
 * of the rest; the strings point into cfg.  on_ack is left NULL. */
void stream_config_init(struct stream_config *c, const struct config *cfg);

/*
 * Connect to the servers (any of them; reconnecting forever, with growing
 * back-off, when the connection drops) and make sure the stream exists:
 * create it (file storage, limits retention by age and bytes, discard
 * old) or check that the one there has the subject, replicas, storage and
 * retention configured; a difference is an error naming it, and nothing
 * is changed.  Keeps trying up to open_wait_ms while no server answers or
 * the cluster has no leader yet.  Returns the handle, or NULL with err.
 */
struct stream *stream_open(const struct stream_config *c, char *err, size_t errlen);

/*
 * Append data as the stream's next entry, asynchronously.  Returns 0 when
 * the entry was handed to libnats: on_ack is then called exactly once with
 * token, at the latest from stream_close.  Returns -1 when it was not sent
 * (no call of on_ack): the handle is closed, or publish_wait_ms passed
 * while max_pending publishes waited for their acks or while the stream had
 * no leader.  Blocks meanwhile; after a NATS_NO_RESPONDERS ack (no leader,
 * an election) publishes go one per back-off interval (50 ms doubling to
 * 500 ms) until one is acked, so that retries leave the election its CPU.
 */
int stream_publish(struct stream *s, const void *data, size_t len, void *token,
		   char *err, size_t errlen);

/* Entries as they are delivered (see Threads).  data is valid during the
 * call only. */
typedef void (*stream_deliver_fn)(void *arg, uint64_t seq, const void *data, size_t len);
/* The stream no longer holds entries from `from` to `to` (retention took
 * them): delivery has stopped; the caller needs a snapshot of a peer. */
typedef void (*stream_lost_fn)(void *arg, uint64_t from, uint64_t to);

struct stream_consumer {
	stream_deliver_fn deliver;
	stream_lost_fn lost;
	void *arg;
};

#define STREAM_GONE (-2)

/*
 * Deliver every entry from sequence from_seq (1 = the first) on, in order,
 * each once, then each new one as it is appended, until stream_close.  An
 * ordered consumer (ephemeral, no acks, flow control, heartbeats); stream.c
 * checks every sequence itself: an entry seen before is dropped, a gap makes
 * it subscribe again from the next expected sequence (as after a server's
 * death or a leader election).  One consumer per handle.  Returns 0; -1
 * with err (no server answered, already consuming); STREAM_GONE when the
 * stream starts after from_seq (retention dropped entries the caller has
 * not applied).
 */
int stream_consume(struct stream *s, uint64_t from_seq, const struct stream_consumer *cons,
		   char *err, size_t errlen);

struct stream_state {
	uint64_t first_seq;	/* the oldest entry held; last_seq + 1 when none */
	uint64_t last_seq;	/* the newest entry; 0 when none ever */
	uint64_t msgs, bytes;
	char leader[64];	/* the server leading the stream ("" when none) */
	int replicas;
};

/* The stream's state as its leader reports it (a round trip).  Returns 0
 * or -1 with err (no leader, no connection within the JetStream wait). */
int stream_info(struct stream *s, struct stream_state *st, char *err, size_t errlen);

/* The stream's last sequence, for a read that must see every entry
 * appended before it: wait until applied up to it.  0 or -1 with err. */
int stream_last_seq(struct stream *s, uint64_t *seq, char *err, size_t errlen);

/* Figures for INFO; each a count since stream_open unless it says. */
struct stream_stats {
	uint64_t published;		/* publishes accepted by stream_publish */
	uint64_t acked;			/* ... acked with a sequence */
	uint64_t unknown;		/* ... ended STREAM_UNKNOWN */
	uint64_t no_responders;		/* ... of which for want of a leader */
	uint64_t stalls;		/* publishes that waited for room (max_pending) */
	uint64_t last_acked_seq;	/* the highest sequence acked */
	uint64_t delivered;		/* entries handed to deliver */
	uint64_t last_delivered_seq;	/* the last of them */
	uint64_t duplicates;		/* entries dropped as delivered before */
	uint64_t gaps;			/* gaps seen, each followed by a resubscribe */
	uint64_t resubscribes;		/* consumers made again by stream.c */
	uint64_t reconnects;		/* connections made again after a drop */
	uint64_t async_errors;		/* libnats' asynchronous errors (missed
					 * heartbeats, slow consumer, ...) */
	bool connected;			/* now */
	char server[128];		/* the server connected to now ("" when none) */
};

void stream_get_stats(struct stream *s, struct stream_stats *st);

/*
 * Stop consuming (no deliver call runs after this returns), wait up to
 * ack_wait_ms for the acks of publishes in flight, report the rest to
 * on_ack as STREAM_UNKNOWN, close the connection and free the handle.
 * NULL is fine.  libnats' global state stays: a program that tears it down
 * calls nats_CloseAndWait() once at its end, after its last handle is
 * closed (nats_Close() returns while libnats' threads may still free
 * messages, and those are lost).
 */
void stream_close(struct stream *s);

#endif
