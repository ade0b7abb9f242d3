/*
 * alert_status — how a regulator handles an alert: its status (open,
 * investigating, closed), a classification and a note (ALERT SET), and
 * the rule that changes them.
 *
 * Record (DB_ALERT_STATUS, key: alert seq u48 BE), absent while an alert
 * is open and untouched:
 *   u8 format (1), u8 status, u8 class (0 none), u48 time (ms) of the
 *   change, u8 name length + who changed it (the principal's name),
 *   u16 note length (BE) + note.
 * Every change is a write command, so the log keeps each one with its
 * principal (the audit chain); the record holds the latest.
 */
#ifndef YIMA_ALERT_STATUS_H
#define YIMA_ALERT_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "outcome.h"
#include "command.h"

struct cmd;
struct config;
struct store_txn;

enum alert_state { ALERT_OPEN = 0, ALERT_INVESTIGATING = 1, ALERT_CLOSED = 2 };

enum alert_class {
	ALERT_CLASS_NONE = 0,
	ALERT_CLASS_COUNTERFEIT = 1,	/* confirmed_counterfeit */
	ALERT_CLASS_RESALE = 2,		/* resale */
	ALERT_CLASS_USER_ERROR = 3,	/* user_error */
	ALERT_CLASS_SYSTEM_ERROR = 4,	/* system_error */
	ALERT_CLASS_OTHER = 5,		/* other */
};

struct alert_status {
	uint8_t status;			/* enum alert_state */
	uint8_t klass;			/* enum alert_class */
	int64_t time_ms;		/* of the last change; 0: never changed */
	char by[65];			/* who made it */
	char note[CMD_NOTE_MAX + 1];
};

const char *alert_state_name(uint8_t status);
const char *alert_class_name(uint8_t klass);	/* NULL for none */
/* A status by name: its value, or -1. */
int alert_state_parse(const char *s, size_t n);

/* An alert's handling: an open alert (no record) reads as zeroes. */
int alert_status_get(struct store_txn *t, uint64_t seq, struct alert_status *st);

struct alert_set_outcome {
	struct outcome o;
	uint64_t id;
	struct alert_status st;		/* as it is now */
};

/* ALERT SET id [STATUS s] [CLASS c] [NOTE text], by the command's
 * principal at its time.  Refused (nothing written): an unknown alert, an
 * unknown status or class, none of the three given, or a closed alert
 * without a class. */
enum cmd_status alert_status_set(struct store_txn *t, const struct config *cfg,
				 const struct cmd *c, struct alert_set_outcome *ao);

#endif
