/*
 * cmd_load — `yima load FILE... [--format csv|epcis] [--batch N] [--skip-bad]`:
 * bulk loading of sites, products and distribution records (CLI.md, "yima
 * load"; FORMATS.md for the files).
 *
 * Every record becomes a command line (SITE SET, PRODUCT SET, COMMISSION,
 * SHIP, ...) and the lines go in EVENTS batches of about N rows
 * (consecutive rows that differ only in their code are merged into one
 * command: one COMMISSION of 1,000 codes, not 1,000 COMMISSIONs).  Several
 * batches are in flight at once on one connection; the server applies them
 * in order, several in one transaction.  "-" is standard input.
 *
 * Without --skip-bad the files are read through first and nothing is sent
 * if any record cannot be read (a syntax error); the server still refuses
 * a batch whole when one of its records breaks a rule.  With --skip-bad the
 * readable records load and the server skips the records it refuses.
 * Either way a refused row is an error: it is named (file:line, or file:
 * event N), counted, and the exit status says the load is not complete.
 *
 * Batch ids, and what a second run does: a batch's id is a digest of the
 * command lines it carries, and batches are cut where a row's own digest
 * says (not every N rows), so the same rows always make the same batches
 * with the same ids, whatever file they come from and whatever changed
 * elsewhere in it.  The server answers a batch id it has applied from its
 * record of it and applies nothing again.  So:
 *   - a killed or disconnected load, run again, finds the batches it had
 *     applied and applies the rest (also from a pipe: the same bytes make
 *     the same batches; nothing needs to seek);
 *   - a corrected file, run again, finds every batch whose rows did not
 *     change and applies the batches holding the corrected rows;
 *   - rows an earlier run had refused in a batch it applied (--skip-bad)
 *     are sent again on their own, so that rows refused for what the store
 *     lacked (an unknown site, since added) go in once it is there.
 */
#include "buf.h"
#include "cli.h"
#include "load.h"
#include "load_cmd.h"
#include "resp_json.h"
#include "xmem.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdint.h>
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
#define ERRORS_SHOWN 20		/* messages on stderr */
#define PLACES_SHOWN 20		/* refused rows named in the summary */
#define EPCIS_EVENT_MAX ((size_t)64 << 20)	/* the largest single event */
#define RETRY_DEPTH 16		/* "again" ids chained onto one batch */
#define ID_LEN 32		/* hex digits of a batch id (128 bits) */

/* Exit statuses (CLI.md): */
#define LOAD_COMPLETE EXIT_OK		/* every row applied, now or before */
#define LOAD_REFUSED EXIT_REPLY_ERROR	/* finished; some rows refused */
#define LOAD_FAILED EXIT_USAGE		/* not finished, or nothing sent */

/* One input: a file, or standard input spooled to a temporary file. */
struct input {
	const char *path;	/* as given */
	const char *name;	/* in messages: the path, or "(stdin)" */
	FILE *f;
	bool epcis;
	bool sized;		/* a regular file given by name: its size is
				 * the progress meter's 100% */
	unsigned long long size;
};

/* Command lines, NUL-separated, with where each came from. */
struct lines {
	struct buf text;
	size_t *off;		/* each line's start in text */
	unsigned long *where;	/* the source place of its first row */
	size_t *rows_of;	/* rows merged into it */
	size_t n, cap;
	size_t rows;
};

/* A batch sent and not yet answered. */
struct batch {
	char id[ID_LEN + 1];
	struct lines l;		/* owned */
	int depth;		/* 0; n: the n-th "again" of a batch */
};

struct loader {
	struct cli_conn *cc;
	const struct input *in;	/* the one being loaded */
	bool skipbad;
	bool tty;
	size_t batch_rows;

	/* the command being merged */
	enum load_kind kind;
	struct buf head;	/* "PACK parent" or "SHIP" ... before the codes */
	struct buf codes;	/* " code code ..." */
	struct buf tail;	/* " SITE s TIME t ..." after the codes */
	struct buf rec_head, rec_tail;	/* add_record's scratch, kept */
	size_t ncodes;
	unsigned long cmd_where;

	struct lines cur;	/* the batch being built */

	struct batch inflight[WINDOW];
	size_t head_i, count;

