/*
 * gen_code — the identifiers yima-gen invents: GS1 keys (GTIN-14, GLN,
 * SSCC) with correct check digits under the fictitious company prefix
 * 6901234, CN 20-digit drug codes, random-looking unique serials, and the
 * EPC URNs of GS1 keys for EPCIS documents.
 *
 * Every function writes into a caller's buffer, NUL-terminated, and cannot
 * fail: arguments out of range are the caller's bug (asserted).  No global
 * state.
 */
#ifndef YIMA_GEN_CODE_H
#define YIMA_GEN_CODE_H

#include <stddef.h>
#include <stdint.h>

#define GEN_CP "6901234"          /* fictitious GS1 company prefix (7 digits) */
#define GEN_CODE_MAX 48           /* longest code text, with its NUL */
#define GEN_URN_MAX 64            /* longest EPC URN, with its NUL */

/* The GS1 mod-10 check digit ('0'..'9') of n digits (weights 3,1,3,... from
 * the right). */
char gen_gs1_check(const char *digits, size_t n);

/* GLN 6901234 + 5-digit location reference + check: out[14]. */
void gen_gln(uint32_t locref, char out[14]);
/* GTIN-14: indicator digit + 6901234 + 5-digit item reference + check. */
void gen_gtin(unsigned indicator, uint32_t itemref, char out[15]);
/* SSCC-18: extension digit + 6901234 + 9-digit serial reference + check. */
void gen_sscc(unsigned ext, uint64_t serialref, char out[19]);

/* Write n decimal digits of v, zero-padded, at out (no NUL). */
void gen_digits(char *out, uint64_t v, unsigned n);

/* A bijection on 0 .. 2^40-1 keyed by key: consecutive counters map to
 * scattered, never repeating values (unique random-looking serials). */
uint64_t gen_permute40(uint64_t x, uint64_t key);
/* The 40-bit v as 8 Crockford base-32 characters (0-9 A-Z without I L O U),
 * out[9]. */
void gen_base32(uint64_t v, char out[9]);

/* EPC pure-identity URNs (TDS 2.x) for keys under a 7-digit company
 * prefix: urn:epc:id:sgtin:CP.IRRRRR.SERIAL, urn:epc:id:sscc:CP.ESSSSSSSSS,
 * urn:epc:id:sgln:CP.LLLLL.0.  Return the length written. */
size_t gen_urn_sgtin(const char gtin14[15], const char *serial, char out[GEN_URN_MAX]);
size_t gen_urn_sscc(const char sscc18[19], char out[GEN_URN_MAX]);
size_t gen_urn_sgln(const char gln13[14], char out[GEN_URN_MAX]);

#endif /* YIMA_GEN_CODE_H */
