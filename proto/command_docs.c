/*
 * command_docs — the command table in Redis's COMMAND shapes (command_docs.h).
 */
#include "command_docs.h"
#include "version.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------- usage → arguments */

/* The usage text cut into words, brackets and bars. */
#define WORDS_MAX 64
struct words {
	char w[WORDS_MAX][64];
	int n, at;
};

static int split(const char *s, struct words *ws)
{
	ws->n = ws->at = 0;
	while (*s) {
		if (*s == ' ') {
			s++;
			continue;
		}
		if (ws->n == WORDS_MAX)
			return -1;
		char *w = ws->w[ws->n++];
		if (*s == '[' || *s == ']') {
			w[0] = *s++;
			w[1] = '\0';
			continue;
		}
		size_t n = 0;
		while (*s && *s != ' ' && *s != '[' && *s != ']') {
			if (n + 1 >= sizeof ws->w[0])
				return -1;
			w[n++] = *s++;
		}
		w[n] = '\0';
	}
	return 0;
}

static const char *peek(const struct words *ws)
{
	return ws->at < ws->n ? ws->w[ws->at] : NULL;
}

/* A word typed as it is: upper case, digits and '-', '|', '.' only. */
static bool upper_word(const char *w)
{
	bool letter = false;
	for (; *w; w++) {
		if (islower((unsigned char)*w))
			return false;
		letter |= isupper((unsigned char)*w) != 0;
	}
	return letter;
}

struct parser {
	const struct command_spec *spec;
	struct words ws;
	struct doc_args *d;
};

static int node(struct parser *p, const char *name, const char *type)
{
	if (p->d->n == DOC_ARGS_MAX)
		return -1;
	int i = p->d->n++;
	struct doc_arg *a = &p->d->a[i];
	memset(a, 0, sizeof *a);
	snprintf(a->name, sizeof a->name, "%s", name);
	a->type = type;
	a->child = a->next = -1;
	return i;
}

/* The grammar's option of this name, if the command has a grammar. */
static const struct option_spec *grammar_option(const struct command_spec *c, const char *w)
{
	for (int i = 0; !c->g.raw && i < GRAMMAR_OPTS_MAX && c->g.opts[i].name; i++)
		if (strcmp(c->g.opts[i].name, w) == 0)
			return &c->g.opts[i];
	return NULL;
}

static int alternatives(struct parser *p);

/* A word, or a group in brackets: its node, -1 on an error, -2 at the end
 * of a sequence (']', '|' or the end). */
static int item(struct parser *p)
{
	const char *w = peek(&p->ws);
	if (w == NULL || strcmp(w, "]") == 0 || strcmp(w, "|") == 0)
		return -2;
	p->ws.at++;
	if (strcmp(w, "[") == 0) {
		int i = alternatives(p);
		const char *close = peek(&p->ws);
		if (i < 0 || close == NULL || strcmp(close, "]") != 0)
			return -1;
		p->ws.at++;
		p->d->a[i].optional = true;
		return i;
	}
	if (!upper_word(w))
		return node(p, w, "string");
	/* A token: alone (a flag), or with the value that follows it. */
	const struct option_spec *o = grammar_option(p->spec, w);
	const char *v = peek(&p->ws);
	bool valued = v && strcmp(v, "[") && strcmp(v, "]") && strcmp(v, "|") &&
		      strcmp(v, "...") && (o ? o->kind != OPT_K_FLAG : !upper_word(v));
	int i = node(p, valued ? v : w, valued ? (o && o->kind == OPT_K_UINT ? "integer"
							      : "string") : "pure-token");
	if (i >= 0)
		snprintf(p->d->a[i].token, sizeof p->d->a[i].token, "%s", w);
	if (valued)
		p->ws.at++;
	return i;
}

static bool same_names(const struct doc_args *d, int a, int b)
{
	return a >= 0 && b >= 0 && strcmp(d->a[a].name, d->a[b].name) == 0 &&
	       strcmp(d->a[a].token, d->a[b].token) == 0;
}

