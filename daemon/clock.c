/*
 * clock — the system's time plus a shift set for tests (clock.h).
 *
 * The shift is one atomic word: clock_now_ms() is a vDSO clock_gettime and
 * an add, cheap enough for every request.
 */
#include "clock.h"
#include "args.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static _Atomic int64_t shift_ms;
static bool shifted;		/* set once by clock_start, before threads */

int clock_parse_day(const char *s, int64_t *days)
{
	char copy[16];
	size_t n = strlen(s);
	if (n >= sizeof copy)
		return -1;
	memcpy(copy, s, n + 1);
	struct resp_arg a = { .ptr = copy, .len = n };
	uint32_t ymd;
	char err[128];
	if (args_date(&a, &ymd, err, sizeof err) != 0 || ymd < 19700101)
		return -1;
	*days = args_days(ymd);
	return 0;
}

static int64_t system_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The zone's offset from UTC, in seconds, at Unix time t. */
static int64_t zone_offset(const char *tz, time_t t)
{
	if (tz[0] == '+' || tz[0] == '-') {
		int64_t off = ((tz[1] - '0') * 10 + (tz[2] - '0')) * 3600 +
			      ((tz[4] - '0') * 10 + (tz[5] - '0')) * 60;
		return tz[0] == '-' ? -off : off;
	}
	struct tm tm;
	if (localtime_r(&t, &tm) == NULL)
		return 0;
	return tm.tm_gmtoff;
}

int clock_parse_start(const char *s, int64_t *local_s)
{
	char day[11];
	size_t n = strlen(s);
	if (n != 10 && n != 19)
		return -1;
	memcpy(day, s, 10);
	day[10] = '\0';
	int64_t days;
	if (clock_parse_day(day, &days) != 0)
		return -1;
	int64_t sod = 12 * 3600;
	if (n == 19) {
		const char *t = s + 11;
		for (int i = 0; i < 8; i++)
			if (i % 3 == 2 ? t[i] != ':' : (t[i] < '0' || t[i] > '9'))
				return -1;
		int hh = (t[0] - '0') * 10 + t[1] - '0', mi = (t[3] - '0') * 10 + t[4] - '0';
		int ss = (t[6] - '0') * 10 + t[7] - '0';
		if (s[10] != 'T' || hh > 23 || mi > 59 || ss > 59)
			return -1;
		sod = hh * 3600 + mi * 60 + ss;
	}
	*local_s = days * 86400 + sod;
	return 0;
}

int clock_start(const char *today, const char *tz, char *err, size_t errlen)
{
	atomic_store(&shift_ms, 0);
	shifted = false;
	if (today[0] == '\0')
		return 0;
	int64_t local;
	if (clock_parse_start(today, &local) != 0) {
		snprintf(err, errlen, "clock_today '%s' is not a day YYYY-MM-DD (or "
			 "YYYY-MM-DDTHH:MM:SS)", today);
		return -1;
	}
	/* That local time in the zone (its offset at about that hour). */
	int64_t start = local - zone_offset(tz, (time_t)local);
	atomic_store(&shift_ms, start * 1000 - system_ms());
	shifted = true;
	return 0;
}

int64_t clock_now_ms(void)
{
	return system_ms() + atomic_load_explicit(&shift_ms, memory_order_relaxed);
}

bool clock_is_shifted(void)
{
	return shifted;
}

int64_t clock_offset_ms(void)
{
	return atomic_load_explicit(&shift_ms, memory_order_relaxed);
}

int64_t clock_offset_seconds(void)
{
	int64_t ms = clock_offset_ms();
	return ms >= 0 ? ms / 1000 : -((999 - ms) / 1000);
}

int clock_advance(int64_t ms)
{
	if (!shifted)
		return -1;
	atomic_fetch_add(&shift_ms, ms);
	return 0;
}
