/*
 * impact_csv — an IMPACT reply as CSV (impact_csv.h).
 */
#include "impact_csv.h"
#include "buf.h"
#include "resp_map.h"
#include "text.h"

#include <stdio.h>
#include <string.h>

void impact_csv_field(FILE *f, const char *s, bool last)
{
	if (strpbrk(s, ",\"\r\n")) {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
	fputc(last ? '\n' : ',', f);
}

static const char *const csv_columns[] = {
	"site", "name", "kind", "commissioned", "in_stock", "in_transit", "incoming", "dispensed",
	"first_dispensed", "last_dispensed", "destroyed", "received", "middle_packs", "cases",
	"pallets", "acknowledged", "returned", "past_deadline",
	/* from the row's archive map: the licence, the short part of it (the
	 * address and contact stay in the JSON: long free text) */
	"region", "licence", "licence_valid_until", "licence_expired",
};
#define NCOLUMNS (sizeof csv_columns / sizeof csv_columns[0])

void impact_csv(FILE *f, const struct resp_value *v)
{
	struct buf safe = BUF_INIT;
	for (size_t c = 0; c < NCOLUMNS; c++)
		impact_csv_field(f, csv_columns[c], c + 1 == NCOLUMNS);
	const struct resp_value *sites = resp_get_list(v, "sites");
	for (size_t i = 0; sites && i < sites->n; i++) {
		for (size_t c = 0; c < NCOLUMNS; c++) {
			const struct resp_value *row = &sites->elem[i];
			if (strncmp(csv_columns[c], "licence", 7) == 0)
				row = resp_get(row, "archive");	/* licence* */
			const struct resp_value *x = resp_get(row, csv_columns[c]);
			char buf[32];
			const char *text = "";
			if (x && x->type == RESP_T_INT) {
				snprintf(buf, sizeof buf, "%lld", (long long)x->integer);
				text = buf;
			} else if (x && x->type == RESP_T_BOOL) {
				text = x->integer ? "true" : "false";
			} else if (x && x->str) {
				buf_reset(&safe);	/* stored text, escaped */
				text_escape(&safe, x->str, x->len);
				buf_append(&safe, "", 1);
				text = safe.data;
			}
			impact_csv_field(f, text, c + 1 == NCOLUMNS);
		}
	}
	buf_free(&safe);
}
