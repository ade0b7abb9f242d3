/*
 * load_csv.c — the native CSV reader: sites, products and event files
 * (FORMATS.md), RFC 4180 quoting, one record per load_csv_next() call.
 *
 * DESIGN
 * The file is read in chunks into one buffer of LOAD_CSV_BUF bytes plus
 * the longest record allowed, so memory stays constant whatever the file
 * size.  A record is scanned in one pass that notes where each field starts
 * and ends; when the buffer ends inside a record, the partial record is
 * moved to the front, more is read and the record is scanned again from
 * its start (at most once per chunk).  Only then are fields changed in
 * place: quoted fields lose their "" escapes (the text only shrinks) and
 * every field used gets a NUL where its delimiter was, so records point
 * into the buffer without copying.
 *
 * Line numbers count every LF, also those inside quoted fields, so an error
 * names the line an editor shows.  A record longer than the limit is
 * refused and passed over up to its end, quote-aware, so one bad row does
 * not end the file.
 *
 * Speed: the checks of each row (time, dates, counts, code_parse) are what
 * costs; a parent or time equal to the previous row's, as in sorted
 * packing lists, is not checked twice.
 */
#include "load_int.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "code_util.h"
#include "command.h"
#include "xmem.h"

#define COL_EVENT  (-2) /* the "event" column of an events file */
#define COL_IGNORE (-1) /* a column nobody reads */
#define CACHE_MAX  128  /* values longer than this are not remembered */

struct span {
	uint32_t off;    /* from the record's start, after any opening quote */
	uint32_t len;    /* raw length, escapes included */
	uint8_t  quoted;
	uint8_t  esc;    /* holds "" escapes */
};

/* A value already checked, not to be checked again on the next row. */
struct seen {
	size_t len; /* 0: nothing remembered */
	char   val[CACHE_MAX];
};

struct load_csv {
	FILE            *fp;
	char            *name;
	struct load_opts opts;
	enum load_file   file;
	char            *buf;
	size_t           cap;        /* bytes of buf usable for data */
	size_t           len;        /* bytes of data in buf */
	size_t           pos;        /* start of the next record in buf */
	unsigned long long base;     /* file offset of buf[0] */
	unsigned long    line;       /* line number at pos */
	size_t           record_max;
	bool             eof;        /* fp has no more */
	bool             fatal;
	int              ncols;
	int              col[LOAD_CSV_COLUMNS]; /* enum load_field, COL_* */
	struct span      fld[LOAD_CSV_COLUMNS];
	struct seen      seen_parent;
	struct seen      seen_time;
	char             err[LOAD_MSG_MAX];
};

/* Outcome of scanning one record. */
enum scan {
	SCAN_OK,
	SCAN_MORE,     /* the buffer ends inside the record: read more */
	SCAN_LONG,     /* longer than record_max */
	SCAN_OPEN,     /* a quote still open at the end of the file */
	SCAN_AFTER_Q,  /* something other than , or end of line after a quote */
	SCAN_STRAY_Q,  /* a quote inside an unquoted field */
};

struct scanned {
	int           nf;      /* fields seen (may exceed LOAD_CSV_COLUMNS) */
	bool          nul;     /* an unquoted field holds a NUL byte */
	size_t        end;     /* buffer index just past the record */
	unsigned long lines;   /* LFs consumed, the record's own included */
	unsigned long at_line; /* for errors: lines into the record */
};

/* Byte classes for the unquoted-field scan. */
static unsigned char cls[256];
#define C_COMMA 1
#define C_LF    2
#define C_CR    3
#define C_QUOTE 4
#define C_NUL   5

static void cls_init(void)
{
	cls[','] = C_COMMA;
	cls['\n'] = C_LF;
	cls['\r'] = C_CR;
	cls['"'] = C_QUOTE;
	cls['\0'] = C_NUL;
}

/* Read more of the file into the buffer, moving the unread part (from pos)
 * to the front first.  Returns 0, or -1 on an I/O error (message set). */
