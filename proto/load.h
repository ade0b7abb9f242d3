/*
 * load.h — readers for bulk distribution records: yima's native CSV files
 * (sites, products, events) and GS1 EPCIS 2.0 JSON / JSON-LD documents.
 *
 * A reader turns a file into a stream of struct load_rec, one per call of
 * its *_next() function; the client turns each record into a server command
 * (SITE SET, PRODUCT SET, COMMISSION, PACK, ...).  proto/FORMATS.md describes
 * both formats, the EPCIS mapping and every error message.
 *
 * What is checked here is syntax only: required values per record kind,
 * times, dates, numbers and codes (through code_parse).  Whether a site,
 * product or code exists, and every other rule of the store, is the
 * server's to judge.
 *
 * Trust boundary: the input is untrusted (any bytes, any size).  The CSV
 * reader works in constant memory (one buffer of LOAD_CSV_BUF bytes plus
 * the longest record allowed); the EPCIS reader streams the document and
 * holds one event at a time, refused when larger than its max_bytes.
 *
 * Error convention: *_open() returns NULL and writes a one-line message into
 * err (LOAD_MSG_MAX bytes); *_next() returns enum load_ret and, for
 * LOAD_BAD and LOAD_FATAL, leaves a one-line message for *_error().  Every
 * message starts with the file name and the place: "FILE:LINE: ..." for
 * CSV, "FILE: event N: ..." for EPCIS.  Out of memory aborts (xmem.h).
 */
#ifndef YIMA_LOAD_H
#define YIMA_LOAD_H

#include <stddef.h>
#include <stdio.h>

#include "code.h"

#define LOAD_MSG_MAX        512       /* any message, with its NUL */
#define LOAD_CSV_BUF        (1u << 20) /* CSV read buffer */
#define LOAD_CSV_RECORD_MAX 65536     /* default longest CSV record, bytes */
#define LOAD_CSV_COLUMNS    64        /* most columns a header may have */

enum load_kind {
	LOAD_SITE, LOAD_PRODUCT, LOAD_COMMISSION, LOAD_PACK, LOAD_UNPACK,
	LOAD_SHIP, LOAD_RECEIVE, LOAD_RETURN, LOAD_DESTROY, LOAD_DISPENSE,
	/* a repackaging: EPCIS TransformationEvent, CSV event 'transform' */
	LOAD_TRANSFORM,
};

/* The fields of a record; their names are the CSV column names. */
enum load_field {
	LOAD_F_SITE, LOAD_F_NAME, LOAD_F_KIND, LOAD_F_GLN, LOAD_F_PRODUCT,
	LOAD_F_UNITS_PER_PACK, LOAD_F_FORM, LOAD_F_STRENGTH, LOAD_F_HOLDER,
	LOAD_F_NHSA_CODE, LOAD_F_TIME, LOAD_F_CODE, LOAD_F_PARENT, LOAD_F_LOT,
	LOAD_F_EXPIRY, LOAD_F_LEVEL, LOAD_F_FROM, LOAD_F_TO, LOAD_F_REF,
	LOAD_F_QTY,
	/* archives and categories (issue 21): optional columns of sites.csv
	 * and products.csv, passed to SITE SET / PRODUCT SET as they are */
	LOAD_F_REGION, LOAD_F_LICENCE, LOAD_F_LICENCE_VALID_FROM, LOAD_F_LICENCE_VALID_UNTIL,
	LOAD_F_ADDRESS, LOAD_F_CONTACT, LOAD_F_CATEGORY, LOAD_F_APPROVAL_NUMBER,
	LOAD_F_STORAGE_MIN_C, LOAD_F_STORAGE_MAX_C,
	/* a shipment's or receipt's temperature reading, "min[:max]" in °C
	 * (TEMP; daemon/coldchain.h) */
	LOAD_F_TEMP,
	/* a repackaging's codes (TRANSFORM): each list its codes one a line,
	 * '\n' between them (a code holds none); CSV columns of events files,
	 * codes separated by '|' or line breaks there */
	LOAD_F_INPUTS, LOAD_F_OUTPUTS,
	LOAD_F__COUNT
};

/*
 * One distribution record, as read from a file.  Fields point into the
 * reader's buffers (CSV) or into the parsed document (EPCIS) and stay valid
 * until the next call on that reader.  A field is NULL when absent or
 * empty; otherwise it is NUL-terminated, len[] bytes long, and holds no NUL.
 *
 * Which fields a kind uses is in FORMATS.md; a reader never returns a field
 * a kind does not use, and always returns the ones it requires.  One
 * exception: an EPCIS unpacking event without childEPCs gives an UNPACK
 * record with code NULL, meaning "everything in parent"; and a TRANSFORM
 * record has no code: its codes are its inputs and outputs fields.
 */
struct load_rec {
	enum load_kind kind;
	const char    *f[LOAD_F__COUNT];
	size_t         len[LOAD_F__COUNT];
	unsigned long  where; /* CSV: line number of the record's first line;
	                         EPCIS: 1-based index of the event in eventList */
};

/* What *_next() returns. */
enum load_ret {
	LOAD_END   = 0,  /* no more records */
	LOAD_OK    = 1,  /* *rec filled */
	LOAD_BAD   = -1, /* this record (CSV row, EPCIS event; its place in
	                    rec->where) is bad; *_error()
	                    says why; the next call goes on with the next one */
	LOAD_FATAL = -2, /* the file cannot be read further (I/O error); every
	                    later call returns LOAD_FATAL again */
};

/* Options common to both readers; pass NULL for the defaults.  The reader
 * keeps a copy; lo_code must stay valid while the reader is used. */
