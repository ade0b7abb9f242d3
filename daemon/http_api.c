/*
 * http_api — routes, words and answers of the HTTP side (http_api.h).
 */
#include "http_api.h"
#include "resp_json.h"
#include "xmem.h"

#include <ctype.h>
#include <sys/queue.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define GP (HTTP_GET | HTTP_HEAD)

/* GET /epcis/events: the EPCIS 2.0 REST binding's query parameters. */
static const struct http_param epcis_params[] = {
	{ "EQ_bizStep", OPT_BIZSTEP }, { "MATCH_epc", OPT_EPC }, { "MATCH_anyEPC", OPT_ANYEPC },
	{ "GE_eventTime", OPT_SINCE }, { "LT_eventTime", OPT_BEFORE },
	{ "EQ_bizLocation", OPT_LOCATION }, { "EQ_readPoint", OPT_READPOINT },
	{ "perPage", OPT_COUNT }, { "nextPageToken", OPT_AFTER }, { NULL, 0 },
};

const struct http_route http_routes[] = {
	{ GP, "/healthz", ROUTE_HEALTH, 0, NULL, { NULL }, NULL, false },
	{ GP, "/readyz", ROUTE_READY, 0, NULL, { NULL }, NULL, false },
	{ GP, "/metrics", ROUTE_METRICS, 0, NULL, { NULL }, NULL, false },
	{ GP, "/v1/verify", ROUTE_COMMAND, CMD_VERIFY, NULL, { "code" }, NULL, false },
	{ HTTP_POST, "/v1/dispense", ROUTE_COMMAND, CMD_DISPENSE, NULL, { "code" }, NULL, false },
	{ HTTP_POST, "/v1/undo", ROUTE_COMMAND, CMD_UNDO, NULL, { "code" }, NULL, false },
	{ GP, "/v1/trace", ROUTE_COMMAND, CMD_TRACE, NULL, { "code" }, NULL, false },
	{ GP, "/v1/alerts", ROUTE_COMMAND, CMD_ALERTS, NULL, { NULL }, NULL, false },
	{ HTTP_POST, "/v1/recall", ROUTE_COMMAND, CMD_RECALL, NULL, { "product", "lot" }, NULL,
	  false },
	{ HTTP_POST, "/v1/recall/ack", ROUTE_COMMAND, CMD_RECALL_ACK, NULL, { "product", "lot" },
	  NULL, false },
	{ HTTP_POST, "/v1/lift", ROUTE_COMMAND, CMD_LIFT, NULL, { "product", "lot" }, NULL, false },
	{ HTTP_POST, "/v1/withdraw", ROUTE_COMMAND, CMD_WITHDRAW, NULL, { "product" }, NULL,
	  false },
	{ HTTP_POST, "/v1/lock", ROUTE_COMMAND, CMD_LOCK, NULL, { "code" }, NULL, false },
	{ HTTP_POST, "/v1/unlock", ROUTE_COMMAND, CMD_UNLOCK, NULL, { "code" }, NULL, false },
	{ GP, "/v1/impact", ROUTE_COMMAND, CMD_IMPACT, NULL, { "product", "lot" }, NULL, false },
	{ GP, "/v1/codes", ROUTE_COMMAND, CMD_CODES, NULL, { "product", "lot" }, NULL, false },
	/* Issue 21's reads: IMPACT PRODUCT, the listings and the risk list. */
	{ GP, "/v1/impact/product", ROUTE_COMMAND, CMD_IMPACT, "PRODUCT", { "product" }, NULL,
	  false },
	{ GP, "/v1/stock", ROUTE_COMMAND, CMD_STOCK, NULL, { NULL }, NULL, false },
	{ GP, "/v1/products", ROUTE_COMMAND, CMD_PRODUCT_LIST, "LIST", { NULL }, NULL, false },
	{ GP, "/v1/sites", ROUTE_COMMAND, CMD_SITE_LIST, "LIST", { NULL }, NULL, false },
	{ GP, "/v1/lots", ROUTE_COMMAND, CMD_LOTS, NULL, { NULL }, NULL, false },
	{ GP, "/v1/contents", ROUTE_COMMAND, CMD_CONTENTS, NULL, { "code" }, NULL, false },
	{ GP, "/v1/risk", ROUTE_COMMAND, CMD_RISK, NULL, { NULL }, NULL, false },
	{ HTTP_POST, "/v1/commission", ROUTE_COMMAND, CMD_COMMISSION, NULL, { NULL }, "codes",
	  false },
	{ HTTP_POST, "/v1/pack", ROUTE_COMMAND, CMD_PACK, NULL, { "container" }, "codes", false },
	{ HTTP_POST, "/v1/unpack", ROUTE_COMMAND, CMD_UNPACK, NULL, { "container" }, "codes",
	  false },
	{ HTTP_POST, "/v1/ship", ROUTE_COMMAND, CMD_SHIP, NULL, { NULL }, "codes", false },
	{ HTTP_POST, "/v1/receive", ROUTE_COMMAND, CMD_RECEIVE, NULL, { NULL }, "codes", false },
	{ HTTP_POST, "/v1/return", ROUTE_COMMAND, CMD_RETURN, NULL, { NULL }, "codes", false },
	{ HTTP_POST, "/v1/destroy", ROUTE_COMMAND, CMD_DESTROY, NULL, { NULL }, "codes", false },
	{ GP, "/v1/sites/{id}", ROUTE_COMMAND, CMD_SITE_GET, "GET", { NULL }, NULL, false },
	{ HTTP_PUT, "/v1/sites/{id}", ROUTE_COMMAND, CMD_SITE_SET, "SET", { NULL }, NULL, true },
	{ GP, "/v1/products/{id}", ROUTE_COMMAND, CMD_PRODUCT_GET, "GET", { NULL }, NULL, false },
	{ HTTP_PUT, "/v1/products/{id}", ROUTE_COMMAND, CMD_PRODUCT_SET, "SET", { NULL }, NULL,
	  true },
	{ GP, "/v1/info", ROUTE_COMMAND, CMD_INFO, NULL, { "section" }, NULL, false },
	{ GP, "/v1/audit/verify", ROUTE_COMMAND, CMD_AUDIT_VERIFY, "VERIFY", { NULL }, NULL,
	  false },
	{ HTTP_POST, "/v1/backup", ROUTE_COMMAND, CMD_BACKUP, NULL, { "name" }, NULL, false },
	{ HTTP_POST, "/epcis/capture", ROUTE_EPCIS_CAPTURE, 0, NULL, { NULL }, NULL, false },
	{ GP, "/epcis/capture/{id}", ROUTE_EPCIS_JOB, 0, NULL, { NULL }, NULL, false },
	{ GP, "/epcis/events", ROUTE_EPCIS_EVENTS, CMD_EPCIS_QUERY, NULL, { NULL }, NULL, false },
};
const size_t http_nroutes = sizeof http_routes / sizeof http_routes[0];

