/*
 * cmd_client — what Redis client libraries send on connecting and ask of
 * the server: CLIENT SETNAME / GETNAME / ID / INFO / SETINFO, SELECT,
 * COMMAND.  Each touches only the connection it came on (session.h), so
 * the role matrix lets anyone run them; COMMAND's replies describe the
 * command table (proto/command_docs.h).
 */
#include "cmd.h"
#include "command_docs.h"
#include "parse.h"
#include "session.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static bool word_is(const struct resp_arg *a, const char *word)
{
	return a->len == strlen(word) && strncasecmp(a->ptr, word, a->len) == 0;
}

int cmd_check_client_name(struct cmd_ctx *ctx, const char *what, const struct resp_arg *name)
{
	if (name->len >= SESSION_NAME_MAX) {
		cmd_refuse(ctx, "%s: a name of %zu bytes; at most %d", what, name->len,
			   SESSION_NAME_MAX - 1);
		return -1;
	}
	for (size_t i = 0; i < name->len; i++)
		if (name->ptr[i] <= ' ' || name->ptr[i] == 0x7f) {
			cmd_refuse(ctx, "%s: the name cannot have spaces or control characters "
				   "(byte %zu)", what, i + 1);
			return -1;
		}
	return 0;
}

/* CLIENT SETNAME name ("" clears it, as in Redis) */
enum cmd_status cmd_client_setname(struct cmd_ctx *ctx)
{
	const struct resp_arg *name = &ctx->cmd->argv[2];
	if (cmd_check_client_name(ctx, "CLIENT SETNAME", name) != 0)
		return CMD_REFUSED;
	ctx->session->ops->set_name(ctx->session->self, name->ptr);
	resp_simple(ctx->out, "OK");
	return CMD_DONE;
}

/* CLIENT GETNAME: the name, or nil when it has none. */
enum cmd_status cmd_client_getname(struct cmd_ctx *ctx)
{
	struct session_client sc;
	ctx->session->ops->client(ctx->session->self, &sc);
	if (sc.name[0])
		resp_cstr(ctx->out, sc.name);
	else
		resp_null(ctx->out);
	return CMD_DONE;
}

enum cmd_status cmd_client_id(struct cmd_ctx *ctx)
{
	resp_int(ctx->out, (int64_t)ctx->session->ops->id(ctx->session->self));
	return CMD_DONE;
}

/* CLIENT INFO: Redis's line of "key=value" fields.  Fields Redis has and
 * yima does not keep (subscriptions, buffers) are there as 0, for the
 * libraries that read them as numbers. */
enum cmd_status cmd_client_info(struct cmd_ctx *ctx)
{
	struct session_client sc;
	ctx->session->ops->client(ctx->session->self, &sc);
	char line[512];
	int n = snprintf(line, sizeof line,
			 "id=%llu addr=%s name=%s age=%lld idle=0 flags=N db=0 sub=0 psub=0 "
			 "multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 obl=0 oll=0 omem=0 tot-mem=0 "
			 "cmd=client|info user=%s resp=%d lib-name=%s lib-ver=%s\n",
			 (unsigned long long)sc.id, sc.addr, sc.name, (long long)sc.age_seconds,
			 sc.user[0] ? sc.user : "default", sc.proto, sc.lib_name, sc.lib_ver);
	resp_bulk(ctx->out, line, n > 0 && (size_t)n < sizeof line ? (size_t)n : strlen(line));
	return CMD_DONE;
}

/* CLIENT SETINFO LIB-NAME|LIB-VER value (redis-py 5 and others send both
 * on connecting). */
enum cmd_status cmd_client_setinfo(struct cmd_ctx *ctx)
{
	const struct resp_arg *what = &ctx->cmd->argv[2], *value = &ctx->cmd->argv[3];
	bool version = word_is(what, "LIB-VER");
	if (!version && !word_is(what, "LIB-NAME"))
		return cmd_refuse(ctx, "'%.32s' is not an attribute: usage: CLIENT SETINFO "
				  "LIB-NAME|LIB-VER value", what->ptr);
	if (cmd_check_client_name(ctx, version ? "CLIENT SETINFO LIB-VER" :
				  "CLIENT SETINFO LIB-NAME", value) != 0)
		return CMD_REFUSED;
	ctx->session->ops->set_lib(ctx->session->self, version, value->ptr);
	resp_simple(ctx->out, "OK");
	return CMD_DONE;
}

/* SELECT index: yima has one database. */
enum cmd_status cmd_select(struct cmd_ctx *ctx)
{
	const struct resp_arg *db = &ctx->cmd->argv[1];
	if (db->len == 1 && db->ptr[0] == '0') {
		resp_simple(ctx->out, "OK");
		return CMD_DONE;
	}
	return cmd_refuse(ctx, "database '%.20s': yima keeps one database, 0 (leave the "
			  "client's db setting at 0)", db->ptr);
}

/* COMMAND [COUNT | DOCS [name ...] | INFO [name ...] | LIST] */
enum cmd_status cmd_command(struct cmd_ctx *ctx)
{
	const struct cmd *c = ctx->cmd;
	const struct resp_arg *sub = c->argc > 1 ? &c->argv[1] : NULL;
	if (sub == NULL) {
		command_info_reply(ctx->out, 0, NULL);
	} else if (word_is(sub, "DOCS")) {
		command_docs_reply(ctx->out, c->argc - 2, c->argv + 2);
	} else if (word_is(sub, "INFO")) {
		command_info_reply(ctx->out, c->argc - 2, c->argv + 2);
	} else if (word_is(sub, "COUNT") && c->argc == 2) {
		resp_int(ctx->out, (int64_t)command_count());
	} else if (word_is(sub, "LIST") && c->argc == 2) {
		command_list_reply(ctx->out);
	} else {
		return cmd_refuse(ctx, "'%.32s%s' is not a subcommand here; usage: COMMAND "
				  "[COUNT | DOCS [name ...] | INFO [name ...] | LIST]", sub->ptr,
				  c->argc > 2 ? " ..." : "");
	}
	return CMD_DONE;
}
