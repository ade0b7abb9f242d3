/*
 * test_http_api — daemon/http_api.c: the route table against the OpenAPI
 * document (proto/openapi.json) and the reference (proto/HTTP.md), both
 * ways; a request's words from a JSON body, a query and a path; every bad
 * request refused with what is wrong and where; replies and errors as
 * JSON with their status.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "http_api.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *method_name(int m)
{
	return m & HTTP_GET ? "get" : m & HTTP_POST ? "post" : m & HTTP_PUT ? "put" : "?";
}

/* Every route is in the OpenAPI document under its method, and every path
 * and method there is a route. */
static void test_routes_match_openapi(void **state)
{
	(void)state;
	json_error_t e;
	json_t *doc = json_load_file("proto/openapi.json", 0, &e);
	if (doc == NULL)
		fail_msg("proto/openapi.json: line %d: %s", e.line, e.text);
	json_t *paths = json_object_get(doc, "paths");
	assert_non_null(paths);
	size_t described = 0;
	for (size_t i = 0; i < http_nroutes; i++) {
		const struct http_route *r = &http_routes[i];
		json_t *p = json_object_get(paths, r->path);
		if (p == NULL || json_object_get(p, method_name(r->method)) == NULL)
			fail_msg("route %s %s is not in proto/openapi.json", method_name(r->method),
				 r->path);
		described++;
	}
	const char *path;
	json_t *ops;
	size_t ops_seen = 0;
	json_object_foreach(paths, path, ops) {
		const char *m;
		json_t *op;
		json_object_foreach(ops, m, op) {
			int method = strcmp(m, "get") == 0 ? HTTP_GET : strcmp(m, "post") == 0 ?
				     HTTP_POST : strcmp(m, "put") == 0 ? HTTP_PUT : 0;
			char id[64];
			bool known;
			char concrete[256];
			/* {id} stands for a value: ask for one. */
			const char *brace = strstr(path, "{id}");
			if (brace)
				snprintf(concrete, sizeof concrete, "%.*sX1%s", (int)(brace - path), path,
					 brace + 4);
			else
				snprintf(concrete, sizeof concrete, "%s", path);
			const struct http_route *r = http_route_find(method, concrete, id, sizeof id,
								     &known);
			if (r == NULL || strcmp(r->path, path) != 0)
				fail_msg("proto/openapi.json describes %s %s, which the server does "
					 "not serve", m, path);
			ops_seen++;
		}
	}
	assert_int_equal(ops_seen, described);
	json_decref(doc);
}

/* Every route is in proto/HTTP.md's table of routes. */
static void test_routes_in_reference(void **state)
{
	(void)state;
	FILE *f = fopen("proto/HTTP.md", "r");
	assert_non_null(f);
	static char text[65536];
	size_t n = fread(text, 1, sizeof text - 1, f);
	text[n] = '\0';
	fclose(f);
	for (size_t i = 0; i < http_nroutes; i++) {
		char want[128];
		snprintf(want, sizeof want, "`%s`", http_routes[i].path);
		if (strstr(text, want) == NULL)
			fail_msg("route %s is not in proto/HTTP.md", http_routes[i].path);
	}
}

static const struct http_route *route(int method, const char *path, char *id)
{
	bool known;
	const struct http_route *r = http_route_find(method, path, id, 64, &known);
	assert_non_null(r);
	return r;
}

/* The words, joined by '|'. */
static void expect_words(const struct http_words *w, const char *want)
{
	char got[1024] = "";
	for (int i = 0; i < w->argc; i++) {
		if (i)
			strcat(got, "|");
		strncat(got, w->argv[i].ptr, w->argv[i].len);
	}
	assert_string_equal(got, want);
}