const char *http_route_formats(const struct http_route *r)
{
	/* IMPACT's reply also as a table and as the distribution tree
	 * (proto/impact_csv.h, proto/impact_tree.h). */
	return r->kind == ROUTE_COMMAND && r->cmd == CMD_IMPACT ? "json csv dot svg" : NULL;
}

/* Does path match pattern?  {id} takes one whole segment (1..idlen-1
 * bytes, no '/'), copied into id. */
static bool path_match(const char *pattern, const char *path, char *id, size_t idlen)
{
	const char *brace = strstr(pattern, "{id}");
	if (brace == NULL)
		return strcmp(pattern, path) == 0;
	size_t head = (size_t)(brace - pattern);
	if (strncmp(pattern, path, head) != 0)
		return false;
	const char *seg = path + head, *end = strchr(seg, '/');
	size_t n = end ? (size_t)(end - seg) : strlen(seg);
	if (n == 0 || n >= idlen || strcmp(brace + 4, end ? end : "") != 0)
		return false;
	memcpy(id, seg, n);
	id[n] = '\0';
	return true;
}

const struct http_route *http_route_find(int method, const char *path, char *id,
					 size_t idlen, bool *path_known)
{
	*path_known = false;
	for (size_t i = 0; i < http_nroutes; i++) {
		const struct http_route *r = &http_routes[i];
		if (!path_match(r->path, path, id, idlen))
			continue;
		*path_known = true;
		if (r->method & method)
			return r;
	}
	return NULL;
}

/* ---------------------------------------------------------------- words */

/* A key's value as a word: JSON text, a whole number, or true for a flag. */
struct value {
	const char *s;		/* NULL: absent (or null, or a flag's false) */
	size_t len;
	bool flag;		/* true for a flag */
	char num[24];
};

const struct http_param *http_route_params(const struct http_route *r)
{
	return r->kind == ROUTE_EPCIS_EVENTS ? epcis_params : NULL;
}