static int fill(struct load_csv *r)
{
	if (r->pos > 0) {
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->base += r->pos;
		r->len -= r->pos;
		r->pos = 0;
	}
	while (!r->eof && r->len < r->cap) {
		size_t n = fread(r->buf + r->len, 1, r->cap - r->len, r->fp);

		r->len += n;
		if (n == 0) {
			if (ferror(r->fp)) {
				load_msgf(r->err, "%s: read error: %s", r->name,
				          strerror(errno ? errno : EIO));
				r->fatal = true;
				return -1;
			}
			r->eof = true;
		}
		if (n > 0)
			break;
	}
	return 0;
}

static void add_field(struct load_csv *r, struct scanned *s, size_t start,
                      size_t flen, bool quoted, bool esc)
{
	if (s->nf < LOAD_CSV_COLUMNS) {
		struct span *f = &r->fld[s->nf];

		f->off = (uint32_t)(start - r->pos);
		f->len = (uint32_t)flen;
		f->quoted = quoted;
		f->esc = esc;
	}
	s->nf++;
}

/*
 * Scan the record at r->pos without changing the buffer.  At the end of
 * the file a record may end without its LF.
 */
static enum scan scan_record(struct load_csv *r, struct scanned *s)
{
	const char *b = r->buf;
	size_t p = r->pos, end = r->len, limit;

	s->nf = 0;
	s->nul = false;
	s->lines = 0;
	s->at_line = 0;
	limit = r->pos + r->record_max;
	if (limit > end)
		limit = end;
	for (;;) {
		size_t start = p;

		if (p < limit && b[p] == '"') {
			bool esc = false;

			s->at_line = s->lines; /* where the quote opened */
			p++;
			start = p;
			for (;;) {
				const char *q = memchr(b + p, '"', limit - p);

				if (q == NULL) {
					for (; p < limit; p++)
						s->lines += b[p] == '\n';
					goto short_data;
				}
				for (; p < (size_t)(q - b); p++)
					s->lines += b[p] == '\n';
				if (p + 1 >= limit && !(r->eof && p + 1 == end))
					goto short_data;
				if (p + 1 < end && b[p + 1] == '"') {
					esc = true;
					p += 2;
					continue;
				}
				break;
			}
			add_field(r, s, start, p - start, true, esc);
			p++; /* the closing quote */
			if (p == end)
				goto at_eof;
			if (b[p] == ',') {
				p++;
				continue;
			}
			if (b[p] == '\n' || (b[p] == '\r' && p + 1 < end && b[p + 1] == '\n')) {
				p += b[p] == '\r' ? 2 : 1;
				s->lines++;
				s->end = p;
				return SCAN_OK;
			}
			if (b[p] == '\r' && p + 1 == end) {
				if (!r->eof)
					goto short_data;
				s->end = end;
				return SCAN_OK;
			}
			s->at_line = s->lines;
			s->end = p;
			return SCAN_AFTER_Q;
		}
		/* unquoted */
		for (; p < limit; p++) {
			unsigned char c = cls[(unsigned char)b[p]];

			if (c == 0)
				continue;
			if (c == C_COMMA) {
				add_field(r, s, start, p - start, false, false);
				p++;
				goto next_field;
			}
			if (c == C_LF) {
				size_t e = p > start && b[p - 1] == '\r' ? p - 1 : p;

				add_field(r, s, start, e - start, false, false);
				s->lines++;
				s->end = p + 1;
				return SCAN_OK;
			}
			if (c == C_QUOTE) {
				s->at_line = s->lines;
				s->end = p;
				return SCAN_STRAY_Q;
			}
			if (c == C_NUL)
				s->nul = true;
			/* C_CR: data unless it ends the line, decided at the LF */
		}
		if (p < end || !r->eof)
			goto short_data;
		{
			size_t e = p > start && b[p - 1] == '\r' ? p - 1 : p;

			add_field(r, s, start, e - start, false, false);
		}
		s->end = p;
		return SCAN_OK;
	next_field:
		continue;
	}
at_eof:
	s->end = end;
	return SCAN_OK;
short_data:
	if (limit < end || (size_t)(limit - r->pos) >= r->record_max)
		return SCAN_LONG;
	if (r->eof) {
		/* only an open quote can run into the end of the file */
		s->end = end;
		return SCAN_OPEN;
	}
	return SCAN_MORE;
}

