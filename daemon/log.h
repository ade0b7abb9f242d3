/*
 * log — leveled log lines to stderr or a file, safe from any thread.
 */
#ifndef YIMA_LOG_H
#define YIMA_LOG_H

#include <stddef.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* How a line is written: "TIME [level] text", or one JSON object a line,
 * {"time": ..., "level": ..., "msg": ...}, for a log collector. */
enum log_format { LOG_TEXT, LOG_JSON };

/* Open `path` for appending (NULL or "" = stderr).  Returns 0 or -1 with
 * errno set. */
int log_open(const char *path);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parse "error", "warn", "info", "debug"; returns -1 if none of them. */
int log_level_parse(const char *s);
const char *log_level_name(enum log_level level);
void log_set_format(enum log_format format);
enum log_format log_get_format(void);
/* Parse "text" or "json"; returns -1 if neither. */
int log_format_parse(const char *s);
const char *log_format_name(enum log_format format);

/* Now, UTC, to the millisecond: "2031-06-01T04:00:00.123Z" (25 bytes with
 * the NUL; n at least that).  Returns its length. */
size_t log_timestamp(char *buf, size_t n);
/* src[0..len) as the inside of a JSON string (quotes, backslashes and
 * control characters escaped) into dst, cut to fit n with its NUL.
 * Returns the length written. */
size_t log_json_escape(char *dst, size_t n, const char *src, size_t len);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) \
	do { if (log_get_level() >= LOG_DEBUG) log_msg(LOG_DEBUG, __VA_ARGS__); } while (0)

#endif
