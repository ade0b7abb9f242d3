/*
 * metrics — the server's figures in Prometheus's text exposition format
 * (version 0.0.4), for GET /metrics (http.h): connections, requests,
 * the writer's commits and queue, the store's map.  Names follow
 * Prometheus's conventions: yima_<what>_total for counters, _seconds and
 * _bytes for units.  proto/HTTP.md lists them.
 */
#ifndef YIMA_METRICS_H
#define YIMA_METRICS_H

struct evbuffer;
struct server;
struct store_reader;

/* Append every metric to out; reads the store's figures through reader
 * (this thread's). */
void metrics_render(struct server *srv, struct store_reader *reader, struct evbuffer *out);

#endif
