/*
 * session — what the connection commands (HELLO, QUIT, AUTH, INFO) may ask
 * of the connection a request came on and of the server behind it.
 *
 * The network layer implements it (conn_session.c); the command layer sees
 * only this, so it includes no network header and sits below that layer.
 * Commands that run on the writer have no session (ctx->session NULL).
 */
#ifndef YIMA_SESSION_H
#define YIMA_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resp.h"

struct store;
struct store_txn;
struct writer;

/* What INFO shows of the server. */
struct session_figures {
	int64_t uptime_seconds;
	unsigned threads;
	unsigned port, tls_port;	/* bound ports; tls_port 0: none */
	unsigned http_port, https_port;	/* bound HTTP ports; 0: none */
	uint64_t connected, accepted, rejected, commands;
	struct store *store;
	struct writer *writer;
	struct cluster *cluster;	/* NULL: one node */
};

/* How AUTH ended, when it was not signed in. */
enum session_auth {
	SESSION_SIGNED_IN,
	SESSION_WRONGPASS,	/* unknown token, or locked out: say so */
	SESSION_MISCONFIGURED,	/* the ACL file is wrong: an operator's problem */
};

/* A connection's name (CLIENT SETNAME, HELLO SETNAME) and its library's
 * (CLIENT SETINFO): at most this many bytes less one. */
#define SESSION_NAME_MAX 64

/* What CLIENT INFO shows of the connection, as Redis's CLIENT LIST does. */
struct session_client {
	uint64_t id;
	const char *addr;		/* "ip:port" */
	const char *name;		/* "" none */
	const char *lib_name, *lib_ver;
	const char *user;		/* the principal's name; "" not signed in */
	int proto;
	int64_t age_seconds;
};

struct session_ops {
	/* Replies go to a renderer that wants their structure (HTTP's JSON),
	 * not to a Redis client: INFO answers a map, not Redis's text. */
	bool structured;
	uint64_t (*id)(void *self);
	int (*proto)(void *self);
	void (*set_proto)(void *self, int proto);
	void (*set_name)(void *self, const char *name);
	/* CLIENT SETINFO: the library's name (or, with version, its version). */
	void (*set_lib)(void *self, bool version, const char *value);
	void (*client)(void *self, struct session_client *out);
	void (*close_after_reply)(void *self);
	/* Sign in with token at now_ms, reading the ACL's sites through t:
	 * 0 with *how (and, unless signed in, the reason in err), or a store
	 * error.  Failures count against the client's address. */
	int (*sign_in)(void *self, const struct resp_arg *token, int64_t now_ms,
		       struct store_txn *t, enum session_auth *how, char *err, size_t errlen);
	void (*figures)(void *self, struct session_figures *f);
};

struct session {
	void *self;
	const struct session_ops *ops;
};

#endif
