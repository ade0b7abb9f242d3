/*
 * http_static — web pages from web_root (http_static.h).
 *
 * A path is checked by its words before the file system sees it (dot
 * segments, hidden names, NUL bytes), then resolved with realpath(3) and
 * held to web_root.  Only then is anything opened, and only a regular file
 * (O_NOFOLLOW, O_NONBLOCK: a FIFO planted under web_root cannot stall the
 * thread) of at most HTTP_STATIC_MAX bytes, read whole on the network
 * thread: the pages are a few small files.
 */
#include "http_static.h"
#include "log.h"
#include "xmem.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

struct http_static {
	char root[PATH_MAX];	/* web_root resolved, without a trailing '/' */
	size_t rootlen;
};

int http_static_open(const char *dir, struct http_static **out, char *err, size_t errlen)
{
	*out = NULL;
	if (dir == NULL || dir[0] == '\0')
		return 0;
	struct http_static *hs = xcalloc(1, sizeof *hs);
	struct stat st;
	if (realpath(dir, hs->root) == NULL) {
		snprintf(err, errlen, "web_root '%s': %s", dir, strerror(errno));
		free(hs);
		return -1;
	}
	if (stat(hs->root, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "web_root '%s' is not a directory", dir);
		free(hs);
		return -1;
	}
	hs->rootlen = strlen(hs->root);
	if (hs->rootlen == 1)	/* "/": every file would be under it */
		hs->rootlen = 0;
	*out = hs;
	return 0;
}

void http_static_free(struct http_static *hs)
{
	free(hs);
}

/* The first segments of the GS1 Digital Link paths a pack's code prints
 * (proto/code_dl.c reads the whole URL): a trade item with its serial,
 * (01) or (8006), and a logistic unit, (00); by AI or by short name. */
static bool digital_link_path(const char *path)
{
	static const char *const keys[] = { "01", "gtin", "8006", "itip", "00", "sscc" };
	const char *seg = path + 1, *end = strchr(seg, '/');
	if (end == NULL || end[1] == '\0')	/* a key without its value */
		return false;
	size_t n = (size_t)(end - seg);
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (strlen(keys[i]) == n && memcmp(keys[i], seg, n) == 0)
			return true;
	return false;
}

/* Every segment a plain name: not empty (but the last), not "." or "..",
 * not hidden. */
static bool plain_segments(const char *path)
{
	for (const char *seg = path + 1;; ) {
		const char *end = strchr(seg, '/');
		size_t n = end ? (size_t)(end - seg) : strlen(seg);
		if (seg[0] == '.' || (n == 0 && end))
			return false;
		if (end == NULL)
			return true;
		seg = end + 1;
	}
}

int http_static_resolve(const struct http_static *hs, const char *path, size_t len,
			char *file, size_t filelen)
{
	if (hs == NULL || len == 0 || strlen(path) != len || path[0] != '/' ||
	    !plain_segments(path))
		return -1;
	if (strcmp(path, "/") == 0 || digital_link_path(path))
		path = "/index.html";
	char want[PATH_MAX], real[PATH_MAX];
	if ((size_t)snprintf(want, sizeof want, "%.*s%s", (int)hs->rootlen, hs->root, path) >=
	    sizeof want)
		return -1;
	if (realpath(want, real) == NULL)
		return -1;
	/* Still under web_root once every link is followed. */
	size_t n = strlen(real);
	if (n <= hs->rootlen + 1 || memcmp(real, hs->root, hs->rootlen) != 0 ||
	    real[hs->rootlen] != '/')
		return -1;
	struct stat st;
	if (stat(real, &st) != 0 || !S_ISREG(st.st_mode) || n >= filelen)
		return -1;
	memcpy(file, real, n + 1);
	return 0;
}

const char *http_static_type(const char *file)
{
	static const struct { const char *ext, *type; } types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".json", "application/json; charset=utf-8" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".jpg", "image/jpeg" },
		{ ".ico", "image/x-icon" },
		{ ".txt", "text/plain; charset=utf-8" },
	};
	const char *dot = strrchr(file, '.'), *slash = strrchr(file, '/');
	if (dot && (slash == NULL || dot > slash))
		for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
			if (strcasecmp(dot, types[i].ext) == 0)
				return types[i].type;
	return "application/octet-stream";
}

/* The whole file into *data (malloc'd): its size, or -1. */
static ssize_t read_file(const char *file, char **data)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat st;
	*data = NULL;
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	if (st.st_size > HTTP_STATIC_MAX) {
		log_warn("http: %s is %lld bytes, over the %d a page may have: not served", file,
			 (long long)st.st_size, HTTP_STATIC_MAX);
		close(fd);
		return -1;
	}
	size_t size = (size_t)st.st_size, got = 0;
	char *buf = xmalloc(size ? size : 1);
	while (got < size) {
		ssize_t r = read(fd, buf + got, size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)	/* an error, or the file shrank under us */
			break;
		got += (size_t)r;
	}
	close(fd);
	if (got != size) {
		free(buf);
		return -1;
	}
	*data = buf;
	return (ssize_t)size;
}

bool http_static_serve(const struct http_static *hs, struct evhttp_request *req, bool head)
{
	if (hs == NULL)
		return false;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *raw = uri ? evhttp_uri_get_path(uri) : NULL;
	size_t len = 0;
	char *path = raw ? evhttp_uridecode(raw, 0, &len) : NULL;
	char file[PATH_MAX];
	int rc = path ? http_static_resolve(hs, path, len, file, sizeof file) : -1;
	free(path);
	char *data;
	ssize_t size = rc == 0 ? read_file(file, &data) : -1;
	if (size < 0)
		return false;
	const char *type = http_static_type(file);
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Content-Type", type);
	evhttp_add_header(h, "Cache-Control", "no-cache");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	if (strncmp(type, "text/html", 9) == 0)
		/* The pages load nothing from elsewhere and run no inline script. */
		evhttp_add_header(h, "Content-Security-Policy",
				  "default-src 'self'; img-src 'self' data:; object-src 'none'; "
				  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
	struct evbuffer *body = evbuffer_new();
	if (head) {
		char n[24];
		snprintf(n, sizeof n, "%zd", size);
		evhttp_add_header(h, "Content-Length", n);
	} else {
		evbuffer_add(body, data, (size_t)size);
	}
	free(data);
	evhttp_send_reply(req, 200, "OK", body);
	evbuffer_free(body);
	return true;
}
