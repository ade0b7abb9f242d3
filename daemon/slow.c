/*
 * slow — a thread for each long command (slow.h).
 */
#include "slow.h"
#include "log.h"
#include "writer.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ended = PTHREAD_COND_INITIALIZER;
static unsigned running;	/* under lock */

static void *slow_main(void *arg)
{
	struct write_job *job = arg;
	(void)pthread_setname_np(pthread_self(), "yimad-slow");	/* a convenience only */
	job->run(NULL, job);
	job->done(job);		/* the job is its owner's again: not touched after */
	pthread_mutex_lock(&lock);
	running--;
	pthread_cond_broadcast(&ended);
	pthread_mutex_unlock(&lock);
	return NULL;
}

int slow_start(struct write_job *job, char *err, size_t errlen)
{
	pthread_mutex_lock(&lock);
	if (running >= SLOW_MAX) {
		pthread_mutex_unlock(&lock);
		snprintf(err, errlen, "%u long commands are running; try again once one has "
			 "ended", SLOW_MAX);
		return -1;
	}
	running++;
	pthread_mutex_unlock(&lock);

	pthread_attr_t attr;
	pthread_t t;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	int rc = pthread_create(&t, &attr, slow_main, job);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		pthread_mutex_lock(&lock);
		running--;
		pthread_cond_broadcast(&ended);
		pthread_mutex_unlock(&lock);
		snprintf(err, errlen, "cannot start a thread: %s", strerror(rc));
		return -1;
	}
	return 0;
}

void slow_wait(void)
{
	pthread_mutex_lock(&lock);
	if (running)
		log_info("waiting for %u long command%s (BACKUP) to end", running,
			 running == 1 ? "" : "s");
	while (running)
		pthread_cond_wait(&ended, &lock);
	pthread_mutex_unlock(&lock);
}
