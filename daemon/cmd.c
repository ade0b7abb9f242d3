/*
 * cmd — dispatch table, arity checks, and write jobs.
 */
#include "cmd.h"
#include "acl.h"
#include "entry.h"
#include "journal.h"
#include "log.h"
#include "server.h"
#include "store.h"
#include "worker.h"
#include "writer.h"
#include "xmem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cmd_handler handlers[CMD__COUNT] = {
	[CMD_PING] = cmd_ping,
	[CMD_ECHO] = cmd_echo,
	[CMD_HELLO] = cmd_hello,
	[CMD_INFO] = cmd_info,
	[CMD_QUIT] = cmd_quit,
	[CMD_SITE_SET] = cmd_site_set,
	[CMD_SITE_GET] = cmd_site_get,
	[CMD_PRODUCT_SET] = cmd_product_set,
	[CMD_PRODUCT_GET] = cmd_product_get,
	[CMD_COMMISSION] = cmd_commission,
	[CMD_PACK] = cmd_pack,
	[CMD_UNPACK] = cmd_unpack,
	[CMD_SHIP] = cmd_ship,
	[CMD_RECEIVE] = cmd_receive,
	[CMD_RETURN] = cmd_return,
	[CMD_DESTROY] = cmd_destroy,
	[CMD_VERIFY] = cmd_verify,
	[CMD_DISPENSE] = cmd_dispense,
	[CMD_UNDO] = cmd_undo,
	[CMD_TRACE] = cmd_trace,
	[CMD_ALERTS] = cmd_alerts,
	[CMD_RECALL] = cmd_recall,
	[CMD_LIFT] = cmd_lift,
	[CMD_WITHDRAW] = cmd_withdraw,
	[CMD_LOCK] = cmd_lock,
	[CMD_UNLOCK] = cmd_unlock,
	[CMD_EVENTS] = cmd_events,
	[CMD_RECALL_ACK] = cmd_recall_ack,
	[CMD_IMPACT] = cmd_impact,
	[CMD_CODES] = cmd_codes,
	[CMD_AUTH] = cmd_auth,
	[CMD_AUDIT_VERIFY] = cmd_audit_verify,
	[CMD_CLOCK] = cmd_clock,
};

int cmd_read_txn(struct cmd_ctx *ctx, struct store_txn **txn)
{
	if (ctx->txn == NULL) {
		int rc = store_read_begin(ctx->reader, &ctx->txn);
		if (rc)
			return rc;
	}
	*txn = ctx->txn;
	return 0;
}

void cmd_read_done(struct cmd_ctx *ctx)
{
	if (ctx->txn && ctx->reader) {
		store_read_end(ctx->reader);
		ctx->txn = NULL;
	}
}

