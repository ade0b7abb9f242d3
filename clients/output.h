/*
 * output — print replies for people (indented text) or programs (JSON).
 */
#ifndef YIMA_OUTPUT_H
#define YIMA_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "resp.h"

/* Print n bytes of text from the server, with every character that could
 * drive a terminal (controls, bidirectional controls, bytes that are not
 * UTF-8; proto/text.h) escaped as \xHH or \uHHHH, whatever the store holds. */
void output_str(FILE *f, const char *s, size_t n);

/* Readable text: scalars as they are (text escaped as output_str does), maps
 * as "key: value" lines, arrays as numbered lines, nesting by indentation;
 * errors as "(error) MESSAGE". */
void output_text(FILE *f, const struct resp_value *v);

/* An error reply as yima prints every error: "yima: CODE message" and a
 * newline, the message escaped as output_str does. */
void output_error(FILE *f, const struct resp_value *v);

/* One JSON document and a newline: maps become objects, arrays arrays,
 * null null, errors {"error": "MESSAGE"}.  Bytes that are not UTF-8 become
 * U+FFFD; controls and bidirectional controls are written as \uXXXX
 * escapes, never raw.  Returns 0, or -1 if the reply cannot be converted. */
int output_json(FILE *f, const struct resp_value *v);
/* INFO's text reply: its lines (CR dropped), or with json its sections
 * as JSON (resp_info_json). */
int output_info(FILE *f, bool json, const char *text, size_t len);

#endif
