/*
 * entry — a log entry: a write command as the accepting node stamped it.
 *
 * The command's words exactly as sent, plus what the node that accepted
 * the request adds: the command id, its clock's reading when it read the
 * request, who sent it (the principal) and a request id.  Nothing else
 * decides what the command does to the store: applying the same entries
 * in the same order to the same store gives the same state (daemon/STORE.md,
 * "The log").  Two-digit years in codes are read against the entry's time,
 * so even the parse of the words is fixed by the entry.
 *
 * The encoding is compact (varints for lengths and counts) and versioned;
 * STORE.md lays it out byte by byte.  It is self-contained: the same bytes
 * can be stored (journal.h), copied to another node and applied there.
 * The values of enum cmd_id and enum acl_role are part of it.
 *
 * entry_decode takes bytes from outside (a damaged store, another node):
 * it checks everything and refuses with a reason, and what it accepts is
 * an entry that yimad could have written, which encodes back to the same
 * bytes.
 */
#ifndef YIMA_ENTRY_H
#define YIMA_ENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "command.h"
#include "resp.h"

/* The version new entries are written in.  Version 2 (issue 20) has the
 * layout of version 1 and says how the rules apply it: its acting site's
 * kind must allow the command (site_kinds.h) and its events record who
 * sent it (eventlog.h).  An entry of version 1 is applied as it was when
 * written, so a log replays alike across the change. */
#define ENTRY_VERSION 2
#define ENTRY_VERSION_MIN 1
/* The longest principal name or site id an entry holds (acl_file.h). */
#define ENTRY_NAME_MAX 64

/* Who sent the command.  role is an enum acl_role; ROLE_LOCAL is the
 * trusted local principal and carries nothing else. */
struct entry_principal {
	uint8_t role;
	uint32_t site;			/* site number; 0: none */
	const char *site_id;		/* not NUL-terminated */
	size_t site_id_len;
	const char *name;		/* not NUL-terminated */
	size_t name_len;
};

/* What the accepting node adds to the words. */
struct entry_stamp {
	unsigned version;		/* ENTRY_VERSION_MIN..ENTRY_VERSION; 0: ENTRY_VERSION */
	enum cmd_id cmd;
	int64_t time_ms;		/* Unix ms when the request was read, ≥ 0 */
	uint64_t request_id;		/* entry_new_request_id() */
	struct entry_principal who;
};

/* A decoded entry: a view into the bytes it was decoded from, valid while
 * they are. */
struct entry {
	unsigned version;
	struct entry_stamp stamp;
	uint32_t argc;			/* ≥ 1 */
	const uint8_t *words;		/* the first word's length; entry_word */
	const uint8_t *end;
};

/* Append the encoded entry for a command of argc words to out. */
void entry_encode(struct buf *out, const struct entry_stamp *s, int argc,
		  const struct resp_arg *argv);

/* What entry_decode and entry_unpack return for bytes that a newer yimad
 * could have written, rather than bytes that are wrong: a plain entry's
 * version above ENTRY_VERSION (up to 0x7f), a first byte above
 * ENTRY_PACKED (a packing not known here), a command id or role past the
 * last this build knows.  A node must not apply what follows such an entry
 * without it: cluster mode stops applying there (CLUSTER.md). */
#define ENTRY_NEWER (-2)

/* Decode n bytes at p.  Returns 0; ENTRY_NEWER with why in err; or -1
 * with why in err: truncated, an unknown version or command id, argc 0, a
 * length past the end, a varint longer than it need be, words that do not
 * name the command or do not fit its arity, bytes after the last word. */
int entry_decode(const void *p, size_t n, struct entry *e, char *err, size_t errlen);

/*
 * Packed entries.  An entry of ENTRY_PACK_MIN bytes or more (a bulk
 * request's: EVENTS, a COMMISSION of many codes) is stored and sent
 * packed: ENTRY_PACKED, the plain entry's length (a varint), then one
 * Zstandard frame holding the plain entry (STORE.md, "Packed entries").
 * A bulk load's entries shrink about sixfold; a sale's stay plain.
 *
 * Packing is not part of an entry's meaning: the plain entry is what
 * entry_decode reads and what "one entry, one encoding" holds for.  The
 * packed bytes are copied as they are wherever an entry goes (the log,
 * another node, a replay), never packed again, so a node with another
 * zstd keeps the same bytes and the same chain of links.
 */
#define ENTRY_PACKED 0x80
#define ENTRY_PACK_MIN 1024
/* The longest plain entry packed; a longer one stays plain. */
#define ENTRY_PACK_MAX ((size_t)256 << 20)

/* Replace the plain entry in *b by its packed form when it is of
 * ENTRY_PACK_MIN to ENTRY_PACK_MAX bytes and packing makes it smaller;
 * else leave it. */
void entry_pack(struct buf *b);

/* The plain entry of the n stored bytes at p: p itself when they are
 * plain, else unpacked into plain.  Returns 0 with the plain bytes in
 * *out, *outlen (valid while p and plain are); ENTRY_NEWER (a first byte
 * above ENTRY_PACKED); or -1 with why in err: a packed entry truncated,
 * of a length over ENTRY_PACK_MAX, whose frame does not hold exactly that
 * many bytes, or with bytes after its frame.
 * What comes out is not yet checked: entry_decode does that. */
int entry_unpack(const void *p, size_t n, struct buf *plain, const void **out, size_t *outlen,
		 char *err, size_t errlen);

/* entry_unpack, then entry_decode of what it gives: the entry stored as
 * the n bytes at p (plain holds it when packed).  Returns either's
 * result: 0, ENTRY_NEWER or -1, with why in err. */
int entry_open(const void *p, size_t n, struct buf *plain, struct entry *e, char *err,
	       size_t errlen);

/* Walk the words of a decoded entry: *at starts at e->words; each call
 * gives the next word and moves *at past it.  Call it e->argc times. */
void entry_word(const uint8_t **at, const char **word, size_t *len);

/* A request id: a per-process random 32-bit prefix (drawn once) and a
 * counter, so ids are unique per accepting node without being state.
 * Any thread. */
uint64_t entry_new_request_id(void);

#endif
