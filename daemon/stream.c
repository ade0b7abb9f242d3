/*
 * stream — the replicated log on NATS JetStream, over libnats (nats.c 3.4).
 *
 * Publishing: js_PublishMsgAsync with an ack handler on the JetStream
 * context.  libnats hands the handler the natsMsg it published, nothing
 * else, so the caller's token is found by the message's address in a small
 * hash (pending_*).  Every publish gets MaxWait (ack_wait_ms): without it an
 * ack lost in a leader's crash stays pending for ever.
 *
 * Consuming: libnats' ordered consumer (ephemeral, memory, R1, no acks,
 * flow control, heartbeats) already recreates itself from the last stream
 * sequence it saw when its consumer sequence skips or heartbeats stop.
 * stream.c does not rely on that alone: it checks each entry's stream
 * sequence against the next one it expects, drops what it delivered
 * before, and on a gap has its watch thread subscribe again from the
 * expected sequence (or report the entries lost, when the stream no longer
 * starts that early).
 *
 * Lifetime: libnats' delivery threads are detached and may still be inside
 * a callback when a subscription or the context is destroyed.  So every
 * callback that touches the handle is counted: an ack in flight holds its
 * entry in `pending` until it has finished; a subscription is alive until
 * its on-complete callback ran; the connection until its closed callback
 * ran.  stream_close waits for all three to reach zero before it frees.
 */
#include "stream.h"
#include "config.h"
#include "log.h"

#include <errno.h>
#include <inttypes.h>
#include <nats/nats.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Consumer pending limits in libnats (beyond them it drops and the ordered
 * consumer resets): flow control keeps far fewer than this in flight. */
#define SUB_PENDING_MSGS (256 * 1024)
#define SUB_PENDING_BYTES (256 * 1024 * 1024)

/* How long stream_close waits for libnats' threads to let go of the handle
 * once every ack is in or reported. */
#define CLOSE_WAIT_MS 10000

/* Back-off after an ack says no responders (no stream leader). */
#define BACKOFF_MIN_MS 50
#define BACKOFF_MAX_MS 500

struct pending {
	const natsMsg *msg;	/* the key: the published message's address */
	void *token;
	struct pending *next;
};

struct stream {
	struct stream_config cfg;
	char *urls_buf;		/* cfg.urls split in place */
	char *strs;		/* copies of the config's strings */
	natsOptions *opts;
	natsConnection *nc;
	jsCtx *js;

	pthread_mutex_t mu;	/* everything below but what says otherwise */
	pthread_cond_t cond;	/* callbacks finished, connected, watch work */
	bool closing;
	bool conn_closed;	/* libnats' closed callback ran */
	bool connected;
	bool ever_connected;	/* a later connect is a reconnect */
	struct stream_stats st;
	int64_t backoff_ms;	/* after NO_RESPONDERS: one publish this often */
	int64_t backoff_until;	/* ms, monotonic: when the next one may go */

	/* acks: publishes in flight, by message address */
	struct pending **buckets;
	size_t nbuckets, npending;
	int acks_running;	/* ack handlers between taking and finishing */

	/* the consumer */
	pthread_mutex_t deliver_mu;	/* held while deliver runs: one at a time */
	bool consuming;			/* deliver may be called */
	struct stream_consumer cons;
	uint64_t next_seq;		/* the next sequence to deliver (both locks
					 * to write, either to read) */
	natsSubscription *sub;		/* the current one */
	int subs_alive;			/* until their on-complete callback */
	bool resubscribe;		/* a gap: the watch thread subscribes again */
	bool watch_started;
	pthread_t watch;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Wait on s->cond (s->mu held) until the monotonic time `until` (ms). */
static void wait_until(struct stream *s, int64_t until)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t left = until - now_ms();
	if (left <= 0)
		return;
	ts.tv_sec += left / 1000;
	ts.tv_nsec += (left % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(&s->cond, &s->mu, &ts);
}

/* libnats' last error text for status ns, into err. */
static void nats_err(char *err, size_t errlen, const char *what, natsStatus ns)
{
	const char *last = nats_GetLastError(NULL);
	snprintf(err, errlen, "%s: %s%s%s", what, natsStatus_GetText(ns),
		 last && last[0] ? ": " : "", last ? last : "");
}

/* ---------------------------------------------------------------- pending */

static size_t pending_slot(const struct stream *s, const natsMsg *msg)
{
	uintptr_t h = (uintptr_t)msg;
	h ^= h >> 17;
	h *= 0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 20) & (s->nbuckets - 1);
}

