/*
 * http_api — the HTTP routes and how each becomes a command: which
 * command a method and path name, where its words come from (the path,
 * the query string, a JSON body), and how its RESP reply is answered (an
 * HTTP status and a JSON body).  Nothing here touches the network or the
 * store: http.c runs what this module makes.
 *
 * The words are the command's grammar's (proto/command.h): a route names
 * the command's fixed words ("code"; "product", "lot") and its list of
 * codes ("codes", or "code" for one); every option of the grammar is a key
 * of its own, its name in lower case ("site" → SITE, "tx" → TX, "fresh":
 * true → FRESH).  A key the command does not take is refused, naming the
 * keys it does.  proto/HTTP.md is the reference; proto/openapi.yaml
 * describes every route (a test holds the two to the table below).
 */
#ifndef YIMA_HTTP_API_H
#define YIMA_HTTP_API_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "command.h"
#include "resp.h"

enum http_route_kind {
	ROUTE_COMMAND,		/* a command of the command table */
	ROUTE_HEALTH,		/* GET /healthz: the process answers */
	ROUTE_READY,		/* GET /readyz: it can serve (store, writer) */
	ROUTE_METRICS,		/* GET /metrics: Prometheus text format */
	ROUTE_EPCIS_CAPTURE,	/* POST /epcis/capture: a document becomes a job */
	ROUTE_EPCIS_JOB,	/* GET /epcis/capture/{id}: the job */
	ROUTE_EPCIS_EVENTS,	/* GET /epcis/events: a command (EPCIS.QUERY) whose
				 * answer is an EPCIS query document */
};

/* A key a route names otherwise than its option's name in lower case
 * (EPCIS's query parameters). */
struct http_param {
	const char *key;
	enum opt_id opt;
};

enum http_method { HTTP_GET = 1, HTTP_POST = 2, HTTP_PUT = 4, HTTP_HEAD = 8 };

struct http_route {
	int method;			/* enum http_method */
	const char *path;		/* "{id}" stands for one segment */
	enum http_route_kind kind;
	enum cmd_id cmd;
	const char *sub;		/* the command's subcommand word, or NULL */
	const char *words[3];		/* keys of its fixed words, in order */
	const char *list;		/* key of its list of codes, or NULL */
	bool fields;			/* the body's other keys are "field value"
					 * pairs (SITE SET, PRODUCT SET) */
};

/* The keys a route takes for its options when they are not the options'
 * names in lower case (ROUTE_EPCIS_EVENTS: EPCIS's query parameters),
 * ending with a NULL key; NULL for the others. */
const struct http_param *http_route_params(const struct http_route *r);

/* The formats a route answers in ("json csv dot svg": the `format` key's
 * values, the first the default), or NULL for JSON alone. */
const char *http_route_formats(const struct http_route *r);

/* Every route, for the OpenAPI test and the 404/405 answers. */
extern const struct http_route http_routes[];
extern const size_t http_nroutes;

/* The route for a method and a path ("/v1/sites/PH1"): *id gets the text
 * of its {id} segment (decoded), *path_known tells a path served under
 * another method (405) from none (404).  NULL when there is none. */
const struct http_route *http_route_find(int method, const char *path, char *id,
					 size_t idlen, bool *path_known);

/* A request's words, built by http_words: one allocation. */
struct http_words {
	int argc;
	struct resp_arg *argv;	/* into text */
	struct buf text;
	char format[8];		/* the answer's format: "json", "csv" ... */
};

/*
 * The words of a command route's request: from its {id}, its query string
 * (GET) or its JSON body (POST, PUT; an object).  0, or -1 with a message
 * for a 400 answer in err (what is wrong and where: "body: key 'qty': a
 * number or a string, not an array").
 */
int http_words(const struct http_route *r, const char *id, const char *query,
	       const char *body, size_t body_len, struct http_words *out, char *err,
	       size_t errlen);
void http_words_free(struct http_words *w);

/* The answer to a command's RESP 3 reply: the HTTP status, and the JSON
 * body (malloc'd).  An error reply is {"error": message, "code": CODE}
 * with the status its code gives (ERR 400, NOTFOUND 404, NOAUTH 401,
 * WRONGPASS 401, NOPERM 403, RATELIMIT 429, STORE 503, UNAVAILABLE 503). */
char *http_render(const char *reply, size_t len, int *status);

/*
 * The answer to EPCIS.QUERY's RESP 3 reply, for GET /epcis/events: an
 * EPCISQueryDocument (EPCIS 2.0 JSON-LD) holding its events, its
 * creationDate `created` (ISO 8601); next gets the next page's token (""
 * for none).  An error reply is answered as http_render answers it.
 */
#define HTTP_EPCIS_CONTEXT "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
#define HTTP_YIMA_CONTEXT "https://yima.example/epcis/"
char *http_epcis_document(const char *reply, size_t len, const char *created, int *status,
			  char next[24]);

/* The Link header of the page after this one: the request's path and
 * query with nextPageToken set to token ("</epcis/events?perPage=10&
 * nextPageToken=42>; rel=\"next\""): malloc'd. */
char *http_next_link(const char *path, const char *query, const char *token);

/* A JSON error document of our own (400, 404 ...): malloc'd. */
char *http_error_json(const char *code, const char *msg);

/* The status an error code gives. */
int http_status_of(const char *code, size_t len);

#endif
