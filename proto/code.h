/*
 * code.h — identifier codecs: turn whatever a scanner emits into one
 * canonical key per identified item, or refuse it with a message that says
 * what was scanned and what is expected.
 *
 * Accepted forms (proto/CODES.md has the details and every error message):
 *   - CN 20-digit drug traceability codes (药品追溯码);
 *   - GS1 element strings: raw (GS separators, optional AIM symbology
 *     identifier), bracketed "(01)…(21)…", Digital Link URIs, EPC URNs;
 *   - UDI: GS1 (DI = (01)), HIBC (primary, secondary, concatenated or split),
 *     MA codes (ZIIOT IDcode).
 *
 * Error convention: code_parse() returns CODE_OK (0) or one CODE_E_* value and
 * never fails otherwise; on failure cr_msg holds one line of ASCII text and
 * cr_err_pos the byte offset in the input where the problem was found.
 *
 * Thread safety: every function is reentrant; there is no global state.
 * Memory: nothing here allocates; results live in the caller's struct.
 */
#ifndef YIMA_CODE_H
#define YIMA_CODE_H

#include <stddef.h>
#include <stdint.h>

#define CODE_SCAN_MAX    1024 /* longest scan accepted, after clean-up */
#define CODE_KEY_MAX       64 /* longest canonical key (MA: 62, others <= 43) */
#define CODE_TEXT_MAX     128 /* canonical text form, with its NUL */
#define CODE_PRODUCT_MAX   48 /* product identifier, with its NUL */
#define CODE_SERIAL_MAX    32 /* serial or lot (at most 20 characters), NUL */
#define CODE_CHECK_MAX      8 /* check part as scanned, with its NUL */
#define CODE_MSG_MAX      256 /* error message, with its NUL */
#define CODE_JSON_MAX    1024 /* enough for code_json() of any result */

/* What a key identifies.  Values are stable: they are not stored (the key's
 * first byte is, see CODE_KEY_*), but clients may print them. */
enum code_type {
	CODE_NONE = 0,
	CODE_CN20,     /* CN 20-digit code: one pack at one packaging level */
	CODE_SGTIN,    /* GTIN + serial: a drug pack or a serialised device */
	CODE_LGTIN,    /* GTIN + lot, no serial: a lot-controlled device */
	CODE_SSCC,     /* logistic unit (pallet, case) */
	CODE_SGLN,     /* GLN of a physical location, optional extension */
	CODE_PGLN,     /* GLN of a party */
	CODE_UDI_HIBC, /* HIBC UDI: DI + serial, or DI + lot */
	CODE_UDI_MA,   /* MA (IDcode) UDI: DI + serial, or DI + lot */
};

/* The syntax the scan was written in. */
enum code_form {
	CODE_FORM_NONE = 0,
	CODE_FORM_DIGITS,   /* bare digits (CN 20-digit code) */
	CODE_FORM_GS1,      /* GS1 element string, GS-separated */
	CODE_FORM_BRACKET,  /* GS1 element string, "(AI)value" */
	CODE_FORM_DL,       /* GS1 Digital Link URI */
	CODE_FORM_EPC,      /* EPC pure-identity, class or tag URN */
	CODE_FORM_HIBC,     /* HIBC LIC data structures */
	CODE_FORM_MA,       /* MA code */
};

/* Packaging level, where the code itself says something about it. */
enum code_pack {
	CODE_PACK_UNKNOWN = 0,
	CODE_PACK_UNIT,     /* GTIN indicator 0, HIBC unit of measure 0 */
	CODE_PACK_GROUPED,  /* GTIN indicator 1-8, HIBC unit of measure 1-8 */
	CODE_PACK_VARIABLE, /* GTIN indicator 9, HIBC unit of measure 9 */
	CODE_PACK_LOGISTIC, /* SSCC */
};

