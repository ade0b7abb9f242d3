/*
 * cmd — command dispatch: from a typed command (parse.h) to its handler, on
 * a network thread (reads) or through the writer (writes).
 *
 * The handler contract.  A handler reads ctx->cmd, applies it by the
 * rules, writes its reply to ctx->out and says how it ended:
 *
 *   CMD_DONE      replied; what it changed (if anything) stands
 *   CMD_REFUSED   replied with an error; it changed nothing (write
 *                 handlers check everything before their first write)
 *   CMD_ROLLBACK  replied with an error after writing: the writer must
 *                 discard what it wrote (EVENTS, writer.h WRITE_UNDO)
 *   CMD_FAILED    the store failed (ctx->store_rc): no reply; the caller
 *                 answers, or the writer retries (writer.h)
 *
 * cmd_refuse() and cmd_failed() make the last three.
 */
#ifndef YIMA_CMD_H
#define YIMA_CMD_H

#include <stdint.h>

#include "command.h"
#include "outcome.h"
#include "resp.h"
#include "writer.h"

struct config;
struct session;
struct store;
struct store_txn;
struct store_reader;
struct write_job;
struct principal;
struct judgement;

struct cmd;

struct cmd_ctx {
	const struct cmd *cmd;		/* the request, parsed and stamped */
	int store_rc;			/* CMD_FAILED: the store's error */
	const struct config *cfg;
	const struct session *session;	/* the connection's; NULL on the writer */
	struct resp_out *out;
	struct store_txn *txn;		/* the write transaction, or the read
					 * transaction once cmd_read_txn opened it */
	struct store_reader *reader;	/* network threads: for cmd_read_txn */
	struct store *store;		/* slow commands (CMD_F_SLOW), on their
					 * own thread: the store; else NULL */
	int verdict;			/* set by DISPENSE: enum verdict */
	bool conflict;			/* the refusal is for what the store holds,
					 * not for the request's words (outcome.h):
					 * HTTP answers 409 */
	bool quiet;			/* EVENTS records: nobody reads the
					 * reply, so DISPENSE leaves out its
					 * verdict (errors are still replies) */
	bool as_records;		/* EVENTS runs one-code records as one
					 * command: refuse what one record at a
					 * time would do otherwise, and EVENTS
					 * runs them one by one */
	/* On the writer, for a CMD_F_VERDICT command: where its answer leaves
	 * the judgement (kept set), rendered later on the request's thread so
	 * that the single writer does not spend its time writing replies.
	 * NULL: the answer is rendered into out at once. */
	struct judgement *keep;
	bool kept;
	char *refusal;			/* EVENTS records: cmd_refuse also puts
					 * its line here ("ERR PACK: ..."), as
					 * the reply says it; NULL: nowhere */
	size_t refusal_len;
};

typedef enum cmd_status (*cmd_handler)(struct cmd_ctx *ctx);

/* The read transaction of this batch of requests, opened on first use.
 * Returns 0 or a store error code. */
int cmd_read_txn(struct cmd_ctx *ctx, struct store_txn **txn);
/* Close the read transaction if one was opened. */
void cmd_read_done(struct cmd_ctx *ctx);

/*
 * Look up a request's command and check its arity.  Returns the spec, or
 * NULL after writing the error reply to out.
 */
const struct command_spec *cmd_lookup(int argc, const struct resp_arg *argv,
				      struct resp_out *out);

/* Reply "-ERR COMMAND: message" (the request's own command name, and the
 * same line in ctx->refusal when set) and return CMD_REFUSED. */
