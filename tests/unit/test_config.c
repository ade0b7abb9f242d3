/*
 * test_config — daemon/config.c: defaults, config_set for every option
 * type, config_load error reporting (FILE:LINE: message, first error wins),
 * and the shipped config/yimad.conf against the option table.
 *
 * Files are written to a mkdtemp directory under /tmp, removed afterwards.
 * The shipped-file test reads config/yimad.conf relative to the working
 * directory: run the tests from the repository root (make unit does).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "resp.h"

#define expect(cond, ...) do { if (!(cond)) fail_msg(__VA_ARGS__); } while (0)

#define KiB ((uint64_t)1 << 10)
#define MiB ((uint64_t)1 << 20)
#define GiB ((uint64_t)1 << 30)
#define TiB ((uint64_t)1 << 40)

/* ------------------------------------------------------------ temp files */

struct tmp {
	char dir[64];
	char path[128];
	int n;
};

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup_tmp(void **state)
{
	struct tmp *t = calloc(1, sizeof *t);
	if (t == NULL)
		return -1;
	snprintf(t->dir, sizeof t->dir, "/tmp/yima-test-config-XXXXXX");
	if (mkdtemp(t->dir) == NULL) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static int teardown_tmp(void **state)
{
	struct tmp *t = *state;
	int rc = nftw(t->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(t);
	return rc;
}

/* Write `text` to a new file in the temp dir; t->path names it. */
static const char *write_conf(struct tmp *t, const char *text, size_t len)
{
	snprintf(t->path, sizeof t->path, "%s/test%d.conf", t->dir, t->n++);
	FILE *f = fopen(t->path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return t->path;
}

static const char *write_text(struct tmp *t, const char *text)
{
	return write_conf(t, text, strlen(text));
}

static void get(const struct config *c, const char *key, char *out, size_t n)
{
	expect(config_get(c, key, out, n) == 0, "config_get(%s) failed", key);
}

/* --------------------------------------------------------------- defaults */

static void test_defaults(void **state)
{
	(void)state;
	struct config c;
	memset(&c, 0x5a, sizeof c);
	config_defaults(&c);
	assert_string_equal(c.bind, "127.0.0.1");
	assert_int_equal(c.port, 7700);
	assert_string_equal(c.port_file, "");
	assert_string_equal(c.data, "./var");
	assert_int_equal(c.threads, 0);
	assert_int_equal(c.log_level, LOG_INFO);
	assert_string_equal(c.log_file, "");
	assert_int_equal(c.map_size, GiB);
	assert_int_equal(c.max_clients, 10000);
	assert_int_equal(c.timeout, 300);
	assert_int_equal(c.max_pending, 1024);
	assert_int_equal(c.group_max, 4096);
	/* The protocol limits default to what the parser uses without config. */
	assert_int_equal(c.max_args, RESP_DEFAULT_MAX_ARGS);
	assert_int_equal(c.max_bulk, RESP_DEFAULT_MAX_BULK);
	assert_int_equal(c.max_request, RESP_DEFAULT_MAX_REQUEST);
	assert_int_equal(c.max_inline, RESP_DEFAULT_MAX_INLINE);
}

/* Each option's default text, set through config_set, gives the value
 * config_defaults gives; names are unique and config_get knows each. */
static void test_option_table(void **state)
{
	(void)state;
	struct config def, c;
	config_defaults(&def);
	const char *name, *dflt, *help;
	int n = 0;
	for (int i = 0; config_option(i, &name, &dflt, &help); i++, n++) {
		char err[256], a[CONFIG_STR_MAX], b[CONFIG_STR_MAX];
		assert_non_null(help);
		expect(help[0] != '\0', "option %s has no description", name);
		memset(&c, 0, sizeof c);
		expect(config_set(&c, name, dflt, err, sizeof err) == 0,
		       "default of %s does not parse: %s", name, err);
		get(&def, name, a, sizeof a);
		get(&c, name, b, sizeof b);
		expect(strcmp(a, b) == 0, "%s: default gives %s, setting '%s' gives %s",
		       name, a, dflt, b);
		const char *other, *d2, *h2;
		for (int j = 0; j < i && config_option(j, &other, &d2, &h2); j++)
			expect(strcmp(name, other) != 0, "option %s listed twice", name);
	}
	assert_int_equal(n, 71);
	const char *x;
	assert_int_equal(config_option(n, &name, &x, &x), 0);
	assert_int_equal(config_option(-1, &name, &x, &x), 0);
	char out[32];
	assert_int_equal(config_get(&def, "nosuch", out, sizeof out), -1);
}

/* ------------------------------------------------------------- config_set */

struct set_case {
	const char *key;
	const char *value;
	int rc;
	const char *want;	/* rc 0: config_get text; rc -1: error substring */
};

static const struct set_case set_cases[] = {
	/* security */
	{ "allow_plaintext", "yes", 0, "yes" },
	{ "allow_plaintext", "Off", 0, "no" },
	{ "local_trust", "maybe", -1, "local_trust: 'maybe' is not yes or no" },
	{ "tls_verify_client", "required", 0, "required" },
	{ "tls_verify_client", "optional", 0, "optional" },
	{ "tls_verify_client", "always", -1, "'always' is not none, optional or required" },
	{ "auth_lockout", "2m", 0, "2m" },
	{ "auth_lockout", "0", -1, "out of range" },
	{ "unauth_max_request", "8KiB", 0, "8192" },
	/* verification policy */
	{ "unknown_code", "amber", 0, "amber" },
	{ "unknown_code", "red", 0, "red" },
	{ "unknown_code", "RED", -1, "red or amber" },
	{ "mismatch", "green", -1, "'green' is not red or amber" },
	{ "undo_window", "10d", 0, "10d" },
	{ "undo_window", "36h", 0, "36h" },
	{ "undo_window", "90m", 0, "90m" },
	{ "undo_window", "45", 0, "45s" },
	{ "undo_window", "240h", 0, "10d" },
	{ "undo_window", "10w", -1, "not a duration" },
	{ "recall_deadline_1", "12h", 0, "12h" },
	{ "recall_deadline_3", "7d", 0, "7d" },
	{ "recall_deadline_2", "0", -1, "recall_deadline_2" },
	{ "timezone", "UTC", 0, "UTC" },
	{ "timezone", "+08:00", 0, "+08:00" },
	{ "timezone", "Europe/Berlin", 0, "Europe/Berlin" },
	{ "timezone", "Mars/Olympus", -1, "not a time zone" },
	{ "timezone", "../../etc/passwd", -1, "not a time zone" },
	{ "timezone", "+8", -1, "not a time zone" },
	{ "clock_today", "2031-06-01", 0, "2031-06-01" },
	{ "clock_today", "2031-06-01T08:30:00", 0, "2031-06-01T08:30:00" },
	{ "clock_today", "", 0, "" },
	{ "clock_today", "2031-02-30", -1, "is not a day YYYY-MM-DD" },
	{ "clock_today", "1969-12-31", -1, "is not a day YYYY-MM-DD" },
	{ "clock_today", "tomorrow", -1, "is not a day YYYY-MM-DD" },
	/* strings */
	{ "bind", "0.0.0.0", 0, "0.0.0.0" },
	{ "bind", "::", 0, "::" },
	{ "port_file", "", 0, "" },
	{ "data", "/var/lib/yima data", 0, "/var/lib/yima data" },
	/* u32 with ranges */
	{ "port", "0", 0, "0" },
	{ "port", "65535", 0, "65535" },
	{ "port", "00080", 0, "80" },
	{ "port", "65536", -1, "port: 65536 is out of range [0, 65535]" },
	{ "port", "-1", -1, "port: '-1' is not a whole number" },
	{ "port", "", -1, "port: '' is not a whole number" },
	{ "port", "12x", -1, "port: '12x' is not a whole number" },
	{ "port", " 80", -1, "is not a whole number" },
	{ "port", "0x50", -1, "is not a whole number" },
	{ "port", "1e3", -1, "is not a whole number" },
	{ "port", "99999999999999999999999", -1, "port:" },
	{ "threads", "256", 0, "256" },
	{ "threads", "257", -1, "threads: 257 is out of range [0, 256]" },
	{ "max_clients", "0", -1, "max_clients: 0 is out of range [1, 1000000]" },
	{ "max_clients", "1", 0, "1" },
	{ "timeout", "31536000", 0, "31536000" },
	{ "timeout", "31536001", -1, "out of range" },
	{ "max_args", "16777216", 0, "16777216" },
	{ "max_args", "4294967296", -1, "max_args: 4294967296 is out of range" },
	{ "max_pending", "1048576", 0, "1048576" },
	{ "group_max", "0", -1, "group_max: 0 is out of range [1, 1048576]" },
	/* sizes */
	{ "map_size", "1048576", 0, "1048576" },
	{ "map_size", "1048575", -1, "map_size: 1048575 is out of range [1048576, 70368744177664]" },
	{ "map_size", "1048576B", 0, "1048576" },
	{ "map_size", "1M", 0, "1048576" },
	{ "map_size", "1m", 0, "1048576" },
	{ "map_size", "1MB", 0, "1048576" },
	{ "map_size", "1mb", 0, "1048576" },
	{ "map_size", "1MiB", 0, "1048576" },
	{ "map_size", "1024K", 0, "1048576" },
	{ "map_size", "1024KiB", 0, "1048576" },
	{ "map_size", "1024kb", 0, "1048576" },
	{ "map_size", "1024kib", 0, "1048576" },
	{ "map_size", "2G", 0, "2147483648" },
	{ "map_size", "3GiB", 0, "3221225472" },
	{ "map_size", "1T", 0, "1099511627776" },
	{ "map_size", "64TiB", 0, "70368744177664" },
	{ "map_size", "65T", -1, "map_size: 65T is out of range" },
	{ "map_size", "1K", -1, "out of range" },
	{ "map_size", "1.5G", -1, "map_size: '1.5G' is not a size" },
	{ "map_size", "1 G", -1, "is not a size" },
	{ "map_size", "G", -1, "is not a size" },
	{ "map_size", "", -1, "is not a size" },
	{ "map_size", "-1G", -1, "is not a size" },
	{ "map_size", "1Gi", -1, "is not a size" },
	{ "map_size", "1GiBx", -1, "is not a size" },
	{ "map_size", "1P", -1, "is not a size" },
	{ "map_size", "99999999999T", -1, "is not a size" },
	{ "map_size", "18446744073709551616", -1, "is not a size" },
	{ "max_bulk", "1", 0, "1" },
	{ "max_bulk", "0", -1, "max_bulk: 0 is out of range [1, 4294967296]" },
	{ "max_bulk", "4G", 0, "4294967296" },
	{ "max_bulk", "4294967297", -1, "out of range" },
	{ "max_request", "63", -1, "max_request: 63 is out of range [64, 17179869184]" },
	{ "max_request", "64", 0, "64" },
	{ "max_request", "16G", 0, "17179869184" },
	{ "max_inline", "64K", 0, "65536" },
	{ "max_inline", "65M", -1, "out of range" },
	/* log levels */
	{ "log_level", "error", 0, "error" },
	{ "log_level", "warn", 0, "warn" },
	{ "log_level", "info", 0, "info" },
	{ "log_level", "debug", 0, "debug" },
	{ "log_level", "verbose", -1,
	  "log_level: 'verbose' is not one of error, warn, info, debug" },
	{ "log_level", "", -1, "is not one of" },
	/* cluster mode */
	{ "cluster_nats_urls", "", 0, "" },
	{ "cluster_nats_urls", "nats://127.0.0.1:4222", 0, "nats://127.0.0.1:4222" },
	{ "cluster_nats_urls", "nats://a.example:4222,nats://[::1]:4223,nats://b-2:1", 0,
	  "nats://a.example:4222,nats://[::1]:4223,nats://b-2:1" },
	{ "cluster_nats_urls", "127.0.0.1:4222", -1,
	  "cluster_nats_urls: '127.0.0.1:4222' does not start with nats://" },
	{ "cluster_nats_urls", "nats://a:4222,http://b:4222", -1,
	  "'http://b:4222' does not start with nats://" },
	{ "cluster_nats_urls", "nats://a", -1, "'nats://a' does not end in :port" },
	{ "cluster_nats_urls", "nats://a:0", -1, "does not end in :port (1 to 65535)" },
	{ "cluster_nats_urls", "nats://a:65536", -1, "does not end in :port" },
	{ "cluster_nats_urls", "nats://a:42x", -1, "does not end in :port" },
	{ "cluster_nats_urls", "nats://:4222", -1, "'nats://:4222' has no host" },
	{ "cluster_nats_urls", "nats://a b:4222", -1, "does not end in :port" },
	{ "cluster_nats_urls", "nats://[::1:4222", -1, "has a bad [IPv6] host" },
	{ "cluster_nats_urls", "nats://a:1,", -1, "cluster_nats_urls: ends with a comma" },
	{ "cluster_nats_urls", "nats://a:1,,nats://b:2", -1, "'' does not start with nats://" },
	{ "cluster_nats_urls", "nats://a:1,nats://a:2,nats://a:3,nats://a:4,nats://a:5,"
	  "nats://a:6,nats://a:7,nats://a:8,nats://a:9,nats://a:10,nats://a:11,nats://a:12,"
	  "nats://a:13,nats://a:14,nats://a:15,nats://a:16,nats://a:17", -1, "more than 16 URLs" },
	{ "cluster_stream", "YIMA_prod-2", 0, "YIMA_prod-2" },
	{ "cluster_stream", "", -1, "cluster_stream: '' is not a name of 1 to 64" },
	{ "cluster_stream", "YI.MA", -1, "'YI.MA' is not a name" },
	{ "cluster_stream", "YI MA", -1, "is not a name" },
	{ "cluster_stream", "YIMA*", -1, "is not a name" },
	{ "cluster_stream", "0123456789012345678901234567890123456789012345678901234567890123",
	  0, "0123456789012345678901234567890123456789012345678901234567890123" },
	{ "cluster_stream", "01234567890123456789012345678901234567890123456789012345678901234",
	  -1, "...' is not a name of 1 to 64" },
	{ "node_name", "", 0, "" },
	{ "node_name", "n1", 0, "n1" },
	{ "node_name", "node/1", -1, "node_name: 'node/1' is not a name of 0 to 64 letters" },
	{ "node_name", "n\xc3\xa9", -1, "is not a name" },
	{ "cluster_subject", "yima.log", 0, "yima.log" },
	{ "cluster_subject", "log", 0, "log" },
	{ "cluster_subject", "yima.*", -1, "cluster_subject: 'yima.*' is not a subject" },
	{ "cluster_subject", "yima.>", -1, "is not a subject" },
	{ "cluster_subject", "yima..log", -1, "is not a subject" },
	{ "cluster_subject", ".log", -1, "is not a subject" },
	{ "cluster_subject", "log.", -1, "is not a subject" },
	{ "cluster_subject", "", -1, "is not a subject" },
	{ "cluster_replicas", "1", 0, "1" },
	{ "cluster_replicas", "5", 0, "5" },
	{ "cluster_replicas", "0", -1, "cluster_replicas: 0 is out of range [1, 5]" },
	{ "cluster_replicas", "6", -1, "cluster_replicas: 6 is out of range [1, 5]" },
	{ "cluster_max_age", "7d", 0, "7d" },
	{ "cluster_max_age", "1m", 0, "1m" },
	{ "cluster_max_age", "59", -1, "cluster_max_age: 59 is out of range" },
	{ "cluster_max_age", "forever", -1, "is not a duration" },
	{ "cluster_max_bytes", "16GiB", 0, "17179869184" },
	{ "cluster_max_bytes", "1M", 0, "1048576" },
	{ "cluster_max_bytes", "1K", -1, "cluster_max_bytes: 1K is out of range" },
	/* unknown keys (names are case-sensitive) */
	{ "nosuch", "1", -1, "unknown option 'nosuch'" },
	{ "PORT", "1", -1, "unknown option 'PORT'" },
	{ "", "1", -1, "unknown option ''" },
};

static void test_set_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof set_cases / sizeof set_cases[0]; i++) {
		const struct set_case *t = &set_cases[i];
		struct config c;
		char err[256] = "", out[CONFIG_STR_MAX];
		config_defaults(&c);
		int rc = config_set(&c, t->key, t->value, err, sizeof err);
		expect(rc == t->rc, "config_set(%s, '%s') = %d, want %d (%s)", t->key,
		       t->value, rc, t->rc, err);
		if (rc == 0) {
			get(&c, t->key, out, sizeof out);
			expect(strcmp(out, t->want) == 0, "config_set(%s, '%s') gives '%s', want '%s'",
			       t->key, t->value, out, t->want);
		} else {
			expect(strstr(err, t->want) != NULL,
			       "config_set(%s, '%s'): error \"%s\", want \"%s\"", t->key,
			       t->value, err, t->want);
		}
	}
}

/* The size comment in config.c promises case-insensitive suffixes. */
static void test_set_size_suffix_any_case(void **state)
{
	(void)state;
	static const char *const spellings[] = { "1gib", "1GIB", "1Gib", "1gIB", "1GB", "1gB" };
	for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++) {
		struct config c;
		char err[256] = "";
		config_defaults(&c);
		c.map_size = 0;
		expect(config_set(&c, "map_size", spellings[i], err, sizeof err) == 0,
		       "map_size = %s refused: %s", spellings[i], err);
		assert_int_equal(c.map_size, GiB);
	}
}

