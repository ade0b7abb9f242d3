/*
 * impact_csv — an IMPACT reply as CSV: a header row, then one row per site
 * with its counts (`yima impact --csv`, GET /v1/impact?format=csv).  Text
 * the store holds is written with controls and bytes that are not UTF-8
 * escaped (proto/text.h); a field with a comma, a quote or a line break is
 * quoted, its quotes doubled.
 */
#ifndef YIMA_IMPACT_CSV_H
#define YIMA_IMPACT_CSV_H

#include <stdio.h>

#include "resp.h"

#include <stdbool.h>

void impact_csv(FILE *f, const struct resp_value *impact);
/* One field of a CSV row (quoted when it must be), then ',' or, last, a
 * line break. */
void impact_csv_field(FILE *f, const char *s, bool last);

#endif