struct load_opts {
	const struct code_opts *lo_code; /* for code_parse; NULL = defaults */
	/* Called with a one-line message ("FILE:1: column 'note' ignored")
	 * for what is ignored but not an error; NULL drops warnings. */
	void  (*lo_warn)(void *arg, const char *msg);
	void   *lo_warn_arg;
	size_t  lo_csv_record_max; /* 0 = LOAD_CSV_RECORD_MAX */
};

/* "site", "product", "commission", "pack", ... */
const char *load_kind_name(enum load_kind kind);
/* The column name: "site", "name", ..., "qty". */
const char *load_field_name(enum load_field field);

/*
 * Syntax checks shared by both readers.  Each returns 0, or -1 with a
 * reason in why (LOAD_MSG_MAX bytes) that quotes the value, e.g.
 * "'2026-13-01' is not an ISO 8601 time with offset".
 *   time:   YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM), a real date
 *   date:   YYYY-MM-DD, a real date
 *   count:  a whole number from min to max, digits only
 *   code:   code_parse() accepts it and it names an item, not a location
 */
int load_check_time(const char *s, size_t n, char *why);
int load_check_date(const char *s, size_t n, char *why);
int load_check_count(const char *s, size_t n, unsigned long min,
                     unsigned long max, char *why);
int load_check_code(const char *s, size_t n, const struct code_opts *opts,
                    char *why);

/* ---- native CSV ---- */

enum load_file { LOAD_FILE_SITES, LOAD_FILE_PRODUCTS, LOAD_FILE_EVENTS };

struct load_csv;

/*
 * Read the header of a CSV file from fp (not closed by the reader) and
 * recognise the kind of file from it.  name is used in messages (copied).
 * Returns the reader, or NULL with err set: empty file, no recognisable
 * header, a required column missing, a column twice, an I/O error.
 * Unknown columns are reported through lo_warn and ignored.
 */
struct load_csv *load_csv_open(FILE *fp, const char *name,
                               const struct load_opts *opts,
                               char err[LOAD_MSG_MAX]);
enum load_file load_csv_file(const struct load_csv *r);
/* The next record: LOAD_OK, LOAD_END, LOAD_BAD (a bad row, skipped) or
 * LOAD_FATAL (I/O error).  Blank lines are skipped.  A quote still open at
 * the end of the file is LOAD_BAD, then LOAD_END. */
int load_csv_next(struct load_csv *r, struct load_rec *rec);
/* The message of the last LOAD_BAD or LOAD_FATAL ("" before any). */
const char *load_csv_error(const struct load_csv *r);
/* Byte offset in the file just past the last record returned (or bad),
 * counted from the start of the file, header and BOM included: where a
 * resumed load would start reading. */
unsigned long long load_csv_offset(const struct load_csv *r);
/* Free the reader (NULL is fine); fp is left open. */
void load_csv_close(struct load_csv *r);

/* ---- GS1 EPCIS 2.0 JSON / JSON-LD ---- */

/* Why an event was skipped (not an error: yima has no use for it). */
enum load_skip {
	LOAD_SKIP_ERROR_DECL, /* carries an errorDeclaration */
	LOAD_SKIP_CORRECTIVE, /* named in another event's correctiveEventIDs */
	LOAD_SKIP_TYPE,       /* AssociationEvent, TransactionEvent or an
	                         unknown type */
	LOAD_SKIP_NO_BIZSTEP, /* no bizStep where yima needs one */
	LOAD_SKIP_BIZSTEP,    /* a bizStep yima does not use for this type */
	LOAD_SKIP_ACTION,     /* bizStep used, but not with this action */
	LOAD_SKIP_EMPTY,      /* no identifiers (epcList, quantityList, ...) */
	LOAD_SKIP__COUNT
};

/* "error-declaration", "corrective", "type", "no-bizstep", "bizstep",
 * "action", "no-objects". */
const char *load_skip_name(enum load_skip why);

struct load_epcis_stats {
	unsigned long es_events;  /* events in the document (so far: it is
	                             streamed) */
	unsigned long es_done;    /* events looked at so far */
	unsigned long es_mapped;  /* events that gave records */
	unsigned long es_records; /* records returned */
	unsigned long es_bad;     /* events refused (LOAD_BAD) */
	unsigned long es_skipped[LOAD_SKIP__COUNT];
};

struct load_epcis;

/*
 * Start reading an EPCIS document from fp (not closed by the reader): an
 * EPCISDocument (epcisBody.eventList), an EPCISQueryDocument
 * (epcisBody.queryResults.resultsBody.eventList), a bare array of events or
 * a single event.  The document is streamed (load_scan.h): max_bytes is
 * the largest one event may be.  Returns NULL with err set: invalid JSON
 * before the event list ("FILE:LINE:COL: ..."), not an EPCIS document,
 * eventList not an array, an I/O error.
 */
struct load_epcis *load_epcis_open(FILE *fp, const char *name,
                                   size_t max_bytes,
                                   const struct load_opts *opts,
                                   char err[LOAD_MSG_MAX]);
/*
 * The next record.  An event gives its records one by one (one per EPC,
 * child or quantity entry), all sharing rec->where; an event is checked
 * whole before its first record is returned, so a bad event (LOAD_BAD:
 * also one that is no valid JSON, or larger than max_bytes) gives none.
 * Skipped events are counted, reported through lo_warn and passed over.
 * LOAD_FATAL when the document's structure breaks or reading fails: the
 * events before were handed out already.
 */
int load_epcis_next(struct load_epcis *r, struct load_rec *rec);
/* Bytes of the document read so far (progress). */
unsigned long long load_epcis_offset(const struct load_epcis *r);
const char *load_epcis_error(const struct load_epcis *r);
const struct load_epcis_stats *load_epcis_stats(const struct load_epcis *r);
void load_epcis_close(struct load_epcis *r);

#endif /* YIMA_LOAD_H */
