/*
 * zone — times as a person at the counter reads them: the server sends
 * every time in UTC ("2026-11-22T11:42:51.080Z"); the client shows it in
 * the server's configured time zone, with its offset
 * ("2026-11-22T19:42:51.080+08:00"), the zone expiry is judged in.  The
 * server names its zone in its HELLO reply (`timezone`).
 *
 * JSON output and raw server commands keep the server's text as it is:
 * programs get UTC.
 */
#ifndef YIMA_ZONE_H
#define YIMA_ZONE_H

/* Show times in tz: a zoneinfo name ("Asia/Shanghai"), "UTC", or a fixed
 * offset "+08:00" / "-05:30" (the daemon's `timezone` option).  NULL, "",
 * or a name this machine has no zoneinfo file for leaves times in UTC as
 * the server wrote them.  Returns 0, or -1 when tz cannot be used. */
int zone_set(const char *tz);

/* The zone set, or "" for none. */
const char *zone_name(void);

/* iso in the zone when it is a UTC time "YYYY-MM-DDTHH:MM:SS[.fff]Z",
 * otherwise iso itself.  A converted copy lasts for the next seven calls
 * (of zone_time or zone_text). */
const char *zone_time(const char *iso);

/* text with every UTC time in it converted (a message such as "already
 * dispensed at PH1 on 2026-11-22T11:49:14.505Z"); text itself when it
 * holds none.  Copies last as zone_time's do. */
const char *zone_text(const char *text);

#endif
