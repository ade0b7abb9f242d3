/*
 * config — the option table and its parsers.
 *
 * The file format is what inih reads (Debian's libinih): "key = value"
 * lines, '#' and ';' comments.  yimad uses no [sections]; one is an error,
 * as is an unknown key or a bad value, reported as FILE:LINE: message.
 */
#include "config.h"
#include "clock.h"
#include "log.h"

#include <errno.h>
#include <ini.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum opt_type { OPT_STR, OPT_U32, OPT_SIZE, OPT_LOGLEVEL, OPT_LOGFORMAT, OPT_SEVERITY, OPT_DURATION,
		OPT_TIMEZONE, OPT_BOOL, OPT_VERIFY, OPT_DAY, OPT_NATS_URLS, OPT_NAME,
		OPT_SUBJECT, OPT_POLICY, OPT_SEVERITY_OFF };

struct option_spec {
	const char   *name;
	enum opt_type type;
	size_t        offset;
	uint64_t      min, max;	/* numbers and sizes; OPT_NAME: its length */
	const char   *def;
	const char   *help;
};

#define KiB ((uint64_t)1 << 10)
#define MiB ((uint64_t)1 << 20)
#define GiB ((uint64_t)1 << 30)
#define TiB ((uint64_t)1 << 40)
#define O(f) offsetof(struct config, f)

