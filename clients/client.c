/*
 * client — blocking RESP connection with timeouts (poll), for the CLI.
 */
#include "client.h"
#include "resp_map.h"

#include <arpa/inet.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A reply larger than this is refused rather than buffered without end. */
#define REPLY_MAX ((size_t)1 << 30)

static int wait_fd(struct client *c, short events, const char *what)
{
	struct pollfd p = { c->fd, events, 0 };
	int r;
	do
		r = poll(&p, 1, c->timeout_ms ? c->timeout_ms : -1);
	while (r < 0 && errno == EINTR);
	if (r == 0) {
		snprintf(c->err, sizeof c->err, "timed out %s after %d ms", what, c->timeout_ms);
		c->timed_out = true;
		return -1;
	}
	if (r < 0) {
		snprintf(c->err, sizeof c->err, "poll: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int connect_one(struct client *c, const struct addrinfo *ai)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
			ai->ai_protocol);
	if (fd < 0)
		return -1;
	c->fd = fd;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		if (errno != EINPROGRESS || wait_fd(c, POLLOUT, "connecting") != 0) {
			int e = errno;
			close(fd);
			c->fd = -1;
			errno = e;
			return -1;
		}
		int soerr = 0;
		socklen_t sl = sizeof soerr;
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
		if (soerr) {
			close(fd);
			c->fd = -1;
			errno = soerr;
			return -1;
		}
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return 0;
}

/* The first OpenSSL error as text, into c->err after `what`. */
static int tls_fail(struct client *c, const char *what)
{
	char why[256] = "unknown error";
	unsigned long e = ERR_peek_last_error();
	if (e)
		ERR_error_string_n(e, why, sizeof why);
	ERR_clear_error();
	snprintf(c->err, sizeof c->err, "%s: %s", what, why);
	return -1;
}

/* Wait for what an SSL call asked for; -1 for a real error. */
static int tls_wait(struct client *c, int ret, const char *what)
{
	int e = SSL_get_error(c->ssl, ret);
	if (e == SSL_ERROR_WANT_READ)
		return wait_fd(c, POLLIN, what);
	if (e == SSL_ERROR_WANT_WRITE)
		return wait_fd(c, POLLOUT, what);
	if (e == SSL_ERROR_ZERO_RETURN) {
		snprintf(c->err, sizeof c->err, "the server closed the connection");
		return -1;
	}
	if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
		snprintf(c->err, sizeof c->err, "%s: %s", what,
			 errno ? strerror(errno) : "the server closed the connection");
		return -1;
	}
	return tls_fail(c, what);
}

/* TLS handshake on the connected socket, verifying the server as `host`. */
static int tls_start(struct client *c, const char *host, const struct client_security *sec)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL)
		return tls_fail(c, "TLS");
	c->ssl_ctx = ctx;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (sec->cacert ? SSL_CTX_load_verify_locations(ctx, sec->cacert, NULL) != 1
			: SSL_CTX_set_default_verify_paths(ctx) != 1) {
		char what[300];
		snprintf(what, sizeof what, "--cacert %s", sec->cacert ? sec->cacert : "(system)");
		return tls_fail(c, what);
	}
	if (sec->cert) {
		const char *key = sec->key ? sec->key : sec->cert;
		char what[600];
		snprintf(what, sizeof what, "--cert %s", sec->cert);
		if (SSL_CTX_use_certificate_chain_file(ctx, sec->cert) != 1)
			return tls_fail(c, what);
		snprintf(what, sizeof what, "--key %s", key);
		if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
			return tls_fail(c, what);
	}
	SSL *ssl = SSL_new(ctx);
	if (ssl == NULL)
		return tls_fail(c, "TLS");
	c->ssl = ssl;
	SSL_set_fd(ssl, c->fd);
	unsigned char ip[16];
	bool is_ip = inet_pton(AF_INET, host, ip) == 1 || inet_pton(AF_INET6, host, ip) == 1;
	if (is_ip) {
		X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host);
	} else {
		SSL_set_tlsext_host_name(ssl, host);
		SSL_set1_host(ssl, host);
	}
	for (;;) {
		int r = SSL_connect(ssl);
		if (r == 1)
			return 0;
		if (tls_wait(c, r, "TLS handshake") != 0) {
			long v = SSL_get_verify_result(ssl);
			if (v != X509_V_OK) {
				char why[256];
				snprintf(why, sizeof why, "%s", X509_verify_cert_error_string(v));
				snprintf(c->err, sizeof c->err, "TLS handshake: the server's "
					 "certificate is not trusted: %s", why);
			}
			return -1;
		}
	}
}

int client_connect(struct client *c, const char *host, const char *port, int timeout_ms)
{
	return client_connect_secure(c, host, port, timeout_ms, NULL);
}

