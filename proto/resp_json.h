/*
 * resp_json — a RESP reply as a JSON document (jansson): a map becomes an
 * object (keys as text), arrays, sets and pushes arrays, an attribute its
 * value alone, an error {"error": text}, null null; text that is not
 * valid UTF-8 is repaired (U+FFFD).  Shared by `yima --json` and yimad's
 * HTTP side, so that both give the same keys for the same reply.
 */
#ifndef YIMA_RESP_JSON_H
#define YIMA_RESP_JSON_H

#include <jansson.h>

#include "resp.h"

/* A new reference, or NULL when out of memory. */
json_t *resp_to_json(const struct resp_value *v);

/* INFO's reply, Redis's text ("# Section", then "key:value" lines), as
 * {"section": {"key": value}}: numbers as numbers, "k=v,k=v" as an
 * object.  A new reference, or NULL when out of memory. */
json_t *resp_info_json(const char *text, size_t len);

/* The document as text, with the characters text.h refuses written as
 * \uXXXX escapes: malloc'd, NULL when out of memory. */
char *resp_json_text(const json_t *j);

#endif