/*
 * Pass over the rest of a record from the buffer position p after an
 * error, quote-aware, reading more as needed.  Counts its lines into
 * r->line and leaves r->pos at the next record.
 */
static int skip_record(struct load_csv *r, size_t p, bool in_quote)
{
	for (;;) {
		for (; p < r->len; p++) {
			char c = r->buf[p];

			if (c == '"')
				in_quote = !in_quote;
			else if (c == '\n') {
				r->line++;
				if (!in_quote) {
					r->pos = p + 1;
					return 0;
				}
			}
		}
		r->pos = p;
		if (r->eof)
			return 0;
		if (fill(r) < 0)
			return -1;
		p = r->pos;
		if (r->len == 0 && r->eof)
			return 0;
	}
}

/* Scan the next record, reading more as needed.  Returns SCAN_* with the
 * record in s, or -1 on an I/O error.  At the end of the file s->nf is 0. */
static int next_raw(struct load_csv *r, struct scanned *s)
{
	for (;;) {
		enum scan e;

		if (r->pos == r->len) {
			if (r->eof) {
				s->nf = 0;
				return SCAN_OK;
			}
			if (fill(r) < 0)
				return -1;
			continue;
		}
		e = scan_record(r, s);
		if (e != SCAN_MORE)
			return (int)e;
		if (fill(r) < 0)
			return -1;
	}
}

/* Unescape a quoted field in place and NUL-terminate a field.  Returns the
 * field's final length. */
static size_t finish_field(struct load_csv *r, const struct span *f)
{
	char *p = r->buf + r->pos + f->off;
	size_t n = f->len;

	if (f->esc) {
		size_t i, o = 0;

		for (i = 0; i < n; i++) {
			p[o++] = p[i];
			if (p[i] == '"')
				i++; /* "" → " */
		}
		n = o;
	}
	p[n] = '\0';
	return n;
}

/* ---- header ---- */

struct colname {
	const char *name;
	int         field;
};

static const struct colname site_cols[] = {
	{ "site", LOAD_F_SITE }, { "name", LOAD_F_NAME },
	{ "kind", LOAD_F_KIND }, { "gln", LOAD_F_GLN },
	{ "region", LOAD_F_REGION }, { "licence", LOAD_F_LICENCE },
	{ "licence_valid_from", LOAD_F_LICENCE_VALID_FROM },
	{ "licence_valid_until", LOAD_F_LICENCE_VALID_UNTIL },
	{ "address", LOAD_F_ADDRESS }, { "contact", LOAD_F_CONTACT },
};
static const struct colname product_cols[] = {
	{ "product", LOAD_F_PRODUCT }, { "name", LOAD_F_NAME },
	{ "units_per_pack", LOAD_F_UNITS_PER_PACK }, { "form", LOAD_F_FORM },
	{ "strength", LOAD_F_STRENGTH }, { "holder", LOAD_F_HOLDER },
	{ "kind", LOAD_F_KIND }, { "nhsa_code", LOAD_F_NHSA_CODE },
	{ "category", LOAD_F_CATEGORY }, { "approval_number", LOAD_F_APPROVAL_NUMBER },
	{ "storage_min_c", LOAD_F_STORAGE_MIN_C }, { "storage_max_c", LOAD_F_STORAGE_MAX_C },
};
static const struct colname event_cols[] = {
	{ "event", COL_EVENT }, { "time", LOAD_F_TIME }, { "code", LOAD_F_CODE },
	{ "parent", LOAD_F_PARENT }, { "product", LOAD_F_PRODUCT },
	{ "lot", LOAD_F_LOT }, { "expiry", LOAD_F_EXPIRY },
	{ "level", LOAD_F_LEVEL }, { "from", LOAD_F_FROM }, { "to", LOAD_F_TO },
	{ "ref", LOAD_F_REF }, { "qty", LOAD_F_QTY }, { "temp", LOAD_F_TEMP },
	{ "inputs", LOAD_F_INPUTS }, { "outputs", LOAD_F_OUTPUTS },
};

