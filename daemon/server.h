/*
 * server — the process: listener, network threads, writer, store, and the
 * orderly start and stop of all of them.
 *
 * Threads:
 *   main      accepts connections (evconnlistener) and hands each socket to
 *             a worker, round robin; handles SIGTERM/SIGINT.
 *   workers   N network threads, one event_base each; a connection lives on
 *             one worker for its whole life (worker.h, conn.h).
 *   writer    applies every write in group-committed transactions (writer.h).
 */
#ifndef YIMA_SERVER_H
#define YIMA_SERVER_H

#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "resp.h"

struct event_base;
struct evconnlistener;
struct event;
struct store;
struct writer;
struct worker;

struct server {
	struct config cfg;
	struct resp_limits limits;	/* from cfg */
	struct store *store;
	struct writer *writer;
	struct event_base *base;	/* main thread: listener + signals */
	struct evconnlistener *listener;
	struct event *sigterm, *sigint, *accept_retry;
	struct worker **workers;
	unsigned nworkers;
	unsigned next_worker;
	uint16_t port;			/* bound port */
	time_t started;
	_Atomic uint64_t clients;	/* open connections */
	_Atomic uint64_t accepted;	/* connections accepted since start */
	_Atomic uint64_t rejected;	/* refused: max_clients reached */
	_Atomic uint64_t next_conn_id;
	_Atomic uint64_t commands;	/* requests executed */
};

/* Open the store, start the writer and the workers, bind the listener.
 * Returns 0, or -1 after logging why (everything started is stopped). */
int server_start(struct server *srv, const struct config *cfg);
/* Run the main loop until SIGTERM or SIGINT. */
void server_run(struct server *srv);
/* Stop accepting, finish every write already queued and send its reply,
 * stop the threads, close the store. */
void server_stop(struct server *srv);

#endif