int client_connect_secure(struct client *c, const char *host, const char *port,
			  int timeout_ms, const struct client_security *sec)
{
	memset(c, 0, sizeof *c);
	c->fd = -1;
	c->timeout_ms = timeout_ms;
	c->proto = 2;
	buf_init(&c->in);

	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res;
	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		snprintf(c->err, sizeof c->err, "cannot resolve %s:%s: %s", host, port,
			 gai_strerror(rc));
		return -1;
	}
	int err = 0;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		c->err[0] = '\0';
		if (connect_one(c, ai) == 0)
			break;
		err = errno;
	}
	freeaddrinfo(res);
	if (c->fd < 0) {
		if (c->err[0] == '\0')
			snprintf(c->err, sizeof c->err, "%s", strerror(err));
		char why[256];
		snprintf(why, sizeof why, "%.200s", c->err);
		snprintf(c->err, sizeof c->err, "cannot connect to %.100s:%.20s: %s", host, port, why);
		return -1;
	}
	if (sec && sec->tls && tls_start(c, host, sec) != 0) {
		char why[380];
		snprintf(why, sizeof why, "%.370s", c->err);
		snprintf(c->err, sizeof c->err, "%.100s:%.20s: %s", host, port, why);
		client_close(c);
		return -1;
	}

	const char *hello[] = { "HELLO", "3" };
	struct resp_value v;
	if (client_call(c, 2, hello, NULL, &v) != 0) {
		client_close(c);
		return -1;
	}
	if (v.type == RESP_T_MAP) {
		c->proto = 3;
		const char *tz = resp_get_str(&v, "timezone");
		snprintf(c->zone, sizeof c->zone, "%s", tz ? tz : "");
	}
	/* A server without RESP3 says so (unknown command, NOPROTO): stay on
	 * RESP2.  Any other error, such as "max number of clients reached",
	 * means we are not served. */
	if (v.type == RESP_T_ERROR && strncmp(v.str, "NOPROTO", 7) != 0 &&
	    strncmp(v.str, "ERR unknown command", 19) != 0) {
		snprintf(c->err, sizeof c->err, "%s:%s refused the connection: %s",
			 host, port, v.str);
		resp_value_free(&v);
		client_close(c);
		return -1;
	}
	resp_value_free(&v);
	if (sec && sec->auth) {
		const char *auth[] = { "AUTH", sec->auth };
		if (client_call(c, 2, auth, NULL, &v) != 0) {
			client_close(c);
			return -1;
		}
		if (v.type == RESP_T_ERROR) {
			snprintf(c->err, sizeof c->err, "%s:%s refused the token: %s", host, port,
				 v.str);
			resp_value_free(&v);
			client_close(c);
			return -1;
		}
		resp_value_free(&v);
	}
	return 0;
}

void client_close(struct client *c)
{
	if (c->ssl) {
		SSL_shutdown(c->ssl);	/* close_notify, best effort */
		SSL_free(c->ssl);
	}
	if (c->ssl_ctx)
		SSL_CTX_free(c->ssl_ctx);
	c->ssl = c->ssl_ctx = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	buf_free(&c->in);
}

