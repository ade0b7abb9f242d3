/*
 * show — printing what the scan commands answer, for people at a counter
 * (a traffic-light line, the record, a trace, alerts) and for programs
 * (JSON with a fixed set of keys).
 *
 * Every function takes a reply as clients/client.c parsed it (RESP3: maps
 * are maps) and tolerates missing or oddly typed fields: what is absent is
 * not printed.
 */
#ifndef YIMA_SHOW_H
#define YIMA_SHOW_H

#include <stdbool.h>
#include <stdio.h>

#include "code.h"
#include "resp.h"
#include "resp_map.h"

/* s as it may be printed to a terminal: s itself when it is plain text,
 * otherwise a copy with every control, bidirectional control or byte that
 * is not UTF-8 escaped (proto/text.h).  A copy lasts for the next seven
 * calls: enough for the strings of one printed line. */
const char *show_safe(const char *s);

/* Is `key` present and false (a boolean or 0)? */
bool show_false(const struct resp_value *v, const char *key);

/* Whether to colour what goes to f: a terminal, and NO_COLOR unset. */
bool show_colour(FILE *f);

/* Is v an error reply? */
bool show_is_error(const struct resp_value *v);

/* The exit status a scan reply stands for: 0 green, 3 amber, 4 red;
 * 1 for an error reply or anything that is not a verdict. */
int show_exit(const struct resp_value *v);

/*
 * The traffic-light line: "GREEN", "AMBER" or "RED" (coloured when asked),
 * then `code` when not NULL, then the reasons and the server's words:
 *   RED    duplicate — already dispensed at PH1 on 2026-11-22T11:42:51.080Z
 *   GREEN  ok — Amoxicillin, lot L1, expiry 2027-12-31
 */
void show_light(FILE *f, bool colour, const struct resp_value *v, const char *code);

/*
 * The line of a RECEIVE reply at goods-in: GREEN when received as shipped,
 * AMBER when received but diverted (shipped elsewhere) or carrying stock
 * the reply warns of (recalled, expired):
 *   GREEN  (00)069012340000000016  received, 24 codes
 *   AMBER  (00)069012340000000016  received, 24 codes; diverted: 24 were shipped elsewhere
 */
void show_received(FILE *f, bool colour, const struct resp_value *v, const char *code);

/* The RED line of a scan the codecs refused, before any server saw it:
 *   RED    not a trace code: <message> (at byte N) */
void show_invalid(FILE *f, bool colour, const struct code_result *r);

/* The record a verdict carries, one "field: value" line each. */
void show_record(FILE *f, const struct resp_value *v);

/* A TRACE reply: the record, then one line per event in order, the alerts
 * on the code, the product's archive and a line per site of the chain. */
void show_trace(FILE *f, const struct resp_value *v);

/* A product's archive (TRACE's and IMPACT's `product_archive`) on one
 * line: "approval 国药准字H20203456, holder ..., storage 2–8 °C, ..."; the
 * fields not set are left out, "(no archive)" when none is. */
void show_product_archive(FILE *f, const struct resp_value *a);

/* A site's archive in a few words, for a line per site: "licence X valid
 * FROM..UNTIL EXPIRED, region R"; "no licence on file" without one. */
void show_site_archive(FILE *f, const struct resp_value *a);

/* An ALERTS reply: one line per alert, or "(no alerts)". */
void show_alerts(FILE *f, const struct resp_value *v);

/* A verdict map as one JSON line, with verdict, reasons, code, product,
 * lot, expiry, status and holder always present (null when the server
 * had nothing to say).  Returns 0, or -1 if it cannot be converted. */
int show_json_verdict(FILE *f, const struct resp_value *v);

/* The same JSON shape for a scan the codecs refused: verdict "red",
 * reasons ["not_a_trace_code"], message, and "error"/"at" as `yima parse`
 * reports them. */
int show_json_invalid(FILE *f, const struct code_result *r);

#endif
