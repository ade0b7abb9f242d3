/*
 * cmd_load — `yima load FILE... [--format csv|epcis] [--batch N] [--skip-bad]`:
 * bulk loading of sites, products and distribution records.
 *
 * Sites and products files become SITE SET / PRODUCT SET commands.  Event
 * records become command lines grouped into EVENTS batches of about N rows
 * (consecutive rows that differ only in their code are merged into one
 * command: one COMMISSION of 1,000 codes, not 1,000 COMMISSIONs).  Several
 * batches are in flight at once on one connection; the server applies them
 * in order.
 *
 * Without --skip-bad the files are read through first and nothing is sent
 * if any record cannot be read (a syntax error); the server still refuses
 * a batch whole when one of its records breaks a rule, and the summary
 * counts what was applied.  With --skip-bad the readable records load and
 * the others are reported and counted as errors.
 *
 * Resuming: every batch carries an id, SHA-256 over the file's identity (its
 * size and first and last 64 KiB) and the rows the batch covers, so running
 * the same command again after Ctrl-C, a kill or a lost connection sends the
 * same batches with the same ids: those already applied are answered from
 * the server's record of them and change nothing, the rest are applied —
 * no duplicate, no gap.  (The same --batch size is needed for that.)
 */
#include "buf.h"
#include "cli.h"
#include "load.h"
#include "load_cmd.h"
#include "xmem.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define USAGE "yima load FILE... [--format csv|epcis] [--batch N] [--skip-bad]"
#define WINDOW 32		/* batches in flight: enough for the server to
				 * apply several in one transaction */
#define MERGE_MAX 1000		/* codes merged into one command */
#define ERRORS_SHOWN 20
#define EPCIS_MAX ((size_t)1 << 30)

/* A batch sent and not yet answered. */
struct batch {
	char id[65];
	size_t rows;
	size_t ncmds;
	unsigned long *where;	/* source place of each command's first row */
	size_t *rows_of;	/* rows merged into each command */
};

struct loader {
	struct cli_conn *cc;
	const char *file;
	bool epcis;
	bool skipbad;
	bool tty;
	size_t batch_rows;
	uint8_t identity[32];

	/* the command being merged */
	enum load_kind kind;
	struct buf head;	/* "PACK parent" or "SHIP" ... before the codes */
	struct buf codes;	/* " code code ..." */
	struct buf tail;	/* " SITE s TIME t ..." after the codes */
	struct buf rec_head, rec_tail;	/* add_record's scratch, kept */
	size_t ncodes;
	unsigned long cmd_where;

	/* the batch being built */
	struct buf lines;	/* command lines, NUL-separated */
	size_t *line_off;
	size_t nlines, cap_lines;
	unsigned long *where;
	size_t *rows_of;
	size_t rows;
	unsigned long first_where, last_where;

	struct batch inflight[WINDOW];
	size_t head_i, count;