/*
 * A sequence of items: their nodes linked as siblings; the first in *first.
 * "x ..." makes x repeated ("[name ...]"; a group of several, a repeated
 * block), and "x [x ...]" is x repeated, as Redis writes it.
 */
static int sequence(struct parser *p, int *first, int *count)
{
	struct doc_args *d = p->d;
	int items[WORDS_MAX], n = 0;
	for (;;) {
		const char *w = peek(&p->ws);
		if (w && strcmp(w, "...") == 0) {
			p->ws.at++;
			if (n == 0)
				return -1;
			if (n > 1) {	/* the whole sequence repeats */
				int b = node(p, d->a[items[0]].name, "block");
				if (b < 0)
					return -1;
				d->a[b].child = items[0];
				for (int k = 0; k + 1 < n; k++)
					d->a[items[k]].next = items[k + 1];
				d->a[items[n - 1]].next = -1;
				items[0] = b;
				n = 1;
			}
			d->a[items[n - 1]].multiple = true;
			continue;
		}
		int i = item(p);
		if (i == -2)
			break;
		if (i < 0 || n == WORDS_MAX)
			return -1;
		/* "x [x ...]": drop the first x, the group is x repeated. */
		struct doc_arg *a = &d->a[i];
		if (a->optional && a->multiple) {
			int k = a->type[0] == 'b' ? 0 : 1, c = a->child;
			if (k == 0)
				for (; c >= 0; c = d->a[c].next)
					k++;
			bool same = n >= k;
			c = a->type[0] == 'b' ? a->child : i;
			for (int j = n - k; same && j < n; j++, c = d->a[c].next)
				same = same_names(d, items[j], c) && !d->a[items[j]].optional;
			if (same) {
				n -= k;
				a->optional = false;
			}
		}
		items[n++] = i;
	}
	for (int k = 0; k + 1 < n; k++)
		d->a[items[k]].next = items[k + 1];
	if (n)
		d->a[items[n - 1]].next = -1;
	*first = n ? items[0] : -1;
	*count = n;
	return 0;
}

/* A sequence as one node: the item alone, or a block of them. */
static int as_one(struct parser *p, int first, int count)
{
	if (count == 1)
		return first;
	int b = node(p, count ? p->d->a[first].name : "none", "block");
	if (b >= 0)
		p->d->a[b].child = first;
	return b;
}

/* "a | b | c" as one node (oneof), or a sequence as one node. */
static int alternatives(struct parser *p)
{
	int first, count, head = -1, last = -1, n = 0;
	for (;;) {
		if (sequence(p, &first, &count) != 0 || count == 0)
			return -1;
		int one = as_one(p, first, count);
		if (one < 0)
			return -1;
		if (last >= 0)
			p->d->a[last].next = one;
		else
			head = one;
		last = one;
		p->d->a[one].next = -1;
		n++;
		const char *w = peek(&p->ws);
		if (w == NULL || strcmp(w, "|") != 0)
			break;
		p->ws.at++;
	}
	if (n == 1)
		return head;
	int o = node(p, p->d->a[head].name, "oneof");
	if (o >= 0)
		p->d->a[o].child = head;
	return o;
}

int command_doc_args(const struct command_spec *spec, struct doc_args *out)
{
	struct parser p = { .spec = spec, .d = out };
	out->n = 0;
	out->first = -1;
	if (split(spec->usage, &p.ws) != 0)
		return -1;
	int first, count;
	if (sequence(&p, &first, &count) != 0)
		return -1;
	if (peek(&p.ws) && strcmp(peek(&p.ws), "|") == 0) {	/* "a b | c" at the top */
		p.ws.at = 0;
		out->n = 0;
		int one = alternatives(&p);
		if (one < 0 || peek(&p.ws) != NULL)
			return -1;
		out->first = one;
		return 0;
	}
	if (peek(&p.ws) != NULL)
		return -1;
	out->first = first;
	return 0;
}

