/*
 * load_cmd.c — records as commands (load_cmd.h).
 */
#include "load_cmd.h"

#include <stdbool.h>
#include <string.h>

void load_put_word(struct buf *b, const char *s, size_t n)
{
	int plain = n > 0;
	for (size_t i = 0; plain && i < n; i++)
		plain = (unsigned char)s[i] > ' ' && s[i] != '"' && s[i] != '\'' &&
			s[i] != '\\' && s[i] != 0x7f;
	buf_putc(b, ' ');
	if (plain) {
		buf_append(b, s, n);
		return;
	}
	buf_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			buf_putc(b, '\\');
			buf_putc(b, (char)c);
		} else if (c < ' ' || c == 0x7f) {
			buf_printf(b, "\\x%02x", c);
		} else {
			buf_putc(b, (char)c);
		}
	}
	buf_putc(b, '"');
}

/* " NAME value" when the record has field f. */
static void opt(struct buf *b, const char *name, const struct load_rec *r, enum load_field f)
{
	if (r->f[f] == NULL)
		return;
	buf_putc(b, ' ');
	buf_puts(b, name);
	load_put_word(b, r->f[f], r->len[f]);
}

/* " NAME code code ...": field f's codes, one a line. */
static void code_list(struct buf *b, const char *name, const struct load_rec *r,
		      enum load_field f)
{
	buf_putc(b, ' ');
	buf_puts(b, name);
	const char *p = r->f[f], *end = p + r->len[f];
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		load_put_word(b, p, n);
		p += n + 1;
	}
}

int load_cmd_words(const struct load_rec *r, struct buf *head, struct buf *tail)
{
	switch (r->kind) {
	case LOAD_COMMISSION:
		buf_puts(head, "COMMISSION");
		opt(tail, "SITE", r, LOAD_F_FROM);
		opt(tail, "PRODUCT", r, LOAD_F_PRODUCT);
		opt(tail, "LOT", r, LOAD_F_LOT);
		opt(tail, "EXPIRY", r, LOAD_F_EXPIRY);
		opt(tail, "LEVEL", r, LOAD_F_LEVEL);
		opt(tail, "QTY", r, LOAD_F_QTY);
		break;
	case LOAD_PACK:
	case LOAD_UNPACK:
		buf_puts(head, r->kind == LOAD_PACK ? "PACK" : "UNPACK");
		load_put_word(head, r->f[LOAD_F_PARENT], r->len[LOAD_F_PARENT]);
		opt(tail, "SITE", r, LOAD_F_FROM);
		break;
	case LOAD_SHIP:
	case LOAD_RETURN:
		buf_puts(head, r->kind == LOAD_SHIP ? "SHIP" : "RETURN");
		opt(tail, "FROM", r, LOAD_F_FROM);
		opt(tail, "TO", r, LOAD_F_TO);
		opt(tail, "REF", r, LOAD_F_REF);
		opt(tail, "TEMP", r, LOAD_F_TEMP);
		break;
	case LOAD_RECEIVE:
		buf_puts(head, "RECEIVE");
		opt(tail, "SITE", r, LOAD_F_TO);
		opt(tail, "FROM", r, LOAD_F_FROM);
		opt(tail, "REF", r, LOAD_F_REF);
		opt(tail, "TEMP", r, LOAD_F_TEMP);
		break;
	case LOAD_DESTROY:
		buf_puts(head, "DESTROY");
		opt(tail, "SITE", r, LOAD_F_FROM);
		opt(tail, "REF", r, LOAD_F_REF);
		break;
	case LOAD_DISPENSE:
		buf_puts(head, "DISPENSE");
		opt(tail, "SITE", r, LOAD_F_FROM);
		opt(tail, "TX", r, LOAD_F_REF);
		opt(tail, "QTY", r, LOAD_F_QTY);
		break;
	case LOAD_TRANSFORM:	/* its codes are its own: no code of the record */
		buf_puts(head, "TRANSFORM");
		code_list(head, "INPUTS", r, LOAD_F_INPUTS);
		code_list(head, "OUTPUTS", r, LOAD_F_OUTPUTS);
		opt(tail, "SITE", r, LOAD_F_FROM);
		opt(tail, "LOT", r, LOAD_F_LOT);
		opt(tail, "EXPIRY", r, LOAD_F_EXPIRY);
		opt(tail, "PRODUCT", r, LOAD_F_PRODUCT);
		opt(tail, "REF", r, LOAD_F_REF);
		break;
	default:
		return -1;
	}
	opt(tail, "TIME", r, LOAD_F_TIME);
	return 0;
}

/* The fields of sites and products, by their names in SITE SET and
 * PRODUCT SET (daemon/master.c's field table). */
static const struct master_field {
	enum load_field f;
	const char *name;
} site_fields[] = {
	{ LOAD_F_NAME, "name" }, { LOAD_F_KIND, "kind" }, { LOAD_F_GLN, "gln" },
	{ LOAD_F_REGION, "region" }, { LOAD_F_LICENCE, "licence" },
	{ LOAD_F_LICENCE_VALID_FROM, "licence_valid_from" },
	{ LOAD_F_LICENCE_VALID_UNTIL, "licence_valid_until" },
	{ LOAD_F_ADDRESS, "address" }, { LOAD_F_CONTACT, "contact" },
}, product_fields[] = {
	{ LOAD_F_NAME, "name" }, { LOAD_F_UNITS_PER_PACK, "units_per_pack" },
	{ LOAD_F_FORM, "form" }, { LOAD_F_STRENGTH, "strength" },
	{ LOAD_F_HOLDER, "holder" }, { LOAD_F_KIND, "kind" },
	{ LOAD_F_NHSA_CODE, "nhsa_code" }, { LOAD_F_CATEGORY, "category" },
	{ LOAD_F_APPROVAL_NUMBER, "approval_number" },
	{ LOAD_F_STORAGE_MIN_C, "storage_min_c" }, { LOAD_F_STORAGE_MAX_C, "storage_max_c" },
};

int load_cmd_master(const struct load_rec *r, struct buf *line)
{
	bool site = r->kind == LOAD_SITE;
	if (!site && r->kind != LOAD_PRODUCT)
		return -1;
	const struct master_field *fields = site ? site_fields : product_fields;
	size_t n = site ? sizeof site_fields / sizeof *site_fields :
			  sizeof product_fields / sizeof *product_fields;
	enum load_field id = site ? LOAD_F_SITE : LOAD_F_PRODUCT;
	buf_puts(line, site ? "SITE SET" : "PRODUCT SET");
	load_put_word(line, r->f[id], r->len[id]);
	for (size_t i = 0; i < n; i++) {
		if (r->f[fields[i].f] == NULL)
			continue;
		buf_putc(line, ' ');
		buf_puts(line, fields[i].name);
		load_put_word(line, r->f[fields[i].f], r->len[fields[i].f]);
	}
	return 0;
}
