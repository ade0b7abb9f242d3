/*
 * cmd_scan — `yima scan --site S [--verify-only] [--tx-prefix P]`: a
 * counter session.  A keyboard-wedge scanner types one scan per line on
 * standard input; each is dispensed (or only verified) at S and answered
 * with one traffic-light line.
 *
 * Lines end in CR, LF or both (scanners are configured either way) and may
 * hold GS bytes and full-width digits; the codecs take them as they are.
 * A scan the codecs refuse gets a RED line and the session goes on.
 *
 * Retries.  Every dispense carries a transaction id made of the prefix,
 * the session's start time and pid, and the scan's number in the session:
 * unique to this line of this session, so the server can tell a resend
 * from a new sale.  When the connection fails (the server closed it after
 * an idle spell, a restart, a network hiccup) the same command, same TX,
 * is sent once more on a new connection: a sale that was recorded before
 * the connection dropped is answered with its first answer, never as a
 * duplicate of itself.
 *
 * Exit status: 0 at the end of input (red scans are answers, not
 * failures), 1 if the server answered some scan with an error, 2 on usage,
 * an unknown site, or a connection that could not be restored.
 */
#include "cli.h"
#include "output.h"
#include "show.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SCAN_USAGE "yima scan --site S [--verify-only] [--tx-prefix P]"

/* A line longer than this is no scan (the codecs take 1,024 bytes after
 * clean-up; full-width characters take 3 bytes each before it). */
#define LINE_MAX_BYTES (4 * CODE_SCAN_MAX)
/* The server keeps at most 64 bytes of a TX: prefix + 3 numbers fit. */
#define PREFIX_MAX 20

struct session {
	const struct cli_opts *o;
	struct cli_conn *cc;
	const char *site;
	const char *prefix;
	bool verify_only;
	bool colour;
	long long started;	/* unix seconds */
	long pid;
	unsigned long scans;	/* scans answered or refused */
	unsigned long counts[3];	/* green, amber, red */
	bool error_reply;
};

/*
 * Read one line into *b, without its end (CR, LF, or CR LF: the LF then
 * reads as an empty line, which the caller skips).  Returns false at the
 * end of input with nothing read.  A line longer than LINE_MAX_BYTES is
 * read to its end but keeps only its start, and *too_long says so.
 */
static bool read_line(FILE *in, struct buf *b, bool *too_long)
{
	int ch;
	bool any = false;
	buf_reset(b);
	*too_long = false;
	while ((ch = getc(in)) != EOF) {
		any = true;
		if (ch == '\n' || ch == '\r')
			return true;
		if (b->len < LINE_MAX_BYTES)
			buf_putc(b, (char)ch);
		else
			*too_long = true;
	}
	return any;
}

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

static bool valid_prefix(const char *p)
{
	size_t n = strlen(p);
	return n >= 1 && n <= PREFIX_MAX &&
	       strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789._:-") == n;
}

/* A scan the codecs refused: a RED line, nothing sent. */
static void refused(struct session *s, const struct code_result *r)
{
	s->counts[2]++;
	if (s->o->json)
		show_json_invalid(stdout, r);
	else
		show_invalid(stdout, s->colour, r);
}

/* Answer one scan.  Returns 0, or -1 when the connection is lost for good. */
static int scan_one(struct session *s, const char *line, size_t len, bool too_long)
{
	s->scans++;
	struct cli_code code;
	if (too_long) {
		struct code_result r = { .cr_err = CODE_E_TOO_LONG, .cr_err_pos = LINE_MAX_BYTES };
		snprintf(r.cr_msg, sizeof r.cr_msg, "a line of more than %d bytes is no scan",
			 LINE_MAX_BYTES);
		refused(s, &r);
		return 0;
	}
	if (cli_code(line, len, &code) != 0) {
		refused(s, &code.cc_r);
		return 0;
	}

	char tx[PREFIX_MAX + 3 * 21 + 3];
	snprintf(tx, sizeof tx, "%s-%lld-%ld-%lu", s->prefix, s->started, s->pid, s->scans);
	const char *argv[6] = { s->verify_only ? "VERIFY" : "DISPENSE", code.cc_text,
				"SITE", s->site, "TX", tx };
	size_t lens[6] = { strlen(argv[0]), code.cc_len, 4, strlen(s->site), 2, strlen(tx) };
	struct resp_value v;
	/* VERIFY only reads, and a DISPENSE with its TX is answered once:
	 * both are safe to send again. */
	if (cli_conn_call(s->cc, s->verify_only ? 4 : 6, argv, lens, true, &v) != 0)
		return -1;

	const char *shown = resp_get_str(&v, "code");
	if (shown == NULL)
		shown = code.cc_text == code.cc_canon ? code.cc_canon : "?";
	if (show_is_error(&v)) {
		s->error_reply = true;
		if (s->o->json)
			output_json(stdout, &v);
		else
			printf("ERROR  %s  %s\n", shown, show_safe(v.str));
	} else {
		int rc = show_exit(&v);
		if (rc == EXIT_OK)
			s->counts[0]++;
		else if (rc == EXIT_AMBER)
			s->counts[1]++;
		else if (rc == EXIT_RED)
			s->counts[2]++;
		if (s->o->json)
			show_json_verdict(stdout, &v);
		else
			show_light(stdout, s->colour, &v, shown);
	}
	resp_value_free(&v);
	return 0;
}

