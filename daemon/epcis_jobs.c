/*
 * epcis_jobs — capture jobs in a table of fixed slots (epcis_jobs.h).  A
 * slot is taken by a new job and given back when its job is forgotten; a
 * running job's slot is never taken, so the pointer the HTTP side keeps
 * for its write job stays good until the result comes back.
 */
#include "epcis_jobs.h"
#include "acl.h"
#include "args.h"
#include "resp.h"
#include "resp_json.h"
#include "xmem.h"

#include <jansson.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct epcis_job {
	bool used;
	char id[EPCIS_JOB_ID_LEN + 1];
	/* whose */
	uint8_t role;
	uint32_t site;
	char name[ACL_NAME_MAX + 1];
	int64_t created_ms, finished_ms;
	bool running, success, replayed;
	struct load_epcis_stats stats;
	unsigned long *event_of;	/* command → event */
	size_t ncommands;
	/* what refused the document: its event (0: none named), code, text */
	unsigned long error_event;
	char error_code[16];
	char *error;
};

struct epcis_jobs {
	pthread_mutex_t lock;
	struct epcis_job slot[EPCIS_JOBS_MAX];
};

struct epcis_jobs *epcis_jobs_new(void)
{
	struct epcis_jobs *jobs = xcalloc(1, sizeof *jobs);
	pthread_mutex_init(&jobs->lock, NULL);
	return jobs;
}

static void forget(struct epcis_job *job)
{
	free(job->event_of);
	free(job->error);
	memset(job, 0, sizeof *job);
}

void epcis_jobs_free(struct epcis_jobs *jobs)
{
	if (jobs == NULL)
		return;
	for (size_t i = 0; i < EPCIS_JOBS_MAX; i++)
		forget(&jobs->slot[i]);
	pthread_mutex_destroy(&jobs->lock);
	free(jobs);
}

static void whose(const struct principal *who, uint8_t *role, uint32_t *site, char *name)
{
	*role = who ? who->role : ROLE_LOCAL;
	*site = who ? who->site : 0;
	snprintf(name, ACL_NAME_MAX + 1, "%s", who ? who->name : "local");
}

struct epcis_job *epcis_jobs_add(struct epcis_jobs *jobs, const struct principal *who,
				 int64_t now_ms, const struct load_epcis_stats *stats,
				 const unsigned long *event_of, size_t ncommands)
{
	uint8_t id[EPCIS_JOB_ID_LEN / 2];
	if (RAND_bytes(id, sizeof id) != 1)
		return NULL;
	pthread_mutex_lock(&jobs->lock);
	struct epcis_job *free_slot = NULL, *oldest = NULL;
	for (size_t i = 0; i < EPCIS_JOBS_MAX; i++) {
		struct epcis_job *j = &jobs->slot[i];
		if (j->used && !j->running && now_ms - j->finished_ms > EPCIS_JOB_KEEP_MS)
			forget(j);
		if (!j->used && free_slot == NULL)
			free_slot = j;
		if (j->used && !j->running && (oldest == NULL || j->finished_ms < oldest->finished_ms))
			oldest = j;
	}
	struct epcis_job *job = free_slot ? free_slot : oldest;
	if (job) {
		forget(job);
		job->used = job->running = true;
		for (size_t i = 0; i < sizeof id; i++)
			snprintf(job->id + 2 * i, 3, "%02x", id[i]);
		whose(who, &job->role, &job->site, job->name);
		job->created_ms = now_ms;
		job->stats = *stats;
		job->ncommands = ncommands;
		job->event_of = xmalloc((ncommands ? ncommands : 1) * sizeof *job->event_of);
		if (ncommands)	/* event_of may be NULL then */
			memcpy(job->event_of, event_of, ncommands * sizeof *event_of);
	}
	pthread_mutex_unlock(&jobs->lock);
	return job;
}

const char *epcis_job_id(const struct epcis_job *job)
{
	return job->id;
}

/* An EVENTS error: "CODE EVENTS: record N: what; nothing was applied". */
static void refused(struct epcis_job *job, const char *text, size_t len)
{
	size_t n = 0;
	while (n < len && text[n] != ' ')
		n++;
	snprintf(job->error_code, sizeof job->error_code, "%.*s", (int)(n < 15 ? n : 15), text);
	char *msg = xmalloc(len + 1);
	memcpy(msg, text, len);
	msg[len] = '\0';
	const char *rec = strstr(msg, ": record ");
	char *end;
	unsigned long i = rec ? strtoul(rec + 9, &end, 10) : 0;
	if (rec && i >= 1 && i <= job->ncommands && strncmp(end, ": ", 2) == 0) {
		/* The record's own error, without the batch's wrapping. */
		job->error_event = job->event_of[i - 1];
		char *tail = strstr(end, "; nothing was applied");
		if (tail)
			*tail = '\0';
		memmove(msg, end + 2, strlen(end + 2) + 1);
	} else if (n < len) {
		memmove(msg, msg + n + 1, len - n);
	}
	job->error = msg;
}

