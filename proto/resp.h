/*
 * resp — the RESP wire protocol (RESP2, and RESP3 after HELLO 3).
 *
 * Three parts, one file each:
 *   resp_request.c  server side: an incremental request parser (multibulk
 *                   and inline commands), zero-copy, with hard limits;
 *   resp_encode.c   server side: reply encoding for protocol 2 or 3;
 *   resp_value.c    client side: a parser for every RESP2/RESP3 reply type.
 *
 * Nothing here does I/O: the caller owns the bytes.  See PROTOCOL.md.
 */
#ifndef YIMA_RESP_H
#define YIMA_RESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"

/* ---------------------------------------------------------------- requests */

struct resp_limits {
	uint32_t max_args;	/* arguments in one request */
	size_t   max_bulk;	/* bytes in one argument */
	size_t   max_request;	/* bytes in one request, framing included */
	size_t   max_inline;	/* bytes in one inline command line */
};

/* Defaults; the daemon's config can change every one. */
#define RESP_DEFAULT_MAX_ARGS    (1u << 20)
#define RESP_DEFAULT_MAX_BULK    ((size_t)64 << 20)
#define RESP_DEFAULT_MAX_REQUEST ((size_t)256 << 20)
#define RESP_DEFAULT_MAX_INLINE  ((size_t)64 << 10)

/* One argument of a request: points into the caller's buffer, which the
 * parser NUL-terminates in place after each argument (the byte after an
 * argument is framing), so `ptr` is also a C string when the argument holds
 * no NUL bytes.  Valid until the caller drops or moves those bytes. */
struct resp_arg {
	char  *ptr;
	size_t len;
};

enum resp_status {
	RESP_DONE,		/* a whole request was parsed */
	RESP_AGAIN,		/* need more bytes; call again with them appended */
	RESP_ERROR,		/* framing error: reply with p->err, then close */
};

struct resp_parser {
	struct resp_limits lim;
	/* Progress through the request at the head of the buffer, kept so a
	 * request split across reads is not parsed again from its start.
	 * Offsets, not pointers: the caller may move its buffer between calls. */
	size_t   pos;		/* bytes of this request parsed so far */
	int64_t  nargs;		/* from the '*' header; -1 before it */
	int64_t  bulklen;	/* from the current '$' header; -1 before it */
	uint32_t argc;		/* arguments complete */
	uint32_t cap;		/* capacity of off/argv */
	size_t  *off;		/* offset of each argument from request start */
	size_t  *lens;
	struct resp_arg *argv;
	bool     is_inline;
	char     err[192];	/* why RESP_ERROR, without the "-ERR " */
};

void resp_parser_init(struct resp_parser *p, const struct resp_limits *lim);
void resp_parser_free(struct resp_parser *p);

/*
 * Parse one request from buf[0..len).  The buffer must start where the
 * previous request ended and, between calls that returned RESP_AGAIN, hold
 * the same bytes plus whatever arrived since.  Arguments are unquoted and
 * NUL-terminated in place, so buf must be writable.
 *
 * RESP_DONE:  *argc and *argv describe the request (argv owned by the parser,
 *             valid until the next call), *used is its size in bytes.
 *             An empty request (blank inline line, "*0") yields argc 0.
 * RESP_AGAIN: nothing to do yet; *need says how many bytes buf must hold
 *             before another call can make progress (a hint: len+1 or more).
 * RESP_ERROR: p->err says what is wrong; the stream cannot be resynchronised.
 */
enum resp_status resp_parse_request(struct resp_parser *p, char *buf, size_t len,
				    int *argc, struct resp_arg **argv,
				    size_t *used, size_t *need);

/*
 * Split one inline command line (no line ending) into arguments in place:
 * blanks separate, "double quotes" take \" \\ \n \r \t \xHH escapes,
 * 'single quotes' take only \'.  Each argument is NUL-terminated in line.
 * Returns the number of arguments (at most max), or -1 with *err set on an
 * unbalanced quote or more than max arguments.
 */
