/*
 * cmd — dispatch table, arity checks, and write jobs.
 */
#include "cmd.h"
#include "parse.h"
#include "acl.h"
#include "entry.h"
#include "journal.h"
#include "log.h"
#include "site_kinds.h"
#include "store.h"
#include "verdict.h"
#include "writer.h"
#include "xmem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A verdict's reply is 700-800 bytes (DISPENSE of a unit with a name). */
#define REPLY_ROOM 1024

static const cmd_handler handlers[CMD__COUNT] = {
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
	[CMD_EVENTS] = cmd_events,
	[CMD_PING] = cmd_ping,
	[CMD_ECHO] = cmd_echo,
	[CMD_HELLO] = cmd_hello,
	[CMD_INFO] = cmd_info,
	[CMD_QUIT] = cmd_quit,
	[CMD_SITE_SET] = cmd_site_set,
	[CMD_SITE_GET] = cmd_site_get,
	[CMD_PRODUCT_SET] = cmd_product_set,
	[CMD_PRODUCT_GET] = cmd_product_get,
	[CMD_TRACE] = cmd_trace,
	[CMD_ALERTS] = cmd_alerts,
	[CMD_RECALL] = cmd_recall,
	[CMD_LIFT] = cmd_lift,
	[CMD_WITHDRAW] = cmd_withdraw,
	[CMD_LOCK] = cmd_lock,
	[CMD_UNLOCK] = cmd_unlock,
	[CMD_RECALL_ACK] = cmd_recall_ack,
	[CMD_IMPACT] = cmd_impact,
	[CMD_CODES] = cmd_codes,
	[CMD_AUTH] = cmd_auth,
	[CMD_AUDIT_VERIFY] = cmd_audit_verify,
	[CMD_CLOCK] = cmd_clock,
	[CMD_BACKUP] = cmd_backup,
	[CMD_EPCIS_QUERY] = cmd_epcis_query,
	[CMD_CLIENT_SETNAME] = cmd_client_setname,
	[CMD_CLIENT_GETNAME] = cmd_client_getname,
	[CMD_CLIENT_ID] = cmd_client_id,
	[CMD_CLIENT_INFO] = cmd_client_info,
	[CMD_CLIENT_SETINFO] = cmd_client_setinfo,
	[CMD_SELECT] = cmd_select,
	[CMD_COMMAND] = cmd_command,
	[CMD_DECOMMISSION] = cmd_decommission,
	[CMD_TRANSFORM] = cmd_transform,
	[CMD_REACTIVATE] = cmd_reactivate,
	[CMD_UNWITHDRAW] = cmd_unwithdraw,
	[CMD_COLDCHAIN_RELEASE] = cmd_coldchain_release,
	[CMD_ALERT_SET] = cmd_alert_set,
	[CMD_STOCK] = cmd_stock,
	[CMD_PRODUCT_LIST] = cmd_product_list,
	[CMD_SITE_LIST] = cmd_site_list,
	[CMD_LOTS] = cmd_lots,
	[CMD_CONTENTS] = cmd_contents,
	[CMD_RISK] = cmd_risk,
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

const struct command_spec *cmd_lookup(int argc, const struct resp_arg *argv,
				      struct resp_out *out)
{
	char why[512];
	const struct command_spec *spec = cmd_find(argc, argv, why, sizeof why);
	if (spec == NULL)
		resp_error(out, "ERR", "%s", why);
	return spec;
}

static void reject(struct cmd_ctx *ctx, const char *fmt, va_list ap)
{
	const struct resp_arg *name = &ctx->cmd->argv[0];	/* as the client wrote it */
	char msg[512];
	vsnprintf(msg, sizeof msg, fmt, ap);
	resp_error(ctx->out, "ERR", "%.*s: %s", (int)name->len, name->ptr, msg);
	if (ctx->refusal == NULL)
		return;
	/* The same line as the reply, without its framing. */
	snprintf(ctx->refusal, ctx->refusal_len, "ERR %.*s: %s", (int)name->len, name->ptr,
		 msg);
	for (char *p = ctx->refusal; *p; p++)
		if (*p == '\r' || *p == '\n')
			*p = ' ';
}

enum cmd_status cmd_refuse(struct cmd_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	reject(ctx, fmt, ap);
	va_end(ap);
	return CMD_REFUSED;
}

enum cmd_status cmd_failed(struct cmd_ctx *ctx, int rc)
{
	ctx->store_rc = rc;
	return CMD_FAILED;
}

enum cmd_status cmd_outcome(struct cmd_ctx *ctx, enum cmd_status st, const struct outcome *o)
{
	if (st == CMD_REFUSED && o->conflict)
		ctx->conflict = true;
	if (st == CMD_REFUSED)
		return cmd_refuse(ctx, "%s", o->why);
	if (st == CMD_FAILED)
		return cmd_failed(ctx, o->store_rc);
	return st;
}

enum cmd_status cmd_run(struct cmd_ctx *ctx)
{
	const struct cmd *c = ctx->cmd;
	enum cmd_id id = c->spec->id;
	ctx->store_rc = 0;
	/* What its acting site's kind may do comes first, for every write
	 * and every EVENTS record, whoever sent it. */
	if (c->spec->flags & CMD_F_WRITE) {
		char why[300];
		int rc = site_kinds_check(ctx->txn, c, why, sizeof why);
		if (rc == -1)
			return cmd_refuse(ctx, "%s", why);
		if (rc)
			return cmd_failed(ctx, rc);
	}
	return handlers[id](ctx);
}

void cmd_execute(struct cmd_ctx *ctx, const struct cmd *cmd)
{
	size_t mark = ctx->out->b.len;
	ctx->cmd = cmd;
	if (cmd_run(ctx) == CMD_FAILED) {
		ctx->out->b.len = mark;	/* drop a partial reply */
		resp_error(ctx->out, "STORE", "read failed: %s", store_strerror(ctx->store_rc));
	}
}

/* A write job and everything it needs, in one allocation: the command,
 * its principal and a copy of its words. */
struct cmd_write {
	struct write_job job;
	const struct config *cfg;	/* the rules' settings; outlives the job */
	struct store *store;		/* slow commands: for their handler */
	struct principal who;
	struct cmd cmd;
	/* The command as its log entry (entry.h), encoded when the job is
	 * made, off the writer; stored if the command applies. */
	struct buf entry;
	/* A log entry whose words no longer parse (replay.h): refused with
	 * this, never applied. */
	char *unparsed;
	/* A CMD_F_VERDICT command's judgement, kept by run_write for
	 * render_verdict; allocated with the job, off the writer. */
	struct judgement *judged;
};

/* The command as a log entry: its words and its stamp — time, principal,
 * request id. */
static void encode_entry(struct buf *b, const struct cmd *c)
{
	struct entry_stamp s = {
		.version = c->entry_version,
		.cmd = c->spec->id,
		.time_ms = c->time_ms,
		.request_id = c->request_id,
		.who = { .role = ROLE_LOCAL },
	};
	if (c->who)
		s.who = (struct entry_principal){
			.role = c->who->role, .site = c->who->site,
			.site_id = c->who->site_id, .site_id_len = strlen(c->who->site_id),
			.name = c->who->name, .name_len = strlen(c->who->name),
		};
	entry_encode(b, &s, c->argc, c->argv);
}

/* An entry of the replicated log is applied once, in stream order: the
 * stream sequence and the request id are noted in the transaction of its
 * effects.  Returns 0 to apply it; 1 when it was applied before (the
 * stream delivered it again, or a publish whose ack was lost was sent
 * again and its first copy applied): answered, nothing changes; or a
 * store error. */
static int replicated_once(struct store_txn *txn, struct cmd_write *w)
{
	uint64_t applied, first;
	int rc = journal_applied(txn, &applied);
	if (rc)
		return rc;
	if (w->job.stream_pos <= applied) {
		resp_simple(&w->job.reply, "OK");
		return 1;
	}
	if ((rc = journal_set_applied(txn, w->job.stream_pos)) != 0)
		return rc;
	rc = journal_request_seen(txn, w->cmd.request_id, w->job.stream_pos, w->cmd.time_ms,
				  &first);
	if (rc == 1)
		resp_simple(&w->job.reply, "OK");
	return rc;
}

/* The origin's thread: the reply of a verdict the writer kept. */
static void render_verdict(struct write_job *job)
{
	struct cmd_write *w = (struct cmd_write *)job;
	verdict_reply(&job->reply, w->judged, w->cfg, w->cmd.when_ms);
}

/* Apply a command and, when it applied, store it as the log's next entry:
 * a refused request changed nothing and leaves none, and a rolled back
 * one is discarded with everything it wrote. */
static int run_write(struct store_txn *txn, struct write_job *job)
{
	struct cmd_write *w = (struct cmd_write *)job;
	struct cmd_ctx ctx = {
		.cmd = &w->cmd,
		.cfg = w->cfg,
		.out = &job->reply,
		.txn = txn,
		.keep = w->judged,
	};
	if (job->stream_pos) {
		int rc = replicated_once(txn, w);
		if (rc)
			return rc == 1 ? 0 : rc;
	}
	if (w->unparsed) {
		resp_error(&job->reply, "ERR", "%s", w->unparsed);
		return 0;
	}
	enum cmd_status st = cmd_run(&ctx);
	job->conflict = ctx.conflict;
	switch (st) {
	case CMD_DONE:	/* the log's next entry, with its effects */
		if (ctx.kept)
			job->render = render_verdict;
		return journal_append(txn, w->entry.data, w->entry.len, NULL);
	case CMD_REFUSED:
		return 0;
	case CMD_ROLLBACK:
		return WRITE_UNDO;
	case CMD_FAILED:
	default:
		return ctx.store_rc;
	}
}

/* What a new job's log entry is. */
enum job_entry {
	ENTRY_NONE,		/* none: a read, or an entry's stored bytes to come */
	ENTRY_ENCODE,		/* the command's, encoded and packed here */
};

static struct write_job *new_job(const struct config *cfg, struct cmd *cmd, int proto,
				 write_done_fn done, void *owner, void *origin,
				 enum job_entry entry)
{
	int argc = cmd->argc;
	size_t bytes = sizeof(struct cmd_write) + (size_t)argc * sizeof(struct resp_arg);
	for (int i = 0; i < argc; i++)
		bytes += cmd->argv[i].len + 1;
	struct cmd_write *w = xmalloc(bytes);
	memset(w, 0, sizeof *w);
	w->cfg = cfg;
	struct resp_arg *argv = (struct resp_arg *)(w + 1);
	char *data = (char *)(argv + argc);
	for (int i = 0; i < argc; i++) {
		memcpy(data, cmd->argv[i].ptr, cmd->argv[i].len);
		data[cmd->argv[i].len] = '\0';
		argv[i].ptr = data;
		argv[i].len = cmd->argv[i].len;
		data += cmd->argv[i].len + 1;
	}
	/* The command moves in: its codes and records are the job's now. */
	if (cmd->who)
		w->who = *cmd->who;
	cmd_move(&w->cmd, cmd, argv, cmd->who ? &w->who : NULL);
	if (w->cmd.request_id == 0)
		w->cmd.request_id = entry_new_request_id();
	if (entry == ENTRY_ENCODE) {
		encode_entry(&w->entry, &w->cmd);
		entry_pack(&w->entry);
	}
	w->job.bytes = bytes;
	w->job.now_ms = cmd->time_ms;
	w->job.run = run_write;
	w->job.done = done;
	w->job.owner = owner;
	w->job.origin = origin;
	w->job.cmd = w->cmd.spec ? (int)w->cmd.spec->id : -1;
	if (w->cmd.spec && (w->cmd.spec->flags & CMD_F_VERDICT))
		w->judged = xmalloc(sizeof *w->judged);
	/* Room for a verdict's reply, taken here on the network thread: grown
	 * from nothing, it took four reallocations on the writer. */
	buf_init(&w->job.reply.b);
	buf_reserve(&w->job.reply.b, REPLY_ROOM);
	w->job.reply.proto = proto;
	return &w->job;
}

struct write_job *cmd_write_job(const struct config *cfg, struct cmd *cmd, int proto,
				write_done_fn done, void *owner, void *origin)
{
	return new_job(cfg, cmd, proto, done, owner, origin, ENTRY_ENCODE);
}

_Static_assert(ENTRY_NAME_MAX == ACL_NAME_MAX, "an entry's principal fits struct principal");

struct write_job *cmd_entry_job(const struct config *cfg, const struct entry *e,
				const void *stored, size_t stored_len, int proto,
				write_done_fn done, void *owner, void *origin)
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
		argv[i].ptr = (char *)(uintptr_t)p;	/* parsed and copied, never written */
	}
	/* The entry is parsed again, as its node parsed the request: the
	 * same words at the same time give the same command. */
	struct cmd c;
	char err[400];
	const struct principal *pw = ep->role == ROLE_LOCAL ? NULL : &who;
	const struct command_spec *spec = command_by_id(e->stamp.cmd);
	int bad = cmd_parse(&c, spec, (int)e->argc, argv, e->stamp.time_ms, pw, err, sizeof err);
	c.request_id = e->stamp.request_id;
	cmd_set_entry_version(&c, e->version);
	struct write_job *job = new_job(cfg, &c, proto, done, owner, origin, ENTRY_NONE);
	struct cmd_write *w = (struct cmd_write *)job;
	/* Stored again as it came, packed or not (entry.h). */
	buf_append(&w->entry, stored, stored_len);
	if (bad)
		w->unparsed = xstrdup(err);
	cmd_free(&c);
	free(argv);
	return job;
}