/* The key of option o on route r: its name in lower case into buf, or the
 * route's own name for it; NULL when the route does not take it. */
static const char *key_of(const struct http_route *r, const struct option_spec *o,
			  char buf[16])
{
	const struct http_param *params = http_route_params(r);
	if (params) {
		for (const struct http_param *p = params; p->key; p++)
			if (p->opt == o->id)
				return p->key;
		return NULL;
	}
	size_t k = 0;
	for (; o->name[k] && k < 15; k++)
		buf[k] = (char)tolower((unsigned char)o->name[k]);
	buf[k] = '\0';
	return buf;
}

/* The keys a route takes, for "unknown key" answers. */
static void keys_taken(const struct http_route *r, const struct command_spec *spec,
		       struct buf *b)
{
	const char *sep = "";
	for (int i = 0; i < 3 && r->words[i]; i++, sep = ", ")
		buf_printf(b, "%s%s", sep, r->words[i]);
	if (spec->g.code_alone) {
		buf_printf(b, "%scode", sep);
		sep = ", ";
	}
	if (r->list) {
		buf_printf(b, "%s%s, code", sep, r->list);
		sep = ", ";
	}
	for (int i = 0; i < GRAMMAR_OPTS_MAX && spec->g.opts[i].name; i++) {
		char buf[16];
		const char *key = key_of(r, &spec->g.opts[i], buf);
		if (key) {
			buf_printf(b, "%s%s", sep, key);
			sep = ", ";
		}
	}
	if (http_route_formats(r)) {
		buf_printf(b, "%sformat", sep);
		sep = ", ";
	}
	if (r->fields)
		buf_printf(b, "%sthe record's fields", sep);
	if (*sep == '\0')
		buf_printf(b, "nothing");
}

/* The option of spec that key names on route r, or NULL. */
static const struct option_spec *option_named(const struct http_route *r,
					      const struct command_spec *spec, const char *key)
{
	for (int i = 0; i < GRAMMAR_OPTS_MAX && spec->g.opts[i].name; i++) {
		char buf[16];
		const char *k = key_of(r, &spec->g.opts[i], buf);
		if (k && (http_route_params(r) ? strcmp(k, key) : strcasecmp(k, key)) == 0)
			return &spec->g.opts[i];
	}
	return NULL;
}

static bool is_word_key(const struct http_route *r, const struct command_spec *spec,
			const char *key)
{
	for (int i = 0; i < 3 && r->words[i]; i++)
		if (strcmp(r->words[i], key) == 0)
			return true;
	if (r->list && (strcmp(key, r->list) == 0 || strcmp(key, "code") == 0))
		return true;
	if (http_route_formats(r) && strcmp(key, "format") == 0)
		return true;
	return spec->g.code_alone && strcmp(key, "code") == 0;
}

/* Words under construction: offsets into text until the end, since text
 * moves as it grows. */
struct builder {
	struct buf text;
	size_t *off, *len;
	int n, cap;
};

static void add_word(struct builder *b, const char *s, size_t n)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 16;
		b->off = xrealloc(b->off, (size_t)b->cap * sizeof *b->off);
		b->len = xrealloc(b->len, (size_t)b->cap * sizeof *b->len);
	}
	b->off[b->n] = b->text.len;
	b->len[b->n] = n;
	b->n++;
	buf_append(&b->text, s, n);
	buf_append(&b->text, "", 1);	/* each word a C string too */
}

static void add_cstr(struct builder *b, const char *s)
{
	add_word(b, s, strlen(s));
}

/* A JSON value as a word; err names the key.  0, or -1. */
static int json_word(const char *key, json_t *v, bool flag, struct value *out, char *err,
		     size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (v == NULL || json_is_null(v))	/* absent or null: left out */
		return 0;
	if (flag) {
		if (!json_is_boolean(v)) {
			snprintf(err, errlen, "body: key '%s': true or false", key);
			return -1;
		}
		out->flag = json_is_true(v);
		out->s = out->flag ? "" : NULL;
		return 0;
	}
	if (json_is_string(v)) {
		out->s = json_string_value(v);
		out->len = json_string_length(v);
		return 0;
	}
	if (json_is_integer(v)) {
		out->len = (size_t)snprintf(out->num, sizeof out->num, "%lld",
					    (long long)json_integer_value(v));
		out->s = out->num;
		return 0;
	}
	snprintf(err, errlen, "body: key '%s': a string%s, not %s", key,
		 " or a whole number", json_is_real(v) ? "a fraction" :
		 json_is_array(v) ? "an array" : json_is_object(v) ? "an object" :
		 json_is_boolean(v) ? "true or false" : "that");
	return -1;
}