static void test_words_from_body_query_and_path(void **state)
{
	(void)state;
	char id[64], err[512];
	struct http_words w;
	const struct http_route *r = route(HTTP_POST, "/v1/dispense", id);
	const char *body = "{\"tx\": \"T-1\", \"code\": \"83012340000000000001\", \"qty\": 2, "
			   "\"site\": \"PH1\", \"time\": null}";
	assert_int_equal(http_words(r, NULL, NULL, body, strlen(body), &w, err, sizeof err), 0);
	/* The grammar's order, whatever the body's. */
	expect_words(&w, "DISPENSE|83012340000000000001|SITE|PH1|TX|T-1|QTY|2");
	http_words_free(&w);

	r = route(HTTP_GET, "/v1/verify", id);
	assert_int_equal(http_words(r, NULL, "code=%2BA123BJC5D6E71G&site=PH1&fresh=true", NULL, 0,
				    &w, err, sizeof err), 0);
	expect_words(&w, "VERIFY|+A123BJC5D6E71G|SITE|PH1|FRESH");
	http_words_free(&w);

	r = route(HTTP_PUT, "/v1/sites/PH9", id);
	assert_string_equal(id, "PH9");
	body = "{\"name\": \"新药房\", \"kind\": \"pharmacy\"}";
	assert_int_equal(http_words(r, id, NULL, body, strlen(body), &w, err, sizeof err), 0);
	expect_words(&w, "SITE|SET|PH9|name|新药房|kind|pharmacy");
	http_words_free(&w);

	r = route(HTTP_POST, "/v1/ship", id);
	body = "{\"codes\": [\"C1\", \"C2\"], \"from\": \"MFR\", \"to\": \"PH1\"}";
	assert_int_equal(http_words(r, NULL, NULL, body, strlen(body), &w, err, sizeof err), 0);
	expect_words(&w, "SHIP|C1|C2|FROM|MFR|TO|PH1");
	http_words_free(&w);

	r = route(HTTP_GET, "/v1/impact", id);
	assert_int_equal(http_words(r, NULL, "code=C9", NULL, 0, &w, err, sizeof err), 0);
	expect_words(&w, "IMPACT|C9");
	http_words_free(&w);
	assert_int_equal(http_words(r, NULL, "product=8301234&lot=L1", NULL, 0, &w, err,
				    sizeof err), 0);
	expect_words(&w, "IMPACT|8301234|L1");
	http_words_free(&w);

	r = route(HTTP_GET, "/v1/info", id);
	assert_int_equal(http_words(r, NULL, NULL, NULL, 0, &w, err, sizeof err), 0);
	expect_words(&w, "INFO");
	http_words_free(&w);

	/* The path is matched whole: no route for a longer or shorter one. */
	bool known;
	assert_null(http_route_find(HTTP_GET, "/v1/sites/PH9/x", id, sizeof id, &known));
	assert_false(known);
	assert_null(http_route_find(HTTP_GET, "/v1/sites/", id, sizeof id, &known));
	assert_null(http_route_find(HTTP_POST, "/v1/verify", id, sizeof id, &known));
	assert_true(known);	/* 405, not 404 */
}

static void expect_refused(const char *path, int method, const char *query, const char *body,
			   const char *says)
{
	char id[64], err[512] = "";
	struct http_words w;
	const struct http_route *r = route(method, path, id);
	int rc = http_words(r, NULL, query, body, body ? strlen(body) : 0, &w, err, sizeof err);
	if (rc != -1 || strstr(err, says) == NULL)
		fail_msg("%s %s %s: got %d \"%s\", want an error saying \"%s\"", path,
			 query ? query : "", body ? body : "", rc, err, says);
}

static void test_bad_requests_say_what_and_where(void **state)
{
	(void)state;
	expect_refused("/v1/dispense", HTTP_POST, NULL, "{\"code\": ", "body: not JSON: line 1");
	expect_refused("/v1/dispense", HTTP_POST, NULL, "\"x\"", "a JSON object, not a single");
	expect_refused("/v1/dispense", HTTP_POST, NULL, "{\"code\": \"C\", \"code\": \"D\"}",
		       "duplicate");
	expect_refused("/v1/dispense", HTTP_POST, NULL, "{\"code\": \"C\", \"site\": [\"PH1\"]}",
		       "key 'site': a string or a whole number, not an array");
	expect_refused("/v1/dispense", HTTP_POST, NULL, "{\"code\": \"C\", \"sit\": \"PH1\"}",
		       "unknown key 'sit'; POST /v1/dispense takes: code, site, tx, qty, time");
	expect_refused("/v1/dispense", HTTP_POST, NULL, "{\"site\": \"PH1\"}",
		       "body: key 'code' is required");
	expect_refused("/v1/ship", HTTP_POST, NULL, "{\"codes\": \"C1\"}",
		       "key 'codes': an array of codes");
	expect_refused("/v1/ship", HTTP_POST, NULL, "{\"codes\": [\"C1\", 2]}",
		       "codes[1]: a code is a string");
	expect_refused("/v1/verify", HTTP_GET, "code=C&fresh=maybe", NULL,
		       "query: fresh=maybe: true or false");
	expect_refused("/v1/verify", HTTP_GET, "cod=C", NULL, "query: unknown key 'cod'");
}