/* Note msg → token (s->mu held).  Returns 0 or -1 out of memory. */
static int pending_put(struct stream *s, const natsMsg *msg, void *token)
{
	if (s->npending >= s->nbuckets) {
		size_t n = s->nbuckets * 2;
		struct pending **b = calloc(n, sizeof *b);
		if (b == NULL)
			return -1;
		struct pending **old = s->buckets;
		size_t oldn = s->nbuckets;
		s->buckets = b;
		s->nbuckets = n;
		for (size_t i = 0; i < oldn; i++)
			for (struct pending *p = old[i], *next; p; p = next) {
				next = p->next;
				size_t k = pending_slot(s, p->msg);
				p->next = b[k];
				b[k] = p;
			}
		free(old);
	}
	struct pending *p = malloc(sizeof *p);
	if (p == NULL)
		return -1;
	size_t k = pending_slot(s, msg);
	*p = (struct pending){ .msg = msg, .token = token, .next = s->buckets[k] };
	s->buckets[k] = p;
	s->npending++;
	return 0;
}

/* Take msg's entry out (s->mu held); false when there is none. */
static bool pending_take(struct stream *s, const natsMsg *msg, void **token)
{
	for (struct pending **pp = &s->buckets[pending_slot(s, msg)]; *pp; pp = &(*pp)->next) {
		struct pending *p = *pp;
		if (p->msg == msg) {
			*pp = p->next;
			*token = p->token;
			free(p);
			s->npending--;
			return true;
		}
	}
	return false;
}

/* ------------------------------------------------------------- publishing */

/* libnats' ack handler: a pub ack, an error reply or an ack timeout, on the
 * context's reply delivery thread. */
static void on_pub_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure)
{
	(void)js;
	struct stream *s = closure;
	struct stream_ack ack = { .result = STREAM_ACKED };
	void *token;

	pthread_mutex_lock(&s->mu);
	if (!pending_take(s, msg, &token)) {
		/* Reported by stream_close already. */
		pthread_mutex_unlock(&s->mu);
		natsMsg_Destroy(msg);
		return;
	}
	s->acks_running++;
	if (pa != NULL) {
		ack.seq = pa->Sequence;
		ack.text = "acked";
		s->st.acked++;
		if (pa->Sequence > s->st.last_acked_seq)
			s->st.last_acked_seq = pa->Sequence;
		s->backoff_ms = 0;
		s->backoff_until = 0;
		pthread_cond_broadcast(&s->cond);
	} else {
		ack.result = STREAM_UNKNOWN;
		ack.status = pae ? (int)pae->Err : (int)NATS_ERR;
		ack.js_code = pae ? (int)pae->ErrCode : 0;
		ack.text = pae && pae->ErrText && pae->ErrText[0] ? pae->ErrText
			 : natsStatus_GetText((natsStatus)ack.status);
		s->st.unknown++;
		if (ack.status == NATS_NO_RESPONDERS) {
			/* No leader (an election): make later publishes wait. */
			s->st.no_responders++;
			s->backoff_ms = s->backoff_ms ? s->backoff_ms * 2 : BACKOFF_MIN_MS;
			if (s->backoff_ms > BACKOFF_MAX_MS)
				s->backoff_ms = BACKOFF_MAX_MS;
			s->backoff_until = now_ms() + s->backoff_ms;
		}
	}
	pthread_mutex_unlock(&s->mu);

	natsMsg_Destroy(msg);
	if (s->cfg.on_ack)
		s->cfg.on_ack(s->cfg.ack_arg, token, &ack);

	pthread_mutex_lock(&s->mu);
	s->acks_running--;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->mu);
}

