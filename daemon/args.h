/*
 * args — reading the values commands take: ISO 8601 times, dates,
 * numbers, stored text, site ids (parse.c reads a request's options with
 * them), and formatting times and dates for replies.
 *
 * Errors: functions return 0, or -1 with a message in err that names the
 * argument and says what is expected.
 */
#ifndef YIMA_ARGS_H
#define YIMA_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include "code.h"
#include "resp.h"

struct store_txn;

/* Text a command stores (TX, REF, REASON, LOT, a batch id): UTF-8 without
 * the control, bidirectional-control and separator characters text.h
 * lists.  0, or -1 with err saying "WHAT has ... at character N". */
int args_text(const struct resp_arg *a, const char *what, char *err, size_t errlen);

/* ISO 8601 date-time with offset ("2026-11-22T10:00:00+08:00", "...Z",
 * fractional seconds allowed) → Unix milliseconds. */
int args_time(const struct resp_arg *a, int64_t *ms, char *err, size_t errlen);
/* "YYYY-MM-DD" → YYYYMMDD. */
int args_date(const struct resp_arg *a, uint32_t *ymd, char *err, size_t errlen);
int args_uint(const struct resp_arg *a, const char *what, uint32_t min, uint32_t max,
	      uint32_t *out, char *err, size_t errlen);

/* A site without a GLN, as a URI: "urn:yima:site:" and its id (EPCIS
 * documents name places by URIs). */
#define ARGS_SITE_URN "urn:yima:site:"

/* A site → its number (must exist): its id, its GLN (13 digits, an SGLN or
 * PGLN URN, a GS1 Digital Link) or ARGS_SITE_URN and its id.  Returns 0,
 * -1 with err set when the id is bad or unknown, or a store error code. */
int args_site(struct store_txn *t, const struct resp_arg *a, uint32_t *num,
	      char *err, size_t errlen);
/* The same, with the site's record (its values valid as master_load's). */
struct master_rec;
int args_site_record(struct store_txn *t, const struct resp_arg *a, struct master_rec *rec,
		     char *err, size_t errlen);
/* The options a request reads codes with: two-digit years against the
 * (UTC) year of its time now_ms (clock.h), never the clock's year when the
 * request is applied. */
void args_code_opts(int64_t now_ms, struct code_opts *o);
/* Parse a code argument (any scanned form) of a request accepted at now_ms;
 * lot-level keys allowed. */
int args_code(const struct resp_arg *a, int64_t now_ms, struct code_result *r,
	      char *err, size_t errlen);

/* Format Unix milliseconds as ISO 8601 UTC ("2026-11-22T10:00:00.123Z"). */
void args_format_time(int64_t ms, char out[32]);
/* Format YYYYMMDD as "YYYY-MM-DD" ("" for 0). */
void args_format_date(uint32_t ymd, char out[11]);
/* Days from 1970-01-01 to YYYYMMDD (proleptic Gregorian). */
int64_t args_days(uint32_t ymd);

#endif