/* Where a request's values come from: a JSON object, or the query. */
struct source {
	json_t *body;			/* an object, or NULL */
	struct evkeyvalq *query;	/* or NULL */
	const char *where;		/* "body" or "query" */
};

/* The value of key; 0, or -1 with err set. */
static int get_value(const struct source *src, const char *key, bool flag, struct value *out,
		     char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (src->body)
		return json_word(key, json_object_get(src->body, key), flag, out, err, errlen);
	if (src->query == NULL)
		return 0;
	const char *q = evhttp_find_header(src->query, key);
	if (q == NULL)
		return 0;
	if (flag) {
		if (strcmp(q, "true") != 0 && strcmp(q, "false") != 0 && strcmp(q, "") != 0) {
			snprintf(err, errlen, "query: %s=%s: true or false", key, q);
			return -1;
		}
		out->flag = strcmp(q, "false") != 0;
		out->s = out->flag ? "" : NULL;
		return 0;
	}
	out->s = q;
	out->len = strlen(q);
	return 0;
}

/* Every key of the request must be one the route takes. */
static int check_keys(const struct http_route *r, const struct command_spec *spec,
		      const struct source *src, char *err, size_t errlen)
{
	const char *bad = NULL;
	if (src->body) {
		const char *key;
		json_t *v;
		json_object_foreach(src->body, key, v) {
			if (!is_word_key(r, spec, key) && !option_named(r, spec, key) && !r->fields) {
				bad = key;
				break;
			}
		}
	} else if (src->query) {
		for (struct evkeyval *kv = src->query->tqh_first; kv; kv = kv->next.tqe_next)
			if (!is_word_key(r, spec, kv->key) && !option_named(r, spec, kv->key)) {
				bad = kv->key;
				break;
			}
	}
	if (bad == NULL)
		return 0;
	struct buf b = BUF_INIT;
	keys_taken(r, spec, &b);
	snprintf(err, errlen, "%s: unknown key '%.64s'; %s %s takes: %s", src->where, bad,
		 r->method & HTTP_GET ? "GET" : r->method & HTTP_PUT ? "PUT" : "POST", r->path,
		 b.data ? b.data : "");
	buf_free(&b);
	return -1;
}

/* The list of codes: an array of strings under r->list, or one under "code". */
static int add_codes(const struct http_route *r, const struct source *src, struct builder *b,
		     char *err, size_t errlen)
{
	struct value v;
	if (src->body) {
		json_t *a = json_object_get(src->body, r->list);
		if (a && !json_is_array(a)) {
			snprintf(err, errlen, "body: key '%s': an array of codes", r->list);
			return -1;
		}
		size_t i;
		json_t *c;
		json_array_foreach(a, i, c) {
			if (!json_is_string(c)) {
				snprintf(err, errlen, "body: %s[%zu]: a code is a string", r->list, i);
				return -1;
			}
			add_word(b, json_string_value(c), json_string_length(c));
		}
	}
	if (get_value(src, "code", false, &v, err, errlen) != 0)
		return -1;
	if (v.s)
		add_word(b, v.s, v.len);
	return 0;
}

/* The answer's format: the `format` key's value, one of http_route_formats(r). */
static int pick_format(const struct http_route *r, const struct source *src, char *out,
		       size_t outlen, char *err, size_t errlen)
{
	const char *formats = http_route_formats(r), *all = formats ? formats : "json";
	size_t first = strcspn(all, " ");
	snprintf(out, outlen, "%.*s", (int)first, all);
	struct value v;
	if (formats == NULL)
		return 0;
	if (get_value(src, "format", false, &v, err, errlen) != 0)
		return -1;
	if (v.s == NULL)
		return 0;	/* the default */
	for (const char *p = all; *p; p += strspn(p, " ")) {
		size_t n = strcspn(p, " ");
		if (n == v.len && memcmp(p, v.s, n) == 0 && n < outlen) {
			snprintf(out, outlen, "%.*s", (int)n, p);
			return 0;
		}
		p += n;
	}
	snprintf(err, errlen, "%s: format '%.20s': one of %s", src->where, v.s, all);
	return -1;
}

