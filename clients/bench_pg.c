/*
 * bench_pg — PostgreSQL requests for yima-bench through libpq's pipeline
 * mode (see bench_pg.h).
 *
 * In pipeline mode each request answers as: its result (rows, a command
 * tag or an error), a NULL separator, then PGRES_PIPELINE_SYNC for the
 * Sync sent after it.  A request is finished at its Sync; its outcome was
 * decided by the result before.
 */
#include "bench_pg.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "xmem.h"

static const char SQL_SELECT[] =
	"SELECT code, product, lot, expiry, level, status, holder, parent "
	"FROM units WHERE code = $1";
static const char SQL_UPDATE[] =
	"UPDATE units SET status = 'dispensed', sold_site = $2, sold_tx = $3, "
	"sold_at = now() WHERE code = $1 AND status = 'active'";

struct bench_pg {
	PGconn *conn;
	unsigned inflight;		/* requests sent, Sync not yet seen */
	enum pg_outcome outcome;	/* of the request being answered */
	char failure[256];		/* its error text, when PG_FAILED */
	char err[512];
};

static int fail(struct bench_pg *pg, const char *what)
{
	snprintf(pg->err, sizeof pg->err, "%s: %s", what, PQerrorMessage(pg->conn));
	size_t n = strlen(pg->err);
	while (n && (pg->err[n - 1] == '\n' || pg->err[n - 1] == ' '))
		pg->err[--n] = '\0';
	return -1;
}

static int prepare(struct bench_pg *pg, const char *name, const char *sql, int nparams)
{
	PGresult *r = PQprepare(pg->conn, name, sql, nparams, NULL);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		snprintf(pg->err, sizeof pg->err, "preparing %s: %s", name,
			 PQresultErrorMessage(r));
	PQclear(r);
	return ok ? 0 : -1;
}

struct bench_pg *bench_pg_connect(const char *host, const char *port, const char *user,
				  const char *db, char *err, size_t errlen)
{
	const char *keys[] = { "host", "port", "user", "dbname", "connect_timeout", NULL };
	const char *vals[] = { host, port, user, db, "10", NULL };
	struct bench_pg *pg = xcalloc(1, sizeof *pg);
	pg->conn = PQconnectdbParams(keys, vals, 0);
	if (PQstatus(pg->conn) != CONNECTION_OK) {
		fail(pg, "cannot connect to PostgreSQL");
		goto bad;
	}
	if (prepare(pg, "verify", SQL_SELECT, 1) != 0 ||
	    prepare(pg, "dispense", SQL_UPDATE, 3) != 0)
		goto bad;
	if (PQsetnonblocking(pg->conn, 1) != 0 || PQenterPipelineMode(pg->conn) != 1) {
		fail(pg, "entering pipeline mode");
		goto bad;
	}
	return pg;
bad:
	snprintf(err, errlen, "%s", pg->err);
	bench_pg_close(pg);
	return NULL;
}

void bench_pg_close(struct bench_pg *pg)
{
	if (!pg)
		return;
	PQfinish(pg->conn);
	free(pg);
}

int bench_pg_fd(const struct bench_pg *pg)
{
	return PQsocket(pg->conn);
}

const char *bench_pg_error(const struct bench_pg *pg)
{
	return pg->err;
}

static int send_prepared(struct bench_pg *pg, const char *stmt, int n, const char *const *v)
{
	if (PQsendQueryPrepared(pg->conn, stmt, n, v, NULL, NULL, 0) != 1)
		return fail(pg, "sending a query");
	if (PQpipelineSync(pg->conn) != 1)
		return fail(pg, "sending a Sync");
	pg->inflight++;
	return 0;
}

int bench_pg_send_select(struct bench_pg *pg, const char *code)
{
	const char *v[] = { code };
	return send_prepared(pg, "verify", 1, v);
}

int bench_pg_send_update(struct bench_pg *pg, const char *code, const char *site,
			 const char *tx)
{
	const char *v[] = { code, site, tx };
	return send_prepared(pg, "dispense", 3, v);
}

int bench_pg_flush(struct bench_pg *pg)
{
	int r = PQflush(pg->conn);
	return r < 0 ? fail(pg, "sending") : r;
}

int bench_pg_read(struct bench_pg *pg,
		  void (*done)(void *arg, enum pg_outcome o, const char *msg), void *arg)
{
	if (PQconsumeInput(pg->conn) != 1)
		return fail(pg, "reading");
	while (pg->inflight > 0 && !PQisBusy(pg->conn)) {
		PGresult *r = PQgetResult(pg->conn);
		if (!r)
			continue;	/* the separator after one query's results */
		switch (PQresultStatus(r)) {
		case PGRES_PIPELINE_SYNC:
			pg->inflight--;
			done(arg, pg->outcome, pg->outcome == PG_FAILED ? pg->failure : NULL);
			break;
		case PGRES_TUPLES_OK:
			pg->outcome = PQntuples(r) == 1 ? PG_ROW : PG_NONE;
			break;
		case PGRES_COMMAND_OK:
			pg->outcome = strcmp(PQcmdTuples(r), "1") == 0 ? PG_ROW : PG_NONE;
			break;
		default:	/* an error, or a query skipped after one */
			pg->outcome = PG_FAILED;
			snprintf(pg->failure, sizeof pg->failure, "%s",
				 PQresultErrorMessage(r));
			pg->failure[strcspn(pg->failure, "\n")] = '\0';
			break;
		}
		PQclear(r);
	}
	if (PQstatus(pg->conn) == CONNECTION_BAD)
		return fail(pg, "connection lost");
	return 0;
}
