/*
 * epcis_capture.c — an EPCIS document as one EVENTS request (epcis_capture.h).
 */
#include "epcis_capture.h"
#include "load_cmd.h"
#include "xmem.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

/* The command being built: head, its codes, tail; from event `event`. */
struct building {
	struct buf head, tail, codes;
	struct buf rec_head, rec_tail;
	unsigned long event;
	enum load_kind kind;
	size_t ncodes;
	size_t *off;			/* each command's start in c->text */
	size_t cap;
};

static void end_command(struct epcis_capture *c, struct building *b)
{
	if (b->head.len == 0)
		return;
	if (c->ncommands == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 64;
		b->off = xrealloc(b->off, b->cap * sizeof *b->off);
		c->event_of = xrealloc(c->event_of, b->cap * sizeof *c->event_of);
	}
	b->off[c->ncommands] = c->text.len;
	c->event_of[c->ncommands++] = b->event;
	buf_append(&c->text, b->head.data, b->head.len);
	buf_append(&c->text, b->codes.data ? b->codes.data : "", b->codes.len);
	buf_append(&c->text, b->tail.data ? b->tail.data : "", b->tail.len);
	buf_append(&c->text, "", 1);
	buf_reset(&b->head);
	buf_reset(&b->codes);
	buf_reset(&b->tail);
	b->ncodes = 0;
}

static bool same(const struct buf *a, const struct buf *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

/* Record r into the command being built, or a new one: the codes of one
 * event go into one command where the command takes several. */
static void add_record(struct epcis_capture *c, struct building *b, const struct load_rec *r)
{
	buf_reset(&b->rec_head);
	buf_reset(&b->rec_tail);
	if (load_cmd_words(r, &b->rec_head, &b->rec_tail) != 0)
		return;		/* the EPCIS reader gives events only */
	const char *code = r->f[LOAD_F_CODE];
	bool merge = b->ncodes > 0 && r->where == b->event && r->kind == b->kind &&
		     r->kind != LOAD_DISPENSE && code != NULL && same(&b->rec_head, &b->head) &&
		     same(&b->rec_tail, &b->tail);
	if (!merge) {
		end_command(c, b);
		buf_append(&b->head, b->rec_head.data, b->rec_head.len);
		buf_append(&b->tail, b->rec_tail.data ? b->rec_tail.data : "", b->rec_tail.len);
		b->event = r->where;
		b->kind = r->kind;
	}
	if (code) {
		load_put_word(&b->codes, code, r->len[LOAD_F_CODE]);
		b->ncodes++;
	}
}

static void digest(const char *doc, size_t len, char out[65])
{
	uint8_t h[32];
	unsigned int n = sizeof h;
	EVP_Digest(doc, len, h, &n, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

int epcis_capture_read(const char *doc, size_t len, size_t max, const struct code_opts *copts,
		       struct epcis_capture *c)
{
	memset(c, 0, sizeof *c);
	buf_init(&c->text);
	if (len == 0) {
		snprintf(c->err, sizeof c->err, "document: empty (an EPCIS document is a JSON "
			 "object)");
		return -1;
	}
	if (len > max) {	/* the reader streams: its limit is one event's */
		snprintf(c->err, sizeof c->err, "document: document larger than the limit of "
			 "%zu bytes; refused", max);
		return -1;
	}
	FILE *f = fmemopen((void *)(uintptr_t)doc, len, "r");
	if (f == NULL) {
		snprintf(c->err, sizeof c->err, "document: cannot be read");
		return -1;
	}
	struct load_opts lo = { .lo_code = copts };
	struct load_epcis *r = load_epcis_open(f, "document", max, &lo, c->err);
	if (r == NULL) {
		fclose(f);
		return -1;
	}
	digest(doc, len, c->batch);
	struct building b = { .head = BUF_INIT, .tail = BUF_INIT,
			      .codes = BUF_INIT, .rec_head = BUF_INIT, .rec_tail = BUF_INIT };
	/* EVENTS BATCH id, each a C string in text. */
	buf_append(&c->text, "EVENTS\0BATCH", 13);
	buf_append(&c->text, c->batch, 65);
	struct load_rec rec;
	int got;
	while ((got = load_epcis_next(r, &rec)) != LOAD_END) {
		if (got == LOAD_OK) {
			add_record(c, &b, &rec);
			continue;
		}
		if (got == LOAD_FATAL)	/* the document breaks after its start */
			break;
		if (c->nbad < EPCIS_CAPTURE_BAD_KEPT) {
			struct epcis_capture_bad *x = &c->bad[c->nbad];
			x->event = load_epcis_stats(r)->es_done;
			snprintf(x->msg, sizeof x->msg, "%s", load_epcis_error(r));
		}
		c->nbad++;
	}
	end_command(c, &b);
	c->stats = *load_epcis_stats(r);
	/* a document broken after its start is refused whole, as one broken
	 * at its start is */
	if (got == LOAD_FATAL)
		snprintf(c->err, sizeof c->err, "%s", load_epcis_error(r));
	load_epcis_close(r);
	fclose(f);

	if (got != LOAD_FATAL) {
		c->argc = 3 + (int)c->ncommands;
		c->argv = xmalloc((size_t)c->argc * sizeof *c->argv);
		char *fixed[3] = { c->text.data, c->text.data + 7, c->text.data + 13 };
		for (int i = 0; i < 3; i++)
			c->argv[i] = (struct resp_arg){ fixed[i], strlen(fixed[i]) };
		for (size_t i = 0; i < c->ncommands; i++) {
			char *line = c->text.data + b.off[i];
			c->argv[3 + i] = (struct resp_arg){ line, strlen(line) };
		}
	}
	free(b.off);
	buf_free(&b.head);
	buf_free(&b.tail);
	buf_free(&b.codes);
	buf_free(&b.rec_head);
	buf_free(&b.rec_tail);
	if (got == LOAD_FATAL) {
		epcis_capture_free(c);
		return -1;
	}
	return 0;
}

void epcis_capture_free(struct epcis_capture *c)
{
	free(c->argv);
	free(c->event_of);
	buf_free(&c->text);
	c->argv = NULL;
	c->event_of = NULL;
	c->argc = 0;
	c->ncommands = 0;
}
