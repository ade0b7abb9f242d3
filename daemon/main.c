/*
 * yimad — the yima traceability daemon.
 *
 * Reads its configuration (defaults, then `-c FILE`, then flags), starts the
 * server and runs until SIGTERM or SIGINT.  Exit status: 0 after a clean
 * stop, 1 when the server cannot start, 2 for a usage or config error.
 * With --replay SRC it starts no server: it applies the log of the store
 * in SRC to the store in --data and compares the two (replay_main.h).
 */
#include "access_log.h"
#include "check_config.h"
#include "clock.h"
#include "config.h"
#include "log.h"
#include "replay_main.h"
#include "server.h"
#include "version.h"

#include <errno.h>
#include <event2/thread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void usage(FILE *f)
{
	fprintf(f,
		"usage: yimad [-c FILE] [--option value ...]\n"
		"\n"
		"  -c, --config FILE    read options from FILE (config/yimad.conf lists them)\n"
		"  --port N             TCP port (default 7700; 0 = any free port)\n"
		"  --bind ADDR          listen address (default 127.0.0.1)\n"
		"  --data DIR           data directory (default ./var)\n"
		"  --threads N          network threads (default: one per core)\n"
		"  --log-level LEVEL    error, warn, info or debug\n"
		"  --check-config       start nothing: read the config file, the flags, the\n"
		"                       ACL file and the TLS files, print each problem\n"
		"                       (FILE:LINE: what) and exit 2, or say OK and exit 0\n"
		"  --replay SRC         start no server: apply the log of the store in SRC\n"
		"                       to the new store in --data, compare the two and exit\n"
		"                       (0: the same, 1: they differ, 2: an error)\n"
		"  --NAME VALUE         any config option, '_' written as '-'\n"
		"  -h, --help           this help\n"
		"  -v, --version        print the version\n"
		"\n"
		"Flags override the config file, which overrides the defaults.\n");
}

/* "--log-level" → "log_level"; NULL if arg is not a long option. */
static const char *option_key(const char *arg, char *key, size_t n, const char **inline_val)
{
	if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0')
		return NULL;
	size_t i = 0;
	const char *p = arg + 2;
	*inline_val = NULL;
	for (; *p && i + 1 < n; p++) {
		if (*p == '=') {
			*inline_val = p + 1;
			break;
		}
		key[i++] = *p == '-' ? '_' : *p;
	}
	key[i] = '\0';
	return key;
}

/* --check-config's report of a wrong line of the config file. */
static void print_problem(void *arg, const char *path, int line, const char *what)
{
	if (line > 0)
		fprintf(arg, "yimad: %s:%d: %s\n", path, line, what);
	else
		fprintf(arg, "yimad: %s: %s\n", path, what);
}

int main(int argc, char **argv)
{
	struct config cfg;
	char err[1200];
	const char *config_file = NULL, *replay_src = NULL;
	bool check_only = false;

	config_defaults(&cfg);

	/* First pass: help, version, the config file. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--version") == 0) {
			printf("yimad %s\n", YIMA_VERSION);
			return 0;
		}
		if (strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "yimad: %s needs a file\n", argv[i]);
				return 2;
			}
			config_file = argv[++i];
		} else if (strncmp(argv[i], "--config=", 9) == 0) {
			config_file = argv[i] + 9;
		} else if (strcmp(argv[i], "--replay") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "yimad: --replay needs a data directory\n");
				return 2;
			}
			replay_src = argv[++i];
		} else if (strncmp(argv[i], "--replay=", 9) == 0) {
			replay_src = argv[i] + 9;
		} else if (strcmp(argv[i], "--check-config") == 0) {
			check_only = true;
		}
	}
	int file_problems = 0;
	if (config_file && check_only) {
		/* Every wrong line, not the first alone: one run to fix them all. */
		file_problems = config_load_each(&cfg, config_file, print_problem, stderr);
	} else if (config_file && config_load(&cfg, config_file, err, sizeof err) != 0) {
		fprintf(stderr, "yimad: %s\n", err);
		return 2;
	}

	/* Second pass: flags override the file. */
	for (int i = 1; i < argc; i++) {
		char key[64];
		const char *val;
		if (strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0 ||
		    strcmp(argv[i], "--replay") == 0) {
			i++;
			continue;
		}
		if (strncmp(argv[i], "--config=", 9) == 0 || strncmp(argv[i], "--replay=", 9) == 0 ||
		    strcmp(argv[i], "--check-config") == 0)
			continue;
		if (option_key(argv[i], key, sizeof key, &val) == NULL) {
			fprintf(stderr, "yimad: unexpected argument '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
		if (val == NULL) {
			if (i + 1 >= argc) {
				fprintf(stderr, "yimad: %s needs a value\n", argv[i]);
				return 2;
			}
			val = argv[++i];
		}
		if (config_set(&cfg, key, val, err, sizeof err) != 0) {
			fprintf(stderr, "yimad: command line: %s\n", err);
			return 2;
		}
	}

	if (check_only) {
		int problems = file_problems;
		if (problems == 0)
			problems = check_config(&cfg, config_file, stdout, stderr);
		return problems ? 2 : 0;
	}
	if (config_check(&cfg, err, sizeof err) != 0) {
		fprintf(stderr, "yimad: %s\n", err);
		return 2;
	}

	if (log_open(cfg.log_file) != 0) {
		fprintf(stderr, "yimad: log_file %s: cannot open\n", cfg.log_file);
		return 2;
	}
	log_set_level((enum log_level)cfg.log_level);
	log_set_format((enum log_format)cfg.log_format);
	if (access_log_open(cfg.access_log) != 0) {
		fprintf(stderr, "yimad: access_log %s: cannot open: %s\n", cfg.access_log,
			strerror(errno));
		return 2;
	}

	/* Expiry dates are judged in the configured zone (verdict_today); a
	 * zone name goes through the C library, set once before any thread. */
	if (cfg.timezone[0] != '+' && cfg.timezone[0] != '-') {
		setenv("TZ", cfg.timezone, 1);
		tzset();
	}

	if (clock_start(cfg.clock_today, cfg.timezone, err, sizeof err) != 0) {
		fprintf(stderr, "yimad: %s\n", err);
		return 2;
	}
	if (clock_is_shifted())
		log_warn("clock shifted for tests: clock_today %s (%s; noon if no time is "
			 "given), %+lld s from the system's clock; it runs on, and CLOCK ADVANCE "
			 "moves it", cfg.clock_today, cfg.timezone,
			 (long long)clock_offset_seconds());

	if (replay_src)
		return replay_main(&cfg, replay_src);

	if (evthread_use_pthreads() != 0) {
		log_error("libevent has no pthread support");
		return 1;
	}
	struct server srv;
	if (server_start(&srv, &cfg) != 0)
		return 1;
	server_run(&srv);
	server_stop(&srv);
	return 0;
}