int http_words(const struct http_route *r, const char *id, const char *query,
	       const char *body, size_t body_len, struct http_words *out, char *err,
	       size_t errlen)
{
	const struct command_spec *spec = command_by_id(r->cmd);
	struct evkeyvalq q = { 0 };
	struct source src = { .where = "query" };
	json_t *doc = NULL;
	int rc = -1;
	memset(out, 0, sizeof *out);
	if (r->method & (HTTP_POST | HTTP_PUT)) {
		json_error_t je;
		src.where = "body";
		if (body_len == 0) {
			doc = json_object();
		} else if ((doc = json_loadb(body, body_len,
					     JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je)) == NULL) {
			snprintf(err, errlen, "body: not JSON: line %d, column %d: %s", je.line,
				 je.column, je.text);
			return -1;
		}
		if (!json_is_object(doc)) {
			snprintf(err, errlen, "body: a JSON object, not %s",
				 json_is_array(doc) ? "an array" : "a single value");
			json_decref(doc);
			return -1;
		}
		src.body = doc;
	} else if (query && *query) {
		TAILQ_INIT(&q);
		if (evhttp_parse_query_str(query, &q) != 0) {
			snprintf(err, errlen, "query: not key=value pairs: %.80s", query);
			return -1;
		}
		src.query = &q;
	}
	struct builder b = { .text = BUF_INIT };
	struct value v;
	if (check_keys(r, spec, &src, err, errlen) != 0)
		goto out;
	if (pick_format(r, &src, out->format, sizeof out->format, err, errlen) != 0)
		goto out;
	add_cstr(&b, spec->name);
	if (r->sub)
		add_cstr(&b, r->sub);
	if (id)
		add_cstr(&b, id);
	/* Fixed words, in order; one code in place of them where the grammar
	 * allows (IMPACT code). */
	struct value code_alone = { 0 };
	if (spec->g.code_alone && get_value(&src, "code", false, &code_alone, err, errlen) != 0)
		goto out;
	if (code_alone.s) {
		add_word(&b, code_alone.s, code_alone.len);
	} else {
		for (int i = 0; i < 3 && r->words[i]; i++) {
			if (get_value(&src, r->words[i], false, &v, err, errlen) != 0)
				goto out;
			if (v.s == NULL) {
				if (spec->g.raw)	/* a raw command's words are optional */
					break;
				snprintf(err, errlen, "%s: key '%s' is required", src.where,
					 r->words[i]);
				goto out;
			}
			add_word(&b, v.s, v.len);
		}
	}
	if (r->list && add_codes(r, &src, &b, err, errlen) != 0)
		goto out;
	for (int i = 0; i < GRAMMAR_OPTS_MAX && spec->g.opts[i].name; i++) {
		const struct option_spec *o = &spec->g.opts[i];
		char buf[16];
		const char *key = key_of(r, o, buf);
		if (key == NULL)
			continue;
		if (get_value(&src, key, o->kind == OPT_K_FLAG, &v, err, errlen) != 0)
			goto out;
		if (v.s == NULL)
			continue;
		add_cstr(&b, o->name);
		if (!v.flag)
			add_word(&b, v.s, v.len);
	}
	if (r->fields) {
		const char *key;
		json_t *jv;
		json_object_foreach(src.body, key, jv) {
			if (json_word(key, jv, false, &v, err, errlen) != 0)
				goto out;
			if (v.s == NULL)
				continue;
			add_cstr(&b, key);
			add_word(&b, v.s, v.len);
		}
	}
	out->argc = b.n;
	out->argv = xmalloc((size_t)b.n * sizeof *out->argv);
	for (int i = 0; i < b.n; i++) {
		out->argv[i].ptr = b.text.data + b.off[i];
		out->argv[i].len = b.len[i];
	}
	out->text = b.text;
	b.text = (struct buf)BUF_INIT;
	rc = 0;
out:
	buf_free(&b.text);
	free(b.off);
	free(b.len);
	if (src.query)
		evhttp_clear_headers(&q);
	json_decref(doc);
	return rc;
}

void http_words_free(struct http_words *w)
{
	free(w->argv);
	buf_free(&w->text);
	w->argv = NULL;
	w->argc = 0;
}

/* ---------------------------------------------------------------- answers */

int http_status_of(const char *code, size_t len)
{
	static const struct { const char *code; int status; } map[] = {
		{ "ERR", 400 }, { "NOTFOUND", 404 }, { "NOAUTH", 401 }, { "WRONGPASS", 401 },
		{ "NOPERM", 403 }, { "RATELIMIT", 429 }, { "STORE", 503 },
		{ "UNAVAILABLE", 503 }, { "NOPROTO", 400 },
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strlen(map[i].code) == len && memcmp(map[i].code, code, len) == 0)
			return map[i].status;
	return 500;
}