int stream_publish(struct stream *s, const void *data, size_t len, void *token,
		   char *err, size_t errlen)
{
	if (len > INT32_MAX) {
		snprintf(err, errlen, "entry of %zu bytes is too large", len);
		return -1;
	}
	int64_t deadline = now_ms() + s->cfg.publish_wait_ms;
	natsMsg *msg = NULL;
	natsStatus ns = natsMsg_Create(&msg, s->cfg.subject, NULL, data, (int)len);
	if (ns != NATS_OK) {
		nats_err(err, errlen, "publish", ns);
		return -1;
	}
	const natsMsg *key = msg;
	jsPubOptions po;
	jsPubOptions_Init(&po);
	po.MaxWait = s->cfg.ack_wait_ms;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		if (s->closing) {
			pthread_mutex_unlock(&s->mu);
			natsMsg_Destroy(msg);
			snprintf(err, errlen, "publish: the stream is closing");
			return -1;
		}
		int64_t t = now_ms();
		if (s->backoff_ms == 0)
			break;
		if (t >= s->backoff_until) {
			/* While there is no leader one publish goes per back-off
			 * interval, a probe: its ack ends the back-off.  Letting all
			 * go at once had thousands a second fail with no responders
			 * and an election take 20 s instead of 5. */
			s->backoff_until = t + s->backoff_ms;
			break;
		}
		if (t >= deadline) {
			pthread_mutex_unlock(&s->mu);
			natsMsg_Destroy(msg);
			snprintf(err, errlen, "publish: stream %s has no leader (no responders) "
				 "for %" PRId64 " ms", s->cfg.stream, s->cfg.publish_wait_ms);
			return -1;
		}
		wait_until(s, s->backoff_until < deadline ? s->backoff_until : deadline);
	}
	/* The entry goes in before the publish: the ack may come first. */
	if (pending_put(s, key, token) != 0) {
		pthread_mutex_unlock(&s->mu);
		natsMsg_Destroy(msg);
		snprintf(err, errlen, "publish: out of memory");
		return -1;
	}
	pthread_mutex_unlock(&s->mu);

	for (;;) {
		ns = js_PublishMsgAsync(s->js, &msg, &po);
		if (ns == NATS_OK)
			break;
		/* At max_pending libnats waits StallWait and gives up without
		 * sending; while reconnecting its buffer may be full.  Both pass. */
		bool again = ns == NATS_TIMEOUT || ns == NATS_INSUFFICIENT_BUFFER;
		if (again) {
			pthread_mutex_lock(&s->mu);
			s->st.stalls++;
			pthread_mutex_unlock(&s->mu);
		}
		if (!again || now_ms() >= deadline) {
			nats_err(err, errlen, "publish", ns);
			pthread_mutex_lock(&s->mu);
			void *unused;
			pending_take(s, key, &unused);
			pthread_mutex_unlock(&s->mu);
			natsMsg_Destroy(msg);
			return -1;
		}
		if (ns == NATS_INSUFFICIENT_BUFFER)
			sleep_ms(10);
	}
	pthread_mutex_lock(&s->mu);
	s->st.published++;
	pthread_mutex_unlock(&s->mu);
	return 0;
}

/* -------------------------------------------------------------- consuming */

static void on_sub_complete(void *closure)
{
	struct stream *s = closure;
	pthread_mutex_lock(&s->mu);
	s->subs_alive--;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->mu);
}

/* An entry from the ordered consumer, on its delivery thread. */
static void on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
	(void)nc;
	(void)sub;
	struct stream *s = closure;
	jsMsgMetaData *meta = NULL;
	natsStatus ns = natsMsg_GetMetaData(&meta, msg);
	if (ns != NATS_OK) {
		/* Not a JetStream message: nothing of the stream's. */
		log_warn("stream %s: a message without JetStream metadata: %s", s->cfg.stream,
			 natsStatus_GetText(ns));
		natsMsg_Destroy(msg);
		return;
	}
	uint64_t seq = meta->Sequence.Stream;
	jsMsgMetaData_Destroy(meta);

	pthread_mutex_lock(&s->deliver_mu);
	pthread_mutex_lock(&s->mu);
	bool deliver = false;
	if (!s->consuming || s->resubscribe) {
		/* Closing, or a gap already seen: the next subscription sends it. */
	} else if (seq < s->next_seq) {
		s->st.duplicates++;
	} else if (seq > s->next_seq) {
		s->st.gaps++;
		s->resubscribe = true;
		log_warn("stream %s: entry %" PRIu64 " came where %" PRIu64 " was due; "
			 "subscribing again from %" PRIu64, s->cfg.stream, seq, s->next_seq,
			 s->next_seq);
		pthread_cond_broadcast(&s->cond);
	} else {
		deliver = true;
	}
	pthread_mutex_unlock(&s->mu);
	if (deliver) {
		s->cons.deliver(s->cons.arg, seq, natsMsg_GetData(msg),
				(size_t)natsMsg_GetDataLength(msg));
		pthread_mutex_lock(&s->mu);
		s->next_seq = seq + 1;
		s->st.delivered++;
		s->st.last_delivered_seq = seq;
		pthread_mutex_unlock(&s->mu);
	}
	pthread_mutex_unlock(&s->deliver_mu);
	natsMsg_Destroy(msg);
}

