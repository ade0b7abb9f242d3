/*
 * backup — BACKUP: a consistent, compacted copy of the live store in a new
 * directory that yimad opens as its data directory as it is (--data DIR):
 * every database, the log and the meta records, as one read transaction
 * saw them.
 *
 * Where: in backup_dir (config; empty: "backups" beside the data
 * directory), made if missing.  A client names a directory in it, never a
 * path.
 *
 * Crash safety: the copy is written into backup_dir/.partial.XXXXXX,
 * synced, opened as a store (which proves it opens, and reads its log's
 * last entry), then renamed to its name, never over an existing one, and
 * backup_dir synced.  A name in backup_dir is thus a complete backup; a
 * crash leaves at most a .partial.* directory, safe to remove.
 *
 * It runs on a thread of its own (slow.h) and reads the live store in one
 * read transaction for the whole copy: writes go on meanwhile, but growing
 * the map waits until the copy ends (store_copy_compact).  One at a time.
 */
#ifndef YIMA_BACKUP_H
#define YIMA_BACKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct store;

/* A backup's name: 1 to BACKUP_NAME_MAX of A-Z a-z 0-9 . _ -, not
 * starting with '.' (so no "..", and never a .partial.* directory). */
#define BACKUP_NAME_MAX 64

struct backup_result {
	char path[CONFIG_STR_MAX + BACKUP_NAME_MAX + 16];	/* where it is */
	uint64_t bytes;			/* its data.mdb */
	uint64_t journal_last;		/* its log's last entry (0: empty log) */
	uint64_t ms;			/* how long it took */
};

/* The directory backups go to: cfg->backup_dir, or "backups" beside
 * cfg->data. */
void backup_dir(const struct config *cfg, char *out, size_t n);

/* Is name (len bytes) a backup's name?  true, or false with why in err. */
bool backup_name_ok(const char *name, size_t len, char *err, size_t errlen);

/* Copy store s into backup_dir/name; name NULL: "YYYYMMDDTHHMMSSZ-SEQ",
 * now_ms in UTC and the copy's last log entry.  Returns 0 with *r, or -1
 * with why in err (another BACKUP running, the name taken, the disk ...);
 * a failed backup leaves nothing behind. */
int backup_run(struct store *s, const struct config *cfg, const char *name, int64_t now_ms,
	       struct backup_result *r, char *err, size_t errlen);

#endif
