/*
 * bench_pg — PostgreSQL as a peer for yima-bench: one libpq connection in
 * pipeline mode, driven from yima-bench's event loop.
 *
 * The table is the one tests/bench/compare.py loads (clients/BENCH.md):
 *
 *   units(code text primary key, product, lot, expiry, level, status,
 *         holder, parent, sold_site, sold_tx, sold_at)
 *
 * A VERIFY is a prepared SELECT of one row by code; a DISPENSE a prepared
 * UPDATE ... WHERE code = $1 AND status = 'active', each request in its own
 * transaction (a Sync after each), so with synchronous_commit on every
 * answered DISPENSE is durable, as yimad's are.  Pipeline mode lets one
 * connection keep several requests in flight, like a RESP pipeline.
 *
 * Errors: functions that can fail return -1 and leave a message for
 * bench_pg_error().
 */
#ifndef YIMA_BENCH_PG_H
#define YIMA_BENCH_PG_H

#include <stddef.h>

struct bench_pg;

enum pg_outcome {
	PG_ROW,		/* the SELECT found its row; the UPDATE changed one */
	PG_NONE,	/* no row found or changed */
	PG_FAILED,	/* the server answered with an error */
};

/* Connect (blocking), prepare both statements, enter pipeline mode.
 * Returns NULL with a message in err. */
struct bench_pg *bench_pg_connect(const char *host, const char *port, const char *user,
				  const char *db, char *err, size_t errlen);
void bench_pg_close(struct bench_pg *pg);
int bench_pg_fd(const struct bench_pg *pg);
const char *bench_pg_error(const struct bench_pg *pg);

/* Queue one request (its own transaction). */
int bench_pg_send_select(struct bench_pg *pg, const char *code);
int bench_pg_send_update(struct bench_pg *pg, const char *code, const char *site,
			 const char *tx);
/* Send what is queued: 0 all sent, 1 more to send (wait until writable),
 * -1 error. */
int bench_pg_flush(struct bench_pg *pg);
/*
 * Take in what arrived and call done(arg, outcome, message) for each
 * request answered, in the order sent (message: the server's error text for
 * PG_FAILED, else NULL).  Returns 0, or -1 if the connection failed.
 */
int bench_pg_read(struct bench_pg *pg,
		  void (*done)(void *arg, enum pg_outcome o, const char *msg), void *arg);

#endif