/* A refused value leaves the option as it was. */
static void test_set_failure_keeps_value(void **state)
{
	(void)state;
	struct config c;
	char err[256];
	config_defaults(&c);
	assert_int_equal(config_set(&c, "port", "8000", err, sizeof err), 0);
	assert_int_equal(config_set(&c, "port", "70000", err, sizeof err), -1);
	assert_int_equal(c.port, 8000);
	assert_int_equal(config_set(&c, "map_size", "2G", err, sizeof err), 0);
	assert_int_equal(config_set(&c, "map_size", "junk", err, sizeof err), -1);
	assert_int_equal(c.map_size, 2 * GiB);
	assert_int_equal(config_set(&c, "log_level", "debug", err, sizeof err), 0);
	assert_int_equal(config_set(&c, "log_level", "loud", err, sizeof err), -1);
	assert_int_equal(c.log_level, LOG_DEBUG);
	/* A u32 option does not spill into its neighbours. */
	struct config before = c;
	assert_int_equal(config_set(&c, "timeout", "4294967295", err, sizeof err), -1);
	assert_memory_equal(&before, &c, sizeof c);
}

static void test_set_string_length(void **state)
{
	(void)state;
	struct config c;
	char err[256] = "";
	char *v = malloc(CONFIG_STR_MAX + 1);
	assert_non_null(v);
	memset(v, 'd', CONFIG_STR_MAX);
	v[CONFIG_STR_MAX - 1] = '\0';		/* 1023 bytes: fits */
	config_defaults(&c);
	assert_int_equal(config_set(&c, "data", v, err, sizeof err), 0);
	assert_int_equal(strlen(c.data), CONFIG_STR_MAX - 1);
	v[CONFIG_STR_MAX - 1] = 'd';
	v[CONFIG_STR_MAX] = '\0';		/* 1024 bytes: too long */
	assert_int_equal(config_set(&c, "data", v, err, sizeof err), -1);
	assert_string_equal(err, "data: value longer than 1023 bytes");
	assert_int_equal(strlen(c.data), CONFIG_STR_MAX - 1);
	free(v);
}