int resp_split_inline(char *line, size_t len, struct resp_arg *argv, int max,
		      const char **err);

/* ----------------------------------------------------------------- replies */

/* A reply being encoded, for protocol version 2 or 3.  Types that RESP2 lacks
 * are sent as their RESP2 equivalent (map → flat array, null → $-1,
 * boolean → integer, double → bulk string, verbatim → bulk string). */
struct resp_out {
	struct buf b;
	int proto;
};

void resp_simple(struct resp_out *o, const char *s);	/* +s (no CR/LF in s) */
/* -CODE message: `code` is the leading word (ERR, NOTFOUND, ...); CR and LF
 * in the message become spaces. */
void resp_error(struct resp_out *o, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void resp_int(struct resp_out *o, int64_t v);
void resp_bulk(struct resp_out *o, const void *p, size_t n);
/* Bulk of a C string; inline, so that a literal's length (every map key
 * of every reply) is known when compiling, not counted per reply. */
static inline void resp_cstr(struct resp_out *o, const char *s)
{
	resp_bulk(o, s, strlen(s));
}
void resp_null(struct resp_out *o);
void resp_array(struct resp_out *o, size_t n);
void resp_map(struct resp_out *o, size_t npairs);
void resp_set(struct resp_out *o, size_t n);
void resp_bool(struct resp_out *o, bool v);
void resp_double(struct resp_out *o, double v);
void resp_bignum(struct resp_out *o, const char *digits);
void resp_verbatim(struct resp_out *o, const char *fmt3, const void *p, size_t n);
void resp_push(struct resp_out *o, size_t n);	/* RESP3 only; array in RESP2 */

/* ----------------------------------------------------------- reply values */

enum resp_type {
	RESP_T_SIMPLE,		/* +  */
	RESP_T_ERROR,		/* -  */
	RESP_T_INT,		/* :  */
	RESP_T_BULK,		/* $  */
	RESP_T_ARRAY,		/* *  */
	RESP_T_NULL,		/* _ , $-1, *-1 */
	RESP_T_BOOL,		/* #  */
	RESP_T_DOUBLE,		/* ,  */
	RESP_T_BIGNUM,		/* (  */
	RESP_T_BULK_ERROR,	/* !  */
	RESP_T_VERBATIM,	/* =  */
	RESP_T_MAP,		/* %  */
	RESP_T_SET,		/* ~  */
	RESP_T_ATTR,		/* |  */
	RESP_T_PUSH,		/* >  */
};

/* A parsed reply.  Strings (simple, error, bulk, bignum, verbatim) are in
 * str/len, NUL-terminated; verbatim keeps its 3-letter format in fmt.
 * Aggregates have n elements in elem (a map or attribute: 2*n, key then
 * value).  An attribute carries the value that followed it in elem[2n]. */
struct resp_value {
	enum resp_type type;
	int64_t  integer;	/* INT; BOOL as 0/1 */
	double   dbl;
	char    *str;
	size_t   len;
	char     fmt[4];
	size_t   n;
	struct resp_value *elem;
};

/* Nesting deeper than this is refused (a hostile server cannot overflow
 * the client's stack). */
#define RESP_MAX_DEPTH 64

/*
 * Parse one reply from buf[0..len).
 * Returns 1 with *out filled and *used set, 0 if the reply is incomplete, or
 * -1 on malformed input with *err (static text) set.  *out is owned by the
 * caller: release it with resp_value_free.
 */
int resp_parse_value(const char *buf, size_t len, struct resp_value *out,
		     size_t *used, const char **err);
void resp_value_free(struct resp_value *v);
/* Not an aggregate (array, set, push, map, attribute). */
bool resp_is_scalar(const struct resp_value *v);
const char *resp_type_name(enum resp_type t);

/* Encode a command as a RESP array of bulk strings (what clients send). */
void resp_command(struct buf *b, int argc, const char *const *argv,
		  const size_t *lens);

#endif