/* ------------------------------------------------------------------ hints */

struct text {
	char *buf;
	size_t n, used;
};

static void put(struct text *t, const char *s)
{
	int w = snprintf(t->buf + t->used, t->n - t->used, "%s", s);
	if (w > 0)
		t->used += (size_t)w < t->n - t->used ? (size_t)w : t->n - t->used - 1;
}

static void hint_list(const struct doc_args *d, int i, const char *sep, struct text *t);

/* How redis-cli writes one argument. */
static void hint_arg(const struct doc_args *d, int i, struct text *t)
{
	const struct doc_arg *a = &d->a[i];
	bool pure = strcmp(a->type, "pure-token") == 0;
	char repeat[256] = "", token[40] = "";
	struct text r = { repeat, sizeof repeat, 0 };
	if (a->token[0])
		snprintf(token, sizeof token, "%s%s", a->token, pure ? "" : " ");
	if (strcmp(a->type, "oneof") == 0)
		hint_list(d, a->child, "|", &r);
	else if (strcmp(a->type, "block") == 0)
		hint_list(d, a->child, " ", &r);
	else if (!pure)
		put(&r, a->name);
	if (a->optional)
		put(t, "[");
	put(t, token);
	put(t, repeat);
	if (a->multiple) {
		put(t, " [");
		put(t, repeat);
		put(t, " ...]");
	}
	if (a->optional)
		put(t, "]");
}

static void hint_list(const struct doc_args *d, int i, const char *sep, struct text *t)
{
	for (; i >= 0; i = d->a[i].next) {
		hint_arg(d, i, t);
		if (d->a[i].next >= 0)
			put(t, sep);
	}
}

const char *command_doc_hint(const struct doc_args *d, char *buf, size_t n)
{
	struct text t = { buf, n, 0 };
	buf[0] = '\0';
	hint_list(d, d->first, " ", &t);
	return buf;
}

/* ---------------------------------------------------------------- replies */

/* A command's name alone, lower case: a group's ("site"). */
static const char *group_name(const struct command_spec *c, char *buf, size_t n)
{
	size_t i = 0;
	for (const char *s = c->name; *s && i + 1 < n; s++)
		buf[i++] = (char)tolower((unsigned char)*s);
	buf[i] = '\0';
	return buf;
}

const char *command_doc_name(const struct command_spec *c, char *buf, size_t n)
{
	size_t i = 0;
	for (const char *s = c->name; *s && i + 1 < n; s++)
		buf[i++] = (char)tolower((unsigned char)*s);
	if (c->sub && i + 1 < n)
		buf[i++] = '|';
	for (const char *s = c->sub ? c->sub : ""; *s && i + 1 < n; s++)
		buf[i++] = (char)tolower((unsigned char)*s);
	buf[i] = '\0';
	return buf;
}

/* The first command of each name: the one that stands for its group. */
static bool first_of_name(int id)
{
	const struct command_spec *c = command_by_id((enum cmd_id)id);
	for (int i = 0; i < id; i++)
		if (strcasecmp(command_by_id((enum cmd_id)i)->name, c->name) == 0)
			return false;
	return true;
}

size_t command_count(void)
{
	size_t n = 0;
	for (int i = 0; i < CMD__COUNT; i++)
		n += first_of_name(i);
	return n;
}

static size_t subcommands_of(const char *name)
{
	size_t n = 0;
	for (int i = 0; i < CMD__COUNT; i++) {
		const struct command_spec *c = command_by_id((enum cmd_id)i);
		n += c->sub && strcasecmp(c->name, name) == 0;
	}
	return n;
}

/* The group redis-cli files a command under (`help @connection`). */
static const char *group_of(const struct command_spec *c)
{
	if (c->flags & CMD_F_WRITE)
		return "records";
	if (c->flags & CMD_F_READ)
		return "queries";
	return "connection";
}