static const char *const file_names[] = {
	[LOAD_FILE_SITES] = "sites", [LOAD_FILE_PRODUCTS] = "products",
	[LOAD_FILE_EVENTS] = "events",
};

/* The header's names, blanks around them trimmed. */
static void header_name(const char *p, size_t n, const char **s, size_t *len)
{
	while (n > 0 && (*p == ' ' || *p == '\t'))
		p++, n--;
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	*s = p;
	*len = n;
}

static bool name_is(const char *s, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp(s, name, n) == 0;
}

static int read_header(struct load_csv *r, char *err)
{
	struct scanned s;
	const struct colname *cols;
	size_t ncols_known;
	const char *names[LOAD_CSV_COLUMNS];
	size_t lens[LOAD_CSV_COLUMNS];
	bool have[LOAD_F__COUNT + 2] = { false }; /* by field + 2 */
	char q[64];
	int e;

	/* the header may follow blank lines, like any record */
	for (;;) {
		e = next_raw(r, &s);
		if (e < 0) {
			memcpy(err, r->err, LOAD_MSG_MAX);
			return -1;
		}
		if (e != SCAN_OK) {
			load_msgf(err, "%s:%lu: unreadable header line", r->name,
			          r->line);
			return -1;
		}
		if (s.nf == 0) {
			load_msgf(err, "%s: empty file (no header line)", r->name);
			return -1;
		}
		if (s.nf == 1 && r->fld[0].len == 0 && !r->fld[0].quoted) {
			r->line += s.lines;
			r->pos = s.end;
			continue;
		}
		break;
	}
	if (s.nf > LOAD_CSV_COLUMNS) {
		load_msgf(err, "%s:%lu: %d columns in the header (at most %d)",
		          r->name, r->line, s.nf, LOAD_CSV_COLUMNS);
		return -1;
	}
	for (int i = 0; i < s.nf; i++)
		header_name(r->buf + r->pos + r->fld[i].off, r->fld[i].len,
		            &names[i], &lens[i]);
	/* the kind of file, from the key column */
	r->file = LOAD_FILE_EVENTS;
	cols = NULL;
	for (int pass = 0; pass < 3 && cols == NULL; pass++) {
		static const char *const key[] = { "event", "site", "product" };

		for (int i = 0; i < s.nf; i++)
			if (name_is(names[i], lens[i], key[pass])) {
				r->file = pass == 0 ? LOAD_FILE_EVENTS :
				          pass == 1 ? LOAD_FILE_SITES : LOAD_FILE_PRODUCTS;
				cols = pass == 0 ? event_cols :
				       pass == 1 ? site_cols : product_cols;
			}
	}
	if (cols == NULL) {
		load_msgf(err, "%s:%lu: not a yima CSV file: the header names no "
		          "'event', 'site' or 'product' column", r->name, r->line);
		return -1;
	}
	ncols_known = cols == event_cols ? sizeof(event_cols) / sizeof(event_cols[0]) :
	              cols == site_cols ? sizeof(site_cols) / sizeof(site_cols[0]) :
	              sizeof(product_cols) / sizeof(product_cols[0]);
	r->ncols = s.nf;
	for (int i = 0; i < s.nf; i++) {
		r->col[i] = COL_IGNORE;
		for (size_t k = 0; k < ncols_known; k++) {
			int f = cols[k].field;

			if (!name_is(names[i], lens[i], cols[k].name))
				continue;
			if (have[f + 2]) {
				load_msgf(err, "%s:%lu: column '%s' appears twice in the "
				          "header", r->name, r->line, cols[k].name);
				return -1;
			}
			have[f + 2] = true;
			r->col[i] = f;
		}
		if (r->col[i] == COL_IGNORE)
			load_warnf(&r->opts, "%s:%lu: column '%s' ignored (not a "
			           "column of %s files)", r->name, r->line,
			           load_quote(names[i], lens[i], q, sizeof(q)),
			           file_names[r->file]);
	}
	/* required columns */
	{
		static const int need_sites[] = { LOAD_F_SITE, LOAD_F_NAME, LOAD_F_KIND };
		static const int need_products[] = { LOAD_F_PRODUCT, LOAD_F_NAME,
		                                      LOAD_F_UNITS_PER_PACK };
		static const int need_events[] = { COL_EVENT, LOAD_F_CODE };
		const int *need = r->file == LOAD_FILE_SITES ? need_sites :
		                  r->file == LOAD_FILE_PRODUCTS ? need_products : need_events;
		size_t nneed = r->file == LOAD_FILE_EVENTS ? 2 : 3;

		/* a file of repackagings only names its codes in these two */
		if (have[LOAD_F_INPUTS + 2] && have[LOAD_F_OUTPUTS + 2])
			have[LOAD_F_CODE + 2] = true;

		for (size_t k = 0; k < nneed; k++)
			if (!have[need[k] + 2]) {
				load_msgf(err, "%s:%lu: %s files need a '%s' column", r->name,
				          r->line, file_names[r->file],
				          need[k] == COL_EVENT ? "event" :
				          load_field_name((enum load_field)need[k]));
				return -1;
			}
	}
	r->line += s.lines;
	r->pos = s.end;
	return 0;
}