	/* totals */
	unsigned long long records, applied, skipped, errors, batches, replayed;
	unsigned long long bytes_done, bytes_total;
	int shown;
	double started, last_progress;
	unsigned progress_calls;	/* the clock is read every 1,024 */
	bool failed;		/* connection lost or protocol trouble */
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void report_error(struct loader *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void report_error(struct loader *l, const char *fmt, ...)
{
	l->errors++;
	if (l->shown++ >= ERRORS_SHOWN)
		return;
	va_list ap;
	va_start(ap, fmt);
	if (l->tty)
		fputs("\r\033[K", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void where_text(const struct loader *l, unsigned long w, char *out, size_t n)
{
	snprintf(out, n, l->epcis ? "%s: event %lu" : "%s:%lu", l->file, w);
}

/* Identity of a file: SHA-256 of its size and first and last 64 KiB. */
static int file_identity(FILE *f, uint8_t out[32])
{
	struct stat st;
	if (fstat(fileno(f), &st) != 0)
		return -1;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	unsigned long long size = (unsigned long long)st.st_size;
	EVP_DigestUpdate(md, &size, sizeof size);
	char *buf = xmalloc(65536);
	size_t n = fread(buf, 1, 65536, f);
	EVP_DigestUpdate(md, buf, n);
	if (S_ISREG(st.st_mode) && st.st_size > 65536 &&
	    fseeko(f, st.st_size - 65536, SEEK_SET) == 0) {
		n = fread(buf, 1, 65536, f);
		EVP_DigestUpdate(md, buf, n);
	}
	free(buf);
	unsigned int len = 32;
	EVP_DigestFinal_ex(md, out, &len);
	EVP_MD_CTX_free(md);
	return fseeko(f, 0, SEEK_SET);
}

static void batch_id(const struct loader *l, char out[65])
{
	uint8_t h[32];
	char text[96];
	int n = snprintf(text, sizeof text, "%lu-%lu-%zu", l->first_where, l->last_where,
			 l->batch_rows);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	EVP_DigestUpdate(md, l->identity, sizeof l->identity);
	EVP_DigestUpdate(md, text, (size_t)n);
	unsigned int len = 32;
	EVP_DigestFinal_ex(md, h, &len);
	EVP_MD_CTX_free(md);
	for (int i = 0; i < 32; i++)	/* 128 bits are plenty for an id */
		snprintf(out + 2 * (i % 16), 3, "%02x", h[i] ^ h[(i + 16) % 32]);
	out[32] = '\0';
}

/* ------------------------------------------------------------- replies */

static int value_int(const struct resp_value *m, const char *key, long long *out)
{
	if (m->type != RESP_T_MAP)
		return -1;
	for (size_t i = 0; i < m->n; i++) {
		const struct resp_value *k = &m->elem[2 * i], *v = &m->elem[2 * i + 1];
		if (k->str && strcmp(k->str, key) == 0 && (v->type == RESP_T_INT || v->type == RESP_T_BOOL)) {
			*out = v->integer;
			return 0;
		}
	}
	return -1;
}

static const struct resp_value *value_of(const struct resp_value *m, const char *key)
{
	if (m->type != RESP_T_MAP)
		return NULL;
	for (size_t i = 0; i < m->n; i++)
		if (m->elem[2 * i].str && strcmp(m->elem[2 * i].str, key) == 0)
			return &m->elem[2 * i + 1];
	return NULL;
}

/* Which row a record index of a batch stands for. */
static void record_place(const struct loader *l, const struct batch *b, long long rec,
			 char *out, size_t n)
{
	if (rec >= 1 && (size_t)rec <= b->ncmds) {
		where_text(l, b->where[rec - 1], out, n);
		if (b->rows_of[rec - 1] > 1) {
			size_t used = strlen(out);
			snprintf(out + used, n - used, " (+%zu merged rows)", b->rows_of[rec - 1] - 1);
		}
	} else {
		snprintf(out, n, "%s", l->file);
	}
}

static int read_reply(struct loader *l)
{
	struct batch *b = &l->inflight[l->head_i];
	struct resp_value v;
	char place[600];
	if (client_read(&l->cc->cc_client, &v) != 0) {
		fprintf(stderr, "%syima: load: %s\n", l->tty ? "\r\033[K" : "",
			l->cc->cc_client.err);
		l->failed = true;
		return -1;
	}
	long long applied = 0, skipped = 0, replayed = 0;
	if (v.type == RESP_T_ERROR) {
		/* "ERR EVENTS: record N: ...; nothing was applied" */
		const char *p = strstr(v.str, "record ");
		long long rec = p ? atoll(p + 7) : 0;
		record_place(l, b, rec, place, sizeof place);
		const char *msg = p ? strchr(p, ':') : NULL;
		report_error(l, "%s: %s (batch of %zu rows not applied)", place,
			     msg ? msg + 2 : v.str, b->rows);
	} else if (value_int(&v, "applied", &applied) == 0) {
		value_int(&v, "skipped", &skipped);
		value_int(&v, "replayed", &replayed);
		const struct resp_value *errs = value_of(&v, "errors");
		for (size_t i = 0; errs && errs->type == RESP_T_ARRAY && i < errs->n; i++) {
			long long rec = 0;
			const struct resp_value *e = value_of(&errs->elem[i], "error");
			value_int(&errs->elem[i], "record", &rec);
			record_place(l, b, rec, place, sizeof place);
			report_error(l, "%s: %s (skipped)", place, e && e->str ? e->str : "?");
			l->errors--;	/* counted as skipped, not as an error */
		}
		/* applied/skipped count commands; rows are what the user knows */
		size_t rows_skipped = 0;
		if (skipped) {
			for (size_t i = 0; errs && errs->type == RESP_T_ARRAY && i < errs->n; i++) {
				long long rec = 0;
				value_int(&errs->elem[i], "record", &rec);
				if (rec >= 1 && (size_t)rec <= b->ncmds)
					rows_skipped += b->rows_of[rec - 1];
			}
		}
		l->skipped += rows_skipped;
		l->applied += b->rows - rows_skipped;
		l->replayed += replayed != 0;
	} else {
		report_error(l, "%s: unexpected reply to EVENTS", l->file);
	}
	resp_value_free(&v);
	free(b->where);
	free(b->rows_of);
	l->head_i = (l->head_i + 1) % WINDOW;
	l->count--;
	return 0;
}

/* ------------------------------------------------------------- batching */

static void end_command(struct loader *l)
{
	if (l->ncodes == 0 && l->head.len == 0)
		return;
	if (l->nlines == l->cap_lines) {
		l->cap_lines = l->cap_lines ? l->cap_lines * 2 : 256;
		l->line_off = xrealloc(l->line_off, l->cap_lines * sizeof *l->line_off);
		l->where = xrealloc(l->where, l->cap_lines * sizeof *l->where);
		l->rows_of = xrealloc(l->rows_of, l->cap_lines * sizeof *l->rows_of);
	}
	l->line_off[l->nlines] = l->lines.len;
	l->where[l->nlines] = l->cmd_where;
	l->rows_of[l->nlines] = l->ncodes ? l->ncodes : 1;
	l->nlines++;
	buf_append(&l->lines, l->head.data, l->head.len);
	buf_append(&l->lines, l->codes.data ? l->codes.data : "", l->codes.len);
	buf_append(&l->lines, l->tail.data ? l->tail.data : "", l->tail.len);
	buf_putc(&l->lines, '\0');
	buf_reset(&l->head);
	buf_reset(&l->codes);
	buf_reset(&l->tail);
	l->ncodes = 0;
}

static int send_batch(struct loader *l)
{
	end_command(l);
	if (l->nlines == 0)
		return 0;
	while (l->count == WINDOW)
		if (read_reply(l) != 0)
			return -1;
	struct batch *b = &l->inflight[(l->head_i + l->count) % WINDOW];
	batch_id(l, b->id);
	b->rows = l->rows;
	b->ncmds = l->nlines;
	b->where = l->where;
	b->rows_of = l->rows_of;
	l->where = NULL;
	l->rows_of = NULL;

	size_t argc = l->nlines + (l->skipbad ? 4 : 3);
	const char **argv = xmalloc(argc * sizeof *argv);
	size_t *lens = xmalloc(argc * sizeof *lens);
	size_t k = 0;
	argv[k] = "EVENTS"; lens[k++] = 6;
	argv[k] = "BATCH"; lens[k++] = 5;
	argv[k] = b->id; lens[k++] = strlen(b->id);
	if (l->skipbad) {
		argv[k] = "SKIPBAD";
		lens[k++] = 7;
	}
	for (size_t i = 0; i < l->nlines; i++) {
		argv[k] = l->lines.data + l->line_off[i];
		lens[k] = strlen(argv[k]);
		k++;
	}
	struct buf req = BUF_INIT;
	resp_command(&req, (int)argc, argv, lens);
	int rc = client_send(&l->cc->cc_client, req.data, req.len);
	buf_free(&req);
	free(argv);
	free(lens);
	buf_reset(&l->lines);
	l->nlines = 0;
	l->cap_lines = 0;
	free(l->line_off);
	l->line_off = NULL;
	l->rows = 0;
	l->batches++;
	if (rc != 0) {
		fprintf(stderr, "yima: load: %s\n", l->cc->cc_client.err);
		free(b->where);
		free(b->rows_of);
		l->failed = true;
		return -1;
	}
	l->count++;
	return 0;
}

static bool buf_same(const struct buf *a, const struct buf *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

/* Turn a record into (part of) a command line. */
static int add_record(struct loader *l, const struct load_rec *r)
{
	struct buf *head = &l->rec_head, *tail = &l->rec_tail;	/* scratch */
	buf_reset(head);
	buf_reset(tail);
	const char *code = r->f[LOAD_F_CODE];
	size_t code_len = r->len[LOAD_F_CODE];
	if (load_cmd_words(r, head, tail) != 0) {
		report_error(l, "%s:%lu: a %s record in an events file", l->file, r->where,
			     load_kind_name(r->kind));
		return 0;
	}

	/* Same command as the one being built, but for the code?  Merge. */
	bool same = l->ncodes > 0 && l->ncodes < MERGE_MAX && r->kind == l->kind &&
		    r->kind != LOAD_DISPENSE && code != NULL &&
		    buf_same(head, &l->head) && buf_same(tail, &l->tail);
	if (!same) {
		if (l->rows >= l->batch_rows && send_batch(l) != 0)
			return -1;
		end_command(l);
		if (l->nlines == 0)
			l->first_where = r->where;
		l->kind = r->kind;
		buf_append(&l->head, head->data, head->len);
		buf_append(&l->tail, tail->data ? tail->data : "", tail->len);
		l->cmd_where = r->where;
	}
	if (code) {
		load_put_word(&l->codes, code, code_len);
		l->ncodes++;
	}
	l->rows++;
	l->last_where = r->where;
	return 0;
}

/* ------------------------------------------------------ sites, products */

static int master_record(struct loader *l, const struct load_rec *r, struct resp_value *v)
{
	const char *argv[24];
	size_t lens[24];
	int n = 0;
	static const struct { enum load_field f; const char *name; } site_fields[] = {
		{ LOAD_F_NAME, "name" }, { LOAD_F_KIND, "kind" }, { LOAD_F_GLN, "gln" },
	}, product_fields[] = {
		{ LOAD_F_NAME, "name" }, { LOAD_F_UNITS_PER_PACK, "units_per_pack" },
		{ LOAD_F_FORM, "form" }, { LOAD_F_STRENGTH, "strength" },
		{ LOAD_F_HOLDER, "holder" }, { LOAD_F_KIND, "kind" },
		{ LOAD_F_NHSA_CODE, "nhsa_code" },
	};
	bool site = r->kind == LOAD_SITE;
	argv[n] = site ? "SITE" : "PRODUCT";
	lens[n++] = strlen(argv[0]);
	argv[n] = "SET";
	lens[n++] = 3;
	enum load_field id = site ? LOAD_F_SITE : LOAD_F_PRODUCT;
	argv[n] = r->f[id];
	lens[n++] = r->len[id];
	size_t nf = site ? 3 : 7;
	for (size_t i = 0; i < nf; i++) {
		enum load_field f = site ? site_fields[i].f : product_fields[i].f;
		if (r->f[f] == NULL)
			continue;
		argv[n] = site ? site_fields[i].name : product_fields[i].name;
		lens[n] = strlen(argv[n]);
		n++;
		argv[n] = r->f[f];
		lens[n++] = r->len[f];
	}
	return client_call(&l->cc->cc_client, n, argv, lens, v);
}

/* ------------------------------------------------------------- progress */

static void progress(struct loader *l, bool final)
{
	if (l->file == NULL)
		return;		/* nothing was read to load */
	if (!final && ++l->progress_calls % 1024 != 0)
		return;
	double t = now_s();
	if (!final && t - l->last_progress < (l->tty ? 0.25 : 5.0))
		return;
	l->last_progress = t;
	double el = t - l->started;
	double rate = el > 0 ? (double)l->records / el : 0;
	double frac = l->bytes_total ? (double)l->bytes_done / (double)l->bytes_total : 0;
	double eta = frac > 0.001 ? el / frac - el : 0;
	if (l->tty)
		fprintf(stderr, "\r\033[K%s %3.0f%%  %llu records  %.0f records/s  ETA %.0f s",
			l->file, frac * 100, l->records, rate, eta);
	else
		fprintf(stderr, "%s: %.0f%%, %llu records, %.0f records/s, ETA %.0f s\n",
			l->file, frac * 100, l->records, rate, eta);
	fflush(stderr);
}

/* ------------------------------------------------------------- a file */

static void warn(void *arg, const char *msg)
{
	struct loader *l = arg;
	fprintf(stderr, "%syima: load: warning: %s\n", l->tty ? "\r\033[K" : "", msg);
}

/* Is `path` an EPCIS document (by --format, else by its name)? */
static bool is_epcis(const char *path, const char *format)
{
	const char *dot = strrchr(path, '.');
	return format ? strcmp(format, "epcis") == 0 :
		dot && (strcmp(dot, ".json") == 0 || strcmp(dot, ".jsonld") == 0);
}

/* Open the reader of one file, CSV or EPCIS (the other stays NULL).
 * Returns 0, or -1 after reporting why and closing f. */
static int open_reader(struct loader *l, FILE *f, const char *path, bool epcis,
		       const struct load_opts *lo, struct load_csv **csv, struct load_epcis **ep)
{
	char err[LOAD_MSG_MAX];
	*csv = NULL;
	*ep = NULL;
	if (epcis)
		*ep = load_epcis_open(f, path, EPCIS_MAX, lo, err);
	else
		*csv = load_csv_open(f, path, lo, err);
	if (*csv == NULL && *ep == NULL) {
		report_error(l, "%s", err);
		fclose(f);
		return -1;
	}
	return 0;
}

/*
 * Read a file through without sending anything and report every record
 * the reader refuses.  Without --skip-bad the files of one command load
 * only if they all read clean, so a syntax error on row 40,000 does not
 * leave the 39,999 rows before it applied.  Returns the errors found.
 */
static unsigned long check_file(struct loader *l, const char *path, const char *format)
{
	unsigned long before = (unsigned long)l->errors;
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		report_error(l, "%s: %s", path, strerror(errno));
		return 1;
	}
	struct load_opts lo = { 0 };	/* warnings come once, in the load */
	struct load_csv *csv;
	struct load_epcis *ep;
	if (open_reader(l, f, path, is_epcis(path, format), &lo, &csv, &ep) != 0)
		return 1;
	struct load_rec r;
	for (;;) {
		int got = csv ? load_csv_next(csv, &r) : load_epcis_next(ep, &r);
		if (got == LOAD_END)
			break;
		if (got == LOAD_BAD || got == LOAD_FATAL)
			report_error(l, "%s", csv ? load_csv_error(csv) : load_epcis_error(ep));
		if (got == LOAD_FATAL)
			break;
	}
	load_csv_close(csv);
	load_epcis_close(ep);
	fclose(f);
	return (unsigned long)l->errors - before;
}

static int load_file(struct loader *l, const char *path, const char *format)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		report_error(l, "%s: %s", path, strerror(errno));
		return 0;
	}
	l->file = path;
	l->epcis = is_epcis(path, format);
	struct stat st;
	l->bytes_total = fstat(fileno(f), &st) == 0 ? (unsigned long long)st.st_size : 0;
	l->bytes_done = 0;
	if (file_identity(f, l->identity) != 0) {
		report_error(l, "%s: %s", path, strerror(errno));
		fclose(f);
		return 0;
	}
	struct load_opts lo = { .lo_warn = warn, .lo_warn_arg = l };
	struct load_csv *csv;
	struct load_epcis *ep;
	if (open_reader(l, f, path, l->epcis, &lo, &csv, &ep) != 0)
		return 0;
	bool master = csv && load_csv_file(csv) != LOAD_FILE_EVENTS;
	struct load_rec r;
	int rc = 0;
	for (;;) {
		int got = csv ? load_csv_next(csv, &r) : load_epcis_next(ep, &r);
		if (got == LOAD_END)
			break;
		if (got == LOAD_FATAL) {
			report_error(l, "%s", csv ? load_csv_error(csv) : load_epcis_error(ep));
			break;
		}
		l->records++;
		if (got == LOAD_BAD) {
			report_error(l, "%s", csv ? load_csv_error(csv) : load_epcis_error(ep));
			continue;
		}
		if (master) {
			struct resp_value v;
			if (master_record(l, &r, &v) != 0) {
				fprintf(stderr, "yima: load: %s\n", l->cc->cc_client.err);
				l->failed = true;
				rc = -1;
				break;
			}
			if (v.type == RESP_T_ERROR) {
				char place[300];
				where_text(l, r.where, place, sizeof place);
				report_error(l, "%s: %s", place, v.str);
			} else {
				l->applied++;
			}
			resp_value_free(&v);
		} else if (add_record(l, &r) != 0) {
			rc = -1;
			break;
		}
		if (csv)
			l->bytes_done = load_csv_offset(csv);
		else if (load_epcis_stats(ep)->es_events)
			l->bytes_done = l->bytes_total * load_epcis_stats(ep)->es_done /
					load_epcis_stats(ep)->es_events;
		progress(l, false);
	}
	if (rc == 0 && send_batch(l) != 0)
		rc = -1;
	while (rc == 0 && l->count)
		if (read_reply(l) != 0)
			rc = -1;
	if (ep) {
		const struct load_epcis_stats *es = load_epcis_stats(ep);
		for (int k = 0; k < LOAD_SKIP__COUNT; k++)
			if (es->es_skipped[k])
				fprintf(stderr, "%s%s: %lu event(s) skipped: %s\n",
					l->tty ? "\r\033[K" : "", path, es->es_skipped[k],
					load_skip_name((enum load_skip)k));
	}
	load_csv_close(csv);
	load_epcis_close(ep);
	fclose(f);
	return rc;
}

int cli_load(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv)
{
	struct cli_opt opts[] = {
		{ "--format", true, NULL }, { "--batch", true, NULL }, { "--skip-bad", false, NULL },
	};
	char **files = xmalloc((size_t)(argc > 0 ? argc : 1) * sizeof *files);
	int n = cli_getopt("load", argc, argv, opts, 3, files, argc);
	if (n == CLI_GETOPT_HELP || n <= 0) {
		free(files);
		if (n == CLI_GETOPT_HELP) {
			printf("usage: %s\n", USAGE);
			return EXIT_OK;
		}
		return n < 0 ? EXIT_USAGE : cli_usage_error(USAGE);
	}
	const char *format = opts[0].co_value;
	if (format && strcmp(format, "csv") != 0 && strcmp(format, "epcis") != 0) {
		fprintf(stderr, "yima load: --format must be csv or epcis, not '%s'\n", format);
		free(files);
		return EXIT_USAGE;
	}
	struct loader l = { .cc = cc, .batch_rows = 1000, .skipbad = opts[2].co_value != NULL,
			    .tty = isatty(2) };
	if (opts[1].co_value) {
		char *end;
		long v = strtol(opts[1].co_value, &end, 10);
		if (*end || v < 1 || v > 100000) {
			fprintf(stderr, "yima load: --batch must be 1 to 100000 rows\n");
			free(files);
			return EXIT_USAGE;
		}
		l.batch_rows = (size_t)v;
	}
	if (cli_conn_open(cc) != 0) {
		free(files);
		return EXIT_USAGE;
	}
	l.started = now_s();
	int rc = 0;
	unsigned long bad = 0;
	for (int i = 0; i < n && !l.skipbad; i++)
		bad += check_file(&l, files[i], format);
	if (bad)
		fprintf(stderr, "yima load: nothing was loaded: %lu record%s the files cannot be "
			"read as (above); fix %s, or give --skip-bad to load the rest\n", bad,
			bad == 1 ? "" : "s", bad == 1 ? "it" : "them");
	for (int i = 0; i < n && rc == 0 && !bad; i++)
		rc = load_file(&l, files[i], format);
	progress(&l, true);
	double el = now_s() - l.started;
	fprintf(stderr, "%s", l.tty ? "\n" : "");
	if (o->json)	/* the same figures for a program, one object */
		printf("{\"records\": %llu, \"applied\": %llu, \"skipped\": %llu, "
		       "\"errors\": %llu, \"batches\": %llu, \"already_applied\": %llu, "
		       "\"elapsed_s\": %.3f, \"rate\": %.0f}\n",
		       l.records, l.applied, l.skipped, l.errors, l.batches, l.replayed, el,
		       el > 0 ? (double)l.records / el : 0.0);
	else
		printf("records: %llu, applied: %llu, skipped: %llu, errors: %llu, batches: %llu "
		       "(%llu already applied), elapsed: %.1f s, rate: %.0f records/s\n",
		       l.records, l.applied, l.skipped, l.errors, l.batches, l.replayed, el,
		       el > 0 ? (double)l.records / el : 0.0);
	if (!o->json && l.shown > ERRORS_SHOWN)
		printf("(%d more errors not shown)\n", l.shown - ERRORS_SHOWN);
	buf_free(&l.head);
	buf_free(&l.codes);
	buf_free(&l.tail);
	buf_free(&l.rec_head);
	buf_free(&l.rec_tail);
	buf_free(&l.lines);
	free(l.line_off);
	free(l.where);
	free(l.rows_of);
	free(files);
	if (l.failed)
		return EXIT_USAGE;
	return l.errors ? EXIT_REPLY_ERROR : EXIT_OK;
}