/* ------------------------------------------------------------ config_load */

static void test_load_good_file(void **state)
{
	struct tmp *t = *state;
	static const char text[] =
		"# yimad test configuration\n"
		"; semicolon comments too\n"
		"\n"
		"bind = 0.0.0.0\n"
		"port=7701\n"
		"   \n"
		"data = /tmp/yima data   \n"
		"threads = 4 ; an inline comment\n"
		"log_level = debug\n"
		"map_size = 2GiB\n"
		"max_bulk = 1M\r\n"
		"port_file =\n"
		"\t# an indented comment\n"
		"timeout = 0";		/* no final newline */
	const char *path = write_text(t, text);
	struct config c;
	char err[512] = "";
	config_defaults(&c);
	assert_int_equal(config_set(&c, "max_clients", "5", err, sizeof err), 0);
	int rc = config_load(&c, path, err, sizeof err);
	expect(rc == 0, "config_load: %s", err);
	assert_string_equal(c.bind, "0.0.0.0");
	assert_int_equal(c.port, 7701);
	assert_string_equal(c.data, "/tmp/yima data");
	assert_int_equal(c.threads, 4);
	assert_int_equal(c.log_level, LOG_DEBUG);
	assert_int_equal(c.map_size, 2 * GiB);
	assert_int_equal(c.max_bulk, MiB);
	assert_string_equal(c.port_file, "");
	assert_int_equal(c.timeout, 0);
	/* Options the file does not name keep their value (defaults < file). */
	assert_int_equal(c.max_clients, 5);
	assert_int_equal(c.max_args, RESP_DEFAULT_MAX_ARGS);
}

