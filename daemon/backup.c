/*
 * backup — a compacted copy of the live store, written beside it and
 * renamed into place once complete (backup.h).
 */
#include "backup.h"
#include "journal.h"
#include "log.h"
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Auto names that may be taken already (two backups in one second with no
 * write between them) get a suffix: -2, -3 ... up to this. */
#define AUTO_SUFFIX_MAX 100

static atomic_flag running = ATOMIC_FLAG_INIT;

void backup_dir(const struct config *cfg, char *out, size_t n)
{
	if (cfg->backup_dir[0]) {
		snprintf(out, n, "%s", cfg->backup_dir);
		return;
	}
	char data[CONFIG_STR_MAX];
	snprintf(data, sizeof data, "%s", cfg->data);
	const char *parent = dirname(data);	/* "." for "var", "/" for "/var" */
	snprintf(out, n, "%s%sbackups", parent, strcmp(parent, "/") == 0 ? "" : "/");
}

bool backup_name_ok(const char *name, size_t len, char *err, size_t errlen)
{
	if (len == 0 || len > BACKUP_NAME_MAX) {
		snprintf(err, errlen, "a backup's name has 1 to %d characters, not %zu",
			 BACKUP_NAME_MAX, len);
		return false;
	}
	if (name[0] == '.') {
		snprintf(err, errlen, "a backup's name may not start with '.'");
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
		if (!ok) {
			snprintf(err, errlen, "character %zu of the name (byte 0x%02x) is not a "
				 "letter, a digit, '.', '_' or '-'", i + 1, c);
			return false;
		}
	}
	return true;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* fsync a file or a directory by its path: 0, or -1 with errno. */
static int sync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	int e = errno;
	close(fd);
	errno = e;
	return rc;
}

/* Remove an unfinished backup directory and what it holds. */
static void remove_partial(const char *dir)
{
	static const char *const files[] = { "data.mdb", "lock.mdb" };
	char path[sizeof ((struct backup_result *)0)->path + 16];
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		unlink(path);
	}
	if (rmdir(dir) != 0)
		log_warn("BACKUP: cannot remove %s: %m", dir);
}

