/*
 * client — a blocking RESP connection for the command-line tools.
 *
 * Errors: functions return 0 or -1 with a message in c->err (what failed
 * and why, e.g. "cannot connect to 127.0.0.1:7700: Connection refused").
 */
#ifndef YIMA_CLIENT_H
#define YIMA_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "buf.h"
#include "resp.h"

/* How to reach the server securely, as redis-cli does: TLS with an
 * optional client certificate, and a token sent with AUTH. */
struct client_security {
	bool tls;
	const char *cacert;	/* CA bundle to verify the server; NULL: system's */
	const char *cert;	/* client certificate, PEM; NULL: none */
	const char *key;	/* its private key, PEM (default: cert) */
	const char *auth;	/* token for AUTH after HELLO; NULL: none */
};

struct client {
	int fd;
	void *ssl;		/* SSL * when TLS is on */
	void *ssl_ctx;		/* SSL_CTX * */
	int timeout_ms;		/* per read or write; 0 = wait for ever */
	int proto;		/* 3 after a successful HELLO 3, else 2 */
	char zone[128];		/* HELLO's `timezone`: the server's zone, or "" */
	bool timed_out;		/* the last failure was timeout_ms passing */
	struct buf in;		/* bytes read, not yet parsed */
	char err[512];
};

/* Connect to host:port (name or address) and switch to RESP3 with HELLO 3
 * (falling back to RESP2 if the server refuses it). */
int client_connect(struct client *c, const char *host, const char *port, int timeout_ms);
/* The same over TLS and/or with AUTH, as sec says (NULL: plain). */
int client_connect_secure(struct client *c, const char *host, const char *port,
			  int timeout_ms, const struct client_security *sec);
void client_close(struct client *c);

/* Send raw bytes. */
int client_send(struct client *c, const void *data, size_t n);
/* Read one reply; *v is the caller's to free with resp_value_free. */
int client_read(struct client *c, struct resp_value *v);
/* Send one command and read its reply. */
int client_call(struct client *c, int argc, const char *const *argv,
		const size_t *lens, struct resp_value *v);

/* ---- several servers: -h a:7700,b:7700 (clients/CLI.md, "Failover") */

#define CLIENT_SERVERS_MAX 16
#define CLIENT_HOST_MAX 256

struct client_server {
	char host[CLIENT_HOST_MAX];	/* a name or an address, without brackets */
	char port[8];
};

struct client_servers {
	size_t n;
	struct client_server s[CLIENT_SERVERS_MAX];
};

/* Parse "host[:port][,host[:port]...]": a host alone takes default_port,
 * and an IPv6 address with a port is written [addr]:port.  Returns 0, or
 * -1 with what is wrong and where in err (an empty element, a port that
 * is not 1 to 65535, too many servers). */
int client_servers_parse(struct client_servers *out, const char *list,
			 const char *default_port, char *err, size_t errlen);
/* "host:port" ("[addr]:port" for IPv6) of server i, into buf. */
const char *client_server_name(const struct client_servers *l, size_t i, char *buf,
			       size_t n);

/* Connect to l's servers in turn, from *at on (wrapping), each once, with
 * a short pause before each next one; each failure is noted on `notes`
 * ("PROG: why; trying NEXT"; NULL: silent).  Returns 0 with *at the server
 * connected, or -1 with c->err naming every server tried and why. */
int client_connect_any(struct client *c, const struct client_servers *l, size_t *at,
		       int timeout_ms, const struct client_security *sec, FILE *notes,
		       const char *prog);

#endif
