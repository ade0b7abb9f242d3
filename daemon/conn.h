/*
 * conn — one client connection: a bufferevent, the request parser, command
 * dispatch, and replies in request order.
 *
 * Ordering: reads run at once on the worker thread; writes go to the writer
 * and their replies come back later.  Writes from one connection are
 * applied and answered in the order sent, so any number may be in flight;
 * a read that follows a write waits until every earlier write of its
 * connection is committed, so a pipeline reads its own writes and replies
 * leave in request order.  A slow command (BACKUP, slow.h) waits like a
 * read, then runs on a thread of its own, and its connection takes no
 * request until its reply is back.
 *
 * Lifetime: a connection belongs to its worker's thread.  Closing frees the
 * bufferevent (and socket) at once; the struct stays until the replies of
 * its writes in flight come back, so the writer never sees a dangling
 * owner.
 */
#ifndef YIMA_CONN_H
#define YIMA_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

struct worker;
struct conn;
struct write_job;
struct principal;
struct throttle_addr;
typedef struct ssl_st SSL;

/* Wrap a connected socket in a connection owned by w (on w's thread).
 * ssl: the connection's TLS (NULL: plaintext), freed with it.  trusted:
 * the local principal (a loopback client of the plaintext port, when
 * local_trust is on); otherwise it starts unauthenticated. */
void conn_new(struct worker *w, int fd, const struct sockaddr *sa, socklen_t salen,
	      SSL *ssl, bool trusted);
/* A write job of this connection is back from the writer (on its thread). */
void conn_job_done(struct write_job *job);
/* Stop taking requests (shutdown); replies still go out. */
void conn_stop_reading(struct conn *c);
/* The next connection of the same worker. */
struct conn *conn_next(const struct conn *c);
/* Bytes not yet sent to the client. */
size_t conn_unsent(const struct conn *c);
/* Close now and free (shutdown, after the worker loop ended). */
void conn_destroy(struct conn *c);

/* For the session the commands see (conn_session.c). */
struct server *conn_server(const struct conn *c);
uint64_t conn_id(const struct conn *c);
const char *conn_addr(const struct conn *c);
int conn_proto(const struct conn *c);
void conn_set_proto(struct conn *c, int proto);
void conn_set_name(struct conn *c, const char *name);
const char *conn_name(const struct conn *c);
void conn_set_lib(struct conn *c, bool version, const char *value);
struct session_client;
void conn_client(const struct conn *c, struct session_client *out);
/* Who sends this connection's requests, and from where. */
const struct principal *conn_principal(const struct conn *c);
const struct throttle_addr *conn_peer(const struct conn *c);
/* Sign the connection in (AUTH, a client certificate): its principal,
 * request rate and request-size limits change for the requests after. */
void conn_set_principal(struct conn *c, const struct principal *p);
/* Close after the replies so far are sent (QUIT). */
void conn_close_after_reply(struct conn *c);

#endif
