/*
 * access_log — a line per request answered (access_log.h).
 */
#include "access_log.h"
#include "acl.h"
#include "command.h"
#include "log.h"
#include "parse.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

atomic_bool access_log_on;
static _Atomic int access_fd = -1;

int access_log_open(const char *path)
{
	if (path == NULL || path[0] == '\0') {
		atomic_store(&access_log_on, false);
		int old = atomic_exchange(&access_fd, -1);
		if (old >= 0)
			close(old);
		return 0;
	}
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	/* A line being written to the old file finishes there: the old
	 * descriptor is closed after the swap, and a write racing it fails
	 * harmlessly (EBADF) rather than landing elsewhere, since the number
	 * is not reused before this returns. */
	int old = atomic_exchange(&access_fd, fd);
	atomic_store(&access_log_on, true);
	if (old >= 0)
		close(old);
	return 0;
}

static void copy_arg(char *dst, size_t n, const struct resp_arg *a, size_t more)
{
	size_t len = a->len < n - 12 ? a->len : n - 12;
	memcpy(dst, a->ptr, len);
	if (more)
		snprintf(dst + len, n - len, "+%zu", more);
	else
		dst[len] = '\0';
}

void access_note_of(const struct cmd *c, struct access_note *n)
{
	n->code[0] = n->site[0] = '\0';
	if (c->spec == NULL)
		return;
	if (c->ncodes > 0 && c->first_code > 0 && c->first_code < c->argc)
		copy_arg(n->code, sizeof n->code, &c->argv[c->first_code], c->ncodes - 1);
	int acting = c->spec->g.acting;
	const struct resp_arg *site = acting >= 0 ? c->opt[acting].arg : NULL;
	if (site == NULL && !c->spec->g.raw)
		site = c->opt[OPT_SITE].arg;
	if (site)
		copy_arg(n->site, sizeof n->site, site, 0);
}

/* The outcome a reply tells: an error's code, a scan's verdict, a simple
 * string (OK, PONG), else "ok". */
static void outcome_of(const char *r, size_t len, char *out, size_t n)
{
	size_t start = 0, end = 0;
	if (len > 1 && r[0] == '-') {
		start = 1;
	} else if (len > 1 && r[0] == '!') {	/* RESP3 bulk error: !len CRLF CODE ... */
		const char *nl = memchr(r, '\n', len);
		start = nl ? (size_t)(nl - r) + 1 : len;
	} else if (len > 1 && r[0] == '+') {
		start = 1;
	} else if (len > 1 && (r[0] == '%' || r[0] == '*')) {
		/* A verdict's map begins "verdict", then its value. */
		const char *nl = memchr(r, '\n', len);
		const char *key = "$7\r\nverdict\r\n$";
		size_t at = nl ? (size_t)(nl - r) + 1 : len;
		if (len - at > strlen(key) + 4 && memcmp(r + at, key, strlen(key)) == 0) {
			const char *v = memchr(r + at + strlen(key), '\n', len - at - strlen(key));
			start = v ? (size_t)(v - r) + 1 : len;
		}
	}
	if (start == 0) {
		snprintf(out, n, "ok");
		return;
	}
	for (end = start; end < len && end - start < n - 1 && r[end] != ' ' && r[end] != '\r';
	     end++)
		;
	snprintf(out, n, "%.*s", (int)(end - start), r + start);
}

void access_log(const char *proto, uint64_t conn, const char *addr,
		const struct principal *who, int cmd, const struct access_note *note,
		int64_t ns, const char *reply, size_t len)
{
	int fd = atomic_load(&access_fd);
	if (fd < 0)
		return;
	int saved = errno;
	char when[32], name[64], outcome[24], line[1024];
	log_timestamp(when, sizeof when);
	const struct command_spec *spec = cmd >= 0 ? command_by_id((enum cmd_id)cmd) : NULL;
	if (spec)
		command_full_name(spec, name, sizeof name);
	else
		snprintf(name, sizeof name, "-");
	outcome_of(reply, len, outcome, sizeof outcome);
	const char *role = who ? acl_role_name((enum acl_role)who->role) : "local";
	const char *principal = who ? (who->role == ROLE_NONE ? "-" : who->name) : "local";
	const char *code = note && note->code[0] ? note->code : "-";
	const char *site = note && note->site[0] ? note->site : "-";
	double ms = (double)ns / 1e6;
	int n;
	if (log_get_format() == LOG_JSON) {
		char ecode[sizeof note->code * 6], esite[sizeof note->site * 6],
		     eprin[(ACL_NAME_MAX + 1) * 6];
		log_json_escape(ecode, sizeof ecode, code, strlen(code));
		log_json_escape(esite, sizeof esite, site, strlen(site));
		log_json_escape(eprin, sizeof eprin, principal, strlen(principal));
		n = snprintf(line, sizeof line, "{\"time\":\"%s\",\"proto\":\"%s\",\"conn\":%llu,"
			     "\"addr\":\"%s\",\"principal\":\"%s\",\"role\":\"%s\",\"site\":\"%s\","
			     "\"command\":\"%s\",\"code\":\"%s\",\"outcome\":\"%s\","
			     "\"latency_ms\":%.3f}\n", when, proto, (unsigned long long)conn, addr,
			     eprin, role, esite, name, ecode, outcome, ms);
	} else {
		/* The command's name may hold a space (SITE SET): quoted. */
		n = snprintf(line, sizeof line, "%s %s conn=%llu addr=%s principal=%s role=%s "
			     "site=%s command=\"%s\" code=%s outcome=%s latency_ms=%.3f\n", when,
			     proto, (unsigned long long)conn, addr, principal, role, site, name, code,
			     outcome, ms);
	}
	size_t w = n < 0 ? 0 : (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
	if (w && line[w - 1] != '\n')
		line[w - 1] = '\n';
	ssize_t r = write(fd, line, w);
	(void)r;
	errno = saved;
}