static const struct option_spec options[] = {
	{ "bind", OPT_STR, O(bind), 0, 0, "127.0.0.1",
	  "address to listen on (0.0.0.0 or :: for every interface)" },
	{ "port", OPT_U32, O(port), 0, 65535, "7700",
	  "TCP port for RESP clients; 0 picks a free port (see port_file)" },
	{ "port_file", OPT_STR, O(port_file), 0, 0, "",
	  "write the bound port here once listening (empty: do not)" },
	{ "data", OPT_STR, O(data), 0, 0, "./var",
	  "data directory: the LMDB environment lives here" },
	{ "backup_dir", OPT_STR, O(backup_dir), 0, 0, "",
	  "where BACKUP writes its copies (empty: 'backups' beside the data directory)" },
	{ "threads", OPT_U32, O(threads), 0, 256, "0",
	  "network threads; 0 = one per CPU core" },
	{ "log_level", OPT_LOGLEVEL, O(log_level), 0, 0, "info",
	  "error, warn, info or debug" },
	{ "log_file", OPT_STR, O(log_file), 0, 0, "",
	  "append log lines to this file (empty: standard error)" },
	{ "log_format", OPT_LOGFORMAT, O(log_format), 0, 0, "text",
	  "log lines as text (TIME [level] message) or json (one object a line), "
	  "the access log's too" },
	{ "access_log", OPT_STR, O(access_log), 0, 0, "",
	  "append a line per request here, RESP and HTTP: time, address, principal, "
	  "site, command, code, outcome, latency (empty: no access log; SIGHUP reopens it)" },
	{ "map_size", OPT_SIZE, O(map_size), 1 * MiB, 64 * TiB, "1GiB",
	  "initial LMDB map size; doubled automatically when full" },
	{ "max_clients", OPT_U32, O(max_clients), 1, 1000000, "10000",
	  "connections served at once; more are refused with an error" },
	{ "timeout", OPT_U32, O(timeout), 0, 86400 * 365, "300",
	  "close a connection idle this many seconds (0 = never)" },
	{ "max_args", OPT_U32, O(max_args), 1, 1u << 24, "1048576",
	  "arguments in one request" },
	{ "max_bulk", OPT_SIZE, O(max_bulk), 1, 4 * GiB, "64MiB",
	  "bytes in one request argument" },
	{ "max_request", OPT_SIZE, O(max_request), 64, 16 * GiB, "256MiB",
	  "bytes in one request, framing included" },
	{ "max_inline", OPT_SIZE, O(max_inline), 64, 64 * MiB, "64KiB",
	  "bytes in one inline (telnet-style) command line" },
	{ "max_pending", OPT_U32, O(max_pending), 1, 1u << 20, "1024",
	  "write requests one connection may have waiting for their commit" },
	{ "group_max", OPT_U32, O(group_max), 1, 1u << 20, "4096",
	  "write requests the writer applies in one transaction at most" },
	{ "group_bytes", OPT_SIZE, O(group_bytes), 1024, 1 * GiB, "64KiB",
	  "request bytes the writer applies in one transaction (bulk loads yield to scans)" },
	{ "bulk_group_bytes", OPT_SIZE, O(bulk_group_bytes), 1024, 1 * GiB, "1MiB",
	  "the same for bulk loads while no scan has come for 200 ms" },
	{ "unknown_code", OPT_SEVERITY, O(unknown_code), 0, 0, "red",
	  "verdict for a well-formed code yima does not know: red or amber" },
	{ "mismatch", OPT_SEVERITY, O(mismatch), 0, 0, "amber",
	  "verdict when a scan's lot or expiry differs from the record: amber or red" },
	{ "not_received", OPT_SEVERITY, O(not_received), 0, 0, "amber",
	  "verdict when the scanning site does not hold the unit: amber or red" },
	{ "near_expiry_days", OPT_U32, O(near_expiry_days), 0, 3650, "30",
	  "AMBER NEAR_EXPIRY when a unit expires within this many days" },
	{ "undo_window", OPT_DURATION, O(undo_window), 0, 3650ull * 86400, "10d",
	  "how long after a dispense the same site may UNDO it (s, m, h or d)" },
	{ "policy_ordinary", OPT_POLICY, O(policy[CAT_ORDINARY]), 0, 0, "",
	  "policy for ordinary drugs (普通药品): not_received, in_transit (amber|red), split_sale (refuse|allow), near_expiry_days; unset: the global setting" },
	{ "policy_vaccine", OPT_POLICY, O(policy[CAT_VACCINE]), 0, 0, "not_received=red in_transit=red split_sale=refuse",
	  "policy for vaccines (疫苗): not_received, in_transit (amber|red), split_sale (refuse|allow), near_expiry_days; unset: the global setting" },
	{ "policy_blood_product", OPT_POLICY, O(policy[CAT_BLOOD_PRODUCT]), 0, 0, "not_received=red in_transit=red split_sale=refuse",
	  "policy for blood products (血液制品): not_received, in_transit (amber|red), split_sale (refuse|allow), near_expiry_days; unset: the global setting" },
	{ "policy_narcotic", OPT_POLICY, O(policy[CAT_NARCOTIC]), 0, 0, "not_received=red in_transit=red split_sale=refuse",
	  "policy for narcotic drugs (麻醉药品): not_received, in_transit (amber|red), split_sale (refuse|allow), near_expiry_days; unset: the global setting" },
	{ "policy_psychotropic", OPT_POLICY, O(policy[CAT_PSYCHOTROPIC]), 0, 0, "not_received=red in_transit=red split_sale=refuse",
	  "policy for psychotropic drugs, class not stated (精神药品): not_received, in_transit (amber|red), split_sale (refuse|allow), near_expiry_days; unset: the global setting" },
	{ "policy_psychotropic_1", OPT_POLICY, O(policy[CAT_PSYCHOTROPIC_1]), 0, 0, "not_received=red in_transit=red split_sale=refuse",
	  "policy for class I psychotropic drugs (第一类精神药品): not_received, in_transit (amber|red), split_sale (refuse|allow), near_expiry_days; unset: the global setting" },
	{ "policy_psychotropic_2", OPT_POLICY, O(policy[CAT_PSYCHOTROPIC_2]), 0, 0, "not_received=red in_transit=red split_sale=refuse",
	  "policy for class II psychotropic drugs (第二类精神药品): not_received, in_transit (amber|red), split_sale (refuse|allow), near_expiry_days; unset: the global setting" },
	{ "policy_toxic", OPT_POLICY, O(policy[CAT_TOXIC]), 0, 0, "not_received=red in_transit=red split_sale=refuse",
	  "policy for toxic drugs for medical use (医疗用毒性药品): not_received, in_transit (amber|red), split_sale (refuse|allow), near_expiry_days; unset: the global setting" },
	{ "policy_radioactive", OPT_POLICY, O(policy[CAT_RADIOACTIVE]), 0, 0, "not_received=red in_transit=red split_sale=refuse",
	  "policy for radioactive drugs (放射性药品): not_received, in_transit (amber|red), split_sale (refuse|allow), near_expiry_days; unset: the global setting" },
	{ "policy_precursor", OPT_POLICY, O(policy[CAT_PRECURSOR]), 0, 0, "not_received=red in_transit=red split_sale=refuse",
	  "policy for precursor chemicals (药品类易制毒化学品): not_received, in_transit (amber|red), split_sale (refuse|allow), near_expiry_days; unset: the global setting" },
	{ "policy_botulinum", OPT_POLICY, O(policy[CAT_BOTULINUM]), 0, 0, "not_received=red in_transit=red split_sale=refuse",
	  "policy for botulinum toxin type A for injection (注射用A型肉毒毒素): not_received, in_transit (amber|red), split_sale (refuse|allow), near_expiry_days; unset: the global setting" },
	{ "licence_expired", OPT_SEVERITY_OFF, O(licence_expired), 0, 0, "amber",
	  "verdict for a scan at a site whose licence (licence_valid_until) has passed: amber, red or off" },
	{ "timezone", OPT_TIMEZONE, O(timezone), 0, 0, "Asia/Shanghai",
	  "time zone in which expiry dates are judged (a zoneinfo name or +HH:MM)" },
	{ "clock_today", OPT_DAY, O(clock_today), 0, 0, "",
	  "tests and rehearsals only: start the clock at noon of this day YYYY-MM-DD, "
	  "or at YYYY-MM-DDTHH:MM:SS (empty: the system's clock)" },
	{ "recall_deadline_1", OPT_DURATION, O(recall_deadline[0]), 1, 3650ull * 86400, "1d",
	  "time a site has to acknowledge a level 1 recall (RECALL.ACK)" },
	{ "recall_deadline_2", OPT_DURATION, O(recall_deadline[1]), 1, 3650ull * 86400, "3d",
	  "time a site has to acknowledge a level 2 recall (RECALL.ACK)" },
	{ "recall_deadline_3", OPT_DURATION, O(recall_deadline[2]), 1, 3650ull * 86400, "7d",
	  "time a site has to acknowledge a level 3 recall (RECALL.ACK)" },
	{ "tls_port", OPT_U32, O(tls_port), 0, 65535, "0",
	  "TCP port for TLS clients on bind (0: no TLS listener)" },
	{ "tls_cert", OPT_STR, O(tls_cert), 0, 0, "",
	  "server certificate chain, PEM (required with tls_port or https_port)" },
	{ "http_port", OPT_U32, O(http_port), 0, 65535, "0",
	  "TCP port for HTTP (JSON API, metrics, pages) on loopback, or on bind with "
	  "allow_plaintext (0: off)" },
	{ "https_port", OPT_U32, O(https_port), 0, 65535, "0",
	  "TCP port for HTTPS on bind, with tls_cert and tls_key (0: off)" },
	{ "web_root", OPT_STR, O(web_root), 0, 0, "",
	  "directory of the web pages served over HTTP (clients/web; empty: no pages)" },
	{ "tls_key", OPT_STR, O(tls_key), 0, 0, "",
	  "the server certificate's private key, PEM" },
	{ "tls_ca", OPT_STR, O(tls_ca), 0, 0, "",
	  "CA bundle, PEM, that client certificates must chain to" },
	{ "tls_verify_client", OPT_VERIFY, O(tls_verify_client), 0, 0, "none",
	  "client certificates: none (not asked), optional (checked if sent) or required" },
	{ "tls_ciphers", OPT_STR, O(tls_ciphers), 0, 0,
	  "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!SHA1",
	  "TLS 1.2 cipher list (TLS 1.3 uses OpenSSL's suites, all modern)" },
	{ "tls_session_timeout", OPT_U32, O(tls_session_timeout), 0, 86400, "300",
	  "seconds a TLS session may be resumed (0: no resumption, every handshake full)" },
	{ "allow_plaintext", OPT_BOOL, O(allow_plaintext), 0, 1, "no",
	  "let the plaintext port listen on bind even when it is not a loopback address" },
	{ "acl_file", OPT_STR, O(acl_file), 0, 0, "",
	  "tokens and certificate names with their role and site (STORE.md; empty: none)" },
	{ "local_trust", OPT_BOOL, O(local_trust), 0, 1, "yes",
	  "plaintext clients from a loopback address may run every command" },
	{ "public_verify", OPT_BOOL, O(public_verify), 0, 1, "no",
	  "let clients that have not authenticated run VERIFY (the consumer query)" },
	{ "max_clients_per_addr", OPT_U32, O(max_clients_per_addr), 0, 1000000, "256",
	  "connections at once from one client address (0: no limit)" },
	{ "rate_limit", OPT_U32, O(rate_limit), 0, 100000000, "1000",
	  "requests per second one principal may send, over all its connections (0: no limit)" },
	{ "rate_burst", OPT_U32, O(rate_burst), 1, 100000000, "2000",
	  "requests a principal may send at once above rate_limit before being refused" },
	{ "auth_max_failures", OPT_U32, O(auth_max_failures), 1, 1000000, "20",
	  "distinct wrong tokens from one address before it is locked out" },
	{ "auth_lockout", OPT_DURATION, O(auth_lockout), 1, 86400, "60s",
	  "how long an address that failed AUTH too often is refused AUTH (s, m, h or d)" },
	{ "request_timeout", OPT_U32, O(request_timeout), 0, 86400, "10",
	  "seconds a started request (or a TLS handshake) may take to arrive (0: no limit)" },
	{ "unauth_max_request", OPT_SIZE, O(unauth_max_request), 64, 64 * MiB, "16KiB",
	  "bytes in one request before the client has authenticated" },
	{ "cluster_nats_urls", OPT_NATS_URLS, O(cluster_nats_urls), 0, 0, "",
	  "NATS servers of the JetStream cluster, nats://host:port,... (empty: one node, no NATS)" },
	{ "cluster_stream", OPT_NAME, O(cluster_stream), 1, CONFIG_NAME_MAX, "YIMA",
	  "JetStream stream holding the replicated log (letters, digits, - and _)" },
	{ "cluster_subject", OPT_SUBJECT, O(cluster_subject), 0, 0, "yima.log",
	  "the stream's one subject, to which log entries are published" },
	{ "node_name", OPT_NAME, O(node_name), 0, CONFIG_NAME_MAX, "",
	  "this node's name in the cluster (letters, digits, - and _; required with "
	  "cluster_nats_urls)" },
	{ "cluster_replicas", OPT_U32, O(cluster_replicas), 1, 5, "3",
	  "copies of the stream JetStream keeps, on as many servers" },
	{ "cluster_max_age", OPT_DURATION, O(cluster_max_age), 60, 3650ull * 86400, "7d",
	  "the stream drops entries older than this (s, m, h or d)" },
	{ "cluster_max_bytes", OPT_SIZE, O(cluster_max_bytes), 1 * MiB, 64 * TiB, "16GiB",
	  "the stream drops its oldest entries beyond this size (per replica)" },
};