struct load_csv *load_csv_open(FILE *fp, const char *name,
                               const struct load_opts *opts,
                               char err[LOAD_MSG_MAX])
{
	struct load_csv *r = xcalloc(1, sizeof(*r));

	if (cls[','] == 0)
		cls_init();
	r->fp = fp;
	r->name = xstrdup(name != NULL ? name : "-");
	if (opts != NULL)
		r->opts = *opts;
	r->record_max = r->opts.lo_csv_record_max ? r->opts.lo_csv_record_max :
	                LOAD_CSV_RECORD_MAX;
	if (r->record_max > UINT32_MAX / 2)
		r->record_max = UINT32_MAX / 2;
	r->cap = LOAD_CSV_BUF + r->record_max;
	r->buf = xmalloc(r->cap + 1); /* + 1: room for the last field's NUL */
	r->line = 1;
	if (fill(r) < 0) {
		memcpy(err, r->err, LOAD_MSG_MAX);
		load_csv_close(r);
		return NULL;
	}
	if (r->len >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0)
		r->pos = 3;
	if (read_header(r, err) < 0) {
		load_csv_close(r);
		return NULL;
	}
	return r;
}

enum load_file load_csv_file(const struct load_csv *r)
{
	return r->file;
}

const char *load_csv_error(const struct load_csv *r)
{
	return r->err;
}

unsigned long long load_csv_offset(const struct load_csv *r)
{
	return r->base + r->pos;
}

void load_csv_close(struct load_csv *r)
{
	if (r == NULL)
		return;
	free(r->buf);
	free(r->name);
	free(r);
}

/* ---- checking a row ---- */

static bool seen(const struct seen *c, const char *s, size_t n)
{
	return c->len == n && memcmp(c->val, s, n) == 0;
}

static void remember(struct seen *c, const char *s, size_t n)
{
	if (n <= CACHE_MAX && n > 0) {
		memcpy(c->val, s, n);
		c->len = n;
	} else {
		c->len = 0;
	}
}

static int bad_col(struct load_csv *r, unsigned long line, int field,
                   const char *why)
{
	load_msgf(r->err, "%s:%lu: column '%s': %s", r->name, line,
	          load_field_name((enum load_field)field), why);
	return LOAD_BAD;
}

static bool word_in(const char *s, size_t n, const char *const *words)
{
	for (; *words != NULL; words++)
		if (strlen(*words) == n && memcmp(*words, s, n) == 0)
			return true;
	return false;
}