	/* ids used in this run: a second batch of the same lines gets an id
	 * of its own (open addressing on the id's first 64 bits) */
	uint64_t *ids;
	size_t nids, cap_ids;

	/* totals, in rows */
	unsigned long long records, applied, earlier, refused, held, batches, replayed;
	struct buf places;	/* the first PLACES_SHOWN refused rows' places,
				 * each NUL-terminated */
	int nplaces;
	unsigned long long bytes_done;
	int shown;
	double started, last_progress;
	unsigned progress_calls;	/* the clock is read every 1,024 */
	bool failed;		/* connection lost or protocol trouble */
	bool incomplete;	/* an input could not be read to its end */
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A message on stderr (the first ERRORS_SHOWN of them). */
static void say(struct loader *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(struct loader *l, const char *fmt, ...)
{
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
	snprintf(out, n, l->in->epcis ? "%s: event %lu" : "%s:%lu", l->in->name, w);
}

/* rows refused at place w: counted, and named in the summary. */
static void refused_at(struct loader *l, unsigned long w, size_t rows)
{
	l->refused += rows;
	if (l->nplaces++ >= PLACES_SHOWN)
		return;
	char place[300];
	where_text(l, w, place, sizeof place);
	buf_append(&l->places, place, strlen(place) + 1);	/* NUL-separated */
}

/* ---------------------------------------------------------- command lines */

static void lines_add(struct lines *s, const char *line, size_t len, unsigned long where,
		      size_t rows)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		s->off = xrealloc(s->off, s->cap * sizeof *s->off);
		s->where = xrealloc(s->where, s->cap * sizeof *s->where);
		s->rows_of = xrealloc(s->rows_of, s->cap * sizeof *s->rows_of);
	}
	s->off[s->n] = s->text.len;
	s->where[s->n] = where;
	s->rows_of[s->n] = rows;
	s->n++;
	s->rows += rows;
	buf_append(&s->text, line, len);
	buf_putc(&s->text, '\0');
}

static void lines_free(struct lines *s)
{
	buf_free(&s->text);
	free(s->off);
	free(s->where);
	free(s->rows_of);
	memset(s, 0, sizeof *s);
}

/* ------------------------------------------------------------- batch ids */