#define NOPTIONS (int)(sizeof options / sizeof options[0])

static const struct option_spec *find(const char *key)
{
	for (int i = 0; i < NOPTIONS; i++)
		if (strcmp(options[i].name, key) == 0)
			return &options[i];
	return NULL;
}

/* Parse a size: digits with an optional binary suffix K, M, G, T (also
 * written KB/KiB, ...), case-insensitive.  Returns false on junk/overflow. */
static bool parse_size(const char *s, uint64_t *out)
{
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno)
		return false;
	uint64_t mult = 1;
	switch (*end) {
	case 'k': case 'K': mult = KiB; end++; break;
	case 'm': case 'M': mult = MiB; end++; break;
	case 'g': case 'G': mult = GiB; end++; break;
	case 't': case 'T': mult = TiB; end++; break;
	default: break;
	}
	if (mult != 1) {
		if ((end[0] == 'i' || end[0] == 'I') && (end[1] == 'B' || end[1] == 'b'))
			end += 2;
		else if (end[0] == 'B' || end[0] == 'b')
			end++;
	} else if (end[0] == 'B' || end[0] == 'b') {
		end++;
	}
	if (*end != '\0' || (v && mult > UINT64_MAX / v))
		return false;
	*out = v * mult;
	return true;
}

/* A duration: whole number with an optional unit s, m, h or d. */
static bool parse_duration(const char *s, uint64_t *out);