static int check_site(struct load_csv *r, struct load_rec *rec)
{
	static const char *const kinds[] = { "manufacturer", "distributor",
		"pharmacy", "hospital", "regulator", NULL };
	static const int need[] = { LOAD_F_SITE, LOAD_F_NAME, LOAD_F_KIND };
	char q[64], why[LOAD_MSG_MAX];

	for (size_t i = 0; i < 3; i++)
		if (rec->f[need[i]] == NULL)
			return bad_col(r, rec->where, need[i], "empty (a site needs it)");
	if (!word_in(rec->f[LOAD_F_KIND], rec->len[LOAD_F_KIND], kinds)) {
		load_msgf(why, "'%s' is not a site kind (manufacturer, distributor, "
		          "pharmacy, hospital or regulator)",
		          load_quote(rec->f[LOAD_F_KIND], rec->len[LOAD_F_KIND], q,
		                     sizeof(q)));
		return bad_col(r, rec->where, LOAD_F_KIND, why);
	}
	if (rec->f[LOAD_F_GLN] != NULL &&
	    (rec->len[LOAD_F_GLN] != 13 ||
	     !code_all_digits(rec->f[LOAD_F_GLN], 13) ||
	     !code_gs1_check_ok(rec->f[LOAD_F_GLN], 13))) {
		load_msgf(why, "'%s' is not a GLN (13 digits with a correct check "
		          "digit)", load_quote(rec->f[LOAD_F_GLN],
		                               rec->len[LOAD_F_GLN], q, sizeof(q)));
		return bad_col(r, rec->where, LOAD_F_GLN, why);
	}
	return LOAD_OK;
}

static int check_product(struct load_csv *r, struct load_rec *rec)
{
	static const char *const kinds[] = { "drug", "device", NULL };
	static const int need[] = { LOAD_F_PRODUCT, LOAD_F_NAME,
	                            LOAD_F_UNITS_PER_PACK };
	char q[64], why[LOAD_MSG_MAX];

	for (size_t i = 0; i < 3; i++)
		if (rec->f[need[i]] == NULL)
			return bad_col(r, rec->where, need[i], "empty (a product needs it)");
	if (load_check_count(rec->f[LOAD_F_UNITS_PER_PACK],
	                     rec->len[LOAD_F_UNITS_PER_PACK], 1, CMD_SALE_QTY_MAX, why) < 0)
		return bad_col(r, rec->where, LOAD_F_UNITS_PER_PACK, why);
	if (rec->f[LOAD_F_KIND] != NULL &&
	    !word_in(rec->f[LOAD_F_KIND], rec->len[LOAD_F_KIND], kinds)) {
		load_msgf(why, "'%s' is not a product kind (drug or device)",
		          load_quote(rec->f[LOAD_F_KIND], rec->len[LOAD_F_KIND], q,
		                     sizeof(q)));
		return bad_col(r, rec->where, LOAD_F_KIND, why);
	}
	return LOAD_OK;
}

/*
 * A transform row's list of codes (inputs, outputs): codes separated by
 * '|' or line breaks, each checked as a code column is.  The separators
 * become the record's '\n' in place (a CR before an LF is dropped, so
 * the text only shrinks).  An error names the code by its place.
 */
static int check_code_list(struct load_csv *r, struct load_rec *rec, int field)
{
	char *p = r->buf + (rec->f[field] - r->buf), *out = p; /* ours to change */
	size_t n = rec->len[field], i = 0;
	unsigned nth = 0;
	char why[LOAD_MSG_MAX], msg[LOAD_MSG_MAX];

	while (i <= n) {
		size_t start = i, len;

		while (i < n && p[i] != '|' && p[i] != '\n')
			i++;
		len = i - start;
		if (i < n && p[i] == '\n' && len > 0 && p[i - 1] == '\r')
			len--;
		nth++;
		if (len == 0) {
			load_msgf(msg, "code %u is empty (codes are separated by one '|' "
			          "or a line break)", nth);
			return bad_col(r, rec->where, field, msg);
		}
		if (load_check_code(p + start, len, r->opts.lo_code, why) < 0) {
			load_msgf(msg, "code %u: %s", nth, why);
			return bad_col(r, rec->where, field, msg);
		}
		if (nth > 1)
			*out++ = '\n';
		memmove(out, p + start, len);
		out += len;
		i++;	/* past the separator, or past the end */
	}
	*out = '\0';
	rec->len[field] = (size_t)(out - p);
	return LOAD_OK;
}