/* Subscribe an ordered consumer from `from` (no lock held). */
static int subscribe_from(struct stream *s, uint64_t from, char *err, size_t errlen)
{
	jsSubOptions so;
	jsSubOptions_Init(&so);
	so.Stream = s->cfg.stream;
	so.Ordered = true;
	so.Config.DeliverPolicy = js_DeliverByStartSequence;
	so.Config.OptStartSeq = from;
	so.Config.Heartbeat = s->cfg.heartbeat_ms * 1000000;
	natsSubscription *sub = NULL;
	jsErrCode jerr = 0;
	natsStatus ns = js_Subscribe(&sub, s->js, s->cfg.subject, on_msg, s, NULL, &so, &jerr);
	if (ns != NATS_OK) {
		nats_err(err, errlen, "subscribe", ns);
		return -1;
	}
	pthread_mutex_lock(&s->mu);
	s->subs_alive++;
	pthread_mutex_unlock(&s->mu);
	if (natsSubscription_SetOnCompleteCB(sub, on_sub_complete, s) != NATS_OK) {
		/* Not expected; without it the handle cannot know when the
		 * subscription's thread is done with it. */
		log_error("stream %s: cannot watch a subscription's end", s->cfg.stream);
		abort();
	}
	natsSubscription_SetPendingLimits(sub, SUB_PENDING_MSGS, SUB_PENDING_BYTES);
	pthread_mutex_lock(&s->mu);
	natsSubscription *old = s->sub;
	s->sub = sub;
	pthread_mutex_unlock(&s->mu);
	if (old) {
		natsSubscription_Unsubscribe(old);	/* deletes its consumer */
		natsSubscription_Destroy(old);
	}
	return 0;
}

/* The watch thread: subscribes again after a gap, or reports entries lost. */
static void *watch_main(void *arg)
{
	struct stream *s = arg;
	int64_t retry_ms = 100;
	pthread_mutex_lock(&s->mu);
	while (!s->closing) {
		if (!s->resubscribe) {
			pthread_cond_wait(&s->cond, &s->mu);
			continue;
		}
		pthread_mutex_unlock(&s->mu);

		char err[512];
		struct stream_state st;
		int rc = stream_info(s, &st, err, sizeof err);
		pthread_mutex_lock(&s->deliver_mu);	/* no delivery meanwhile */
		pthread_mutex_lock(&s->mu);
		uint64_t from = s->next_seq;
		pthread_mutex_unlock(&s->mu);
		if (rc == 0 && st.first_seq > from) {
			pthread_mutex_lock(&s->mu);
			s->consuming = false;
			s->resubscribe = false;
			pthread_mutex_unlock(&s->mu);
			log_error("stream %s: entries %" PRIu64 " to %" PRIu64 " are no longer in "
				  "the stream", s->cfg.stream, from, st.first_seq - 1);
			if (s->cons.lost)
				s->cons.lost(s->cons.arg, from, st.first_seq - 1);
			pthread_mutex_unlock(&s->deliver_mu);
			pthread_mutex_lock(&s->mu);
			continue;
		}
		if (rc == 0)
			rc = subscribe_from(s, from, err, sizeof err);
		pthread_mutex_lock(&s->mu);
		if (rc == 0) {
			s->resubscribe = false;
			s->st.resubscribes++;
			retry_ms = 100;
		}
		pthread_mutex_unlock(&s->mu);
		pthread_mutex_unlock(&s->deliver_mu);
		pthread_mutex_lock(&s->mu);
		if (rc != 0) {
			log_warn("stream %s: subscribing from %" PRIu64 " failed, again in %" PRId64
				 " ms: %s", s->cfg.stream, from, retry_ms, err);
			wait_until(s, now_ms() + retry_ms);
			retry_ms = retry_ms * 2 > 2000 ? 2000 : retry_ms * 2;
		}
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

int stream_consume(struct stream *s, uint64_t from_seq, const struct stream_consumer *cons,
		   char *err, size_t errlen)
{
	if (from_seq == 0)
		from_seq = 1;
	pthread_mutex_lock(&s->mu);
	bool busy = s->watch_started || s->closing;
	pthread_mutex_unlock(&s->mu);
	if (busy) {
		snprintf(err, errlen, "stream %s: already consuming", s->cfg.stream);
		return -1;
	}
	struct stream_state st;
	if (stream_info(s, &st, err, errlen) != 0)
		return -1;
	if (st.first_seq > from_seq) {
		snprintf(err, errlen, "stream %s starts at entry %" PRIu64 ": entries %" PRIu64
			 " to %" PRIu64 " are gone (retention); start from a peer's snapshot",
			 s->cfg.stream, st.first_seq, from_seq, st.first_seq - 1);
		return STREAM_GONE;
	}
	pthread_mutex_lock(&s->deliver_mu);
	pthread_mutex_lock(&s->mu);
	s->cons = *cons;
	s->next_seq = from_seq;
	s->consuming = true;
	pthread_mutex_unlock(&s->mu);
	pthread_mutex_unlock(&s->deliver_mu);
	/* A stream just created may not take a consumer yet (its leader is
	 * still being chosen): try again, as long as stream_open would. */
	int64_t deadline = now_ms() + s->cfg.open_wait_ms;
	int rc;
	while ((rc = subscribe_from(s, from_seq, err, errlen)) != 0 && now_ms() < deadline)
		sleep_ms(200);
	if (rc != 0) {
		pthread_mutex_lock(&s->mu);
		s->consuming = false;
		pthread_mutex_unlock(&s->mu);
		return -1;
	}
	int e = pthread_create(&s->watch, NULL, watch_main, s);
	if (e != 0) {
		snprintf(err, errlen, "stream %s: watch thread: %s", s->cfg.stream, strerror(e));
		return -1;	/* stream_close unsubscribes */
	}
	pthread_mutex_lock(&s->mu);
	s->watch_started = true;
	pthread_mutex_unlock(&s->mu);
	return 0;
}

/* ------------------------------------------------------------ stream info */

int stream_info(struct stream *s, struct stream_state *st, char *err, size_t errlen)
{
	jsStreamInfo *si = NULL;
	jsErrCode jerr = 0;
	natsStatus ns = js_GetStreamInfo(&si, s->js, s->cfg.stream, NULL, &jerr);
	if (ns != NATS_OK) {
		nats_err(err, errlen, "stream info", ns);
		return -1;
	}
	memset(st, 0, sizeof *st);
	st->first_seq = si->State.FirstSeq;
	st->last_seq = si->State.LastSeq;
	st->msgs = si->State.Msgs;
	st->bytes = si->State.Bytes;
	st->replicas = (int)si->Config->Replicas;
	if (si->Cluster && si->Cluster->Leader)
		snprintf(st->leader, sizeof st->leader, "%s", si->Cluster->Leader);
	/* An empty new stream reports first 0; it will start at 1. */
	if (st->first_seq == 0)
		st->first_seq = st->last_seq + 1;
	jsStreamInfo_Destroy(si);
	return 0;
}

int stream_last_seq(struct stream *s, uint64_t *seq, char *err, size_t errlen)
{
	struct stream_state st;
	if (stream_info(s, &st, err, errlen) != 0)
		return -1;
	*seq = st.last_seq;
	return 0;
}

void stream_get_stats(struct stream *s, struct stream_stats *st)
{
	pthread_mutex_lock(&s->mu);
	*st = s->st;
	st->connected = s->connected;
	pthread_mutex_unlock(&s->mu);
	st->server[0] = '\0';
	if (st->connected)
		natsConnection_GetConnectedUrl(s->nc, st->server, sizeof st->server);
}

/* -------------------------------------------------------------- opening */

static void on_disconnected(natsConnection *nc, void *closure)
{
	(void)nc;
	struct stream *s = closure;
	pthread_mutex_lock(&s->mu);
	s->connected = false;
	bool closing = s->closing;
	pthread_mutex_unlock(&s->mu);
	if (!closing)
		log_warn("stream %s: disconnected from NATS; reconnecting", s->cfg.stream);
}

static void on_connected(natsConnection *nc, void *closure)
{
	struct stream *s = closure;
	char url[128] = "";
	natsConnection_GetConnectedUrl(nc, url, sizeof url);
	pthread_mutex_lock(&s->mu);
	if (s->ever_connected)
		s->st.reconnects++;
	s->ever_connected = true;
	s->connected = true;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->mu);
	log_info("stream %s: connected to %s", s->cfg.stream, url);
}

static void on_closed(natsConnection *nc, void *closure)
{
	(void)nc;
	struct stream *s = closure;
	pthread_mutex_lock(&s->mu);
	s->conn_closed = true;
	s->connected = false;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->mu);
}

