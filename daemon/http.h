/*
 * http — yimad's HTTP side: `http_port` (plaintext) and `https_port` (TLS
 * with the RESP port's certificates), served by libevent's evhttp on every
 * network thread.
 *
 * A request is turned into a command's words (http_api.h) and goes the way
 * a RESP request goes: admitted by admit.h (rate, role, grammar, role
 * matrix), run here when it reads, by the writer when it writes, answered
 * from the same reply — as JSON, with an HTTP status its error code gives.
 * No rule lives here.
 *
 * Who is asking: a bearer token (`Authorization: Bearer <token>`, a token
 * of the ACL file), else the names of a verified client certificate (TLS),
 * else a trusted local client (plaintext from loopback with local_trust),
 * else nobody (the public-verify rules).  Limits as for RESP: max_clients
 * and max_clients_per_addr (checked at a connection's first request), the
 * request rate, max_request bytes in a request (unauth_max_request before
 * sign-in) and request_timeout for a request to arrive.
 *
 * Threads: the main thread binds the ports (http_listen); each network
 * thread accepts on them with its own evhttp (http_worker_start) and runs
 * its requests; write jobs come back through worker_job_done like RESP's.
 */
#ifndef YIMA_HTTP_H
#define YIMA_HTTP_H

#include <stddef.h>
#include <stdint.h>

struct server;
struct worker;
struct http_worker;

/* Main thread, at start: bind http_port / https_port when set.  0, or -1
 * with the reason in err. */
int http_listen(struct server *srv, char *err, size_t errlen);
/* Close the listening sockets (after every worker stopped accepting). */
void http_close(struct server *srv);

/* A network thread's HTTP side, made before it runs; NULL when neither
 * port is set. */
struct http_worker *http_worker_new(struct worker *w);
/* Shutdown, on the worker's thread: accept no more connections, read no
 * more requests. */
void http_worker_stop_reading(struct http_worker *hw);
/* Requests this worker has not answered yet (writes in flight). */
unsigned http_worker_pending(const struct http_worker *hw);
void http_worker_free(struct http_worker *hw);

#endif