static void doc_arg_reply(struct resp_out *o, const struct doc_args *d, int i)
{
	const struct doc_arg *a = &d->a[i];
	size_t nflags = (size_t)a->optional + (size_t)a->multiple;
	bool nested = a->child >= 0;
	resp_map(o, 2 + (a->token[0] != 0) + (nflags > 0) + nested);
	resp_cstr(o, "name");
	resp_cstr(o, a->name);
	resp_cstr(o, "type");
	resp_cstr(o, a->type);
	if (a->token[0]) {
		resp_cstr(o, "token");
		resp_cstr(o, a->token);
	}
	if (nflags) {
		resp_cstr(o, "flags");
		resp_set(o, nflags);
		if (a->optional)
			resp_simple(o, "optional");
		if (a->multiple)
			resp_simple(o, "multiple");
	}
	if (nested) {
		size_t n = 0;
		for (int c = a->child; c >= 0; c = d->a[c].next)
			n++;
		resp_cstr(o, "arguments");
		resp_array(o, n);
		for (int c = a->child; c >= 0; c = d->a[c].next)
			doc_arg_reply(o, d, c);
	}
}

/* One command's docs map (a subcommand's, or a group's with its
 * subcommands when c stands for a group). */
static void doc_reply(struct resp_out *o, const struct command_spec *c, bool group)
{
	char name[64];
	if (group) {
		resp_map(o, 4);
		resp_cstr(o, "summary");
		char summary[160];
		snprintf(summary, sizeof summary, "%s subcommands: %s", c->name,
			 command_subcommands(c->name, name, sizeof name));
		resp_cstr(o, summary);
		resp_cstr(o, "since");
		resp_cstr(o, YIMA_VERSION);
		resp_cstr(o, "group");
		resp_cstr(o, group_of(c));
		resp_cstr(o, "subcommands");
		resp_map(o, subcommands_of(c->name));
		for (int i = 0; i < CMD__COUNT; i++) {
			const struct command_spec *s = command_by_id((enum cmd_id)i);
			if (s->sub && strcasecmp(s->name, c->name) == 0) {
				resp_cstr(o, command_doc_name(s, name, sizeof name));
				doc_reply(o, s, false);
			}
		}
		return;
	}
	struct doc_args d;
	bool args = command_doc_args(c, &d) == 0 && d.first >= 0;
	resp_map(o, 3 + args);
	resp_cstr(o, "summary");
	resp_cstr(o, c->summary);
	resp_cstr(o, "since");
	resp_cstr(o, YIMA_VERSION);
	resp_cstr(o, "group");
	resp_cstr(o, group_of(c));
	if (args) {
		size_t n = 0;
		for (int i = d.first; i >= 0; i = d.a[i].next)
			n++;
		resp_cstr(o, "arguments");
		resp_array(o, n);
		for (int i = d.first; i >= 0; i = d.a[i].next)
			doc_arg_reply(o, &d, i);
	}
}

/* The command of a name a client asked about: "site", "SITE|SET". */
static const struct command_spec *by_doc_name(const struct resp_arg *a)
{
	char name[64];
	for (int i = 0; i < CMD__COUNT; i++) {
		const struct command_spec *c = command_by_id((enum cmd_id)i);
		if (!first_of_name(i) && c->sub == NULL)
			continue;
		const char *n = c->sub && first_of_name(i) ? c->name : NULL;
		if (n && strlen(n) == a->len && strncasecmp(n, a->ptr, a->len) == 0)
			return c;
		command_doc_name(c, name, sizeof name);
		if (strlen(name) == a->len && strncasecmp(name, a->ptr, a->len) == 0)
			return c;
	}
	return NULL;
}

static bool is_group_name(const struct command_spec *c, const struct resp_arg *a)
{
	return c->sub && strlen(c->name) == a->len && strncasecmp(c->name, a->ptr, a->len) == 0;
}