static void on_async_error(natsConnection *nc, natsSubscription *sub, natsStatus ns,
			   void *closure)
{
	(void)nc;
	(void)sub;
	struct stream *s = closure;
	pthread_mutex_lock(&s->mu);
	s->st.async_errors++;
	pthread_mutex_unlock(&s->mu);
	log_warn("stream %s: %s", s->cfg.stream, natsStatus_GetText(ns));
}

/* Reconnect delay: 100 ms doubling to 2 s, jittered by libnats. */
static int64_t reconnect_delay(natsConnection *nc, int attempts, void *closure)
{
	(void)nc;
	(void)closure;
	int64_t ms = 100;
	for (int i = 1; i < attempts && ms < 2000; i++)
		ms *= 2;
	return ms > 2000 ? 2000 : ms;
}

void stream_config_init(struct stream_config *c, const struct config *cfg)
{
	*c = (struct stream_config){
		.urls = cfg->cluster_nats_urls,
		.client_name = cfg->node_name,
		.stream = cfg->cluster_stream,
		.subject = cfg->cluster_subject,
		.replicas = (int)cfg->cluster_replicas,
		.max_age_s = cfg->cluster_max_age,
		.max_bytes = cfg->cluster_max_bytes,
		.max_pending = 1024,
		.ack_wait_ms = 5000,
		.publish_wait_ms = 5000,
		.open_wait_ms = 30000,
		.heartbeat_ms = 1000,
	};
}

