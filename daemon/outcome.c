/*
 * outcome — the two ways out of a rule that are not "done".
 */
#include "outcome.h"

#include <stdarg.h>
#include <stdio.h>

enum cmd_status outcome_refuse(struct outcome *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(o->why, sizeof o->why, fmt, ap);
	va_end(ap);
	return CMD_REFUSED;
}

enum cmd_status outcome_conflict(struct outcome *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(o->why, sizeof o->why, fmt, ap);
	va_end(ap);
	o->conflict = true;
	return CMD_REFUSED;
}

enum cmd_status outcome_failed(struct outcome *o, int rc)
{
	o->store_rc = rc;
	return CMD_FAILED;
}