void command_docs_reply(struct resp_out *o, int argc, const struct resp_arg *names)
{
	char name[64];
	if (argc == 0) {
		resp_map(o, command_count());
		for (int i = 0; i < CMD__COUNT; i++) {
			const struct command_spec *c = command_by_id((enum cmd_id)i);
			if (!first_of_name(i))
				continue;
			resp_cstr(o, group_name(c, name, sizeof name));
			doc_reply(o, c, c->sub != NULL);
		}
		return;
	}
	size_t n = 0;
	for (int i = 0; i < argc; i++)
		n += by_doc_name(&names[i]) != NULL;
	resp_map(o, n);
	for (int i = 0; i < argc; i++) {
		const struct command_spec *c = by_doc_name(&names[i]);
		if (c == NULL)
			continue;
		bool group = is_group_name(c, &names[i]);
		resp_cstr(o, group ? group_name(c, name, sizeof name)
				   : command_doc_name(c, name, sizeof name));
		doc_reply(o, c, group);
	}
}

/* Redis's arity: the words with the name, negative when more may follow. */
static int arity(const struct command_spec *c, bool group)
{
	if (group)
		return -2;
	return c->max_argc == c->min_argc ? c->min_argc : -c->min_argc;
}

static void info_entry(struct resp_out *o, const struct command_spec *c, bool group)
{
	char name[64];
	resp_array(o, 10);
	resp_cstr(o, group ? group_name(c, name, sizeof name)
			   : command_doc_name(c, name, sizeof name));
	resp_int(o, arity(c, group));
	unsigned f = group ? 0 : c->flags;
	size_t nflags = (f & CMD_F_WRITE) != 0 || (f & CMD_F_READ) != 0;
	nflags += !(f & CMD_F_WRITE) && !(f & CMD_F_SLOW);
	resp_set(o, nflags);
	if (f & CMD_F_WRITE)
		resp_simple(o, "write");
	else if (f & CMD_F_READ)
		resp_simple(o, "readonly");
	if (!(f & CMD_F_WRITE) && !(f & CMD_F_SLOW))
		resp_simple(o, "fast");
	resp_int(o, 0);		/* no keys: yima's words are codes, not Redis keys */
	resp_int(o, 0);
	resp_int(o, 0);
	resp_set(o, 1);		/* ACL categories: yima's roles are its own (acl.h) */
	resp_simple(o, "@yima");
	resp_array(o, 0);	/* tips */
	resp_array(o, 0);	/* key specs */
	if (!group) {
		resp_array(o, 0);
		return;
	}
	resp_array(o, subcommands_of(c->name));
	for (int i = 0; i < CMD__COUNT; i++) {
		const struct command_spec *s = command_by_id((enum cmd_id)i);
		if (s->sub && strcasecmp(s->name, c->name) == 0)
			info_entry(o, s, false);
	}
}

void command_info_reply(struct resp_out *o, int argc, const struct resp_arg *names)
{
	if (argc == 0) {
		resp_array(o, command_count());
		for (int i = 0; i < CMD__COUNT; i++)
			if (first_of_name(i)) {
				const struct command_spec *c = command_by_id((enum cmd_id)i);
				info_entry(o, c, c->sub != NULL);
			}
		return;
	}
	resp_array(o, (size_t)argc);
	for (int i = 0; i < argc; i++) {
		const struct command_spec *c = by_doc_name(&names[i]);
		if (c == NULL)
			resp_null(o);
		else
			info_entry(o, c, is_group_name(c, &names[i]));
	}
}

void command_list_reply(struct resp_out *o)
{
	char name[64];
	resp_array(o, command_count());
	for (int i = 0; i < CMD__COUNT; i++)
		if (first_of_name(i))
			resp_cstr(o, group_name(command_by_id((enum cmd_id)i), name, sizeof name));
}
