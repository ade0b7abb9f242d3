/*
 * slow — commands that run for minutes (CMD_F_SLOW: BACKUP), each on a
 * thread of its own, so that neither a network thread nor the writer waits
 * for them.
 *
 * A slow command travels as a write job does (cmd_slow_job): its
 * connection counts it pending and takes no further request until its
 * reply is back, and the reply returns through job->done to the worker
 * that owns the connection (worker_job_done), exactly as a write's does.
 * Here the job's run is called with no transaction, on a new thread,
 * then its done, on that thread.
 *
 * At most SLOW_MAX run at once; each command says itself whether another
 * of its kind may run beside it (BACKUP: no).  Shutdown waits for the
 * running ones (slow_wait) before the workers that get their replies stop.
 */
#ifndef YIMA_SLOW_H
#define YIMA_SLOW_H

#include <stddef.h>

struct write_job;

#define SLOW_MAX 4

/* Run job->run(NULL, job) then job->done(job) on a new thread.  Returns 0,
 * or -1 with why in err (SLOW_MAX running, no thread): the job is then
 * untouched and the caller's. */
int slow_start(struct write_job *job, char *err, size_t errlen);
/* Wait until every slow job started has ended (its done called). */
void slow_wait(void);

#endif