static void test_replies_and_errors_as_json(void **state)
{
	(void)state;
	int status;
	const char map[] = "%2\r\n+verdict\r\n+green\r\n+reasons\r\n*0\r\n";
	char *s = http_render(map, sizeof map - 1, &status);
	assert_int_equal(status, 200);
	assert_string_equal(s, "{\"verdict\": \"green\", \"reasons\": []}");
	free(s);
	static const struct { const char *reply; int status; const char *json; } errs[] = {
		{ "-ERR DISPENSE: SITE is required\r\n", 400,
		  "{\"error\": \"DISPENSE: SITE is required\", \"code\": \"ERR\"}" },
		{ "-NOTFOUND no site 'X'\r\n", 404, "{\"error\": \"no site 'X'\", \"code\": \"NOTFOUND\"}" },
		{ "-NOAUTH sign in\r\n", 401, NULL }, { "-NOPERM no\r\n", 403, NULL },
		{ "-RATELIMIT slow down\r\n", 429, NULL }, { "-STORE full\r\n", 503, NULL },
		{ "-UNAVAILABLE later\r\n", 503, NULL }, { "-WEIRD x\r\n", 500, NULL },
	};
	for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++) {
		s = http_render(errs[i].reply, strlen(errs[i].reply), &status);
		assert_int_equal(status, errs[i].status);
		if (errs[i].json)
			assert_string_equal(s, errs[i].json);
		free(s);
	}
	/* Not a whole reply: an error of our own, never a guess. */
	s = http_render("%2\r\n+a\r\n", 9, &status);
	assert_int_equal(status, 500);
	free(s);
	/* Text that is not UTF-8 is repaired; a control character escaped. */
	const char bad[] = "$5\r\na\xff\x7f" "bc\r\n";
	s = http_render(bad, sizeof bad - 1, &status);
	assert_string_equal(s, "\"a\xef\xbf\xbd\\u007fbc\"");
	free(s);
}

/* GET /epcis/events: EPCIS's parameter names are the only keys, mapped to
 * EPCIS.QUERY's options in its grammar's order; each is in the OpenAPI
 * document's parameters, and nothing else is. */
static void test_epcis_query_parameters(void **state)
{
	(void)state;
	char id[64], err[512];
	struct http_words w;
	const struct http_route *r = route(HTTP_GET, "/epcis/events", id);
	assert_int_equal(http_words(r, NULL, "perPage=5&nextPageToken=7&EQ_bizStep=shipping%7C"
				    "receiving&MATCH_epc=urn%3Aepc%3Aid%3Asscc%3A6901234.0000000001&"
				    "GE_eventTime=2026-03-01T00%3A00%3A00%2B08%3A00&LT_eventTime=x&"
				    "EQ_bizLocation=PH1&EQ_readPoint=MFR&MATCH_anyEPC=C1", NULL, 0,
				    &w, err, sizeof err), 0);
	expect_words(&w, "EPCIS.QUERY|EPC|urn:epc:id:sscc:6901234.0000000001|ANYEPC|C1|BIZSTEP|"
		     "shipping|receiving|SINCE|2026-03-01T00:00:00+08:00|BEFORE|x|LOCATION|PH1|"
		     "READPOINT|MFR|COUNT|5|AFTER|7");
	http_words_free(&w);
	assert_int_equal(http_words(r, NULL, NULL, NULL, 0, &w, err, sizeof err), 0);
	expect_words(&w, "EPCIS.QUERY");
	http_words_free(&w);
	expect_refused("/epcis/events", HTTP_GET, "eventType=ObjectEvent", NULL,
		       "query: unknown key 'eventType'; GET /epcis/events takes: MATCH_epc, "
		       "MATCH_anyEPC, EQ_bizStep, GE_eventTime, LT_eventTime, EQ_bizLocation, "
		       "EQ_readPoint, perPage, nextPageToken");
	/* Exactly EPCIS's names: not the options' own, not another case. */
	expect_refused("/epcis/events", HTTP_GET, "bizstep=shipping", NULL, "unknown key 'bizstep'");
	expect_refused("/epcis/events", HTTP_GET, "eq_bizstep=shipping", NULL,
		       "unknown key 'eq_bizstep'");

	json_error_t e;
	json_t *doc = json_load_file("proto/openapi.json", 0, &e);
	assert_non_null(doc);
	json_t *params = json_object_get(json_object_get(json_object_get(json_object_get(doc,
					 "paths"), "/epcis/events"), "get"), "parameters");
	size_t n = 0;
	for (const struct http_param *p = http_route_params(r); p->key; p++, n++) {
		json_t *q = json_array_get(params, n);
		if (q == NULL || strcmp(json_string_value(json_object_get(q, "name")), p->key) != 0)
			fail_msg("proto/openapi.json: /epcis/events parameter %zu is not %s", n,
				 p->key);
	}
	assert_int_equal(json_array_size(params), n);
	json_decref(doc);
}

