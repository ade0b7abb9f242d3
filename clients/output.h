/*
 * output — print replies for people (indented text) or programs (JSON).
 */
#ifndef YIMA_OUTPUT_H
#define YIMA_OUTPUT_H

#include <stdio.h>

#include "resp.h"

/* Readable text: scalars as they are, maps as "key: value" lines, arrays as
 * numbered lines, nesting by indentation; errors as "(error) MESSAGE". */
void output_text(FILE *f, const struct resp_value *v);

/* One JSON document and a newline: maps become objects, arrays arrays,
 * null null, errors {"error": "MESSAGE"}.  Bytes that are not UTF-8 become
 * U+FFFD.  Returns 0, or -1 if the reply cannot be converted. */
int output_json(FILE *f, const struct resp_value *v);

#endif