/* Show an argument in an error message: printable, bounded. */
static const char *shown(const struct resp_arg *a, char *buf, size_t n)
{
	size_t j = 0;
	for (size_t i = 0; i < a->len && j + 5 < n; i++) {
		unsigned char c = (unsigned char)a->ptr[i];
		buf[j++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	if (a->len && j + 5 >= n) {
		memcpy(buf + j, "...", 3);
		j += 3;
	}
	buf[j] = '\0';
	return buf;
}

const struct command_spec *cmd_lookup(int argc, const struct resp_arg *argv,
				      struct resp_out *out)
{
	const char *names[2] = { argv[0].ptr, argc > 1 ? argv[1].ptr : "" };
	size_t lens[2] = { argv[0].len, argc > 1 ? argv[1].len : 0 };
	char a[48], b[48], full[64], subs[128];
	int why = 0;
	const struct command_spec *spec = command_lookup(argc, names, lens, &why);
	if (spec == NULL) {
		if (why == 1)
			resp_error(out, "ERR", "unknown command '%s'", shown(&argv[0], a, sizeof a));
		else if (argc < 2)
			resp_error(out, "ERR", "'%s' needs a subcommand: %s",
				   shown(&argv[0], a, sizeof a),
				   command_subcommands(argv[0].ptr, subs, sizeof subs));
		else
			resp_error(out, "ERR", "unknown subcommand '%s' for '%s'; try %s",
				   shown(&argv[1], b, sizeof b), shown(&argv[0], a, sizeof a),
				   command_subcommands(argv[0].ptr, subs, sizeof subs));
		return NULL;
	}
	if (!command_arity_ok(spec, argc)) {
		resp_error(out, "ERR", "wrong number of arguments for '%s'; usage: %s %s",
			   command_full_name(spec, full, sizeof full), full, spec->usage);
		return NULL;
	}
	return spec;
}

int cmd_reject(struct cmd_ctx *ctx, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	resp_error(ctx->out, "ERR", "%.*s: %s", (int)ctx->argv[0].len, ctx->argv[0].ptr, msg);
	return 0;
}

int cmd_run(struct cmd_ctx *ctx, const struct command_spec *spec)
{
	return handlers[spec->id](ctx);
}

void cmd_execute(struct cmd_ctx *ctx, const struct command_spec *spec)
{
	size_t mark = ctx->out->b.len;
	int rc = handlers[spec->id](ctx);
	if (rc) {
		ctx->out->b.len = mark;	/* drop a partial reply */
		resp_error(ctx->out, "STORE", "read failed: %s", store_strerror(rc));
	}
}

/* A write job and everything it needs, in one allocation. */
struct cmd_write {
	struct write_job job;
	struct server *srv;
	enum cmd_id id;
	bool trusted;			/* no principal: who is unused */
	struct principal who;
	uint64_t request_id;		/* for its log entry */
	int argc;
	struct resp_arg *argv;		/* points into data[] */
};

/* Store the request as a log entry (journal.h), in the transaction of its
 * effects: the command's words, time, principal and request id. */
static int log_entry(struct store_txn *txn, const struct cmd_write *w)
{
	struct entry_stamp s = {
		.cmd = w->id,
		.time_ms = w->job.now_ms,
		.request_id = w->request_id,
		.who = { .role = ROLE_LOCAL },
	};
	if (!w->trusted)
		s.who = (struct entry_principal){
			.role = w->who.role, .site = w->who.site,
			.site_id = w->who.site_id, .site_id_len = strlen(w->who.site_id),
			.name = w->who.name, .name_len = strlen(w->who.name),
		};
	struct buf b = BUF_INIT;
	entry_encode(&b, &s, w->argc, w->argv);
	int rc = journal_append(txn, b.data, b.len, NULL);
	buf_free(&b);
	return rc;
}

static int run_write(struct store_txn *txn, struct write_job *job)
{
	struct cmd_write *w = (struct cmd_write *)job;
	struct cmd_ctx ctx = {
		.srv = w->srv,
		.who = w->trusted ? NULL : &w->who,
		.argc = w->argc,
		.argv = w->argv,
		.out = &job->reply,
		.txn = txn,
		.now_ms = job->now_ms,
	};
	int rc = handlers[w->id](&ctx);
	/* Stand-in until handlers return what became of the request: an
	 * error reply means refused, nothing written (writer.h). */
	bool refused = job->reply.b.len > 0 && job->reply.b.data[0] == '-';
	if (rc == 0 && !refused)
		rc = log_entry(txn, w);
	return rc;
}

static struct write_job *new_job(struct server *srv, enum cmd_id id, int argc,
				 const struct resp_arg *argv, const struct principal *who,
				 int64_t now_ms, uint64_t request_id, int proto, void *owner,
				 void *origin)
{
	size_t bytes = sizeof(struct cmd_write) + (size_t)argc * sizeof(struct resp_arg);
	for (int i = 0; i < argc; i++)
		bytes += argv[i].len + 1;
	struct cmd_write *w = xmalloc(bytes);
	memset(w, 0, sizeof *w);
	w->srv = srv;
	w->id = id;
	w->trusted = who == NULL;
	if (who)
		w->who = *who;
	w->request_id = request_id;
	w->argc = argc;
	w->argv = (struct resp_arg *)(w + 1);
	char *data = (char *)(w->argv + argc);
	for (int i = 0; i < argc; i++) {
		memcpy(data, argv[i].ptr, argv[i].len);
		data[argv[i].len] = '\0';
		w->argv[i].ptr = data;
		w->argv[i].len = argv[i].len;
		data += argv[i].len + 1;
	}
	w->job.bytes = bytes;
	w->job.now_ms = now_ms;
	w->job.run = run_write;
	w->job.done = worker_job_done;
	w->job.owner = owner;
	w->job.origin = origin;
	buf_init(&w->job.reply.b);
	w->job.reply.proto = proto;
	return &w->job;
}

struct write_job *cmd_write_job(struct server *srv, const struct command_spec *spec,
				int argc, const struct resp_arg *argv,
				const struct principal *who, int64_t now_ms, int proto,
				void *owner, void *origin)
{
	return new_job(srv, spec->id, argc, argv, who, now_ms, entry_new_request_id(), proto,
		       owner, origin);
}

_Static_assert(ENTRY_NAME_MAX == ACL_NAME_MAX, "an entry's principal fits struct principal");

struct write_job *cmd_entry_job(struct server *srv, const struct entry *e, int proto,
				void *owner, void *origin)
{
	const struct entry_principal *ep = &e->stamp.who;
	struct principal who = { .role = ep->role, .site = ep->site };
	if (ep->role != ROLE_LOCAL) {
		memcpy(who.name, ep->name, ep->name_len);
		memcpy(who.site_id, ep->site_id, ep->site_id_len);
	}
	struct resp_arg *argv = xmalloc(e->argc * sizeof *argv);
	const uint8_t *at = e->words;
	for (uint32_t i = 0; i < e->argc; i++) {
		const char *p;
		entry_word(&at, &p, &argv[i].len);
		argv[i].ptr = (char *)(uintptr_t)p;	/* new_job copies, never writes */
	}
	struct write_job *job = new_job(srv, e->stamp.cmd, (int)e->argc, argv,
					ep->role == ROLE_LOCAL ? NULL : &who, e->stamp.time_ms,
					e->stamp.request_id, proto, owner, origin);
	free(argv);
	return job;
}

void cmd_write_job_free(struct write_job *job)
{
	buf_free(&job->reply.b);
	free(job);
}