int config_parse_duration(const char *s, uint64_t *seconds)
{
	return parse_duration(s, seconds) ? 0 : -1;
}

const char *config_format_duration(uint64_t seconds, char *buf, size_t n)
{
	static const struct { uint64_t secs; char unit; } units[] = {
		{ 86400, 'd' }, { 3600, 'h' }, { 60, 'm' },
	};
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (seconds && seconds % units[i].secs == 0) {
			snprintf(buf, n, "%" PRIu64 "%c", seconds / units[i].secs, units[i].unit);
			return buf;
		}
	snprintf(buf, n, "%" PRIu64 "s", seconds);
	return buf;
}

static bool parse_duration(const char *s, uint64_t *out)
{
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	uint64_t mult = 1;
	switch (*end) {
	case 's': end++; break;
	case 'm': mult = 60; end++; break;
	case 'h': mult = 3600; end++; break;
	case 'd': mult = 86400; end++; break;
	default: break;
	}
	if (errno || *end != '\0' || (v && mult > UINT64_MAX / v))
		return false;
	*out = v * mult;
	return true;
}

/* "+08:00", "-05:30", "UTC", or a name with a file under zoneinfo. */
static bool valid_timezone(const char *s)
{
	if ((s[0] == '+' || s[0] == '-') && strlen(s) == 6 && s[3] == ':')
		return s[1] >= '0' && s[1] <= '2' && s[2] >= '0' && s[2] <= '9' &&
		       s[4] >= '0' && s[4] <= '5' && s[5] >= '0' && s[5] <= '9';
	if (strcmp(s, "UTC") == 0)
		return true;
	if (s[0] == '\0' || s[0] == '/' || strstr(s, "..") != NULL)
		return false;
	char path[CONFIG_STR_MAX + 32];
	snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", s);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return false;
	fclose(f);
	return true;
}

