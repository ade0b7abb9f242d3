/*
 * fuzz_http — libFuzzer target for the HTTP request path's parsing
 * (daemon/http_api.c): a method and path, then a query string or a JSON
 * body, as a client sends them; and any bytes as a command's reply.
 *
 * Input: "METHOD PATH\n" then the rest: the query for GET, the body for
 * POST and PUT.  Invariants on every input:
 *   - a path is found or not, never half: a route found matches its own
 *     method; {id} is a non-empty segment without '/';
 *   - http_words gives 0 with words (the first the route's command, each a
 *     C string of its length), or -1 with a message;
 *   - http_render of the rest gives a JSON document that jansson reads
 *     back, with a status from 200 to 599, and so does
 *     http_epcis_document (GET /epcis/events), whose next page's token is
 *     a C string that fits its link;
 *   - http_next_link of the query gives "<PATH?...nextPageToken=T>;
 *     rel=\"next\"".
 * Any violation aborts.
 */
#include "http_api.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define check(cond) do { if (!(cond)) { \
	fprintf(stderr, "fuzz_http: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nl = memchr(data, '\n', size);
	size_t head = nl ? (size_t)(nl - (const char *)data) : size;
	char line[512];
	if (head >= sizeof line)
		return 0;
	memcpy(line, data, head);
	line[head] = '\0';
	const char *rest = nl ? nl + 1 : "";
	size_t rest_len = nl ? size - head - 1 : 0;
	char *sp = strchr(line, ' ');
	if (sp == NULL)
		return 0;
	*sp = '\0';
	const char *path = sp + 1;
	int method = strcmp(line, "GET") == 0 ? HTTP_GET : strcmp(line, "POST") == 0 ? HTTP_POST :
		     strcmp(line, "PUT") == 0 ? HTTP_PUT : strcmp(line, "HEAD") == 0 ? HTTP_HEAD : 0;
	char id[64];
	bool known;
	const struct http_route *r = http_route_find(method, path, id, sizeof id, &known);
	if (r) {
		check(known && (r->method & method));
		if (strstr(r->path, "{id}"))
			check(id[0] != '\0' && strchr(id, '/') == NULL);
	}
	if (r && (r->kind == ROUTE_COMMAND || r->kind == ROUTE_EPCIS_EVENTS)) {
		/* The body or query as the network gives it: not NUL-terminated. */
		char *copy = malloc(rest_len + 1);
		memcpy(copy, rest, rest_len);
		copy[rest_len] = '\0';
		struct http_words w;
		char err[512] = "";
		int rc = http_words(r, strstr(r->path, "{id}") ? id : NULL,
				    method == HTTP_GET ? copy : NULL, copy, rest_len, &w, err,
				    sizeof err);
		check(rc == 0 || rc == -1);
		if (rc == 0) {
			check(w.argc >= 1);
			for (int i = 0; i < w.argc; i++)
				check(w.argv[i].ptr[w.argv[i].len] == '\0');
			http_words_free(&w);
		} else {
			check(err[0] != '\0');
		}
		free(copy);
	}
	int status = 0;
	char *json = http_render(rest, rest_len, &status);
	check(json != NULL && status >= 200 && status <= 599);
	json_error_t e;
	json_t *back = json_loads(json, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);	/* \u0000 is JSON */
	check(back != NULL);
	json_decref(back);
	free(json);

	char next[24];
	json = http_epcis_document(rest, rest_len, "2026-03-10T04:00:00.000Z", &status, next);
	check(json != NULL && status >= 200 && status <= 599 && strlen(next) < sizeof next);
	back = json_loads(json, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
	check(back != NULL);
	check(status != 200 || json_is_array(json_object_get(json_object_get(json_object_get(
		json_object_get(back, "epcisBody"), "queryResults"), "resultsBody"), "eventList")));
	json_decref(back);
	free(json);
	char *query = malloc(rest_len + 1);
	memcpy(query, rest, rest_len);
	query[rest_len] = '\0';
	static const char end[] = "nextPageToken=42>; rel=\"next\"";
	char *link = http_next_link(path, query, "42");
	size_t n = strlen(link);
	check(link[0] == '<' && strncmp(link + 1, path, strlen(path)) == 0 &&
	      n > sizeof end && strcmp(link + n - (sizeof end - 1), end) == 0);
	free(link);
	free(query);
	return 0;
}
