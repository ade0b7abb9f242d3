/*
 * epcis_jobs — the EPCIS capture jobs of the HTTP side (POST
 * /epcis/capture, GET /epcis/capture/{id}; proto/HTTP.md): each job is one
 * document's EVENTS request on its way through the writer, then its
 * result — events applied, events skipped by reason, or the error that
 * refused the document with the event it names.
 *
 * Jobs live in this process's memory only (not in the store, not on other
 * nodes of a cluster): EPCIS_JOBS_MAX of them at once, and a finished job
 * is forgotten EPCIS_JOB_KEEP_MS after it finished, or earlier, oldest
 * first, when a new job needs its place.  A job is its principal's: another
 * is told there is no such job.
 *
 * Threads: any network thread makes jobs and reads them, and a job's
 * result comes back on the thread that made it: one mutex guards the table.
 */
#ifndef YIMA_EPCIS_JOBS_H
#define YIMA_EPCIS_JOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "load.h"

#define EPCIS_JOBS_MAX 1024
#define EPCIS_JOB_KEEP_MS (60 * 60 * 1000)	/* an hour after it finished */
#define EPCIS_JOB_ID_LEN 32			/* hex */

struct epcis_jobs;
struct epcis_job;
struct principal;

struct epcis_jobs *epcis_jobs_new(void);
void epcis_jobs_free(struct epcis_jobs *jobs);

/*
 * A new running job of principal who (NULL: the local one) for a document
 * of `events` events, stats as the reader counted them and event_of[i] the
 * event of command i (copied).  NULL when EPCIS_JOBS_MAX jobs are running.
 * Its id: epcis_job_id.
 */
struct epcis_job *epcis_jobs_add(struct epcis_jobs *jobs, const struct principal *who,
				 int64_t now_ms, const struct load_epcis_stats *stats,
				 const unsigned long *event_of, size_t ncommands);
const char *epcis_job_id(const struct epcis_job *job);

/* The job is done: its EVENTS reply (RESP 3), at now_ms. */
void epcis_job_finish(struct epcis_jobs *jobs, struct epcis_job *job, const char *reply,
		      size_t len, int64_t now_ms);

/*
 * Job `id` as JSON (malloc'd), when it is who's; NULL when there is none
 * (or it was forgotten, or it is another's).
 */
char *epcis_jobs_json(struct epcis_jobs *jobs, const char *id, const struct principal *who,
		      int64_t now_ms);

#endif
