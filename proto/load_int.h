/*
 * load_int.h — helpers shared by the CSV and EPCIS readers (load_csv.c,
 * load_epcis.c); not part of the load.h API.
 */
#ifndef YIMA_LOAD_INT_H
#define YIMA_LOAD_INT_H

#include <stdarg.h>
#include <stdint.h>

#include "load.h"

/* Format a message into buf (LOAD_MSG_MAX bytes), cut if too long. */
void load_msgf(char *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Format a warning and hand it to opts->lo_warn, if any. */
void load_warnf(const struct load_opts *opts, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Quote a value for a message (printable ASCII, \xNN, cut at 40). */
const char *load_quote(const char *p, size_t n, char *buf, size_t cap);
/* Clear a record: every field absent. */
void load_rec_clear(struct load_rec *rec);
/* Event kinds by their CSV name ("commission", ...); -1 if none. */
int load_event_kind(const char *s, size_t n);

/* The fields each kind of event requires and allows, as bit masks of
 * (1u << LOAD_F_*). */
uint64_t load_required(enum load_kind kind);
uint64_t load_allowed(enum load_kind kind);

#define LOAD_BIT(f) ((uint64_t)1 << (f))	/* LOAD_F__COUNT is past 32 */

#endif
