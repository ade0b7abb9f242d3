/*
 * resp_map — fields of a reply's map, read the way clients of it need:
 * a field that is missing, or of a type the server does not send, is
 * absent rather than guessed (a newer server with more fields, or an older
 * one with fewer, still reads).  Shared by yima's printing and yimad's
 * HTTP renderings of replies.
 */
#ifndef YIMA_RESP_MAP_H
#define YIMA_RESP_MAP_H

#include <stdbool.h>

#include "resp.h"

/* A text value (simple, bulk or verbatim string)? */
bool resp_is_text(const struct resp_value *v);
/* The value of `key` in a map, or NULL (also when v is not a map). */
const struct resp_value *resp_get(const struct resp_value *v, const char *key);
/* The string value of `key`, or NULL when absent or not a string. */
const char *resp_get_str(const struct resp_value *v, const char *key);
/* An integer field; false when absent or not an integer. */
bool resp_get_int(const struct resp_value *v, const char *key, long long *out);
/* An integer field, or 0 when absent or not an integer. */
long long resp_get_num(const struct resp_value *v, const char *key);
/* An array (or set) field, or NULL. */
const struct resp_value *resp_get_list(const struct resp_value *v, const char *key);

#endif
