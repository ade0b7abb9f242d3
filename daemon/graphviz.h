/*
 * graphviz — a DOT graph drawn as SVG by Graphviz's `dot`, for GET
 * /v1/impact?format=svg (http.c).  `dot` runs as a child process with the
 * graph on its standard input; it has GRAPHVIZ_SECONDS to finish and may
 * write at most GRAPHVIZ_MAX_BYTES, or it is killed.  Call it on a thread
 * that may wait (slow.h), never on a network thread.
 */
#ifndef YIMA_GRAPHVIZ_H
#define YIMA_GRAPHVIZ_H

#include <stddef.h>

#include "buf.h"

#define GRAPHVIZ_SECONDS 20
#define GRAPHVIZ_MAX_BYTES (16u << 20)

/* 0 with the SVG in *svg, or -1 with why in err (no `dot` on the server,
 * it failed, or took too long). */
int graphviz_svg(const char *dot, size_t len, struct buf *svg, char *err, size_t errlen);

#endif