/* Compare the stream there with the one configured: 0, or -1 naming the
 * first difference. */
static int check_stream(const struct stream_config *c, const jsStreamConfig *have,
			char *err, size_t errlen)
{
	const char *what = NULL;
	char want[64] = "", got[64] = "";
	if (have->SubjectsLen != 1 || strcmp(have->Subjects[0], c->subject) != 0) {
		what = "subject";
		snprintf(want, sizeof want, "%s", c->subject);
		snprintf(got, sizeof got, "%s%s", have->SubjectsLen > 0 ? have->Subjects[0] : "none",
			 have->SubjectsLen > 1 ? ",..." : "");
	} else if (have->Replicas != c->replicas) {
		what = "replicas";
		snprintf(want, sizeof want, "%d", c->replicas);
		snprintf(got, sizeof got, "%" PRId64, have->Replicas);
	} else if (have->Storage != js_FileStorage) {
		what = "storage";
		snprintf(want, sizeof want, "file");
		snprintf(got, sizeof got, "memory");
	} else if (have->Retention != js_LimitsPolicy || have->Discard != js_DiscardOld) {
		what = "retention";
		snprintf(want, sizeof want, "limits, discard old");
		snprintf(got, sizeof got, "other");
	} else if (have->MaxAge != (int64_t)c->max_age_s * 1000000000) {
		what = "max age";
		config_format_duration(c->max_age_s, want, sizeof want);
		config_format_duration(have->MaxAge > 0 ? (uint64_t)(have->MaxAge / 1000000000) : 0,
				       got, sizeof got);
	} else if (have->MaxBytes != (int64_t)c->max_bytes) {
		what = "max bytes";
		snprintf(want, sizeof want, "%" PRIu64, c->max_bytes);
		snprintf(got, sizeof got, "%" PRId64, have->MaxBytes);
	}
	if (what == NULL)
		return 0;
	snprintf(err, errlen, "stream %s exists with %s %s, configured %s: change the "
		 "configuration, or the stream (nats stream edit), or name another stream",
		 c->stream, what, got, want);
	return -1;
}

/* Create the stream, or check the one there.  0, -1 with err, or 1 for
 * "try again" (no leader yet, no server answering) with err set. */
static int ensure_stream(struct stream *s, char *err, size_t errlen)
{
	const struct stream_config *c = &s->cfg;
	jsStreamInfo *si = NULL;
	jsErrCode jerr = 0;
	natsStatus ns = js_GetStreamInfo(&si, s->js, c->stream, NULL, &jerr);
	if (ns == NATS_OK) {
		int rc = check_stream(c, si->Config, err, errlen);
		jsStreamInfo_Destroy(si);
		return rc;
	}
	if (ns != NATS_NOT_FOUND) {
		nats_err(err, errlen, "stream info", ns);
		return 1;
	}
	jsStreamConfig sc;
	jsStreamConfig_Init(&sc);
	const char *subjects[1] = { c->subject };
	sc.Name = c->stream;
	sc.Subjects = subjects;
	sc.SubjectsLen = 1;
	sc.Storage = js_FileStorage;
	sc.Retention = js_LimitsPolicy;
	sc.Discard = js_DiscardOld;
	sc.Replicas = c->replicas;
	sc.MaxAge = (int64_t)c->max_age_s * 1000000000;
	sc.MaxBytes = (int64_t)c->max_bytes;
	ns = js_AddStream(&si, s->js, &sc, NULL, &jerr);
	if (ns == NATS_OK) {
		log_info("stream %s created: subject %s, %d replicas, max age %" PRIu64
			 " s, max bytes %" PRIu64, c->stream, c->subject, c->replicas,
			 c->max_age_s, c->max_bytes);
		jsStreamInfo_Destroy(si);
		return 0;
	}
	nats_err(err, errlen, "creating the stream", ns);
	/* Another node may have created it meanwhile: the next round checks. */
	return 1;
}

static void stream_free(struct stream *s)
{
	if (s->js)
		jsCtx_Destroy(s->js);
	if (s->nc) {
		natsConnection_Close(s->nc);
		pthread_mutex_lock(&s->mu);
		while (!s->conn_closed)
			pthread_cond_wait(&s->cond, &s->mu);
		pthread_mutex_unlock(&s->mu);
		natsConnection_Destroy(s->nc);
	}
	natsOptions_Destroy(s->opts);
	for (size_t i = 0; i < s->nbuckets; i++)
		for (struct pending *p = s->buckets[i], *next; p; p = next) {
			next = p->next;
			free(p);
		}
	free(s->buckets);
	free(s->urls_buf);
	free(s->strs);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->mu);
	pthread_mutex_destroy(&s->deliver_mu);
	free(s);
}

