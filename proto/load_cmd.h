/*
 * load_cmd.h — a record (load.h) as the server command it becomes, in
 * inline syntax (blank-separated words, "quoted" where a word needs it):
 * what `yima load` sends in EVENTS batches, sites and products too, and
 * what yimad's EPCIS capture applies (epcis_capture.h).  FORMATS.md's table says which
 * record gives which command.
 */
#ifndef YIMA_LOAD_CMD_H
#define YIMA_LOAD_CMD_H

#include <stddef.h>

#include "buf.h"
#include "load.h"

/* Append " word" to b, quoted (with \" \\ \xNN escapes) when it is empty
 * or holds a blank, a quote, a backslash or a control character. */
void load_put_word(struct buf *b, const char *s, size_t n);

/*
 * The command of event record r, around its code: the words before the
 * code into head ("SHIP", "PACK parent"), those after it into tail
 * (" FROM a TO b REF r TIME t").  A command of several codes is head, each
 * code by load_put_word, then tail.  0, or -1 for a record that is no
 * event (a site, a product).
 */
int load_cmd_words(const struct load_rec *r, struct buf *head, struct buf *tail);

/*
 * A site or product record as its SITE SET / PRODUCT SET line, appended
 * to line ("SITE SET id name \"A B\" kind pharmacy"): the fields the record
 * has, by their names in the master-data table.  0, or -1 for a record
 * that is neither.
 */
int load_cmd_master(const struct load_rec *r, struct buf *line);

#endif