int client_send(struct client *c, const void *data, size_t n)
{
	const char *p = data;
	while (n && c->ssl) {
		int w = SSL_write(c->ssl, p, n > INT32_MAX ? INT32_MAX : (int)n);
		if (w <= 0) {
			if (tls_wait(c, w, "sending") != 0)
				return -1;
			continue;
		}
		p += w;
		n -= (size_t)w;
	}
	while (n) {
		ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EAGAIN) {
			if (wait_fd(c, POLLOUT, "sending") != 0)
				return -1;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			snprintf(c->err, sizeof c->err, "send: %s", strerror(errno));
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int client_read(struct client *c, struct resp_value *v)
{
	for (;;) {
		size_t used;
		const char *why = NULL;
		if (c->in.len) {
			int r = resp_parse_value(c->in.data, c->in.len, v, &used, &why);
			if (r > 0) {
				buf_consume(&c->in, used);
				return 0;
			}
			if (r < 0) {
				snprintf(c->err, sizeof c->err, "malformed reply: %s", why);
				return -1;
			}
		}
		if (c->in.len > REPLY_MAX) {
			snprintf(c->err, sizeof c->err, "reply larger than %zu bytes", REPLY_MAX);
			return -1;
		}
		buf_reserve(&c->in, 64 * 1024);
		if (c->ssl) {
			size_t room = c->in.cap - c->in.len - 1;
			int r = SSL_read(c->ssl, c->in.data + c->in.len,
					 room > INT32_MAX ? INT32_MAX : (int)room);
			if (r <= 0) {
				if (tls_wait(c, r, "waiting for the reply") != 0)
					return -1;
				continue;
			}
			c->in.len += (size_t)r;
			c->in.data[c->in.len] = '\0';
			continue;
		}
		ssize_t n = recv(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len - 1, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (errno == EAGAIN && wait_fd(c, POLLIN, "waiting for the reply") != 0)
				return -1;
			continue;
		}
		if (n < 0) {
			snprintf(c->err, sizeof c->err, "recv: %s", strerror(errno));
			return -1;
		}
		if (n == 0) {
			snprintf(c->err, sizeof c->err, "the server closed the connection");
			return -1;
		}
		c->in.len += (size_t)n;
		c->in.data[c->in.len] = '\0';
	}
}

int client_call(struct client *c, int argc, const char *const *argv,
		const size_t *lens, struct resp_value *v)
{
	struct buf out = BUF_INIT;
	c->timed_out = false;
	resp_command(&out, argc, argv, lens);
	int rc = client_send(c, out.data, out.len);
	buf_free(&out);
	return rc == 0 ? client_read(c, v) : -1;
}

/* ------------------------------------------------------ several servers */

/* Pause before trying the next server: a server restarting, or a moment's
 * trouble on the way, may be over by then; short enough that a person at
 * a counter does not notice. */
#define FAILOVER_PAUSE_MS 100

/* Is p[0..n) a port, 1 to 65535? */
static bool port_ok(const char *p, size_t n)
{
	if (n == 0 || n > 5 || strspn(p, "0123456789") < n)
		return false;
	unsigned v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (unsigned)(p[i] - '0');
	return v >= 1 && v <= 65535;
}

/* One element of the list, e[0..n): host, host:port or [v6]:port. */
static int server_parse(struct client_server *s, const char *e, size_t n,
			const char *default_port, size_t k, char *err, size_t errlen)
{
	const char *host = e, *port = NULL;
	size_t hlen = n, plen = 0;
	const char *colon = memchr(e, ':', n);
	if (n && e[0] == '[') {			/* [v6]:port or [v6] */
		const char *close = memchr(e, ']', n);
		if (close == NULL || (close + 1 < e + n && close[1] != ':')) {
			snprintf(err, errlen, "server %zu '%.*s': an IPv6 address is written "
				 "[address]:port", k, (int)n, e);
			return -1;
		}
		host = e + 1;
		hlen = (size_t)(close - host);
		if (close + 1 < e + n) {
			port = close + 2;
			plen = (size_t)(e + n - port);
		}
	} else if (colon && memchr(colon + 1, ':', (size_t)(e + n - colon - 1)) == NULL) {
		hlen = (size_t)(colon - e);	/* one colon: host:port */
		port = colon + 1;
		plen = (size_t)(e + n - port);
	}					/* else a host alone, or a bare IPv6 address */
	if (hlen == 0) {
		snprintf(err, errlen, "server %zu '%.*s' has no host", k, (int)n, e);
		return -1;
	}
	if (hlen >= sizeof s->host) {
		snprintf(err, errlen, "server %zu: the host is longer than %zu characters", k,
			 sizeof s->host - 1);
		return -1;
	}
	if (port == NULL) {
		port = default_port;
		plen = strlen(default_port);
	}
	if (!port_ok(port, plen)) {
		snprintf(err, errlen, "server %zu '%.*s': port '%.*s' is not a number from 1 to "
			 "65535", k, (int)n, e, (int)plen, port);
		return -1;
	}
	memcpy(s->host, host, hlen);
	s->host[hlen] = '\0';
	memcpy(s->port, port, plen);
	s->port[plen] = '\0';
	return 0;
}

int client_servers_parse(struct client_servers *out, const char *list,
			 const char *default_port, char *err, size_t errlen)
{
	out->n = 0;
	const char *p = list;
	for (size_t k = 1;; k++) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n == 0) {
			snprintf(err, errlen, "server %zu of '%s' is empty", k, list);
			return -1;
		}
		if (out->n == CLIENT_SERVERS_MAX) {
			snprintf(err, errlen, "more than %d servers in '%s'", CLIENT_SERVERS_MAX,
				 list);
			return -1;
		}
		if (server_parse(&out->s[out->n], p, n, default_port, k, err, errlen) != 0)
			return -1;
		out->n++;
		if (end == NULL)
			return 0;
		p = end + 1;
	}
}

const char *client_server_name(const struct client_servers *l, size_t i, char *buf,
			       size_t n)
{
	const struct client_server *s = &l->s[i];
	bool v6 = strchr(s->host, ':') != NULL;
	snprintf(buf, n, v6 ? "[%s]:%s" : "%s:%s", s->host, s->port);
	return buf;
}

int client_connect_any(struct client *c, const struct client_servers *l, size_t *at,
		       int timeout_ms, const struct client_security *sec, FILE *notes,
		       const char *prog)
{
	char why[sizeof c->err - 24] = "";	/* room for "no server answered: " */
	size_t used = 0;
	for (size_t k = 0; k < l->n; k++) {
		size_t i = (*at + k) % l->n;
		if (k > 0)
			poll(NULL, 0, FAILOVER_PAUSE_MS);
		if (client_connect_secure(c, l->s[i].host, l->s[i].port, timeout_ms, sec) == 0) {
			*at = i;
			return 0;
		}
		if (notes && k + 1 < l->n) {
			char next[CLIENT_HOST_MAX + 16];
			fprintf(notes, "%s: %s; trying %s\n", prog, c->err,
				client_server_name(l, (i + 1) % l->n, next, sizeof next));
		}
		int w = snprintf(why + used, sizeof why - used, "%s%s", used ? "; " : "", c->err);
		if (w > 0)
			used = used + (size_t)w < sizeof why ? used + (size_t)w : sizeof why - 1;
	}
	if (l->n > 1)
		snprintf(c->err, sizeof c->err, "no server answered: %s", why);
	else
		snprintf(c->err, sizeof c->err, "%s", why);
	return -1;
}