void epcis_job_finish(struct epcis_jobs *jobs, struct epcis_job *job, const char *reply,
		      size_t len, int64_t now_ms)
{
	struct resp_value v;
	size_t used;
	const char *why;
	int got = resp_parse_value(reply, len, &v, &used, &why);
	pthread_mutex_lock(&jobs->lock);
	job->running = false;
	job->finished_ms = now_ms;
	if (got != 1) {
		snprintf(job->error_code, sizeof job->error_code, "STORE");
		job->error = xstrdup("the capture gave no whole reply");
	} else if (v.type == RESP_T_ERROR || v.type == RESP_T_BULK_ERROR) {
		refused(job, v.str, v.len);
	} else {
		job->success = true;
		for (size_t i = 0; v.type == RESP_T_MAP && i < v.n; i++) {
			const struct resp_value *k = &v.elem[2 * i], *x = &v.elem[2 * i + 1];
			if (k->str && strcmp(k->str, "replayed") == 0 && x->type == RESP_T_BOOL)
				job->replayed = x->integer != 0;
		}
	}
	pthread_mutex_unlock(&jobs->lock);
	if (got == 1)
		resp_value_free(&v);
}

static void put_time(json_t *o, const char *key, int64_t ms)
{
	char t[32];
	args_format_time(ms, t);
	json_object_set_new(o, key, json_string(t));
}

/* The job as JSON; the caller holds the lock. */
static json_t *job_json(const struct epcis_job *job)
{
	const struct load_epcis_stats *st = &job->stats;
	json_t *o = json_object(), *skipped = json_object(), *errors = json_array();
	json_object_set_new(o, "captureID", json_string(job->id));
	json_object_set_new(o, "running", json_boolean(job->running));
	json_object_set_new(o, "success", json_boolean(job->success));
	json_object_set_new(o, "captureErrorBehaviour", json_string("rollback"));
	put_time(o, "createdAt", job->created_ms);
	if (!job->running)
		put_time(o, "finishedAt", job->finished_ms);
	json_object_set_new(o, "events", json_integer((json_int_t)st->es_events));
	json_object_set_new(o, "applied", json_integer(job->success && !job->replayed ?
						       (json_int_t)st->es_mapped : 0));
	json_object_set_new(o, "replayed", json_boolean(job->replayed));
	for (int k = 0; k < LOAD_SKIP__COUNT; k++)
		if (st->es_skipped[k])
			json_object_set_new(skipped, load_skip_name((enum load_skip)k),
					    json_integer((json_int_t)st->es_skipped[k]));
	json_object_set_new(o, "skipped", skipped);
	if (job->error) {
		json_t *e = json_object();
		if (job->error_event)
			json_object_set_new(e, "event", json_integer((json_int_t)job->error_event));
		json_object_set_new(e, "code", json_string(job->error_code));
		json_object_set_new(e, "error", json_string(job->error));
		json_array_append_new(errors, e);
	}
	json_object_set_new(o, "errors", errors);
	return o;
}

char *epcis_jobs_json(struct epcis_jobs *jobs, const char *id, const struct principal *who,
		      int64_t now_ms)
{
	uint8_t role;
	uint32_t site;
	char name[ACL_NAME_MAX + 1];
	char *text = NULL;
	whose(who, &role, &site, name);
	pthread_mutex_lock(&jobs->lock);
	for (size_t i = 0; i < EPCIS_JOBS_MAX && text == NULL; i++) {
		struct epcis_job *j = &jobs->slot[i];
		if (!j->used || strcmp(j->id, id) != 0)
			continue;
		if (!j->running && now_ms - j->finished_ms > EPCIS_JOB_KEEP_MS) {
			forget(j);
			break;
		}
		if (j->role != role || j->site != site || strcmp(j->name, name) != 0)
			break;
		json_t *o = job_json(j);
		text = resp_json_text(o);
		json_decref(o);
	}
	pthread_mutex_unlock(&jobs->lock);
	return text;
}