static void test_load_empty_file(void **state)
{
	struct tmp *t = *state;
	const char *path = write_text(t, "");
	struct config c, def;
	char err[512] = "";
	config_defaults(&c);
	config_defaults(&def);
	assert_int_equal(config_load(&c, path, err, sizeof err), 0);
	assert_memory_equal(&c, &def, sizeof c);
}

static void test_load_missing_file(void **state)
{
	struct tmp *t = *state;
	char path[160], want[256], err[512] = "";
	snprintf(path, sizeof path, "%s/no/such.conf", t->dir);
	snprintf(want, sizeof want, "%s: %s", path, strerror(ENOENT));
	struct config c;
	config_defaults(&c);
	assert_int_equal(config_load(&c, path, err, sizeof err), -1);
	assert_string_equal(err, want);
}

/* One error per file: the line it is on and what the message says. */
struct load_case {
	const char *text;
	int line;
	const char *msg;
};

static const struct load_case load_cases[] = {
	{ "port = 7700\nbind = 1.2.3.4\n\n# comment\nnosuch = 1\n", 5,
	  "unknown option 'nosuch'" },
	{ "x = 1\n", 1, "unknown option 'x'" },
	{ "port = 99999\n", 1, "port: 99999 is out of range [0, 65535]" },
	{ "# c\nlog_level = loud\n", 2,
	  "log_level: 'loud' is not one of error, warn, info, debug" },
	{ "\n\nmap_size = 12Q\n", 3, "map_size: '12Q' is not a size" },
	{ "port = 1\n\nthis line has no equals sign\n", 3, "expected 'key = value'" },
	{ "[unclosed\n", 1, "expected 'key = value'" },
	{ "= 5\n", 1, "unknown option ''" },
	/* '#' starts a comment only at the start of a line. */
	{ "port = 7700 # the port\n", 1, "port: '7700 # the port' is not a whole number" },
	{ "; ok\r\nport = 1\r\nthreads = many\r\n", 3, "threads: 'many' is not a whole number" },
	{ "node_name = n1\ncluster_nats_urls = nats://127.0.0.1:4222, nats://127.0.0.1:4223\n", 2,
	  "cluster_nats_urls: ' nats://127.0.0.1:4223' does not start with nats://" },
	{ "port = 1\ncluster_replicas = 9\n", 2, "cluster_replicas: 9 is out of range [1, 5]" },
};

