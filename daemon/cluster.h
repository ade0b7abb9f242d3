/*
 * cluster — cluster mode: the log of entries replicated on a NATS
 * JetStream stream (stream.h), applied by every node in stream order.
 *
 * A write accepted here is not applied here first: its entry (the command
 * as the log stores it, with its time, principal and request id) is
 * published to the stream, and the job waits.  Every node, this one
 * included, consumes the stream in order and hands each entry to its
 * writer; the writer applies it in a transaction that also records the
 * stream sequence (journal_applied), so the same entries in the same order
 * give the same state everywhere, and a node that restarts goes on from
 * the sequence after the last it applied.  When this node's own entry
 * comes back from the stream, the waiting job is the one applied: its
 * connection gets the outcome decided at apply time.  Two nodes selling
 * one code at once: the first entry in stream order wins, on every node.
 *
 * Publishes are plain appends (nats-server 2.9.10: see stream.h).  A
 * publish whose ack was lost may be in the stream or not, so it is sent
 * again after a pause while its entry has not come back; a second copy
 * is known by its request id when applied (journal_request_seen) and
 * changes nothing.  A write whose entry does not come back within
 * CLUSTER_WRITE_WAIT_MS is answered UNAVAILABLE (it may yet be applied:
 * a DISPENSE sent again with its TX is recognised).
 *
 * Threads: cluster_submit on network threads (never blocks); one publisher
 * thread here; libnats' ack and delivery threads (stream.h); the writer.
 */
#ifndef YIMA_CLUSTER_H
#define YIMA_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct store;
struct writer;
struct write_job;
struct cluster;

/* A stream message carries the entries waiting when it was sent: at most
 * CLUSTER_GROUP_MAX of them, and past CLUSTER_GROUP_BYTES no more is
 * added.  An entry's place in the log is its message's sequence and its
 * index there. */
#define CLUSTER_GROUP_MAX 1024
#define CLUSTER_GROUP_BYTES (1u << 20)
#define CLUSTER_POS(seq, index) (((uint64_t)(seq) << 16) | (uint64_t)(index))
#define CLUSTER_POS_SEQ(pos) ((pos) >> 16)

/* How long a write waits for its entry to come back from the stream. */
#define CLUSTER_WRITE_WAIT_MS 30000

/* Connect to the stream (creating it if need be) and consume it from the
 * sequence after the last the store applied.  Returns the cluster, or
 * NULL with err (no server within the wait, a stream of other settings,
 * or a store behind the stream's retention: start it from a peer's
 * BACKUP). */
struct cluster *cluster_start(const struct config *cfg, struct store *store,
			      struct writer *writer, char *err, size_t errlen);

/* A write accepted on this node (a job of cmd_write_job): published; its
 * done is called once its entry has been applied, or with an UNAVAILABLE
 * reply.  Any thread; never blocks. */
void cluster_submit(struct cluster *c, struct write_job *job);

/* A read that must see every entry the stream held when it came (a job
 * of cmd_read_job): run by the writer once this node has been handed that
 * entry, after it; or answered UNAVAILABLE after CLUSTER_WRITE_WAIT_MS.
 * Any thread; never blocks. */
void cluster_fresh(struct cluster *c, struct write_job *job);

struct cluster_stats {
	uint64_t applied_seq;		/* the message of the store's last applied entry */
	unsigned applied_index;		/* ... and the entry's index in it */
	uint64_t stream_last_seq;	/* the stream's, as last seen (about 1 s old) */
	uint64_t delivered_seq;		/* the last entry handed to the writer */
	int64_t last_apply_ms;		/* Unix ms of the last entry applied; 0: none */
	uint64_t waiting;		/* writes of this node waiting for their entry */
	uint64_t published, republished, unavailable, remote_applied;
	bool halted;			/* an entry failed to apply: nothing after it is */
	char halted_why[200];
	char stream[64], node[64], server[128];
	bool connected;
	uint64_t reconnects, gaps, resubscribes;
};

/* Figures for INFO replication (any thread); the applied sequence is read
 * through t. */
struct store_txn;
void cluster_stats(struct cluster *c, struct store_txn *t, struct cluster_stats *st);

/* Stop: every waiting write is answered UNAVAILABLE, consumption stops,
 * the stream is closed.  Before writer_stop: entries handed to the writer
 * are still applied. */
void cluster_stop(struct cluster *c);
/* After writer_stop: the writer's jobs of other nodes are done with it. */
void cluster_free(struct cluster *c);

#endif