static bool parse_u64(const char *s, uint64_t *out)
{
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end != '\0')
		return false;
	*out = v;
	return true;
}

/* NATS server URLs as the cluster takes them: "nats://host:port", comma
 * separated, at most CONFIG_NATS_URLS_MAX; host a name, an IPv4 address or
 * a bracketed IPv6 one.  Empty is valid (no cluster).  On a bad one, says
 * which and why in err. */
static bool valid_nats_urls(const char *s, char *err, size_t errlen)
{
	int n = 0;
	while (*s != '\0') {
		size_t len = strcspn(s, ",");
		char url[CONFIG_STR_MAX];
		snprintf(url, sizeof url, "%.*s", (int)len, s);
		if (++n > CONFIG_NATS_URLS_MAX) {
			snprintf(err, errlen, "more than %d URLs", CONFIG_NATS_URLS_MAX);
			return false;
		}
		const char *why = NULL;
		const char *p = url + 7;
		if (strncmp(url, "nats://", 7) != 0) {
			why = "does not start with nats://";
		} else if (*p == '[') {
			size_t h = strspn(p + 1, "0123456789abcdefABCDEF:.");
			if (h == 0 || p[1 + h] != ']')
				why = "has a bad [IPv6] host";
			p += h + 2;
		} else {
			size_t h = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					     "0123456789.-");
			if (h == 0)
				why = "has no host";
			p += h;
		}
		if (why == NULL) {
			uint64_t port = 0;
			if (*p != ':' || p[1] == '\0' || strspn(p + 1, "0123456789") != strlen(p + 1) ||
			    strlen(p + 1) > 5 || (port = strtoull(p + 1, NULL, 10)) == 0 ||
			    port > 65535)
				why = "does not end in :port (1 to 65535)";
		}
		if (why) {
			snprintf(err, errlen, "'%s' %s", url, why);
			return false;
		}
		s += len;
		if (*s == ',') {
			s++;
			if (*s == '\0') {
				snprintf(err, errlen, "ends with a comma");
				return false;
			}
		}
	}
	return true;
}

/* A name: letters, digits, '-' and '_'; its length within [min, max]. */
static bool valid_name(const char *s, uint64_t min, uint64_t max)
{
	size_t n = strlen(s);
	return n >= min && n <= max &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == n;
}

/* A NATS subject without wildcards: tokens of letters, digits, '-' and '_'
 * joined by dots. */
static bool valid_subject(const char *s)
{
	if (strlen(s) > CONFIG_SUBJECT_MAX)
		return false;
	for (;;) {
		size_t t = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				     "0123456789-_");
		if (t == 0)
			return false;
		s += t;
		if (*s == '\0')
			return true;
		if (*s++ != '.')
			return false;
	}
}

static const char *const verify_names[3] = { "none", "optional", "required" };

/* yes/no, true/false, on/off, 1/0. */
static bool parse_bool(const char *s, uint64_t *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return true;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return true;
		}
	}
	return false;
}

