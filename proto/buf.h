/*
 * buf — a growable byte buffer.
 *
 * Used for reply encoding, client input and anything else that appends bytes.
 * Out of memory aborts (see xmem.h): a buffer operation never fails.
 * `data` is always NUL-terminated past `len` once anything was added, so a
 * buffer of text can be handed to C string functions.
 */
#ifndef YIMA_BUF_H
#define YIMA_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char  *data;
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

void buf_init(struct buf *b);
void buf_free(struct buf *b);
/* Make room for `extra` more bytes (plus the terminating NUL). */
void buf_reserve(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Forget the contents, keep the memory. */
void buf_reset(struct buf *b);
/* Drop the first n bytes. */
void buf_consume(struct buf *b, size_t n);

#endif
