/*
 * http_static — the web pages (clients/web) served from `web_root` over
 * the HTTP side: the consumer's verify page, the recall and alerts pages,
 * their CSS and JavaScript.  http.c calls it for a GET or HEAD that no
 * route of http_api.c takes.
 *
 * What is served: a regular file under web_root, found by the request's
 * path ("/" is index.html), at most HTTP_STATIC_MAX bytes, with a content
 * type by its extension.  Never a directory listing, a name starting with
 * '.', or anything a path leads to outside web_root: a "." or ".." segment
 * (however encoded) is refused before the file system is asked, and the
 * path is resolved with realpath(3) and must still lie under web_root, so
 * a symbolic link pointing out is refused too.  A GS1 Digital Link path
 * (/01/<gtin>/21/<serial>..., as printed in the QR code on a pack) is
 * answered with index.html, whose script verifies the page's own URL.
 *
 * Pages are public: no sign-in, no rate limit beyond the connection limits
 * (the API calls the pages make are admitted as any API call is).
 */
#ifndef YIMA_HTTP_STATIC_H
#define YIMA_HTTP_STATIC_H

#include <stdbool.h>
#include <stddef.h>

#define HTTP_STATIC_MAX (1024 * 1024)	/* bytes in one served file */

struct evhttp_request;
struct http_static;

/*
 * The pages under dir: 0 with *out set, or -1 with the reason in err
 * ("web_root 'x': No such file or directory", "... is not a directory").
 * An empty dir is no pages: 0 with *out NULL.
 */
int http_static_open(const char *dir, struct http_static **out, char *err, size_t errlen);
void http_static_free(struct http_static *hs);

/*
 * The file a decoded request path of len bytes names: 0 with its resolved
 * name in file (filelen bytes at most), or -1 when it is not served (no
 * such file, outside web_root, a directory, a dot segment or a NUL byte).
 * Only names are looked at here, never a file's contents.
 */
int http_static_resolve(const struct http_static *hs, const char *path, size_t len,
			char *file, size_t filelen);

/* The Content-Type a file name's extension gives. */
const char *http_static_type(const char *file);

/*
 * Answer req (GET, or HEAD: head) with the file its path names.  true when
 * answered; false when no file is served there (hs NULL, or
 * http_static_resolve refused, or the file cannot be read or is over
 * HTTP_STATIC_MAX): the caller answers 404.
 */
bool http_static_serve(const struct http_static *hs, struct evhttp_request *req, bool head);

#endif