/* Run a job's command as a read, through txn (a write transaction the
 * writer gives it) or else through store (a slow command's own reads):
 * no log entry, and a store failure answered here. */
static int run_as_read(struct write_job *job, struct store_txn *txn, struct store *store)
{
	struct cmd_write *w = (struct cmd_write *)job;
	struct cmd_ctx ctx = {
		.cmd = &w->cmd,
		.cfg = w->cfg,
		.out = &job->reply,
		.txn = txn,
		.store = store,
	};
	if (cmd_run(&ctx) == CMD_FAILED) {
		buf_reset(&job->reply.b);	/* drop a partial reply */
		resp_error(&job->reply, "STORE", "read failed: %s", store_strerror(ctx.store_rc));
	}
	return 0;
}

/* A slow command, on its own thread: no transaction, no log entry (it
 * changes nothing the log replays). */
static int run_slow(struct store_txn *txn, struct write_job *job)
{
	(void)txn;
	return run_as_read(job, NULL, ((struct cmd_write *)job)->store);
}

struct write_job *cmd_slow_job(const struct config *cfg, struct store *store,
			       struct cmd *cmd, int proto, write_done_fn done, void *owner,
			       void *origin)
{
	struct write_job *job = new_job(cfg, cmd, proto, done, owner, origin, ENTRY_NONE);
	struct cmd_write *w = (struct cmd_write *)job;
	w->store = store;
	job->run = run_slow;
	return job;
}