/* Is the site known?  0 yes; otherwise the exit status to end with. */
static int check_site(struct session *s)
{
	const char *argv[3] = { "SITE", "GET", s->site };
	struct resp_value v;
	if (cli_conn_call(s->cc, 3, argv, NULL, true, &v) != 0)
		return EXIT_USAGE;
	int rc = EXIT_OK;
	if (show_is_error(&v)) {
		/* NOTFOUND: the --site is wrong, a usage error. */
		fprintf(stderr, "yima scan: --site: %s\n", v.str);
		rc = strncmp(v.str, "NOTFOUND", 8) == 0 ? EXIT_USAGE : EXIT_REPLY_ERROR;
	}
	resp_value_free(&v);
	return rc;
}

int cli_scan(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv)
{
	enum { O_SITE, O_VERIFY, O_PREFIX, O_N };
	struct cli_opt opts[O_N] = { { "--site", true, NULL }, { "--verify-only", false, NULL },
				     { "--tx-prefix", true, NULL } };
	int npos = cli_getopt("scan", argc, argv, opts, O_N, NULL, 0);
	if (npos == CLI_GETOPT_HELP) {
		printf("usage: %s\n", SCAN_USAGE);
		return EXIT_OK;
	}
	if (npos != 0)
		return cli_usage_error(SCAN_USAGE);
	if (opts[O_SITE].co_value == NULL) {
		fprintf(stderr, "yima scan: --site is required (the site at the counter)\n");
		return cli_usage_error(SCAN_USAGE);
	}
	const char *prefix = opts[O_PREFIX].co_value ? opts[O_PREFIX].co_value : "scan";
	if (!valid_prefix(prefix)) {
		fprintf(stderr, "yima scan: --tx-prefix must be 1 to %d characters from "
			"A-Z a-z 0-9 . _ : -\n", PREFIX_MAX);
		return EXIT_USAGE;
	}
	struct session s = { .o = o, .cc = cc, .site = opts[O_SITE].co_value,
			     .prefix = prefix, .verify_only = opts[O_VERIFY].co_value != NULL,
			     .colour = !o->json && show_colour(stdout),
			     .started = (long long)time(NULL), .pid = (long)getpid() };

	int rc = check_site(&s);
	if (rc != EXIT_OK)
		return rc;
	bool tty = isatty(0);
	if (tty)
		fprintf(stderr, "yima scan: %s at %s; one scan per line, Ctrl-D to end\n",
			s.verify_only ? "verifying" : "dispensing", s.site);

	struct buf line = BUF_INIT;
	bool too_long;
	rc = EXIT_OK;
	while (read_line(stdin, &line, &too_long)) {
		const char *p = line.data ? line.data : "";
		if (!too_long && blank(p, line.len))
			continue;
		if (scan_one(&s, p, line.len, too_long) != 0) {
			rc = EXIT_USAGE;
			break;
		}
		fflush(stdout);
	}
	buf_free(&line);
	if (tty)
		fprintf(stderr, "yima scan: %lu scans: %lu green, %lu amber, %lu red\n",
			s.scans, s.counts[0], s.counts[1], s.counts[2]);
	if (rc == EXIT_OK && s.error_reply)
		rc = EXIT_REPLY_ERROR;
	return rc;
}
