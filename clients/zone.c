/*
 * zone — UTC times from the server shown in its time zone.
 *
 * A zone name goes through the C library: TZ is set once, in zone_set, so
 * localtime_r applies its rules (and its summer time, where it has one)
 * to each instant.  A fixed offset needs no zoneinfo.  The client is one
 * thread, and nothing else in it reads local time.
 */
#include "zone.h"
#include "buf.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum zone_kind { ZONE_NONE, ZONE_FIXED, ZONE_NAMED };

static enum zone_kind kind = ZONE_NONE;
static long fixed_offset;	/* seconds east of UTC (ZONE_FIXED) */
static char name[128];

/* Converted copies live in a ring: a line prints a few times at once. */
#define ZONE_RING 8
static struct buf ring[ZONE_RING];
static unsigned ring_next;

static bool two_digits(const char *s)
{
	return s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9';
}

int zone_set(const char *tz)
{
	kind = ZONE_NONE;
	name[0] = '\0';
	if (tz == NULL || tz[0] == '\0' || strcmp(tz, "UTC") == 0)
		return 0;
	if (strlen(tz) >= sizeof name)
		return -1;
	if ((tz[0] == '+' || tz[0] == '-') && strlen(tz) == 6 && tz[3] == ':') {
		if (!two_digits(tz + 1) || !two_digits(tz + 4))
			return -1;
		int h = (tz[1] - '0') * 10 + (tz[2] - '0'), m = (tz[4] - '0') * 10 + (tz[5] - '0');
		if (h > 23 || m > 59)
			return -1;
		fixed_offset = (tz[0] == '-' ? -1 : 1) * (h * 3600L + m * 60L);
		kind = ZONE_FIXED;
		snprintf(name, sizeof name, "%s", tz);
		return 0;
	}
	/* Without the zone's rules on this machine, UTC as sent is the honest
	 * answer (glibc would read an unknown name as UTC under that name). */
	const char *dir = getenv("TZDIR");
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir && dir[0] ? dir : "/usr/share/zoneinfo", tz);
	if (tz[0] == '/' || strstr(tz, "..") != NULL || access(path, R_OK) != 0)
		return -1;
	setenv("TZ", tz, 1);
	tzset();
	kind = ZONE_NAMED;
	snprintf(name, sizeof name, "%s", tz);
	return 0;
}

const char *zone_name(void)
{
	return name;
}

/*
 * The length of the UTC time at s ("YYYY-MM-DDTHH:MM:SS", an optional
 * fraction, "Z"), 0 if there is none; its instant in *t.
 */
static size_t utc_time_at(const char *s, time_t *t)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	size_t n = 0;
	for (; shape[n]; n++) {
		char c = s[n];
		if (shape[n] == 'd' ? !(c >= '0' && c <= '9') : c != shape[n])
			return 0;
	}
	if (s[n] == '.') {
		size_t f = strspn(s + n + 1, "0123456789");
		if (f == 0)
			return 0;
		n += 1 + f;
	}
	if (s[n] != 'Z')
		return 0;
	struct tm tm = { 0 };
	tm.tm_year = atoi(s) - 1900;
	tm.tm_mon = atoi(s + 5) - 1;
	tm.tm_mday = atoi(s + 8);
	tm.tm_hour = atoi(s + 11);
	tm.tm_min = atoi(s + 14);
	tm.tm_sec = atoi(s + 17);
	*t = timegm(&tm);
	return n + 1;
}

/* Append the time at s (len bytes, UTC) as the zone shows it. */
static void put_time(struct buf *b, const char *s, size_t len, time_t t)
{
	struct tm tm;
	long off;
	if (kind == ZONE_FIXED) {
		time_t local = t + fixed_offset;
		gmtime_r(&local, &tm);
		off = fixed_offset;
	} else {
		localtime_r(&t, &tm);
		off = tm.tm_gmtoff;
	}
	buf_printf(b, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
		   tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	buf_append(b, s + 19, len - 20);		/* the fraction, as sent */
	long a = off < 0 ? -off : off;
	buf_printf(b, "%c%02ld:%02ld", off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
}

const char *zone_text(const char *text)
{
	if (kind == ZONE_NONE || strchr(text, 'Z') == NULL)
		return text;
	struct buf *b = NULL;
	const char *done = text;	/* copied up to here */
	for (const char *p = text; *p; p++) {
		time_t t;
		size_t n = p[0] >= '0' && p[0] <= '9' && (p == text || p[-1] < '0' || p[-1] > '9')
				   ? utc_time_at(p, &t) : 0;
		if (n == 0)
			continue;
		if (b == NULL) {
			b = &ring[ring_next++ % ZONE_RING];
			buf_reset(b);
		}
		buf_append(b, done, (size_t)(p - done));
		put_time(b, p, n, t);
		p += n - 1;
		done = p + 1;
	}
	if (b == NULL)
		return text;
	buf_puts(b, done);
	return b->data;
}

const char *zone_time(const char *iso)
{
	return zone_text(iso);
}
