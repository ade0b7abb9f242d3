/*
 * log — one line per message: UTC time, level, text (or the same as a JSON
 * object, log_format json).  Each line is written with a single write(2)
 * so lines from different threads never interleave.
 */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int log_fd = 2;
static _Atomic int log_level = LOG_INFO;
static _Atomic int log_format = LOG_TEXT;

static const char *const names[] = { "error", "warn", "info", "debug" };

int log_open(const char *path)
{
	if (path == NULL || path[0] == '\0') {
		log_fd = 2;
		return 0;
	}
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	log_fd = fd;
	return 0;
}

void log_set_level(enum log_level level)
{
	atomic_store(&log_level, level);
}

enum log_level log_get_level(void)
{
	return (enum log_level)atomic_load(&log_level);
}

int log_level_parse(const char *s)
{
	for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

const char *log_level_name(enum log_level level)
{
	return names[level];
}

static const char *const format_names[] = { "text", "json" };

void log_set_format(enum log_format format)
{
	atomic_store(&log_format, format);
}

enum log_format log_get_format(void)
{
	return (enum log_format)atomic_load(&log_format);
}

int log_format_parse(const char *s)
{
	for (int i = 0; i < 2; i++)
		if (strcmp(s, format_names[i]) == 0)
			return i;
	return -1;
}

const char *log_format_name(enum log_format format)
{
	return format_names[format];
}

size_t log_timestamp(char *buf, size_t n)
{
	struct timeval tv;
	struct tm tm;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	size_t k = strftime(buf, n, "%Y-%m-%dT%H:%M:%S", &tm);
	int w = snprintf(buf + k, n - k, ".%03dZ", (int)(tv.tv_usec / 1000));
	return k + (w > 0 ? (size_t)w : 0);
}

size_t log_json_escape(char *dst, size_t n, const char *src, size_t len)
{
	size_t k = 0;
	for (size_t i = 0; i < len && k + 7 < n; i++) {
		unsigned char ch = (unsigned char)src[i];
		if (ch == '"' || ch == '\\') {
			dst[k++] = '\\';
			dst[k++] = (char)ch;
		} else if (ch < 0x20 || ch == 0x7f) {
			k += (size_t)snprintf(dst + k, n - k, "\\u%04x", ch);
		} else {
			dst[k++] = (char)ch;
		}
	}
	dst[k] = '\0';
	return k;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if ((int)level > atomic_load(&log_level))
		return;
	int saved = errno;
	char line[2048], text[900], when[32];
	log_timestamp(when, sizeof when);
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	size_t tl = m < 0 ? 0 : (size_t)m < sizeof text ? (size_t)m : sizeof text - 1;
	int n;
	if (atomic_load(&log_format) == LOG_JSON) {
		char esc[sizeof line - 64];
		log_json_escape(esc, sizeof esc, text, tl);
		n = snprintf(line, sizeof line, "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":\"%s\"}\n",
			     when, names[level], esc);
	} else {
		n = snprintf(line, sizeof line, "%s [%s] %.*s\n", when, names[level], (int)tl, text);
	}
	size_t len = n < 0 ? 0 : (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
	if (len && line[len - 1] != '\n')
		line[len - 1] = '\n';	/* cut short: still one line */
	ssize_t w = write(log_fd, line, len);
	(void)w;
	errno = saved;
}