static void check_load_error(struct tmp *t, const char *text, int line, const char *msg)
{
	const char *path = write_text(t, text);
	struct config c;
	char err[512] = "", want[512];
	config_defaults(&c);
	int rc = config_load(&c, path, err, sizeof err);
	snprintf(want, sizeof want, "%s:%d: %s", path, line, msg);
	expect(rc == -1, "file \"%s\" loaded, want error \"%s\"", text, want);
	expect(strncmp(err, want, strlen(want)) == 0, "file \"%s\": error \"%s\", want \"%s\"",
	       text, err, want);
}

static void test_load_errors(void **state)
{
	struct tmp *t = *state;
	for (size_t i = 0; i < sizeof load_cases / sizeof load_cases[0]; i++)
		check_load_error(t, load_cases[i].text, load_cases[i].line, load_cases[i].msg);
}

/* config_load_each: every wrong line, once, in the order of the file,
 * whoever found it (inih or config.c). */
struct seen {
	int n;
	int line[8];
	char what[8][128];
};

static void note_problem(void *arg, const char *path, int line, const char *what)
{
	struct seen *s = arg;
	(void)path;
	assert_true(s->n < 8);
	s->line[s->n] = line;
	snprintf(s->what[s->n], sizeof s->what[0], "%s", what);
	s->n++;
}