/* EPCIS.QUERY's reply as an EPCIS query document, with its next token. */
static void test_epcis_query_document(void **state)
{
	(void)state;
	int status;
	char next[24];
	const char page[] = "%2\r\n+events\r\n*1\r\n%2\r\n+type\r\n+ObjectEvent\r\n+epcList\r\n"
			    "*0\r\n+next\r\n+42\r\n";
	char *s = http_epcis_document(page, sizeof page - 1, "2026-03-10T04:00:00.000Z", &status,
				      next);
	assert_int_equal(status, 200);
	assert_string_equal(next, "42");
	assert_string_equal(s, "{\"@context\": [\"" HTTP_EPCIS_CONTEXT "\", {\"yima\": \""
			    HTTP_YIMA_CONTEXT "\"}], \"type\": \"EPCISQueryDocument\", "
			    "\"schemaVersion\": \"2.0\", \"creationDate\": "
			    "\"2026-03-10T04:00:00.000Z\", \"epcisBody\": {\"queryResults\": "
			    "{\"queryName\": \"SimpleEventQuery\", \"resultsBody\": {\"eventList\": "
			    "[{\"type\": \"ObjectEvent\", \"epcList\": []}]}}}}");
	free(s);
	const char last[] = "%2\r\n+events\r\n*0\r\n+next\r\n_\r\n";
	s = http_epcis_document(last, sizeof last - 1, "", &status, next);
	assert_int_equal(status, 200);
	assert_string_equal(next, "");
	free(s);
	const char refused[] = "-ERR EPCIS.QUERY: AFTER 'x' is not a page token\r\n";
	s = http_epcis_document(refused, sizeof refused - 1, "", &status, next);
	assert_int_equal(status, 400);
	assert_string_equal(s, "{\"error\": \"EPCIS.QUERY: AFTER 'x' is not a page token\", "
			    "\"code\": \"ERR\"}");
	free(s);

	/* Not a page at all: an error of our own, never a document. */
	s = http_epcis_document("+events\r\n", 9, "", &status, next);
	assert_int_equal(status, 500);
	free(s);

	/* The next page's link: the query as it came, its token replaced. */
	s = http_next_link("/epcis/events", "perPage=2&nextPageToken=9&EQ_bizStep=shipping", "14");
	assert_string_equal(s, "</epcis/events?perPage=2&EQ_bizStep=shipping&nextPageToken=14>; "
			    "rel=\"next\"");
	free(s);
	s = http_next_link("/epcis/events", "", "3");
	assert_string_equal(s, "</epcis/events?nextPageToken=3>; rel=\"next\"");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes_match_openapi),
		cmocka_unit_test(test_routes_in_reference),
		cmocka_unit_test(test_words_from_body_query_and_path),
		cmocka_unit_test(test_bad_requests_say_what_and_where),
		cmocka_unit_test(test_replies_and_errors_as_json),
		cmocka_unit_test(test_epcis_query_parameters),
		cmocka_unit_test(test_epcis_query_document),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