/* Copy the config's strings so that the handle owns what it points to. */
static int own_strings(struct stream *s)
{
	const char **f[] = { &s->cfg.client_name, &s->cfg.stream, &s->cfg.subject };
	size_t n = 0;
	for (size_t i = 0; i < 3; i++)
		n += strlen(*f[i] ? *f[i] : "") + 1;
	char *p = s->strs = malloc(n);
	if (p == NULL)
		return -1;
	for (size_t i = 0; i < 3; i++) {
		const char *v = *f[i] ? *f[i] : "";
		size_t len = strlen(v) + 1;
		memcpy(p, v, len);
		*f[i] = p;
		p += len;
	}
	return 0;
}

/* Connection options: the servers, reconnect for ever, callbacks. */
static natsStatus set_options(struct stream *s, const char **urls, int nurls)
{
	natsStatus ns = natsOptions_Create(&s->opts);
	if (ns == NATS_OK)
		ns = natsOptions_SetServers(s->opts, urls, nurls);
	if (ns == NATS_OK && s->cfg.client_name[0])
		ns = natsOptions_SetName(s->opts, s->cfg.client_name);
	if (ns == NATS_OK)
		ns = natsOptions_SetMaxReconnect(s->opts, -1);
	if (ns == NATS_OK)
		ns = natsOptions_SetCustomReconnectDelay(s->opts, reconnect_delay, NULL);
	if (ns == NATS_OK)
		ns = natsOptions_SetReconnectJitter(s->opts, 100, 1000);
	/* A dead server is noticed by pings within 2 s (2 missed pings of 1 s);
	 * the default (2 min) would hold publishes that long. */
	if (ns == NATS_OK)
		ns = natsOptions_SetPingInterval(s->opts, 1000);
	if (ns == NATS_OK)
		ns = natsOptions_SetMaxPingsOut(s->opts, 2);
	if (ns == NATS_OK)
		ns = natsOptions_SetTimeout(s->opts, 2000);
	if (ns == NATS_OK)
		ns = natsOptions_SetRetryOnFailedConnect(s->opts, true, on_connected, s);
	if (ns == NATS_OK)
		ns = natsOptions_SetReconnectedCB(s->opts, on_connected, s);
	if (ns == NATS_OK)
		ns = natsOptions_SetDisconnectedCB(s->opts, on_disconnected, s);
	if (ns == NATS_OK)
		ns = natsOptions_SetClosedCB(s->opts, on_closed, s);
	if (ns == NATS_OK)
		ns = natsOptions_SetErrorHandler(s->opts, on_async_error, s);
	return ns;
}

struct stream *stream_open(const struct stream_config *c, char *err, size_t errlen)
{
	struct stream *s = calloc(1, sizeof *s);
	if (s == NULL) {
		snprintf(err, errlen, "stream: out of memory");
		return NULL;
	}
	s->cfg = *c;
	pthread_mutex_init(&s->mu, NULL);
	pthread_mutex_init(&s->deliver_mu, NULL);
	pthread_cond_init(&s->cond, NULL);
	s->nbuckets = 64;
	s->buckets = calloc(s->nbuckets, sizeof *s->buckets);
	s->urls_buf = strdup(c->urls ? c->urls : "");
	if (s->buckets == NULL || s->urls_buf == NULL || own_strings(s) != 0) {
		snprintf(err, errlen, "stream: out of memory");
		stream_free(s);
		return NULL;
	}

	const char *urls[CONFIG_NATS_URLS_MAX];
	int nurls = 0;
	for (char *save = NULL, *u = strtok_r(s->urls_buf, ",", &save);
	     u && nurls < CONFIG_NATS_URLS_MAX; u = strtok_r(NULL, ",", &save))
		urls[nurls++] = u;
	if (nurls == 0) {
		snprintf(err, errlen, "stream: no NATS server URL");
		stream_free(s);
		return NULL;
	}