int config_set(struct config *c, const char *key, const char *value,
	       char *err, size_t errlen)
{
	const struct option_spec *o = find(key);
	if (o == NULL) {
		snprintf(err, errlen, "unknown option '%s'", key);
		return -1;
	}
	char *field = (char *)c + o->offset;
	uint64_t v = 0;
	int level;

	switch (o->type) {
	case OPT_STR:
		if (strlen(value) >= CONFIG_STR_MAX) {
			snprintf(err, errlen, "%s: value longer than %d bytes",
				 key, CONFIG_STR_MAX - 1);
			return -1;
		}
		strcpy(field, value);
		return 0;
	case OPT_NATS_URLS: {
		char why[CONFIG_STR_MAX + 64];
		if (strlen(value) >= CONFIG_STR_MAX) {
			snprintf(err, errlen, "%s: value longer than %d bytes",
				 key, CONFIG_STR_MAX - 1);
			return -1;
		}
		if (!valid_nats_urls(value, why, sizeof why)) {
			snprintf(err, errlen, "%s: %s (want nats://host:port, comma separated)",
				 key, why);
			return -1;
		}
		strcpy(field, value);
		return 0;
	}
	case OPT_NAME:
		if (!valid_name(value, o->min, o->max)) {
			snprintf(err, errlen, "%s: '%.64s%s' is not a name of %" PRIu64 " to %"
				 PRIu64 " letters, digits, '-' or '_'", key, value,
				 strlen(value) > 64 ? "..." : "", o->min, o->max);
			return -1;
		}
		strcpy(field, value);
		return 0;
	case OPT_SUBJECT:
		if (!valid_subject(value)) {
			snprintf(err, errlen, "%s: '%.64s%s' is not a subject (tokens of letters, "
				 "digits, '-' or '_' joined by '.', at most %d bytes)", key, value,
				 strlen(value) > 64 ? "..." : "", CONFIG_SUBJECT_MAX);
			return -1;
		}
		strcpy(field, value);
		return 0;
	case OPT_SEVERITY:
		if (strcmp(value, "red") == 0 || strcmp(value, "amber") == 0) {
			*(uint32_t *)field = value[0] == 'r' ? CONFIG_RED : CONFIG_AMBER;
			return 0;
		}
		snprintf(err, errlen, "%s: '%s' is not red or amber", key, value);
		return -1;
	case OPT_SEVERITY_OFF:
		if (strcmp(value, "off") == 0) {
			*(uint32_t *)field = CONFIG_OFF;
			return 0;
		}
		if (strcmp(value, "red") == 0 || strcmp(value, "amber") == 0) {
			*(uint32_t *)field = value[0] == 'r' ? CONFIG_RED : CONFIG_AMBER;
			return 0;
		}
		snprintf(err, errlen, "%s: '%s' is not red, amber or off", key, value);
		return -1;
	case OPT_POLICY: {
		char why[200];
		if (category_policy_parse(value, (struct category_policy *)field, why,
					  sizeof why) == 0)
			return 0;
		snprintf(err, errlen, "%s: %s", key, why);
		return -1;
	}
	case OPT_TIMEZONE:
		if (strlen(value) >= CONFIG_STR_MAX || !valid_timezone(value)) {
			snprintf(err, errlen, "%s: '%s' is not a time zone (a zoneinfo name "
				 "such as Asia/Shanghai, UTC, or an offset such as +08:00)",
				 key, value);
			return -1;
		}
		strcpy(field, value);
		return 0;
	case OPT_DAY: {
		int64_t start;
		if (value[0] != '\0' && clock_parse_start(value, &start) != 0) {
			snprintf(err, errlen, "%s: '%s' is not a day YYYY-MM-DD (from 1970) or "
				 "a local time YYYY-MM-DDTHH:MM:SS", key, value);
			return -1;
		}
		snprintf(field, CONFIG_STR_MAX, "%s", value);
		return 0;
	}
	case OPT_DURATION:
		if (!parse_duration(value, &v)) {
			snprintf(err, errlen,
				 "%s: '%s' is not a duration (a number with s, m, h or d)",
				 key, value);
			return -1;
		}
		break;
	case OPT_BOOL:
		if (parse_bool(value, &v))
			break;
		snprintf(err, errlen, "%s: '%s' is not yes or no", key, value);
		return -1;
	case OPT_VERIFY:
		for (uint32_t i = 0; i < 3; i++)
			if (strcmp(value, verify_names[i]) == 0) {
				*(uint32_t *)field = i;
				return 0;
			}
		snprintf(err, errlen, "%s: '%s' is not none, optional or required", key, value);
		return -1;
	case OPT_LOGFORMAT:
		level = log_format_parse(value);
		if (level < 0) {
			snprintf(err, errlen, "%s: '%s' is not text or json", key, value);
			return -1;
		}
		*(uint32_t *)field = (uint32_t)level;
		return 0;
	case OPT_LOGLEVEL:
		level = log_level_parse(value);
		if (level < 0) {
			snprintf(err, errlen,
				 "%s: '%s' is not one of error, warn, info, debug",
				 key, value);
			return -1;
		}
		*(uint32_t *)field = (uint32_t)level;
		return 0;
	case OPT_U32:
		if (!parse_u64(value, &v)) {
			snprintf(err, errlen, "%s: '%s' is not a whole number", key, value);
			return -1;
		}
		break;
	case OPT_SIZE:
		if (!parse_size(value, &v)) {
			snprintf(err, errlen,
				 "%s: '%s' is not a size (bytes, or a number with K, M, G or T)",
				 key, value);
			return -1;
		}
		break;
	}
	if (v < o->min || v > o->max) {
		snprintf(err, errlen, "%s: %s is out of range [%" PRIu64 ", %" PRIu64 "]",
			 key, value, o->min, o->max);
		return -1;
	}
	if (o->type == OPT_U32 || o->type == OPT_BOOL)
		*(uint32_t *)field = (uint32_t)v;
	else
		*(uint64_t *)field = v;
	return 0;
}