static void test_load_each_reports_every_line(void **state)
{
	struct tmp *t = *state;
	const char *path = write_text(t, "port = 1\nno equals sign\nthreads = many\n"
					 "[sec]\n# fine\nnosuch = 2\nport = 99999\nbind = ::1\n");
	struct config c;
	struct seen s = { 0 };
	config_defaults(&c);
	assert_int_equal(config_load_each(&c, path, note_problem, &s), 5);
	assert_int_equal(s.n, 5);
	static const int lines[] = { 2, 3, 4, 6, 7 };
	static const char *const what[] = {
		"expected 'key = value'", "threads: 'many' is not a whole number",
		"sections are not used; '[sec]' found", "unknown option 'nosuch'",
		"port: 99999 is out of range [0, 65535]",
	};
	for (int i = 0; i < 5; i++) {
		assert_int_equal(s.line[i], lines[i]);
		assert_string_equal(s.what[i], what[i]);
	}
	/* config_load says the first of them. */
	char err[512], want[512];
	config_defaults(&c);
	assert_int_equal(config_load(&c, path, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:2: expected 'key = value'", path);
	assert_string_equal(err, want);
}

/* inih reads a line into a fixed buffer; a longer line is one error, not a
 * line cut in two. */
static void test_load_long_line(void **state)
{
	struct tmp *t = *state;
	char text[1024];
	char value[600];
	memset(value, 'a', sizeof value - 1);
	value[sizeof value - 1] = '\0';
	snprintf(text, sizeof text, "port = 1\nbind = %s\nport = 2\n", value);
	check_load_error(t, text, 2, "line longer than");

	/* The tail of a long line must not be read as a line of its own. */
	snprintf(text, sizeof text, "# %.300s port = 99999\n", value);
	check_load_error(t, text, 1, "line longer than");

	/* A long but fitting line is fine. */
	struct config c;
	char err[512] = "";
	snprintf(text, sizeof text, "data = %.150s\n", value);
	const char *path = write_text(t, text);
	config_defaults(&c);
	expect(config_load(&c, path, err, sizeof err) == 0, "%s", err);
	assert_int_equal(strlen(c.data), 150);
}

/* Two errors in a file: the one on the earlier line (3) is reported,
 * whichever of inih and config.c found each. */
static const struct {
	const char *line3, *line5, *msg3;
} first_error_cases[] = {
	{ "nosuch = 1", "port = 99999", "unknown option 'nosuch'" },
	{ "port = 99999", "nosuch = 1", "port: 99999 is out of range" },
	{ "no equals sign", "nosuch = 1", "expected 'key = value'" },
	{ "nosuch = 1", "no equals sign", "unknown option 'nosuch'" },
	{ "port = 99999", "no equals sign", "port: 99999 is out of range" },
	{ "no equals sign", "another one", "expected 'key = value'" },
	{ "LONG", "no equals sign", "line longer than" },
	{ "no equals sign", "LONG", "expected 'key = value'" },
	{ "LONG", "nosuch = 1", "line longer than" },
	{ "nosuch = 1", "LONG", "unknown option 'nosuch'" },
	{ "log_level = loud", "[section]\nport = 1", "log_level: 'loud'" },
};

static void test_load_first_error_wins(void **state)
{
	struct tmp *t = *state;
	char longline[400];
	memset(longline, 'x', sizeof longline - 1);
	longline[sizeof longline - 1] = '\0';
	memcpy(longline, "bind = ", 7);
	for (size_t i = 0; i < sizeof first_error_cases / sizeof first_error_cases[0]; i++) {
		const char *l3 = first_error_cases[i].line3, *l5 = first_error_cases[i].line5;
		char text[2048];
		snprintf(text, sizeof text, "port = 1\n# two\n%s\nthreads = 2\n%s\n",
			 strcmp(l3, "LONG") ? l3 : longline, strcmp(l5, "LONG") ? l5 : longline);
		check_load_error(t, text, 3, first_error_cases[i].msg3);
	}
}

/* yimad uses no sections: a section header is an error, reported at its
 * own line, even when no key follows it. */
static void test_load_section_reported_at_its_line(void **state)
{
	struct tmp *t = *state;
	check_load_error(t, "port = 1\n[main]\nbind = x\n", 2,
			 "sections are not used; '[main]' found");
}

static void test_load_section_without_keys(void **state)
{
	struct tmp *t = *state;
	check_load_error(t, "port = 1\n\n[main]\n", 3, "sections are not used; '[main]' found");
}

static void test_load_section_mentions_name(void **state)
{
	struct tmp *t = *state;
	const char *path = write_text(t, "port = 1\n[server]\nbind = x\n");
	struct config c;
	char err[512] = "";
	config_defaults(&c);
	assert_int_equal(config_load(&c, path, err, sizeof err), -1);
	expect(strstr(err, "sections are not used; '[server]' found") != NULL, "%s", err);
}

/* Debian's libinih joins an indented line to the previous key's value
 * (multi-line entries).  An indented "key = value" must not silently become
 * the previous option's value: it is either read as its own option or
 * reported as an error on its line. */
static void test_load_indented_line(void **state)
{
	struct tmp *t = *state;
	static const struct {
		const char *text;
		const char *line2;
	} cases[] = {
		{ "bind = 127.0.0.1\n  port = 8000\n", "port" },
		{ "bind = 127.0.0.1\n\tport = 8000\n", "port" },
		{ "port = 8000\n  9000\n", NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *path = write_text(t, cases[i].text);
		struct config c;
		char err[512] = "", line2[160];
		config_defaults(&c);
		int rc = config_load(&c, path, err, sizeof err);
		snprintf(line2, sizeof line2, "%s:2: ", path);
		if (rc == -1) {
			expect(strncmp(err, line2, strlen(line2)) == 0,
			       "file \"%s\": error \"%s\" is not about line 2", cases[i].text, err);
			continue;
		}
		expect(cases[i].line2 != NULL,
		       "file \"%s\" loaded without error; port is %u", cases[i].text, c.port);
		expect(strcmp(c.bind, "127.0.0.1") == 0 && c.port == 8000,
		       "file \"%s\" loaded as bind '%s', port %u", cases[i].text, c.bind, c.port);
	}
}

/* ---------------------------------------------------------- config_check */

/* Cluster mode needs a node name; one node needs neither. */
static void test_check_cluster_needs_node_name(void **state)
{
	(void)state;
	struct config c;
	char err[256] = "";
	config_defaults(&c);
	assert_string_equal(c.cluster_nats_urls, "");
	assert_string_equal(c.cluster_stream, "YIMA");
	assert_string_equal(c.cluster_subject, "yima.log");
	assert_int_equal(c.cluster_replicas, 3);
	assert_int_equal(c.cluster_max_age, 7 * 86400);
	assert_int_equal(c.cluster_max_bytes, 16 * GiB);
	assert_int_equal(config_check(&c, err, sizeof err), 0);

	assert_int_equal(config_set(&c, "cluster_nats_urls", "nats://127.0.0.1:4222", err,
				    sizeof err), 0);
	assert_int_equal(config_check(&c, err, sizeof err), -1);
	expect(strstr(err, "cluster_nats_urls is set but node_name is not") != NULL,
	       "error \"%s\"", err);

	assert_int_equal(config_set(&c, "node_name", "n1", err, sizeof err), 0);
	assert_int_equal(config_check(&c, err, sizeof err), 0);
}

/* ------------------------------------------------------ config/yimad.conf */

#define SHIPPED "config/yimad.conf"

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
		     s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

/* Does `value` (or its first word) mean the default of option `name`? */
static int means_default(const char *name, const char *value, const struct config *def)
{
	char a[CONFIG_STR_MAX], b[CONFIG_STR_MAX], err[256], word[CONFIG_STR_MAX];
	struct config c;
	get(def, name, a, sizeof a);
	snprintf(word, sizeof word, "%s", value);
	word[strcspn(word, " \t")] = '\0';
	const char *tries[] = { value, word };
	for (int i = 0; i < 2; i++) {
		config_defaults(&c);
		if (config_set(&c, name, tries[i], err, sizeof err) != 0)
			continue;
		get(&c, name, b, sizeof b);
		if (strcmp(a, b) == 0)
			return 1;
	}
	return 0;
}

static void test_shipped_config(void **state)
{
	(void)state;
	FILE *f = fopen(SHIPPED, "r");
	if (f == NULL)
		fail_msg("%s: %s: the shipped configuration file is missing (or the tests "
			 "do not run from the repository root)", SHIPPED, strerror(errno));

	struct config c, def;
	char err[512] = "";
	config_defaults(&c);
	config_defaults(&def);
	expect(config_load(&c, SHIPPED, err, sizeof err) == 0, "%s does not load: %s",
	       SHIPPED, err);

	/* Every option appears as "name = default", commented out or not. */
	char missing[4096] = "";
	const char *name, *dflt, *help;
	for (int i = 0; config_option(i, &name, &dflt, &help); i++) {
		int found = 0;
		char line[4096];
		rewind(f);
		while (!found && fgets(line, sizeof line, f)) {
			char *s = trim(line);
			int commented = 0;
			while (*s == '#' || *s == ';' || *s == ' ' || *s == '\t') {
				commented |= *s == '#' || *s == ';';
				s++;
			}
			size_t n = strlen(name);
			if (strncmp(s, name, n) != 0)
				continue;
			char *p = s + n;
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p != '=')
				continue;
			char *value = trim(p + 1);
			if (!means_default(name, value, &def))
				continue;
			found = 1;
			if (!commented) {
				/* An active line must leave the default in force. */
				char a[CONFIG_STR_MAX], b[CONFIG_STR_MAX];
				get(&def, name, a, sizeof a);
				get(&c, name, b, sizeof b);
				expect(strcmp(a, b) == 0, "%s sets %s to %s, not its default %s",
				       SHIPPED, name, b, a);
			}
		}
		if (!found) {
			size_t m = strlen(missing);
			snprintf(missing + m, sizeof missing - m, " %s (default '%s')", name, dflt);
		}
	}
	fclose(f);
	expect(missing[0] == '\0', "%s does not mention these options with their defaults:%s",
	       SHIPPED, missing);
}

/* Category policy lines (issue 21): each setting overrides the global one
 * for its category only; a bad line names the option and the setting. */
static void test_category_policy_lines(void **state)
{
	(void)state;
	struct config c;
	char err[256], out[256];
	config_defaults(&c);
	assert_int_equal(c.policy[CAT_VACCINE].not_received, CONFIG_RED);
	assert_int_equal(c.policy[CAT_VACCINE].in_transit, CONFIG_RED);
	assert_int_equal(c.policy[CAT_VACCINE].split_sale, 1);
	assert_int_equal(c.policy[CAT_VACCINE].near_expiry_days, POLICY_INHERIT);
	assert_int_equal(c.policy[CAT_ORDINARY].not_received, POLICY_INHERIT);
	assert_int_equal(c.policy[CAT_NONE].near_expiry_days, POLICY_INHERIT);
	assert_int_equal(config_set(&c, "policy_vaccine", "near_expiry_days=60, not_received=amber",
				    err, sizeof err), 0);
	assert_int_equal(c.policy[CAT_VACCINE].near_expiry_days, 60);
	assert_int_equal(config_set(&c, "policy_toxic", "split_sale=allow", err, sizeof err), 0);
	assert_int_equal(c.policy[CAT_TOXIC].split_sale, 0);
	assert_int_equal(c.policy[CAT_VACCINE].in_transit, POLICY_INHERIT);
	assert_int_equal(config_get(&c, "policy_vaccine", out, sizeof out), 0);
	assert_string_equal(out, "not_received=amber near_expiry_days=60");
	static const struct { const char *key, *value, *err; } bad[] = {
		{ "policy_narcotic", "not_received=purple",
		  "policy_narcotic: not_received=purple: not red or amber" },
		{ "policy_toxic", "split_sale=maybe", "policy_toxic: split_sale=maybe: not refuse or allow" },
		{ "policy_vaccine", "near_expiry_days=-1", "not a number of days from 0 to 3650" },
		{ "policy_vaccine", "near_expiry_days=3651", "not a number of days from 0 to 3650" },
		{ "policy_vaccine", "diversion=red", "unknown setting 'diversion'; settings are "
		  "not_received, in_transit, split_sale, near_expiry_days" },
		{ "policy_vaccine", "red", "policy_vaccine: 'red' is not name=value" },
		{ "policy_cheese", "", "unknown option 'policy_cheese'" },
		{ "licence_expired", "yellow", "licence_expired: 'yellow' is not red, amber or off" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct config before = c;
		err[0] = '\0';
		expect(config_set(&c, bad[i].key, bad[i].value, err, sizeof err) == -1,
		       "%s = %s accepted", bad[i].key, bad[i].value);
		expect(strstr(err, bad[i].err) != NULL, "%s = %s: '%s', want '%s'", bad[i].key,
		       bad[i].value, err, bad[i].err);
		expect(memcmp(&before, &c, sizeof c) == 0, "%s changed the config", bad[i].key);
	}
	assert_int_equal(config_set(&c, "licence_expired", "off", err, sizeof err), 0);
	assert_int_equal(c.licence_expired, CONFIG_OFF);
	assert_int_equal(config_get(&c, "licence_expired", out, sizeof out), 0);
	assert_string_equal(out, "off");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_option_table),
		cmocka_unit_test(test_category_policy_lines),
		cmocka_unit_test(test_set_table),
		cmocka_unit_test(test_set_size_suffix_any_case),
		cmocka_unit_test(test_set_failure_keeps_value),
		cmocka_unit_test(test_set_string_length),
		cmocka_unit_test_setup_teardown(test_load_good_file, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_load_empty_file, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_load_missing_file, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_load_each_reports_every_line, setup_tmp,
						teardown_tmp),
		cmocka_unit_test_setup_teardown(test_load_errors, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_load_long_line, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_load_first_error_wins, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_load_section_reported_at_its_line,
						setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_load_section_without_keys,
						setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_load_section_mentions_name,
						setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_load_indented_line, setup_tmp, teardown_tmp),
		cmocka_unit_test(test_check_cluster_needs_node_name),
		cmocka_unit_test(test_shipped_config),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