static int check_event(struct load_csv *r, struct load_rec *rec,
                       const char *ev, size_t evlen)
{
	char q[64], why[LOAD_MSG_MAX];
	uint64_t need, allow;
	int k;

	if (ev == NULL) {
		load_msgf(r->err, "%s:%lu: column 'event': empty (every row needs it)", r->name,
		          rec->where);
		return LOAD_BAD;
	}
	k = load_event_kind(ev, evlen);
	if (k < 0) {
		load_msgf(r->err, "%s:%lu: unknown event '%s' (commission, pack, "
		          "unpack, ship, receive, return, destroy, dispense or transform)",
		          r->name, rec->where, load_quote(ev, evlen, q, sizeof(q)));
		return LOAD_BAD;
	}
	rec->kind = (enum load_kind)k;
	need = load_required(rec->kind);
	allow = load_allowed(rec->kind);
	for (int f = 0; f < LOAD_F__COUNT; f++) {
		bool has = rec->f[f] != NULL;

		if (has && !(allow & LOAD_BIT(f))) {
			load_msgf(why, "not used by %s events (leave it empty)",
			          load_kind_name(rec->kind));
			return bad_col(r, rec->where, f, why);
		}
		if (!has && (need & LOAD_BIT(f))) {
			load_msgf(why, "empty (%s needs it)", load_kind_name(rec->kind));
			return bad_col(r, rec->where, f, why);
		}
	}
	if (rec->f[LOAD_F_TIME] != NULL &&
	    !seen(&r->seen_time, rec->f[LOAD_F_TIME], rec->len[LOAD_F_TIME])) {
		if (load_check_time(rec->f[LOAD_F_TIME], rec->len[LOAD_F_TIME], why) < 0)
			return bad_col(r, rec->where, LOAD_F_TIME, why);
		remember(&r->seen_time, rec->f[LOAD_F_TIME], rec->len[LOAD_F_TIME]);
	}
	if (rec->f[LOAD_F_EXPIRY] != NULL &&
	    load_check_date(rec->f[LOAD_F_EXPIRY], rec->len[LOAD_F_EXPIRY], why) < 0)
		return bad_col(r, rec->where, LOAD_F_EXPIRY, why);
	if (rec->f[LOAD_F_LEVEL] != NULL &&
	    load_check_count(rec->f[LOAD_F_LEVEL], rec->len[LOAD_F_LEVEL], 1, 4, why) < 0)
		return bad_col(r, rec->where, LOAD_F_LEVEL, why);
	/* The limits of the commands the records become (proto/command.h):
	 * a lot-level record's uses, or the units of one sale. */
	if (rec->f[LOAD_F_QTY] != NULL &&
	    load_check_count(rec->f[LOAD_F_QTY], rec->len[LOAD_F_QTY], 1,
	                     rec->kind == LOAD_DISPENSE ? CMD_SALE_QTY_MAX : CMD_LOT_QTY_MAX,
	                     why) < 0)
		return bad_col(r, rec->where, LOAD_F_QTY, why);
	if (rec->kind == LOAD_TRANSFORM)	/* no code: two lists of them */
		return check_code_list(r, rec, LOAD_F_INPUTS) == LOAD_OK ?
		       check_code_list(r, rec, LOAD_F_OUTPUTS) : LOAD_BAD;
	if (load_check_code(rec->f[LOAD_F_CODE], rec->len[LOAD_F_CODE],
	                    r->opts.lo_code, why) < 0)
		return bad_col(r, rec->where, LOAD_F_CODE, why);
	if (rec->f[LOAD_F_PARENT] != NULL &&
	    !seen(&r->seen_parent, rec->f[LOAD_F_PARENT], rec->len[LOAD_F_PARENT])) {
		if (load_check_code(rec->f[LOAD_F_PARENT], rec->len[LOAD_F_PARENT],
		                    r->opts.lo_code, why) < 0)
			return bad_col(r, rec->where, LOAD_F_PARENT, why);
		remember(&r->seen_parent, rec->f[LOAD_F_PARENT],
		         rec->len[LOAD_F_PARENT]);
	}
	return LOAD_OK;
}