/* A read in the writer's transaction: it sees every write queued before
 * it, and writes nothing (no log entry either). */
static int run_read_job(struct store_txn *txn, struct write_job *job)
{
	return run_as_read(job, txn, NULL);
}

struct write_job *cmd_read_job(const struct config *cfg, struct cmd *cmd, int proto,
			       write_done_fn done, void *owner, void *origin)
{
	struct write_job *job = new_job(cfg, cmd, proto, done, owner, origin, ENTRY_NONE);
	job->run = run_read_job;
	return job;
}

void cmd_write_entry(const struct write_job *job, const void **entry, size_t *len,
		     uint64_t *request_id)
{
	const struct cmd_write *w = (const struct cmd_write *)job;
	*entry = w->entry.data;
	*len = w->entry.len;
	*request_id = w->cmd.request_id;
}

struct write_job *cmd_unreadable_job(const struct config *cfg, const char *why,
				     write_done_fn done, void *owner)
{
	struct cmd_write *w = xcalloc(1, sizeof *w);
	w->cfg = cfg;
	w->cmd.codes = &w->cmd.one;
	w->unparsed = xstrdup(why);
	w->job.bytes = sizeof *w;
	w->job.run = run_write;
	w->job.done = done;
	w->job.owner = owner;
	buf_init(&w->entry);
	buf_init(&w->job.reply.b);
	w->job.reply.proto = 3;
	return &w->job;
}

void cmd_write_job_free(struct write_job *job)
{
	struct cmd_write *w = (struct cmd_write *)job;
	cmd_free(&w->cmd);
	buf_free(&w->entry);
	free(w->unparsed);
	free(w->judged);
	buf_free(&job->reply.b);
	free(job);
}
