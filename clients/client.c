/*
 * client — blocking RESP connection with timeouts (poll), for the CLI.
 */
#include "client.h"

#include <errno.h>
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

int client_connect(struct client *c, const char *host, const char *port, int timeout_ms)
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

	const char *hello[] = { "HELLO", "3" };
	struct resp_value v;
	if (client_call(c, 2, hello, NULL, &v) != 0) {
		client_close(c);
		return -1;
	}
	if (v.type == RESP_T_MAP)
		c->proto = 3;
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
	return 0;
}

void client_close(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	buf_free(&c->in);
}

int client_send(struct client *c, const void *data, size_t n)
{
	const char *p = data;
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
	resp_command(&out, argc, argv, lens);
	int rc = client_send(c, out.data, out.len);
	buf_free(&out);
	return rc == 0 ? client_read(c, v) : -1;
}
