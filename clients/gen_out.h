/*
 * gen_out — buffered output files for yima-gen: a large buffer per file,
 * filled with memcpy and hand-rolled number formatting and written with
 * write(2) when full, because stdio's per-call locking and printf's format
 * parsing would dominate a generator that writes hundreds of millions of
 * short CSV rows.
 *
 * Error convention: gen_out_open and gen_out_close return 0 or -1 after
 * printing "yima-gen: <path>: <reason>" on stderr.  A write error while
 * filling is remembered (go_err) and reported by gen_out_close, so the hot
 * path needs no checks.
 */
#ifndef YIMA_GEN_OUT_H
#define YIMA_GEN_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define GEN_OUT_BUF (1u << 20) /* flush when fewer than GEN_OUT_ROOM bytes remain */
#define GEN_OUT_ROOM 4096u     /* more than any one row or JSON event line */

struct gen_out {
	int    go_fd;          /* -1 when closed */
	int    go_err;         /* errno of the first failed write, 0 if none */
	char  *go_buf;         /* GEN_OUT_BUF bytes */
	size_t go_len;
	uint64_t go_bytes;     /* bytes written so far, flushed or not */
	char   go_path[4096];
};

/* Create (truncate) dir/name for writing.  Returns 0 or -1 (message printed). */
int gen_out_open(struct gen_out *o, const char *dir, const char *name);
/* Write out what is buffered (called by the fillers when the buffer is
 * nearly full; errors are kept in go_err). */
void gen_out_flush(struct gen_out *o);
/* Flush, close and free.  Returns 0, or -1 after printing the first write
 * or close error.  Safe on a file that was never opened (go_fd == -1). */
int gen_out_close(struct gen_out *o);
/* Prepare an unopened output so gen_out_close on it does nothing. */
void gen_out_init(struct gen_out *o);

/* Callers make sure a row fits: call gen_out_room before each row. */
static inline void gen_out_room(struct gen_out *o)
{
	if (o->go_len > GEN_OUT_BUF - GEN_OUT_ROOM)
		gen_out_flush(o);
}

static inline void gen_out_put(struct gen_out *o, const char *s, size_t n)
{
	memcpy(o->go_buf + o->go_len, s, n);
	o->go_len += n;
}

static inline void gen_out_str(struct gen_out *o, const char *s)
{
	gen_out_put(o, s, strlen(s));
}

static inline void gen_out_ch(struct gen_out *o, char c)
{
	o->go_buf[o->go_len++] = c;
}

/* A whole number in decimal. */
void gen_out_u64(struct gen_out *o, uint64_t v);
/* One CSV field per RFC 4180: quoted (with "" for ") only when it holds a
 * comma, a quote, CR or LF. */
void gen_out_csv(struct gen_out *o, const char *s);
/* A JSON string, quotes included; escapes " \ and control characters. */
void gen_out_json(struct gen_out *o, const char *s);

#endif /* YIMA_GEN_OUT_H */
