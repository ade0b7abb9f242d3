/*
 * xmem — allocation that cannot fail.
 *
 * A daemon that runs out of memory has no good way forward; rather than
 * thread an error through every append, these abort with a message.
 */
#ifndef YIMA_XMEM_H
#define YIMA_XMEM_H

#include <stddef.h>
#include <stdlib.h>	/* free() */

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Say that n bytes could not be had, and abort (for memory got otherwise,
 * e.g. by mmap). */
_Noreturn void xmem_fail(size_t n);

#endif