void config_defaults(struct config *c)
{
	char err[256];
	memset(c, 0, sizeof *c);
	for (int i = 0; i < NOPTIONS; i++)
		if (config_set(c, options[i].name, options[i].def, err, sizeof err) != 0)
			abort();	/* the table itself is wrong */
	/* A product without a category: every setting the global one. */
	if (category_policy_parse("", &c->policy[CAT_NONE], err, sizeof err) != 0)
		abort();
}

struct load_state {
	struct config *c;
	FILE *f;
	const char *path;
	int line;		/* lines handed to inih so far */
	int problems;
	int reported[32];	/* lines reported (one problem a line) */
	config_problem_fn *report;
	void *arg;
};

/* Line `line` is wrong: one problem a line, each handed to the caller's
 * report. */
static void problem(struct load_state *st, int line, const char *what)
{
	int n = st->problems < 32 ? st->problems : 32;
	for (int i = 0; i < n; i++)
		if (st->reported[i] == line)
			return;
	if (st->problems < 32)
		st->reported[st->problems] = line;
	st->problems++;
	if (st->report)
		st->report(st->arg, st->path, line, what);
}

/* A line inih takes for neither a comment, a section nor "key = value"
 * (inih's delimiters are '=' and ':'): it reports only its first such
 * line, so each is found here. */
static bool not_an_option_line(const char *p)
{
	size_t n = strcspn(p, "\r\n");
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n == 0 || *p == '#' || *p == ';' || *p == '[')
		return false;
	return memchr(p, '=', n) == NULL && memchr(p, ':', n) == NULL;
}

/* inih reads through this so we know which line each call is about, and so
 * that a line too long for inih's buffer is an error, not two lines. */
static char *read_line(char *str, int num, void *stream)
{
	struct load_state *st = stream;
	if (fgets(str, num, st->f) == NULL)
		return NULL;
	st->line++;
	size_t n = strlen(str);
	if (n == (size_t)num - 1 && str[n - 1] != '\n' && !feof(st->f)) {
		int ch;
		char msg[64];
		while ((ch = fgetc(st->f)) != EOF && ch != '\n')
			;
		snprintf(msg, sizeof msg, "line longer than %d characters", num - 2);
		problem(st, st->line, msg);
		str[0] = '\n';
		str[1] = '\0';
	}
	/* inih reads an indented line as the continuation of the previous
	 * value; here indentation means nothing, so strip it. */
	size_t blanks = strspn(str, " \t");
	if (blanks)
		memmove(str, str + blanks, strlen(str + blanks) + 1);
	/* inih does not call back for a [section] line, and not at all for a
	 * section without keys: catch it here, at its own line. */
	const char *p = str;
	if (*p == '[' && strchr(p, ']') != NULL) {
		char msg[600];
		snprintf(msg, sizeof msg, "sections are not used; '%.*s' found",
			 (int)strcspn(p, "\r\n"), p);
		problem(st, st->line, msg);
	} else if (not_an_option_line(p)) {
		problem(st, st->line, "expected 'key = value'");
	}
	return str;
}

