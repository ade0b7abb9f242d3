/*
 * test_command_docs — proto/command_docs.c: every command's usage reads as
 * Redis's argument specs; the hint redis-cli builds from them is the usage
 * again; every option of a grammar is a token, optional as the grammar
 * says; and the COMMAND replies hold every command once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "command_docs.h"
#include "resp.h"

#define expect(cond, ...) do { if (!(cond)) fail_msg(__VA_ARGS__); } while (0)

static void test_every_usage_parses(void **state)
{
	(void)state;
	for (int i = 0; i < CMD__COUNT; i++) {
		const struct command_spec *c = command_by_id((enum cmd_id)i);
		struct doc_args d;
		expect(command_doc_args(c, &d) == 0, "%s %s: usage '%s' does not parse", c->name,
		       c->sub ? c->sub : "", c->usage);
		expect((d.first < 0) == (c->usage[0] == '\0'), "%s: arguments for '%s'",
		       c->name, c->usage);
	}
}

/* The hint redis-cli shows, as it would build it: the usage, in Redis's
 * notation ("a|b" for one of; a repeated group inside brackets). */
static const struct {
	enum cmd_id id;
	const char *hint;
} hints[] = {
	{ CMD_DISPENSE, "code SITE s [TX t] [QTY n] [TIME t] [BRIEF]" },
	{ CMD_COMMISSION, "code [code ...] SITE s [PRODUCT p] [LOT l] [EXPIRY YYYY-MM-DD] "
			  "[LEVEL 1-4] [QTY n] [TIME t]" },
	{ CMD_VERIFY, "code [SITE s] [FRESH] [BRIEF]" },
	{ CMD_HELLO, "[protover [SETNAME name]]" },
	{ CMD_SITE_SET, "id field value [field value ...]" },
	{ CMD_IMPACT, "product lot|code|PRODUCT product [REGION r]" },
	{ CMD_RECALL, "product lot LEVEL 1|2|3 REASON text" },
	{ CMD_AUDIT_VERIFY, "[FROM seq] [TO seq]|STATE" },
	{ CMD_CLIENT_SETINFO, "LIB-NAME|LIB-VER value" },
	{ CMD_COMMAND, "[COUNT|DOCS [name [name ...]]|INFO [name [name ...]]|LIST]" },
	{ CMD_PING, "[message]" },
	{ CMD_QUIT, "" },
};

static void test_hints(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof hints / sizeof hints[0]; i++) {
		struct doc_args d;
		char hint[512];
		assert_int_equal(command_doc_args(command_by_id(hints[i].id), &d), 0);
		command_doc_hint(&d, hint, sizeof hint);
		expect(strcmp(hint, hints[i].hint) == 0, "hint of %s: '%s', want '%s'",
		       command_by_id(hints[i].id)->name, hint, hints[i].hint);
	}
}

/* A node with this token anywhere in the tree, or -1; *optional: it may
 * be left out (it, or a group around it, is optional, or one of several). */
static int find_token(const struct doc_args *d, int i, const char *token, bool within,
		      bool *optional)
{
	for (; i >= 0; i = d->a[i].next) {
		const struct doc_arg *a = &d->a[i];
		*optional = within || a->optional;
		if (strcmp(a->token, token) == 0)
			return i;
		int in = find_token(d, a->child, token, *optional || strcmp(a->type, "oneof") == 0,
				    optional);
		if (in >= 0)
			return in;
	}
	return -1;
}

static void test_grammar_options_are_tokens(void **state)
{
	(void)state;
	for (int i = 0; i < CMD__COUNT; i++) {
		const struct command_spec *c = command_by_id((enum cmd_id)i);
		struct doc_args d;
		assert_int_equal(command_doc_args(c, &d), 0);
		for (int k = 0; !c->g.raw && k < GRAMMAR_OPTS_MAX && c->g.opts[k].name; k++) {
			const struct option_spec *o = &c->g.opts[k];
			bool optional;
			int at = find_token(&d, d.first, o->name, false, &optional);
			expect(at >= 0, "%s: option %s is not in its usage '%s'", c->name, o->name,
			       c->usage);
			expect(optional == !o->required, "%s: %s is %s in the usage, %s in "
			       "the grammar", c->name, o->name, optional ? "optional" :
			       "required", o->required ? "required" : "optional");
			const char *want = o->kind == OPT_K_FLAG ? "pure-token" :
					   o->kind == OPT_K_UINT ? "integer" : "string";
			expect(strcmp(d.a[at].type, want) == 0, "%s %s: type %s, want %s", c->name,
			       o->name, d.a[at].type, want);
		}
	}
}

static void test_replies_hold_every_command(void **state)
{
	(void)state;
	struct resp_out o = { .b = BUF_INIT, .proto = 3 };
	command_docs_reply(&o, 0, NULL);
	struct resp_value v;
	size_t used;
	const char *err;
	assert_int_equal(resp_parse_value(o.b.data, o.b.len, &v, &used, &err), 1);
	assert_int_equal(used, o.b.len);
	assert_int_equal(v.type, RESP_T_MAP);
	assert_int_equal(v.n, command_count());
	char name[64];
	for (int i = 0; i < CMD__COUNT; i++) {
		const struct command_spec *c = command_by_id((enum cmd_id)i);
		const char *want = command_doc_name(c, name, sizeof name);
		bool found = false;
		/* A map's n counts its pairs. */
		for (size_t k = 0; k < 2 * v.n && !found; k += 2) {
			const struct resp_value *key = &v.elem[k], *val = &v.elem[k + 1];
			if (c->sub == NULL) {
				found = strcmp(key->str, want) == 0;
				continue;
			}
			for (size_t j = 0; j < 2 * val->n; j += 2)
				if (strcmp(val->elem[j].str, "subcommands") == 0)
					for (size_t s = 0; s < 2 * val->elem[j + 1].n; s += 2)
						found |= strcmp(val->elem[j + 1].elem[s].str, want) == 0;
		}
		expect(found, "COMMAND DOCS has no %s", want);
	}
	resp_value_free(&v);
	buf_free(&o.b);

	struct resp_arg names[2] = { { "dispense", 8 }, { "nosuch", 6 } };
	o = (struct resp_out){ .b = BUF_INIT, .proto = 2 };
	command_info_reply(&o, 2, names);
	assert_int_equal(resp_parse_value(o.b.data, o.b.len, &v, &used, &err), 1);
	assert_int_equal(v.n, 2);
	assert_string_equal(v.elem[0].elem[0].str, "dispense");
	assert_int_equal(v.elem[0].elem[1].integer, -4);	/* 4 words or more */
	assert_int_equal(v.elem[1].type, RESP_T_NULL);
	resp_value_free(&v);
	buf_free(&o.b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_usage_parses),
		cmocka_unit_test(test_hints),
		cmocka_unit_test(test_grammar_options_are_tokens),
		cmocka_unit_test(test_replies_hold_every_command),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