int load_csv_next(struct load_csv *r, struct load_rec *rec)
{
	struct scanned s;
	const char *ev;
	size_t evlen;
	unsigned long line;
	int e;

	if (r->fatal)
		return LOAD_FATAL;
again:
	e = next_raw(r, &s);
	if (e < 0)
		return LOAD_FATAL;
	line = r->line;
	rec->where = line;	/* a bad row's place too */
	switch ((enum scan)e) {
	case SCAN_OK:
		break;
	case SCAN_LONG:
		load_msgf(r->err, "%s:%lu: record longer than %zu bytes", r->name,
		          line, r->record_max);
		if (skip_record(r, r->pos, false) < 0)
			return LOAD_FATAL;
		return LOAD_BAD;
	case SCAN_OPEN:
		load_msgf(r->err, "%s:%lu: unterminated quoted field", r->name,
		          line + s.at_line);
		r->line += s.lines;
		r->pos = r->len;
		return LOAD_BAD;
	case SCAN_AFTER_Q:
		load_msgf(r->err, "%s:%lu: text after a closing quote (a quoted "
		          "field ends at ',' or the end of the line)", r->name,
		          line + s.at_line);
		r->line += s.at_line;
		if (skip_record(r, s.end, false) < 0)
			return LOAD_FATAL;
		return LOAD_BAD;
	case SCAN_STRAY_Q:
		load_msgf(r->err, "%s:%lu: quote inside an unquoted field (quote the "
		          "whole field and double the quote)", r->name,
		          line + s.at_line);
		r->line += s.at_line;
		if (skip_record(r, s.end + 1, false) < 0)
			return LOAD_FATAL;
		return LOAD_BAD;
	case SCAN_MORE:
		break; /* not returned by next_raw */
	}
	if (s.nf == 0)
		return LOAD_END;
	if (s.nf == 1 && r->fld[0].len == 0 && !r->fld[0].quoted) {
		/* a blank line */
		r->line += s.lines;
		r->pos = s.end;
		goto again;
	}
	if (s.nf != r->ncols) {
		load_msgf(r->err, "%s:%lu: wrong number of columns (%d, header has %d)",
		          r->name, line, s.nf, r->ncols);
		r->line += s.lines;
		r->pos = s.end;
		return LOAD_BAD;
	}
	load_rec_clear(rec);
	rec->where = line;
	ev = NULL;
	evlen = 0;
	for (int i = 0; i < s.nf; i++) {
		int f = r->col[i];
		const char *p;
		size_t n;

		if (f == COL_IGNORE || r->fld[i].len == 0)
			continue;
		n = finish_field(r, &r->fld[i]);
		p = r->buf + r->pos + r->fld[i].off;
		/* unquoted fields were looked at by the scan; quoted ones not */
		if ((s.nul || r->fld[i].quoted) && memchr(p, '\0', n) != NULL) {
			load_msgf(r->err, "%s:%lu: column '%s' holds a NUL byte", r->name,
			          line, f == COL_EVENT ? "event" :
			          load_field_name((enum load_field)f));
			r->line += s.lines;
			r->pos = s.end;
			return LOAD_BAD;
		}
		if (f == COL_EVENT) {
			ev = p;
			evlen = n;
		} else {
			rec->f[f] = p;
			rec->len[f] = n;
		}
	}
	r->line += s.lines;
	r->pos = s.end;
	switch (r->file) {
	case LOAD_FILE_SITES:
		rec->kind = LOAD_SITE;
		return check_site(r, rec);
	case LOAD_FILE_PRODUCTS:
		rec->kind = LOAD_PRODUCT;
		return check_product(r, rec);
	case LOAD_FILE_EVENTS:
		break;
	}
	return check_event(r, rec, ev, evlen);
}