/* inih calls this per "key = value". */
static int on_line(void *user, const char *section, const char *name,
		   const char *value)
{
	struct load_state *st = user;
	char msg[512];
	(void)section;	/* a section line is a problem of its own (read_line);
			 * the lines after it are still checked */
	if (config_set(st->c, name, value, msg, sizeof msg) != 0) {
		problem(st, st->line, msg);
		return 0;
	}
	return 1;
}

int config_load_each(struct config *c, const char *path, config_problem_fn *report, void *arg)
{
	struct load_state st = { .c = c, .path = path, .report = report, .arg = arg };
	st.f = fopen(path, "r");
	if (st.f == NULL) {
		problem(&st, 0, strerror(errno));
		return st.problems;
	}
	int line = ini_parse_stream(read_line, &st, on_line, &st);
	fclose(st.f);
	if (line < 0)
		problem(&st, 0, "cannot read the file");
	else if (line > 0)	/* inih's first error: one of ours, or a syntax error */
		problem(&st, line, "expected 'key = value'");
	return st.problems;
}

/* config_load's report: the earliest problem, as FILE:LINE: what. */
struct first_problem {
	char *err;
	size_t errlen;
	int line;	/* -1: none yet */
};

static void keep_earliest(void *arg, const char *path, int line, const char *what)
{
	struct first_problem *fp = arg;
	if (fp->line >= 0 && line >= fp->line)
		return;
	fp->line = line;
	if (line > 0)
		snprintf(fp->err, fp->errlen, "%s:%d: %s", path, line, what);
	else
		snprintf(fp->err, fp->errlen, "%s: %s", path, what);
}

int config_load(struct config *c, const char *path, char *err, size_t errlen)
{
	struct first_problem fp = { err, errlen, -1 };
	return config_load_each(c, path, keep_earliest, &fp) ? -1 : 0;
}

int config_check(const struct config *c, char *err, size_t errlen)
{
	if (c->cluster_nats_urls[0] != '\0' && c->node_name[0] == '\0') {
		snprintf(err, errlen, "cluster_nats_urls is set but node_name is not: each "
			 "node of a cluster needs its own name");
		return -1;
	}
	return 0;
}

int config_option(int i, const char **name, const char **def, const char **help)
{
	if (i < 0 || i >= NOPTIONS)
		return 0;
	*name = options[i].name;
	*def = options[i].def;
	*help = options[i].help;
	return 1;
}

int config_get(const struct config *c, const char *key, char *out, size_t outlen)
{
	const struct option_spec *o = find(key);
	if (o == NULL)
		return -1;
	const char *field = (const char *)c + o->offset;
	switch (o->type) {
	case OPT_STR:
	case OPT_TIMEZONE:
	case OPT_DAY:
	case OPT_NATS_URLS:
	case OPT_NAME:
	case OPT_SUBJECT:
		snprintf(out, outlen, "%s", field);
		break;
	case OPT_SEVERITY:
		snprintf(out, outlen, "%s", *(const uint32_t *)field == CONFIG_RED ? "red" : "amber");
		break;
	case OPT_SEVERITY_OFF: {
		uint32_t v = *(const uint32_t *)field;
		snprintf(out, outlen, "%s", v == CONFIG_RED ? "red" : v == CONFIG_OFF ? "off" :
			 "amber");
		break;
	}
	case OPT_POLICY:
		category_policy_format((const struct category_policy *)field, out, outlen);
		break;
	case OPT_DURATION:
		config_format_duration(*(const uint64_t *)field, out, outlen);
		break;
	case OPT_LOGLEVEL:
		snprintf(out, outlen, "%s",
			 log_level_name((enum log_level) * (const uint32_t *)field));
		break;
	case OPT_LOGFORMAT:
		snprintf(out, outlen, "%s",
			 log_format_name((enum log_format) * (const uint32_t *)field));
		break;
	case OPT_U32:
		snprintf(out, outlen, "%" PRIu32, *(const uint32_t *)field);
		break;
	case OPT_BOOL:
		snprintf(out, outlen, "%s", *(const uint32_t *)field ? "yes" : "no");
		break;
	case OPT_VERIFY:
		snprintf(out, outlen, "%s", verify_names[*(const uint32_t *)field % 3]);
		break;
	case OPT_SIZE:
		snprintf(out, outlen, "%" PRIu64, *(const uint64_t *)field);
		break;
	}
	return 0;
}
