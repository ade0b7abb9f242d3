/*
 * cmd_backup — yima backup [NAME]: ask the server for a consistent,
 * compacted copy of its store (BACKUP) and say where it is.
 */
#include "cli.h"
#include "show.h"

#include <stdio.h>

#define BACKUP_USAGE "yima backup [NAME] [--json]"

/* "backup written: PATH (BYTES bytes, log entry SEQ, MS ms)" */
static void show_backup(FILE *f, const struct resp_value *v)
{
	const char *path = resp_get_str(v, "path");
	long long bytes = 0, last = 0, ms = 0;
	resp_get_int(v, "bytes", &bytes);
	resp_get_int(v, "journal_last", &last);
	resp_get_int(v, "ms", &ms);
	fprintf(f, "backup written: %s (%lld bytes, log entry %lld, %lld ms)\n",
		path ? show_safe(path) : "?", bytes, last, ms);
}

int cli_backup(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv)
{
	char *pos[1];
	int npos = cli_getopt("backup", argc, argv, NULL, 0, pos, 1);
	if (npos == CLI_GETOPT_HELP) {
		printf("usage: %s\n", BACKUP_USAGE);
		return EXIT_OK;
	}
	if (npos < 0)
		return cli_usage_error(BACKUP_USAGE);
	/* A copy takes as long as the store is large: once connected, wait
	 * for the reply however long it takes. */
	if (cli_conn_open(cc) != 0)
		return EXIT_USAGE;
	cc->cc_client.timeout_ms = 0;
	const char *args[2] = { "BACKUP", npos ? pos[0] : NULL };
	return cli_query(o, cc, 1 + npos, args, NULL, show_backup);
}