	int64_t deadline = now_ms() + c->open_wait_ms;
	natsStatus ns = nats_Open(-1);
	if (ns == NATS_OK)
		ns = set_options(s, urls, nurls);
	natsConnection *nc = NULL;
	if (ns == NATS_OK) {
		ns = natsConnection_Connect(&nc, s->opts);
		if (ns == NATS_NOT_YET_CONNECTED)
			ns = NATS_OK;	/* libnats goes on trying; wait below */
	}
	if (ns != NATS_OK) {
		nats_err(err, errlen, "connecting to NATS", ns);
		stream_free(s);
		return NULL;
	}
	pthread_mutex_lock(&s->mu);
	s->nc = nc;
	if (natsConnection_Status(nc) == NATS_CONN_STATUS_CONNECTED)
		s->connected = s->ever_connected = true;
	while (!s->connected && now_ms() < deadline)
		wait_until(s, deadline);
	bool up = s->connected;
	pthread_mutex_unlock(&s->mu);
	if (!up) {
		snprintf(err, errlen, "no NATS server of %s answered within %" PRId64 " ms",
			 c->urls, c->open_wait_ms);
		stream_free(s);
		return NULL;
	}

	jsOptions jo;
	jsOptions_Init(&jo);
	jo.Wait = 2000;
	jo.PublishAsync.MaxPending = c->max_pending;
	jo.PublishAsync.AckHandler = on_pub_ack;
	jo.PublishAsync.AckHandlerClosure = s;
	ns = natsConnection_JetStream(&s->js, nc, &jo);
	if (ns != NATS_OK) {
		nats_err(err, errlen, "JetStream context", ns);
		stream_free(s);
		return NULL;
	}
	for (;;) {
		int rc = ensure_stream(s, err, errlen);
		if (rc == 0)
			break;
		if (rc < 0 || now_ms() >= deadline) {
			if (rc > 0) {
				size_t n = strlen(err);
				snprintf(err + n, errlen - n, " (for %" PRId64 " ms)", c->open_wait_ms);
			}
			stream_free(s);
			return NULL;
		}
		sleep_ms(250);
	}
	return s;
}

/* -------------------------------------------------------------- closing */

/* Report every publish still in flight as STREAM_UNKNOWN. */
static void fail_pending(struct stream *s)
{
	natsMsgList list = { 0 };
	pthread_mutex_lock(&s->mu);
	size_t n = s->npending;
	pthread_mutex_unlock(&s->mu);
	/* libnats 3.4.1 crashes here on a context that never published. */
	if (n == 0 || js_PublishAsyncGetPendingList(&list, s->js) != NATS_OK)
		return;		/* NATS_NOT_FOUND: none */
	struct stream_ack ack = { .result = STREAM_UNKNOWN, .status = NATS_CONNECTION_CLOSED,
				  .text = "the stream was closed before the ack came" };
	for (int i = 0; i < list.Count; i++) {
		void *token;
		pthread_mutex_lock(&s->mu);
		bool mine = pending_take(s, list.Msgs[i], &token);
		if (mine)
			s->st.unknown++;
		pthread_mutex_unlock(&s->mu);
		if (mine && s->cfg.on_ack)
			s->cfg.on_ack(s->cfg.ack_arg, token, &ack);
	}
	natsMsgList_Destroy(&list);
}

void stream_close(struct stream *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	s->closing = true;
	bool watching = s->watch_started;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->mu);
	if (watching)
		pthread_join(s->watch, NULL);

	/* No deliver call after this: one running finishes first. */
	pthread_mutex_lock(&s->deliver_mu);
	pthread_mutex_lock(&s->mu);
	s->consuming = false;
	natsSubscription *sub = s->sub;
	s->sub = NULL;
	pthread_mutex_unlock(&s->mu);
	pthread_mutex_unlock(&s->deliver_mu);
	if (sub) {
		natsSubscription_Unsubscribe(sub);
		natsSubscription_Destroy(sub);
	}

	if (s->js) {
		jsPubOptions po;
		jsPubOptions_Init(&po);
		po.MaxWait = s->cfg.ack_wait_ms;
		js_PublishAsyncComplete(s->js, &po);
		fail_pending(s);
	}
	/* Acks whose handler began before the list was taken finish, and each
	 * subscription's thread lets go of the handle. */
	int64_t deadline = now_ms() + CLOSE_WAIT_MS;
	pthread_mutex_lock(&s->mu);
	while ((s->npending > 0 || s->acks_running > 0 || s->subs_alive > 0) &&
	       now_ms() < deadline)
		wait_until(s, deadline);
	bool idle = s->npending == 0 && s->acks_running == 0 && s->subs_alive == 0;
	size_t npending = s->npending;
	int subs = s->subs_alive;
	pthread_mutex_unlock(&s->mu);
	if (!idle) {
		/* A libnats thread may still call into the handle: leaking it is
		 * safe, freeing it is not. */
		log_error("stream %s: closing: %zu acks and %d subscriptions not finished "
			  "after %d ms; the handle is left allocated", s->cfg.stream, npending,
			  subs, CLOSE_WAIT_MS);
		return;
	}
	stream_free(s);
}