char *http_error_json(const char *code, const char *msg)
{
	json_t *j = json_pack("{s:s, s:s}", "error", msg, "code", code);
	char *s = j ? resp_json_text(j) : NULL;
	json_decref(j);
	return s ? s : xstrdup("{\"error\": \"out of memory\", \"code\": \"STORE\"}");
}

char *http_render(const char *reply, size_t len, int *status)
{
	struct resp_value v;
	size_t used;
	const char *why;
	if (resp_parse_value(reply, len, &v, &used, &why) != 1) {
		*status = 500;
		return http_error_json("ERR", "the command gave no whole reply");
	}
	char *s;
	if (v.type == RESP_T_ERROR || v.type == RESP_T_BULK_ERROR) {
		/* "-CODE message": the code's status, the message as it is. */
		size_t n = 0;
		while (n < v.len && v.str[n] != ' ')
			n++;
		*status = http_status_of(v.str, n);
		char code[16];
		snprintf(code, sizeof code, "%.*s", (int)(n < 15 ? n : 15), v.str);
		size_t at = n < v.len ? n + 1 : n;
		/* The message as text, repaired if it is not UTF-8. */
		struct resp_value m = { .type = RESP_T_SIMPLE, .str = v.str + at,
					.len = v.len - at };
		json_t *j = json_object();
		json_object_set_new(j, "error", resp_to_json(&m));
		json_object_set_new(j, "code", json_string(code));
		s = resp_json_text(j);
		json_decref(j);
	} else {
		*status = 200;
		json_t *j = resp_to_json(&v);
		s = j ? resp_json_text(j) : NULL;
		json_decref(j);
	}
	resp_value_free(&v);
	return s ? s : http_error_json("STORE", "out of memory");
}

char *http_epcis_document(const char *reply, size_t len, const char *created, int *status,
			  char next[24])
{
	struct resp_value v;
	size_t used;
	const char *why;
	next[0] = '\0';
	if (resp_parse_value(reply, len, &v, &used, &why) != 1)
		return http_render(reply, len, status);
	if (v.type == RESP_T_ERROR || v.type == RESP_T_BULK_ERROR) {	/* as any command's */
		resp_value_free(&v);
		return http_render(reply, len, status);
	}
	json_t *answer = resp_to_json(&v);
	resp_value_free(&v);
	json_t *events = json_object_get(answer, "events");
	const char *token = json_string_value(json_object_get(answer, "next"));
	if (!json_is_array(events)) {
		json_decref(answer);
		*status = 500;
		return http_error_json("ERR", "EPCIS.QUERY gave no events");
	}
	if (token)
		snprintf(next, 24, "%s", token);
	json_t *doc = json_pack("{s:[s,{s:s}], s:s, s:s, s:s, s:{s:{s:s, s:{s:O}}}}",
				"@context", HTTP_EPCIS_CONTEXT, "yima", HTTP_YIMA_CONTEXT,
				"type", "EPCISQueryDocument", "schemaVersion", "2.0",
				"creationDate", created, "epcisBody", "queryResults",
				"queryName", "SimpleEventQuery", "resultsBody", "eventList", events);
	json_decref(answer);
	char *text = doc ? resp_json_text(doc) : NULL;
	json_decref(doc);
	*status = text ? 200 : 500;
	return text ? text : http_error_json("STORE", "out of memory");
}

char *http_next_link(const char *path, const char *query, const char *token)
{
	struct buf b = BUF_INIT;
	buf_printf(&b, "<%s?", path);
	/* The request's parameters as they came, but its nextPageToken. */
	for (const char *p = query ? query : ""; *p;) {
		const char *amp = strchr(p, '&');
		size_t n = amp ? (size_t)(amp - p) : strlen(p);
		if (n && !(n >= 14 && strncmp(p, "nextPageToken=", 14) == 0) &&
		    !(n == 13 && strncmp(p, "nextPageToken", 13) == 0)) {
			buf_append(&b, p, n);
			buf_putc(&b, '&');
		}
		p += n + (amp != NULL);
	}
	buf_printf(&b, "nextPageToken=%s>; rel=\"next\"", token);
	return b.data;	/* the buffer's text, NUL-ended, handed over */
}