enum cmd_status cmd_refuse(struct cmd_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The store failed with rc: CMD_FAILED, rc kept in ctx->store_rc. */
enum cmd_status cmd_failed(struct cmd_ctx *ctx, int rc);
/* A rule's result as the handler's: CMD_REFUSED replied with o->why,
 * CMD_FAILED with o->store_rc kept; any other status as it is, for the
 * handler to render. */
enum cmd_status cmd_outcome(struct cmd_ctx *ctx, enum cmd_status st, const struct outcome *o);

/* Run a read (or connection) command on the current thread: ctx->cmd is
 * set from cmd, and a store failure is answered. */
void cmd_execute(struct cmd_ctx *ctx, const struct cmd *cmd);
/* Run the handler of ctx->cmd as it is. */
enum cmd_status cmd_run(struct cmd_ctx *ctx);

/* Make a write job for a parsed request: its words, codes and principal
 * (NULL: trusted) move into the job (cmd is left empty: cmd_free is still
 * safe), the stamp with them; the reply is encoded for `proto`.
 * owner/origin are returned untouched in the job. */
struct write_job *cmd_write_job(const struct config *cfg, struct cmd *cmd, int proto,
				write_done_fn done, void *owner, void *origin);
void cmd_write_job_free(struct write_job *job);

/* The same job for a slow command (CMD_F_SLOW, slow.h): its run calls the
 * handler with no transaction and ctx->store set to store, and answers a
 * store failure itself; it is freed with cmd_write_job_free. */
struct write_job *cmd_slow_job(const struct config *cfg, struct store *store,
			       struct cmd *cmd, int proto, write_done_fn done, void *owner,
			       void *origin);

/* The same job for a log entry applied again (replay.h) or another
 * node's (cluster.h): its command, words, principal, time and request
 * id, as the node that accepted it stamped them, from e, decoded from
 * the stored bytes, which the job stores as they are when it applies. */
struct entry;
struct write_job *cmd_entry_job(const struct config *cfg, const struct entry *e,
				const void *stored, size_t stored_len, int proto,
				write_done_fn done, void *owner, void *origin);

/* The same job for a read that must follow the writes queued before it
 * (VERIFY ... FRESH in cluster mode): run in the writer's transaction,
 * writing nothing; freed with cmd_write_job_free. */
struct write_job *cmd_read_job(const struct config *cfg, struct cmd *cmd, int proto,
			       write_done_fn done, void *owner, void *origin);

/* A write job's log entry (encoded when the job was made) and its
 * request id: what cluster mode publishes. */
void cmd_write_entry(const struct write_job *job, const void **entry, size_t *len,
		     uint64_t *request_id);

/* A job for an entry of the replicated log that does not decode (no node
 * wrote it, or it was damaged): applied as a refusal with `why`, so that
 * every node passes it at the same place. */
struct write_job *cmd_unreadable_job(const struct config *cfg, const char *why,
				     write_done_fn done, void *owner);

/* Handlers, by module. */
enum cmd_status cmd_ping(struct cmd_ctx *ctx);
enum cmd_status cmd_echo(struct cmd_ctx *ctx);
enum cmd_status cmd_hello(struct cmd_ctx *ctx);
enum cmd_status cmd_info(struct cmd_ctx *ctx);
enum cmd_status cmd_quit(struct cmd_ctx *ctx);
enum cmd_status cmd_client_setname(struct cmd_ctx *ctx);
enum cmd_status cmd_client_getname(struct cmd_ctx *ctx);
enum cmd_status cmd_client_id(struct cmd_ctx *ctx);
enum cmd_status cmd_client_info(struct cmd_ctx *ctx);
enum cmd_status cmd_client_setinfo(struct cmd_ctx *ctx);
enum cmd_status cmd_select(struct cmd_ctx *ctx);
enum cmd_status cmd_command(struct cmd_ctx *ctx);
/* A connection's name (or its library's) as given: 0, or -1 after
 * refusing it (spaces, control characters, too long), `what` saying for
 * which command. */
int cmd_check_client_name(struct cmd_ctx *ctx, const char *what, const struct resp_arg *name);
enum cmd_status cmd_site_set(struct cmd_ctx *ctx);
enum cmd_status cmd_site_get(struct cmd_ctx *ctx);
enum cmd_status cmd_product_set(struct cmd_ctx *ctx);
enum cmd_status cmd_product_get(struct cmd_ctx *ctx);
enum cmd_status cmd_commission(struct cmd_ctx *ctx);
enum cmd_status cmd_pack(struct cmd_ctx *ctx);
enum cmd_status cmd_unpack(struct cmd_ctx *ctx);
enum cmd_status cmd_ship(struct cmd_ctx *ctx);
enum cmd_status cmd_receive(struct cmd_ctx *ctx);
enum cmd_status cmd_return(struct cmd_ctx *ctx);
enum cmd_status cmd_destroy(struct cmd_ctx *ctx);
enum cmd_status cmd_verify(struct cmd_ctx *ctx);
enum cmd_status cmd_dispense(struct cmd_ctx *ctx);
enum cmd_status cmd_undo(struct cmd_ctx *ctx);
enum cmd_status cmd_trace(struct cmd_ctx *ctx);
enum cmd_status cmd_alerts(struct cmd_ctx *ctx);
enum cmd_status cmd_alert_set(struct cmd_ctx *ctx);
enum cmd_status cmd_stock(struct cmd_ctx *ctx);
enum cmd_status cmd_product_list(struct cmd_ctx *ctx);
enum cmd_status cmd_site_list(struct cmd_ctx *ctx);
enum cmd_status cmd_lots(struct cmd_ctx *ctx);
enum cmd_status cmd_contents(struct cmd_ctx *ctx);
enum cmd_status cmd_risk(struct cmd_ctx *ctx);
enum cmd_status cmd_recall(struct cmd_ctx *ctx);
enum cmd_status cmd_lift(struct cmd_ctx *ctx);
enum cmd_status cmd_withdraw(struct cmd_ctx *ctx);
enum cmd_status cmd_unwithdraw(struct cmd_ctx *ctx);
enum cmd_status cmd_decommission(struct cmd_ctx *ctx);
enum cmd_status cmd_transform(struct cmd_ctx *ctx);
enum cmd_status cmd_reactivate(struct cmd_ctx *ctx);
enum cmd_status cmd_lock(struct cmd_ctx *ctx);
/* COLDCHAIN RELEASE code [code ...] REASON text (cmd_coldchain.c) */
enum cmd_status cmd_coldchain_release(struct cmd_ctx *ctx);
enum cmd_status cmd_unlock(struct cmd_ctx *ctx);
enum cmd_status cmd_events(struct cmd_ctx *ctx);
enum cmd_status cmd_recall_ack(struct cmd_ctx *ctx);
enum cmd_status cmd_impact(struct cmd_ctx *ctx);
enum cmd_status cmd_codes(struct cmd_ctx *ctx);
enum cmd_status cmd_auth(struct cmd_ctx *ctx);
enum cmd_status cmd_audit_verify(struct cmd_ctx *ctx);
enum cmd_status cmd_clock(struct cmd_ctx *ctx);
enum cmd_status cmd_backup(struct cmd_ctx *ctx);
enum cmd_status cmd_epcis_query(struct cmd_ctx *ctx);

#endif
