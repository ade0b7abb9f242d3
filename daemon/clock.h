/*
 * clock — yimad's one reading of the time of day.
 *
 * Everything whose answer can depend on the date or time reads
 * clock_now_ms(): a scan's time, expiry and near-expiry, the undo window,
 * recall deadlines, the AUTH lockout, the request rate limit, two-digit
 * years in codes.  A request takes its time once, when a network thread
 * reads it; a write carries that time in its job (writer.h), and the rules
 * never read the clock themselves, so the same commands applied again give
 * the same answers.
 *
 * For tests and rehearsals the clock can be shifted: clock_today (flag
 * --clock-today YYYY-MM-DD) starts it at 12:00 of that day in the
 * configured time zone (noon: a run of less than half a day never crosses
 * a date line it did not ask for), or at YYYY-MM-DDTHH:MM:SS local time
 * (to carry a clock on across a restart), and from there it runs at the
 * system clock's pace; CLOCK ADVANCE moves a shifted clock forward.  Off
 * by default: the clock is the system's.
 *
 * Not shifted: waits that only bound how long something may take (idle and
 * request timeouts, the drain at exit, the writer's quiet period) run on
 * CLOCK_MONOTONIC; log lines carry the system's time; TLS checks
 * certificates against the system's time, as OpenSSL does.
 */
#ifndef YIMA_CLOCK_H
#define YIMA_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Set the clock up once, before any thread reads it.  today: "" for the
 * system's clock, or clock_today's value (clock_parse_start); tz: the configured time zone (a name, with
 * TZ already set from it, or "+HH:MM"/"-HH:MM").  Returns 0, or -1 with a
 * message in err.
 */
int clock_start(const char *today, const char *tz, char *err, size_t errlen);

/* Now, in Unix milliseconds: the system's time plus the shift.  Any
 * thread; no lock. */
int64_t clock_now_ms(void);

/* Was the clock shifted at start (only a shifted clock may be moved)? */
bool clock_is_shifted(void);

/* How far the clock is ahead of the system's, in ms (0 when not shifted;
 * negative when set to a day in the past). */
int64_t clock_offset_ms(void);
/* The same in whole seconds, rounded down (also below zero, so that
 * advancing the clock by n s always adds n). */
int64_t clock_offset_seconds(void);

/* Move a shifted clock forward by ms (> 0).  Returns 0, or -1 when the
 * clock is the system's. */
int clock_advance(int64_t ms);

/* Parse "YYYY-MM-DD" (a real calendar day, years 1970-9999) into days since
 * 1970-01-01.  Returns 0 or -1. */
int clock_parse_day(const char *s, int64_t *days);

/* Parse clock_today, "YYYY-MM-DD" (noon) or "YYYY-MM-DDTHH:MM:SS", into
 * seconds since 1970-01-01T00:00:00 of that local time.  Returns 0 or -1. */
int clock_parse_start(const char *s, int64_t *local_s);

#endif
