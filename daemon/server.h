/*
 * server — the process: listener, network threads, writer, store, and the
 * orderly start and stop of all of them.
 *
 * Threads:
 *   main      accepts connections (evconnlistener: the plaintext port and
 *             the TLS port) and hands each socket, with its SSL, to a
 *             worker, round robin; checks the connection limits; handles
 *             SIGTERM/SIGINT, and SIGHUP (reload certificates and ACL file).
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
struct tls;
struct auth;
struct throttle;
struct throttle_addr;

struct server {
	struct config cfg;
	struct resp_limits limits;	/* from cfg */
	struct store *store;
	struct writer *writer;
	struct cluster *cluster;	/* cluster mode; NULL: one node */
	struct event_base *base;	/* main thread: listener + signals */
	struct evconnlistener *listener;	/* plaintext */
	struct evconnlistener *tls_listener;	/* NULL: no tls_port */
	struct tls *tls;			/* main thread only */
	struct auth *auth;			/* tokens and certificate names */
	struct throttle *throttle;		/* per address, per principal */
	struct event *signals, *accept_retry, *sweep;
	int signal_fd;			/* SIGTERM, SIGINT, SIGHUP (on_signals) */
	struct worker **workers;
	unsigned nworkers;
	unsigned next_worker;
	uint16_t port;			/* bound port */
	uint16_t tls_port;		/* bound TLS port; 0: none */
	int http_fd, https_fd;		/* HTTP listening sockets (http.h); -1: none */
	struct epcis_jobs *epcis_jobs;	/* HTTP's EPCIS capture jobs (epcis_jobs.h) */
	uint16_t http_port, https_port;	/* bound; 0: none */
	char plain_bind[CONFIG_STR_MAX];	/* where the plaintext port listens */
	time_t started;			/* CLOCK_MONOTONIC seconds */
	_Atomic uint64_t clients;	/* open connections */
	_Atomic uint64_t accepted;	/* connections accepted since start */
	_Atomic uint64_t rejected;	/* refused: max_clients reached */
	_Atomic uint64_t next_conn_id;
	_Atomic uint64_t commands;	/* requests executed */
};

/* Open the store, start the writer and the workers, bind the listener.
 * Returns 0, or -1 after logging why (everything started is stopped). */
int server_start(struct server *srv, const struct config *cfg);
/* A connection counted in by the listener is gone (any thread); peer is
 * its address if it counted against max_clients_per_addr, else NULL. */
void server_conn_gone(struct server *srv, const struct throttle_addr *peer);
/* What INFO and /metrics show of the server (any thread). */
struct session_figures;
void server_figures(struct server *srv, struct session_figures *f);
/* Run the main loop until SIGTERM or SIGINT. */
void server_run(struct server *srv);
/* Stop accepting, finish every write already queued and send its reply,
 * stop the threads, close the store. */
void server_stop(struct server *srv);

#endif