static void hex_id(const uint8_t h[32], char out[ID_LEN + 1])
{
	for (int i = 0; i < ID_LEN / 2; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* Has this run used an id starting with these 64 bits?  Marks it used. */
static bool id_seen(struct loader *l, uint64_t k)
{
	if (k == 0)
		k = 1;		/* 0 marks an empty slot */
	if (2 * (l->nids + 1) > l->cap_ids) {
		size_t cap = l->cap_ids ? 2 * l->cap_ids : 1024;
		uint64_t *t = xcalloc(cap, sizeof *t);
		for (size_t i = 0; i < l->cap_ids; i++)
			if (l->ids[i])
				for (size_t j = l->ids[i] & (cap - 1);; j = (j + 1) & (cap - 1))
					if (t[j] == 0) {
						t[j] = l->ids[i];
						break;
					}
		free(l->ids);
		l->ids = t;
		l->cap_ids = cap;
	}
	for (size_t j = k & (l->cap_ids - 1);; j = (j + 1) & (l->cap_ids - 1)) {
		if (l->ids[j] == k)
			return true;
		if (l->ids[j] == 0) {
			l->ids[j] = k;
			l->nids++;
			return false;
		}
	}
}

/*
 * The id of a batch of these lines: SHA-256 over the lines (and `again`,
 * the id of the batch whose refused rows they are, if any), and, for the
 * second and later batch of the same lines in this run, its ordinal.
 */
static void batch_id(struct loader *l, const struct lines *s, const char *again,
		     char out[ID_LEN + 1])
{
	static const char tag[] = "yima load batch 2";
	uint8_t h[32];
	for (unsigned long nth = 0;; nth++) {
		unsigned int len = sizeof h;
		EVP_MD_CTX *md = EVP_MD_CTX_new();
		EVP_DigestInit_ex(md, EVP_sha256(), NULL);
		EVP_DigestUpdate(md, tag, sizeof tag);
		if (again)
			EVP_DigestUpdate(md, again, strlen(again) + 1);
		EVP_DigestUpdate(md, s->text.data, s->text.len);
		if (nth)
			EVP_DigestUpdate(md, &nth, sizeof nth);
		EVP_DigestFinal_ex(md, h, &len);
		EVP_MD_CTX_free(md);
		uint64_t k;
		memcpy(&k, h, sizeof k);
		if (!id_seen(l, k))
			break;
	}
	hex_id(h, out);
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

/* The place of command `rec` (from 1) of batch b, for a message. */
static void record_place(const struct loader *l, const struct batch *b, long long rec,
			 char *out, size_t n)
{
	if (rec >= 1 && (size_t)rec <= b->l.n) {
		where_text(l, b->l.where[rec - 1], out, n);
		if (b->l.rows_of[rec - 1] > 1) {
			size_t used = strlen(out);
			snprintf(out + used, n - used, " (+%zu merged rows)", b->l.rows_of[rec - 1] - 1);
		}
	} else {
		snprintf(out, n, "%s", l->in->name);
	}
}

static int send_lines(struct loader *l, struct lines *s, const char *again, int depth);

/*
 * A batch the server had applied in an earlier run, with records it
 * refused then: those records again, as a batch of their own (its id
 * chained from b's), so that what they lacked then may be there now.
 * Their rows are counted by that batch's answer.
 */
static void send_again(struct loader *l, struct batch *b, const struct resp_value *errs)
{
	struct lines again = { .text = BUF_INIT };
	for (size_t i = 0; i < errs->n; i++) {
		long long rec = 0;
		value_int(&errs->elem[i], "record", &rec);
		if (rec < 1 || (size_t)rec > b->l.n)
			continue;
		const char *line = b->l.text.data + b->l.off[rec - 1];
		lines_add(&again, line, strlen(line), b->l.where[rec - 1], b->l.rows_of[rec - 1]);
	}
	if (again.n)
		send_lines(l, &again, b->id, b->depth + 1);
	lines_free(&again);
}

/* The answer to the oldest batch in flight. */
static int read_reply(struct loader *l)
{
	struct batch b = l->inflight[l->head_i];
	struct resp_value v;
	char place[600];
	l->head_i = (l->head_i + 1) % WINDOW;
	l->count--;
	if (client_read(&l->cc->cc_client, &v) != 0) {
		fprintf(stderr, "%syima: load: %s\n", l->tty ? "\r\033[K" : "",
			l->cc->cc_client.err);
		l->failed = true;
		lines_free(&b.l);
		return -1;
	}
	long long replayed = 0;
	if (v.type == RESP_T_ERROR) {
		/* "ERR EVENTS: record N: ...; nothing was applied": that record
		 * refused, the rest of the batch held back with it */
		const char *p = strstr(v.str, "record ");
		long long rec = p ? atoll(p + 7) : 0;
		record_place(l, &b, rec, place, sizeof place);
		const char *msg = p ? strchr(p, ':') : NULL;
		size_t rows = rec >= 1 && (size_t)rec <= b.l.n ? b.l.rows_of[rec - 1] : b.l.rows;
		say(l, "%s: %s (batch of %zu rows not applied)", place, msg ? msg + 2 : v.str,
		    b.l.rows);
		refused_at(l, rec >= 1 && (size_t)rec <= b.l.n ? b.l.where[rec - 1] : b.l.where[0],
			   rows);
		l->held += b.l.rows - rows;
	} else if (value_of(&v, "applied")) {
		value_int(&v, "replayed", &replayed);
		const struct resp_value *errs = value_of(&v, "errors");
		if (errs && errs->type != RESP_T_ARRAY)
			errs = NULL;
		size_t rows_refused = 0;
		for (size_t i = 0; errs && i < errs->n; i++) {
			long long rec = 0;
			value_int(&errs->elem[i], "record", &rec);
			if (rec >= 1 && (size_t)rec <= b.l.n)
				rows_refused += b.l.rows_of[rec - 1];
			if (replayed)
				continue;	/* sent again, below */
			const struct resp_value *e = value_of(&errs->elem[i], "error");
			record_place(l, &b, rec, place, sizeof place);
			say(l, "%s: %s (refused)", place, e && e->str ? e->str : "?");
			refused_at(l, rec >= 1 && (size_t)rec <= b.l.n ? b.l.where[rec - 1] :
				   b.l.where[0], rec >= 1 && (size_t)rec <= b.l.n ?
				   b.l.rows_of[rec - 1] : 0);
		}
		if (replayed) {
			l->replayed++;
			l->earlier += b.l.rows - rows_refused;
			if (errs && errs->n && b.depth < RETRY_DEPTH)
				send_again(l, &b, errs);
			else if (rows_refused)
				refused_at(l, b.l.where[0], rows_refused);
		} else {
			l->applied += b.l.rows - rows_refused;
		}
	} else {
		say(l, "%s: unexpected reply to EVENTS", l->in->name);
		l->failed = true;
	}
	resp_value_free(&v);
	lines_free(&b.l);
	return l->failed ? -1 : 0;
}

/* ------------------------------------------------------------- batching */

/* Send lines s as one EVENTS batch (s is copied); again: the id of the
 * batch whose refused records these are, or NULL. */
static int send_lines(struct loader *l, struct lines *s, const char *again, int depth)
{
	while (l->count == WINDOW)
		if (read_reply(l) != 0)
			return -1;
	struct batch *b = &l->inflight[(l->head_i + l->count) % WINDOW];
	batch_id(l, s, again, b->id);
	b->depth = depth;
	b->l = (struct lines){ .text = BUF_INIT };
	for (size_t i = 0; i < s->n; i++)
		lines_add(&b->l, s->text.data + s->off[i], strlen(s->text.data + s->off[i]),
			  s->where[i], s->rows_of[i]);

	size_t argc = s->n + (l->skipbad ? 4 : 3);
	const char **argv = xmalloc(argc * sizeof *argv);
	size_t *lens = xmalloc(argc * sizeof *lens);
	size_t k = 0;
	argv[k] = "EVENTS"; lens[k++] = 6;
	argv[k] = "BATCH"; lens[k++] = 5;
	argv[k] = b->id; lens[k++] = ID_LEN;
	if (l->skipbad) {
		argv[k] = "SKIPBAD";
		lens[k++] = 7;
	}
	for (size_t i = 0; i < s->n; i++) {
		argv[k] = b->l.text.data + b->l.off[i];
		lens[k] = strlen(argv[k]);
		k++;
	}
	struct buf req = BUF_INIT;
	resp_command(&req, (int)argc, argv, lens);
	int rc = client_send(&l->cc->cc_client, req.data, req.len);
	buf_free(&req);
	free(argv);
	free(lens);
	l->batches++;
	if (rc != 0) {
		fprintf(stderr, "yima: load: %s\n", l->cc->cc_client.err);
		lines_free(&b->l);
		l->failed = true;
		return -1;
	}
	l->count++;
	return 0;
}

/* The command being merged, onto the batch being built. */
static void end_command(struct loader *l)
{
	if (l->ncodes == 0 && l->head.len == 0)
		return;
	buf_append(&l->head, l->codes.data ? l->codes.data : "", l->codes.len);
	buf_append(&l->head, l->tail.data ? l->tail.data : "", l->tail.len);
	lines_add(&l->cur, l->head.data, l->head.len, l->cmd_where, l->ncodes ? l->ncodes : 1);
	buf_reset(&l->head);
	buf_reset(&l->codes);
	buf_reset(&l->tail);
	l->ncodes = 0;
}

static int send_batch(struct loader *l)
{
	end_command(l);
	if (l->cur.n == 0)
		return 0;
	int rc = send_lines(l, &l->cur, NULL, 0);
	lines_free(&l->cur);
	l->cur.text = (struct buf)BUF_INIT;
	return rc;
}

/* FNV-1a over a record's kind and fields: where batches are cut. */
static uint64_t record_digest(const struct load_rec *r)
{
	uint64_t h = 14695981039346656037ull;
	h = (h ^ (uint64_t)r->kind) * 1099511628211ull;
	for (int f = 0; f < LOAD_F__COUNT; f++) {
		for (size_t i = 0; r->f[f] && i < r->len[f]; i++)
			h = (h ^ (uint8_t)r->f[f][i]) * 1099511628211ull;
		h = (h ^ 0xff) * 1099511628211ull;
	}
	return h ^ (h >> 29);
}

/*
 * Does the batch end after this row?  At a row whose digest is 0 modulo
 * 3/4 of the batch size, once the batch has a quarter of it: about N rows
 * a batch, and the cuts depend on the rows themselves, so an edit moves
 * no cut but its own row's.  At twice N at the latest.
 */
static bool cut_after(const struct loader *l, uint64_t digest)
{
	size_t n = l->batch_rows, least = n / 4 ? n / 4 : 1, every = n - n / 4;
	size_t rows = l->cur.rows + (l->ncodes ? l->ncodes : l->head.len ? 1 : 0);
	return rows >= 2 * n || (rows >= least && digest % (every ? every : 1) == 0);
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
	const char *code = NULL;
	size_t code_len = 0;
	if (r->kind == LOAD_SITE || r->kind == LOAD_PRODUCT) {
		load_cmd_master(r, head);
	} else {
		code = r->f[LOAD_F_CODE];
		code_len = r->len[LOAD_F_CODE];
		load_cmd_words(r, head, tail);
	}

	/* Same command as the one being built, but for the code?  Merge. */
	bool same = l->ncodes > 0 && l->ncodes < MERGE_MAX && r->kind == l->kind &&
		    r->kind != LOAD_DISPENSE && code != NULL &&
		    buf_same(head, &l->head) && buf_same(tail, &l->tail);
	if (!same) {
		end_command(l);
		l->kind = r->kind;
		buf_append(&l->head, head->data, head->len);
		buf_append(&l->tail, tail->data ? tail->data : "", tail->len);
		l->cmd_where = r->where;
	}
	if (code) {
		load_put_word(&l->codes, code, code_len);
		l->ncodes++;
	}
	return cut_after(l, record_digest(r)) ? send_batch(l) : 0;
}

/* ------------------------------------------------------------- progress */

static void progress(struct loader *l, bool final)
{
	if (l->in == NULL)
		return;		/* nothing was read to load */
	if (!final && ++l->progress_calls % 1024 != 0)
		return;
	double t = now_s();
	if (!final && t - l->last_progress < (l->tty ? 0.25 : 5.0))
		return;
	l->last_progress = t;
	double el = t - l->started;
	double rate = el > 0 ? (double)l->records / el : 0;
	const char *cr = l->tty ? "\r\033[K" : "", *nl = l->tty ? "" : "\n";
	if (!l->in->sized || l->in->size == 0) {
		fprintf(stderr, "%s%s: %llu records, %.0f records/s%s", cr, l->in->name,
			l->records, rate, nl);
	} else {
		double frac = (double)l->bytes_done / (double)l->in->size;
		double eta = frac > 0.001 ? el / frac - el : 0;
		fprintf(stderr, "%s%s: %.0f%%, %llu records, %.0f records/s, ETA %.0f s%s", cr,
			l->in->name, frac * 100, l->records, rate, eta, nl);
	}
	fflush(stderr);
}

/* ------------------------------------------------------------- inputs */

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

/*
 * Copy a stream that cannot seek (standard input, a pipe) into an unlinked
 * temporary file ($TMPDIR), so that it can be read twice (checked, then
 * loaded) in bounded memory.  Returns the copy, or NULL after saying why.
 */
static FILE *spool(FILE *from, const char *name)
{
	FILE *to = tmpfile();
	if (to == NULL) {
		fprintf(stderr, "yima: load: %s: cannot make a temporary copy: %s\n", name,
			strerror(errno));
		return NULL;
	}
	char *chunk = xmalloc(1 << 20);
	size_t n;
	while ((n = fread(chunk, 1, 1 << 20, from)) > 0)
		if (fwrite(chunk, 1, n, to) != n)
			break;
	free(chunk);
	if (ferror(from) || ferror(to) || fflush(to) != 0) {
		fprintf(stderr, "yima: load: %s: %s\n", name,
			ferror(from) ? "read error" : "cannot write its temporary copy");
		fclose(to);
		return NULL;
	}
	rewind(to);
	return to;
}

/* Does the input start (after blanks and a byte order mark) with '{' or
 * '[', as JSON does and CSV does not?  The file is left at its start. */
static bool looks_like_json(FILE *f)
{
	int c;
	while ((c = getc(f)) == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0xef ||
	       c == 0xbb || c == 0xbf)
		;
	rewind(f);
	return c == '{' || c == '[';
}

/* Open input `path` ("-": standard input).  0, or -1 after saying why. */
static int open_input(struct input *in, const char *path, const char *format)
{
	struct stat st;
	bool std = strcmp(path, "-") == 0;
	in->path = path;
	in->name = std ? "(stdin)" : path;
	in->epcis = is_epcis(path, format);
	FILE *f = std ? stdin : fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "yima: load: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && !std) {
		in->f = f;
		in->sized = true;
		in->size = (unsigned long long)st.st_size;
		return 0;
	}
	in->f = spool(f, in->name);
	if (f != stdin)
		fclose(f);
	if (in->f && format == NULL)
		in->epcis = looks_like_json(in->f);	/* no name to go by */
	return in->f ? 0 : -1;
}

/* The reader of an input, CSV or EPCIS (the other stays NULL), from its
 * start.  0, or -1 after saying why. */
static int open_reader(struct loader *l, const struct input *in, const struct load_opts *lo,
		       struct load_csv **csv, struct load_epcis **ep)
{
	char err[LOAD_MSG_MAX];
	*csv = NULL;
	*ep = NULL;
	rewind(in->f);
	if (in->epcis)
		*ep = load_epcis_open(in->f, in->name, EPCIS_EVENT_MAX, lo, err);
	else
		*csv = load_csv_open(in->f, in->name, lo, err);
	if (*csv == NULL && *ep == NULL) {
		say(l, "%s", err);
		return -1;
	}
	return 0;
}

/*
 * Read an input through without sending anything and report every record
 * the reader refuses.  Without --skip-bad the inputs of one command load
 * only if they all read clean, so a syntax error on row 40,000 does not
 * leave the 39,999 rows before it applied.  Returns the errors found.
 */
static unsigned long check_input(struct loader *l, const struct input *in)
{
	struct load_opts lo = { 0 };	/* warnings come once, in the load */
	struct load_csv *csv;
	struct load_epcis *ep;
	l->in = in;
	if (open_reader(l, in, &lo, &csv, &ep) != 0)
		return 1;
	unsigned long bad = 0;
	struct load_rec r;
	for (;;) {
		int got = csv ? load_csv_next(csv, &r) : load_epcis_next(ep, &r);
		if (got == LOAD_END)
			break;
		if (got == LOAD_BAD || got == LOAD_FATAL) {
			say(l, "%s", csv ? load_csv_error(csv) : load_epcis_error(ep));
			bad++;
		}
		if (got == LOAD_BAD)
			refused_at(l, r.where, 1);
		if (got == LOAD_FATAL)
			break;
	}
	load_csv_close(csv);
	load_epcis_close(ep);
	return bad;
}

static int load_input(struct loader *l, const struct input *in)
{
	l->in = in;
	l->bytes_done = 0;
	struct load_opts lo = { .lo_warn = warn, .lo_warn_arg = l };
	struct load_csv *csv;
	struct load_epcis *ep;
	if (open_reader(l, in, &lo, &csv, &ep) != 0) {
		l->incomplete = true;
		return 0;
	}
	struct load_rec r;
	int rc = 0;
	for (;;) {
		int got = csv ? load_csv_next(csv, &r) : load_epcis_next(ep, &r);
		if (got == LOAD_END)
			break;
		if (got == LOAD_FATAL) {
			say(l, "%s", csv ? load_csv_error(csv) : load_epcis_error(ep));
			l->incomplete = true;
			break;
		}
		l->records++;
		if (got == LOAD_BAD) {
			say(l, "%s", csv ? load_csv_error(csv) : load_epcis_error(ep));
			refused_at(l, r.where, 1);
			continue;
		}
		if (add_record(l, &r) != 0) {
			rc = -1;
			break;
		}
		l->bytes_done = csv ? load_csv_offset(csv) : load_epcis_offset(ep);
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
					l->tty ? "\r\033[K" : "", in->name, es->es_skipped[k],
					load_skip_name((enum load_skip)k));
	}
	load_csv_close(csv);
	load_epcis_close(ep);
	return rc;
}

/* ------------------------------------------------------------- summary */

static const char *status_word(int status)
{
	return status == LOAD_COMPLETE ? "complete" : status == LOAD_REFUSED ? "refused" :
	       "failed";
}

static void summary(const struct loader *l, int status, bool json, double el)
{
	double rate = el > 0 ? (double)l->records / el : 0.0;
	if (json) {
		json_t *places = json_array();
		for (size_t at = 0; at < l->places.len; at += strlen(l->places.data + at) + 1)
			json_array_append_new(places, json_string(l->places.data + at));
		json_t *j = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:f, s:f}",
				      "status", status_word(status),
				      "records", (json_int_t)l->records,
				      "applied", (json_int_t)l->applied,
				      "already_applied", (json_int_t)l->earlier,
				      "refused", (json_int_t)l->refused,
				      "held_back", (json_int_t)l->held,
				      "batches", (json_int_t)l->batches,
				      "batches_already_applied", (json_int_t)l->replayed,
				      "refused_at", places,
				      "elapsed_s", el, "records_per_s", rate);
		char *text = j ? resp_json_text(j) : NULL;
		json_decref(j);
		if (text)
			puts(text);
		free(text);
		return;
	}
	printf("records: %llu, applied: %llu, already applied: %llu, refused: %llu, "
	       "held back: %llu, batches: %llu (%llu already applied), elapsed: %.1f s, "
	       "rate: %.0f records/s\n", l->records, l->applied, l->earlier, l->refused, l->held,
	       l->batches, l->replayed, el, rate);
	if (l->refused) {
		fputs("refused at:", stdout);
		for (size_t at = 0; at < l->places.len; at += strlen(l->places.data + at) + 1)
			printf("%s %s", at ? "," : "", l->places.data + at);
		puts(l->nplaces > PLACES_SHOWN ? ", ..." : "");
	}
	if (l->shown > ERRORS_SHOWN)
		printf("(%d more messages not shown)\n", l->shown - ERRORS_SHOWN);
	if (status == LOAD_REFUSED)
		printf("not complete: %llu row%s refused%s; correct %s and run the same command "
		       "again: what was applied is recognised, the rest is applied\n",
		       l->refused, l->refused == 1 ? "" : "s",
		       l->held ? ", with the rows held back in their batches" : "",
		       l->refused == 1 ? "it" : "them");
	else if (status == LOAD_FAILED && (l->batches || l->records))
		printf("not finished: run the same command again to resume\n");
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
			    .tty = isatty(2), .places = BUF_INIT };
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
	struct input *in = xcalloc((size_t)n, sizeof *in);
	int opened = 0, status = LOAD_FAILED;
	for (; opened < n; opened++)
		if (open_input(&in[opened], files[opened], format) != 0)
			goto out;
	if (cli_conn_open(cc) != 0)
		goto out;
	l.started = now_s();
	unsigned long bad = 0;
	for (int i = 0; i < n && !l.skipbad; i++)
		bad += check_input(&l, &in[i]);
	if (bad) {
		fprintf(stderr, "yima load: nothing was loaded: %lu record%s the files cannot be "
			"read as (above); fix %s, or give --skip-bad to load the rest\n", bad,
			bad == 1 ? "" : "s", bad == 1 ? "it" : "them");
		summary(&l, status, o->json, now_s() - l.started);
		goto out;
	}
	int rc = 0;
	for (int i = 0; i < n && rc == 0; i++)
		rc = load_input(&l, &in[i]);
	progress(&l, true);
	if (l.tty)
		fputc('\n', stderr);
	status = l.failed || l.incomplete ? LOAD_FAILED :
		 l.refused || l.held ? LOAD_REFUSED : LOAD_COMPLETE;
	summary(&l, status, o->json, now_s() - l.started);
out:
	for (int i = 0; i < opened; i++)
		if (in[i].f != stdin)
			fclose(in[i].f);
	free(in);
	buf_free(&l.head);
	buf_free(&l.codes);
	buf_free(&l.tail);
	buf_free(&l.rec_head);
	buf_free(&l.rec_tail);
	buf_free(&l.places);
	lines_free(&l.cur);
	free(l.ids);
	free(files);
	return status;
}
