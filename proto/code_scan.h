/*
 * code_scan.h — clean-up of a raw scan before parsing: what keyboard-wedge
 * scanners and Chinese input methods add around or into a code.
 */
#ifndef YIMA_CODE_SCAN_H
#define YIMA_CODE_SCAN_H

#include <stddef.h>

#include "code.h"

/*
 * Copy raw[0..n) to buf (cap bytes) as ASCII: full-width forms U+FF01 to
 * U+FF5E become their ASCII twins, U+3000 (ideographic space), U+00A0 and
 * U+FEFF (BOM) become spaces; other bytes are copied as they are, to be
 * refused by the parsers.  Blanks (space, tab, CR, LF, VT, FF) at both ends
 * are dropped.  Sets *len to the cleaned length and *lead to the raw bytes
 * dropped at the start; buf[*len..*full) holds the trailing blanks that
 * were dropped (as far as they fit).  Returns CODE_OK (*len may be 0), or
 * CODE_E_TOO_LONG with *lead = raw offset where the text overflowed.
 */
enum code_err code_scan_clean(const void *raw, size_t n, char *buf,
                              size_t cap, size_t *len, size_t *full,
                              size_t *lead);

/* The raw offset of cleaned position pos (for error positions). */
size_t code_scan_rawpos(const void *raw, size_t n, size_t lead, size_t pos);

#endif /* YIMA_CODE_SCAN_H */