/* Write the copy into dir/data.mdb and sync it.  0, or -1 with err. */
static int copy_into(struct store *s, const char *dir, char *err, size_t errlen)
{
	char path[sizeof ((struct backup_result *)0)->path + 16];
	snprintf(path, sizeof path, "%s/data.mdb", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	int rc = store_copy_compact(s, fd);
	if (rc) {
		snprintf(err, errlen, "copying the store to %s: %s", path, store_strerror(rc));
		close(fd);
		return -1;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		snprintf(err, errlen, "syncing %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Open the copy in dir as a store (read only) and read its log's last
 * entry; remove the lock file that opening made.  0, or -1 with err. */
static int read_copy(const char *dir, uint64_t *last, char *err, size_t errlen)
{
	struct store_options o = { .dir = dir, .max_readers = 1, .read_only = true };
	struct store *s;
	char why[600];
	if (store_open(&s, &o, why, sizeof why) != 0) {
		snprintf(err, errlen, "the copy does not open as a store: %s", why);
		return -1;
	}
	struct store_reader *reader = store_reader_new(s);
	struct store_txn *t;
	int rc = store_read_begin(reader, &t);
	if (rc == 0) {
		rc = journal_last(t, last);
		store_read_end(reader);
	}
	store_reader_free(reader);
	store_close(s);
	char path[sizeof ((struct backup_result *)0)->path + 16];
	snprintf(path, sizeof path, "%s/lock.mdb", dir);
	unlink(path);	/* the copy's own yimad makes its own */
	if (rc) {
		snprintf(err, errlen, "reading the copy's log: %s", store_strerror(rc));
		return -1;
	}
	return 0;
}

/* Rename from to `to` unless `to` exists: 0, or -1 with errno (EEXIST:
 * taken). */
static int rename_new(const char *from, const char *to)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* A file system without RENAME_NOREPLACE: look first (rename would
	 * replace an empty directory). */
	struct stat st;
	if (lstat(to, &st) == 0) {
		errno = EEXIST;
		return -1;
	}
	return rename(from, to);
}

/* The name of a backup that was not given one: its time (UTC) and the
 * log's last entry, with -K for the K-th try. */
static void auto_name(char *out, size_t n, int64_t now_ms, uint64_t last, int k)
{
	time_t secs = (time_t)(now_ms / 1000);
	struct tm tm;
	char when[32];
	gmtime_r(&secs, &tm);
	strftime(when, sizeof when, "%Y%m%dT%H%M%SZ", &tm);
	if (k > 1)
		snprintf(out, n, "%s-%llu-%d", when, (unsigned long long)last, k);
	else
		snprintf(out, n, "%s-%llu", when, (unsigned long long)last);
}

/* Everything but the one-at-a-time guard. */
static int run(struct store *s, const struct config *cfg, const char *name, int64_t now_ms,
	       struct backup_result *r, char *err, size_t errlen)
{
	char dir[CONFIG_STR_MAX], tmp[sizeof r->path], final[sizeof r->path];
	struct stat st;
	backup_dir(cfg, dir, sizeof dir);
	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot make backup_dir %s: %s", dir, strerror(errno));
		return -1;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "backup_dir %s is not a directory", dir);
		return -1;
	}
	if (name) {
		snprintf(final, sizeof final, "%s/%s", dir, name);
		if (lstat(final, &st) == 0) {
			snprintf(err, errlen, "a backup named '%s' exists in %s; choose another "
				 "name", name, dir);
			return -1;
		}
	}
	snprintf(tmp, sizeof tmp, "%s/.partial.XXXXXX", dir);
	if (mkdtemp(tmp) == NULL) {
		snprintf(err, errlen, "cannot make a directory in %s: %s", dir, strerror(errno));
		return -1;
	}
	chmod(tmp, 0750);	/* as a data directory (store_open), not mkdtemp's 0700 */
	uint64_t last = 0;
	if (copy_into(s, tmp, err, errlen) != 0 || read_copy(tmp, &last, err, errlen) != 0)
		goto fail;
	if (sync_path(tmp) != 0) {	/* its entry for data.mdb */
		snprintf(err, errlen, "syncing %s: %s", tmp, strerror(errno));
		goto fail;
	}
	int rc = -1;
	for (int k = 1; k <= (name ? 1 : AUTO_SUFFIX_MAX) && rc != 0; k++) {
		if (name == NULL) {
			char auto_buf[BACKUP_NAME_MAX + 1];
			auto_name(auto_buf, sizeof auto_buf, now_ms, last, k);
			snprintf(final, sizeof final, "%s/%s", dir, auto_buf);
		}
		rc = rename_new(tmp, final);
		if (rc != 0 && errno != EEXIST)
			break;
	}
	if (rc != 0) {
		if (errno == EEXIST)
			snprintf(err, errlen, "a backup named '%s' exists in %s; choose another "
				 "name", name ? name : final, dir);
		else
			snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, final,
				 strerror(errno));
		goto fail;
	}
	if (sync_path(dir) != 0)	/* the rename itself */
		log_warn("BACKUP: syncing %s: %m", dir);
	/* Where it is, as an operator on another directory reads it. */
	char abs[PATH_MAX];
	const char *shown = realpath(final, abs) && strlen(abs) < sizeof r->path ? abs : final;
	memcpy(r->path, shown, strlen(shown) + 1);
	char file[sizeof final + 16];
	snprintf(file, sizeof file, "%s/data.mdb", final);
	r->bytes = stat(file, &st) == 0 ? (uint64_t)st.st_size : 0;
	r->journal_last = last;
	return 0;
fail:
	remove_partial(tmp);
	return -1;
}

int backup_run(struct store *s, const struct config *cfg, const char *name, int64_t now_ms,
	       struct backup_result *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof *r);
	if (name && !backup_name_ok(name, strlen(name), err, errlen))
		return -1;
	if (atomic_flag_test_and_set(&running)) {
		snprintf(err, errlen, "another BACKUP is running; try again once it has ended");
		return -1;
	}
	uint64_t start = mono_ms();
	int rc = run(s, cfg, name, now_ms, r, err, errlen);
	r->ms = mono_ms() - start;
	if (rc == 0)
		log_info("BACKUP: %s: %llu bytes, log entry %llu, %llu ms", r->path,
			 (unsigned long long)r->bytes, (unsigned long long)r->journal_last,
			 (unsigned long long)r->ms);
	else
		log_warn("BACKUP failed: %s", err);
	atomic_flag_clear(&running);
	return rc;
}
