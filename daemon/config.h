/*
 * config — yimad's settings: defaults, the config file, command-line flags.
 *
 * One table (config.c) names every option, its type, range, default and a
 * one-line description; config/yimad.conf lists the same options and a unit
 * test keeps the two in step.  Precedence: defaults < file < flags.
 */
#ifndef YIMA_CONFIG_H
#define YIMA_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "category.h"

#define CONFIG_STR_MAX 1024
#define CONFIG_NAME_MAX 64		/* node_name, cluster_stream */
#define CONFIG_SUBJECT_MAX 128		/* cluster_subject */
#define CONFIG_NATS_URLS_MAX 16		/* servers in cluster_nats_urls */

struct config {
	char     bind[CONFIG_STR_MAX];
	uint32_t port;
	char     port_file[CONFIG_STR_MAX];
	char     data[CONFIG_STR_MAX];
	char     backup_dir[CONFIG_STR_MAX];	/* "": backup.h says where */
	uint32_t threads;		/* 0 = number of cores */
	uint32_t log_level;		/* enum log_level */
	char     log_file[CONFIG_STR_MAX];
	uint32_t log_format;		/* enum log_format */
	char     access_log[CONFIG_STR_MAX];	/* "": no access log */
	uint64_t map_size;
	uint32_t max_clients;
	uint32_t timeout;		/* idle seconds, 0 = never */
	uint32_t max_args;
	uint64_t max_bulk;
	uint64_t max_request;
	uint64_t max_inline;
	uint32_t max_pending;		/* write replies outstanding per connection */
	uint32_t group_max;		/* requests per write transaction */
	uint64_t group_bytes;		/* request bytes per write transaction */
	uint64_t bulk_group_bytes;	/* ... for bulk work while no scans come */
	/* verification policy */
	uint32_t unknown_code;		/* enum config_severity */
	uint32_t mismatch;		/* enum config_severity */
	uint32_t not_received;		/* enum config_severity */
	uint32_t near_expiry_days;
	uint64_t undo_window;		/* seconds */
	/* per product category (category.h): policy_<category> lines */
	struct category_policy policy[CAT__COUNT];
	uint32_t licence_expired;	/* enum config_severity, or CONFIG_OFF */
	char     timezone[CONFIG_STR_MAX];
	char     clock_today[CONFIG_STR_MAX];	/* "" or YYYY-MM-DD: clock.h */
	/* recalls: how long sites have to acknowledge, per level (seconds) */
	uint64_t recall_deadline[3];
	/* TLS (tls.h) */
	uint32_t tls_port;		/* 0 = no TLS listener */
	uint32_t http_port, https_port;	/* 0 = off (http.h) */
	char     web_root[CONFIG_STR_MAX];	/* "" = no pages (http_static.h) */
	char     tls_cert[CONFIG_STR_MAX];
	char     tls_key[CONFIG_STR_MAX];
	char     tls_ca[CONFIG_STR_MAX];
	uint32_t tls_verify_client;	/* enum config_verify */
	char     tls_ciphers[CONFIG_STR_MAX];
	uint32_t tls_session_timeout;	/* seconds; 0 = no session resumption */
	uint32_t allow_plaintext;	/* bool: plaintext port on other than loopback */
	/* who may do what (acl.h) */
	char     acl_file[CONFIG_STR_MAX];
	uint32_t local_trust;		/* bool: loopback plaintext clients trusted */
	uint32_t public_verify;		/* bool: VERIFY without authentication */
	/* limits (throttle.h) */
	uint32_t max_clients_per_addr;	/* 0 = no limit */
	uint32_t rate_limit;		/* requests/s per principal; 0 = none */
	uint32_t rate_burst;
	uint32_t auth_max_failures;
	uint64_t auth_lockout;		/* seconds */
	uint32_t request_timeout;	/* seconds for a request (or handshake) to arrive */
	uint64_t unauth_max_request;	/* bytes in a request before authentication */
	/* cluster mode: the log replicated through NATS JetStream (stream.h) */
	char     cluster_nats_urls[CONFIG_STR_MAX];	/* "" = one node, no NATS */
	char     cluster_stream[CONFIG_NAME_MAX + 1];
	char     cluster_subject[CONFIG_SUBJECT_MAX + 1];
	char     node_name[CONFIG_NAME_MAX + 1];
	uint32_t cluster_replicas;
	uint64_t cluster_max_age;	/* seconds */
	uint64_t cluster_max_bytes;
};

enum config_severity { CONFIG_AMBER = 0, CONFIG_RED = 1, CONFIG_OFF = 2 };
enum config_verify { CONFIG_VERIFY_NONE = 0, CONFIG_VERIFY_OPTIONAL = 1,
		     CONFIG_VERIFY_REQUIRED = 2 };

/* Fill every option with its default. */
void config_defaults(struct config *c);

/*
 * Set option `key` from text.  Returns 0, or -1 with a message in err
 * (which names the option and what is wrong, not where it came from).
 */
int config_set(struct config *c, const char *key, const char *value,
	       char *err, size_t errlen);

/*
 * Read an INI-style file of "key = value" lines ('#' or ';' comments).
 * Returns 0, or -1 with err set to "FILE:LINE: message" for the earliest
 * wrong line (FILE alone when it cannot be opened or read).  c may then
 * hold options from any good line: a config with an error is not used.
 */
int config_load(struct config *c, const char *path, char *err, size_t errlen);

/*
 * The same, reporting every wrong line (yimad --check-config): report is
 * called once per wrong line, in order, with what is wrong (line 0: the
 * file as a whole).  Returns the number of problems.
 */
typedef void config_problem_fn(void *arg, const char *path, int line, const char *what);
int config_load_each(struct config *c, const char *path, config_problem_fn *report, void *arg);

/*
 * Check what no single option can: node_name is required when
 * cluster_nats_urls is set.  Call after the file and the flags.  Returns 0,
 * or -1 with err saying which options disagree.
 */
int config_check(const struct config *c, char *err, size_t errlen);

/* Iterate over the option table: name, default and description of option i;
 * returns 0 past the end. */
int config_option(int i, const char **name, const char **def, const char **help);

/* A duration as options take it ("90", "90s", "15m", "2h", "10d") in
 * seconds.  Returns 0, or -1 when s is not one. */
int config_parse_duration(const char *s, uint64_t *seconds);
/* A duration as an operator writes it, in its largest whole unit: 864000
 * is "10d", 5400 "90m", 45 "45s".  Returns buf. */
const char *config_format_duration(uint64_t seconds, char *buf, size_t n);

/* Format option `key` of c as text (for INFO and tests). Returns 0 or -1. */
int config_get(const struct config *c, const char *key, char *out, size_t outlen);

#endif
