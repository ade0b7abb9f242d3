/*
 * conn_session — a connection as the commands see it: the session.h
 * interface over conn.h and server.h.
 */
#ifndef YIMA_CONN_SESSION_H
#define YIMA_CONN_SESSION_H

#include "session.h"

struct conn;

/* Make s speak for connection c (s lives no longer than c). */
void conn_session(struct conn *c, struct session *s);

#endif