enum code_err {
	CODE_OK = 0,
	CODE_E_EMPTY,       /* nothing but blanks */
	CODE_E_TOO_LONG,    /* longer than CODE_SCAN_MAX */
	CODE_E_CHARSET,     /* a byte not allowed where it stands */
	CODE_E_FORMAT,      /* not any format this module knows */
	CODE_E_PRODUCT,     /* a product barcode (EAN/UPC/ITF-14/GTIN alone) */
	CODE_E_NO_SERIAL,   /* identifies a product, not an item: no serial/lot */
	CODE_E_LOT_ONLY,    /* lot-level key refused by CODE_OPT_REQUIRE_SERIAL */
	CODE_E_CHECK,       /* check digit or check character wrong */
	CODE_E_LENGTH,      /* a field too long or too short */
	CODE_E_TRUNCATED,   /* the scan ends inside a field */
	CODE_E_DATE,        /* impossible date or time */
	CODE_E_SYNTAX,      /* malformed structure */
	CODE_E_AI,          /* unknown GS1 Application Identifier */
	CODE_E_CONFLICT,    /* a field repeated with another value */
	CODE_E_UNSUPPORTED, /* well-formed, but not an identifier yima keys */
	CODE_E_PARTIAL,     /* HIBC secondary data without its primary */
};

/* Options.  Pass NULL for the defaults (reference year = current UTC year,
 * no flags).  Dates with a two-digit year are the only thing the reference
 * year changes; pass a fixed year for fully deterministic results. */
#define CODE_OPT_REQUIRE_SERIAL 0x01u /* refuse lot-level keys (LGTIN, HIBC
                                        and MA lot keys): CODE_E_LOT_ONLY */
#define CODE_OPT_CN20_ANY_LEAD  0x02u /* take 20 digits as a CN code whatever
                                        the first digit (default: only '8') */
struct code_opts {
	int      co_ref_year; /* e.g. 2026; 0 = current UTC year */
	unsigned co_flags;    /* CODE_OPT_* */
};

/* A calendar date; cd_year == 0 means absent. */
struct code_date {
	uint16_t cd_year;
	uint8_t  cd_month;
	uint8_t  cd_day;
};

/*
 * One parsed scan.  Strings are NUL-terminated ASCII; an absent one is "".
 * On failure cr_type is CODE_NONE and the fields hold whatever had been
 * recognised before the error (e.g. the GTIN of a GTIN without serial), for
 * messages only.
 */
struct code_result {
	enum code_type cr_type;
	enum code_form cr_form;
	enum code_pack cr_pack;
	enum code_err  cr_err;
	size_t         cr_err_pos;  /* byte offset in the input, on error */
	size_t         cr_key_len;
	uint8_t        cr_key[CODE_KEY_MAX];
	/* CN 7-digit prefix, GTIN-14, HIBC primary as printed alone
	 * ("+A123BJC5D6E71G"), MA DI; the GLN for CODE_SGLN/CODE_PGLN; ""
	 * for SSCC. */
	char           cr_product[CODE_PRODUCT_MAX];
	/* serial; the 18-digit SSCC; the GLN extension for CODE_SGLN */
	char           cr_serial[CODE_SERIAL_MAX];
	char           cr_lot[CODE_SERIAL_MAX];
	char           cr_check[CODE_CHECK_MAX]; /* CN check part, HIBC/MA check */
	char           cr_aim[4];    /* AIM symbology identifier seen, e.g. "]d2" */
	struct code_date cr_expiry;
	struct code_date cr_prod_date;
	char           cr_msg[CODE_MSG_MAX];
};

/*
 * Parse one scan of len bytes (any bytes: NULs, invalid UTF-8, any length).
 * Surrounding blanks and CR/LF, a UTF-8 BOM and full-width ASCII (U+FF01 to
 * U+FF5E, U+3000) are tolerated.  Returns CODE_OK and fills out, or an error
 * (also stored in out->cr_err) with out->cr_msg and out->cr_err_pos set.
 */
enum code_err code_parse(const void *scan, size_t len,
                         const struct code_opts *opts,
                         struct code_result *out);

/*
 * Canonical key layout (byte-exact description in proto/CODES.md).  The
 * first byte says what follows; within a type, memcmp order groups keys by
 * product.
 */
#define CODE_KEY_CN20      0x01 /* + 9 bytes: the 20-digit number, big-endian */
#define CODE_KEY_SGTIN     0x02 /* + 6 bytes GTIN-14 big-endian + serial */
#define CODE_KEY_LGTIN     0x03 /* + 6 bytes GTIN-14 big-endian + lot */
#define CODE_KEY_SSCC      0x04 /* + 8 bytes SSCC-18 big-endian */
#define CODE_KEY_SGLN      0x05 /* + 6 bytes GLN-13 big-endian [+ extension] */
#define CODE_KEY_PGLN      0x06 /* + 6 bytes GLN-13 big-endian */
#define CODE_KEY_HIBC_SER  0x10 /* + LIC PCN UoM, 0x00, serial */
#define CODE_KEY_HIBC_LOT  0x11 /* + LIC PCN UoM, 0x00, lot */
#define CODE_KEY_MA_SER    0x18 /* + DI without "MA.", 0x00, serial */
#define CODE_KEY_MA_LOT    0x19 /* + DI without "MA.", 0x00, lot */

/* The type a key identifies; CODE_NONE when the key is not well formed. */
enum code_type code_key_type(const uint8_t *key, size_t len);

/*
 * Write the canonical text form of a key into buf (cap bytes, NUL added):
 * "83012345678901234567", "(01)06901234567892(21)SN12345",
 * "(00)069012340000000016", "(414)6901234000016", "+A123BJC5D6E71/$+SER9%",
 * "MA.156.M0.100761.21234561.Sx00008", ...  The text is itself a scan:
 * code_parse() of it gives the same key back.  Returns the text length, or
 * -1 when the key is not well formed or cap is too small (CODE_TEXT_MAX is
 * always enough).
 */
int code_key_format(const uint8_t *key, size_t len, char *buf, size_t cap);

/*
 * Write a GS1 key (SGTIN, LGTIN, SSCC, SGLN, PGLN) as a GS1 Digital Link
 * URI on id.gs1.org ("https://id.gs1.org/01/06901234567892/21/SN1",
 * "https://id.gs1.org/414/6901234000016"), characters a URI path segment
 * does not take as they are %-encoded.  It too is a scan that parses back
 * to the same key.  Returns the length, or -1 for a key of another kind
 * (CN 20-digit codes, HIBC and MA UDIs have no Digital Link form), a key
 * not well formed, or cap too small (CODE_TEXT_MAX is always enough).
 */
int code_key_dl(const uint8_t *key, size_t len, char *buf, size_t cap);

/*
 * Parse a canonical text form (or any other accepted scan) back into a key.
 * Permissive: lot-level keys and CN codes with any first digit are taken.
 * Returns the key length (at most CODE_KEY_MAX bytes are written to key),
 * or -1 if the text is not a code.
 */
int code_key_parse(const char *text, size_t len, uint8_t key[CODE_KEY_MAX]);

/* Write the key as lowercase hex (2*len+1 bytes needed).  Returns the text
 * length or -1 if cap is too small. */
int code_key_hex(const uint8_t *key, size_t len, char *buf, size_t cap);

/* Short names, never NULL: "cn20", "sgtin", "lgtin", "sscc", "sgln", "pgln",
 * "udi-hibc", "udi-ma" ("none" otherwise). */
const char *code_type_name(enum code_type type);
/* The family a client reports as "type": "cn20", "gs1" (any GS1 key, drug or
 * device alike), "udi-hibc", "udi-ma"; "none" otherwise. */
const char *code_type_family(enum code_type type);
/* "digits", "gs1", "bracketed", "digital-link", "epc", "hibc", "ma". */
const char *code_form_name(enum code_form form);
/* "unit", "grouped", "variable", "logistic", "unknown". */
const char *code_pack_name(enum code_pack pack);
/* "ok", "empty", "too-long", "charset", "format", "product-barcode",
 * "no-serial", "lot-only", "check", "length", "truncated", "date",
 * "syntax", "unknown-ai", "conflict", "unsupported", "partial". */
const char *code_err_name(enum code_err err);

/* Write d as "YYYY-MM-DD" into buf (11 bytes).  Returns 10, or 0 (and "")
 * when the date is absent. */
int code_date_format(const struct code_date *d, char buf[11]);

/*
 * One JSON object describing a result: on success
 *   {"type":"gs1","kind":"sgtin","form":"gs1","key":"(01)…(21)…",
 *    "hex":"02…","product":"…","serial":"…","lot":"…",
 *    "expiry":"YYYY-MM-DD","production":"YYYY-MM-DD","pack":"unit",
 *    "check":"…","aim":"]d2"}
 * with absent fields omitted; on failure
 *   {"error":"no-serial","message":"…","at":0}.
 * Returns the length written (NUL added), or -1 if cap is too small
 * (CODE_JSON_MAX always suffices).
 */
int code_json(const struct code_result *r, char *buf, size_t cap);

#endif /* YIMA_CODE_H */
