/*
 * cmd_scan — `yima scan --site S`: a counter session.  A keyboard-wedge
 * scanner types one scan per line on standard input; each is dispensed at
 * S (--verify-only: verified; --receive: received, for goods-in) and
 * answered with one traffic-light line.
 *
 * Besides scans, a line may hold what a till needs (the scanner's command
 * barcodes can type them too):
 *
 *   *N      the next scan sells N units of a split pack (QTY N)
 *   /void   reverse the session's last sale (UNDO of its TX)
 *
 * Lines end in CR, LF or both (scanners are configured either way) and may
 * hold GS bytes and full-width digits; the codecs take them as they are.
 * A scan the codecs refuse gets a RED line and the session goes on.  A RED
 * line (or an error) rings the terminal's bell.
 *
 * Retries.  Every dispense carries a transaction id made of the prefix,
 * the session's start time and pid, and the scan's number in the session:
 * unique to this line of this session, so the server can tell a resend
 * from a new sale.  When the connection fails (the server closed it after
 * an idle spell, a restart, a network hiccup) the same command, same TX,
 * is sent once more on a new connection: a sale that was recorded before
 * the connection dropped is answered with its first answer, never as a
 * duplicate of itself.  A reply that does not come within the till's
 * timeout (5 s unless --timeout says otherwise) is a NO ANSWER line and
 * the session goes on; scanning the same pack again sends the same TX.
 *
 * Exit status: 0 at the end of input (red scans are answers, not
 * failures, and a mistyped *N or /void is said on its line), 1 if the
 * server answered some line with an error, 2 on usage, an unknown site, or
 * a line left without an answer.
 */
#include "cli.h"
#include "output.h"
#include "show.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SCAN_USAGE "yima scan --site S [--verify-only | --receive] [--tx-prefix P] " \
		   "[--bell | --no-bell]"

/* A line longer than this is no scan (the codecs take 1,024 bytes after
 * clean-up; full-width characters take 3 bytes each before it). */
#define LINE_MAX_BYTES (4 * CODE_SCAN_MAX)
/* The server keeps at most 64 bytes of a TX: prefix + 3 numbers fit. */
#define PREFIX_MAX 20
#define TX_MAX (PREFIX_MAX + 3 * 21 + 3)
/* A till waits seconds for an answer, not the 30 s of a script. */
#define SCAN_TIMEOUT_MS 5000
/* Units one *N line may sell (the server checks what remains). */
#define QTY_MAX 9999

enum scan_mode { MODE_DISPENSE, MODE_VERIFY, MODE_RECEIVE };
enum verdict_count { COUNT_GREEN, COUNT_AMBER, COUNT_RED, COUNT_N };

/* A sale the session knows the TX of: its code as sent, and the TX. */
struct sale {
	struct buf code;
	char tx[TX_MAX];
	bool set;
};

struct session {
	const struct cli_opts *o;
	struct cli_conn *cc;
	const char *site;
	const char *prefix;
	enum scan_mode mode;
	bool colour;
	bool bell;
	long long started;	/* unix seconds */
	long pid;
	unsigned long scans;	/* scans answered or refused */
	unsigned long counts[COUNT_N];
	unsigned qty;		/* *N: units for the next scan; 0 = none */
	struct sale last;	/* the last sale answered GREEN or AMBER */
	struct sale unanswered;	/* a dispense sent without an answer back */
	bool error_reply;
	bool no_answer;
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

static void sale_set(struct sale *s, const char *code, size_t len, const char *tx)
{
	buf_reset(&s->code);
	buf_append(&s->code, code, len);
	snprintf(s->tx, sizeof s->tx, "%s", tx);
	s->set = true;
}

static bool sale_is(const struct sale *s, const char *code, size_t len)
{
	return s->set && s->code.len == len && memcmp(s->code.data, code, len) == 0;
}

/* The terminal's bell, on stderr so that stdout stays one line a scan. */
static void ring(const struct session *s)
{
	if (s->bell) {
		fflush(stdout);		/* the line first, then its bell */
		fputc('\a', stderr);
		fflush(stderr);
	}
}

/* A line that is no verdict ("ERROR", "NO ANSWER", a note): the word,
 * the code when there is one, the words. */
static void say(struct session *s, const char *word, const char *code, const char *msg)
{
	if (s->o->json) {
		/* One object a line, as for the scans. */
		struct resp_value v = { .type = RESP_T_ERROR, .str = (char *)(uintptr_t)msg,
					.len = strlen(msg) };
		output_json(stdout, &v);
	} else {
		printf("%-5s  %s%s%s\n", word, code ? show_safe(code) : "", code ? "  " : "",
		       show_safe(msg));
	}
}

/* A scan the codecs refused: a RED line, nothing sent. */
static void refused(struct session *s, const struct code_result *r)
{
	s->counts[COUNT_RED]++;
	if (s->o->json)
		show_json_invalid(stdout, r);
	else
		show_invalid(stdout, s->colour, r);
	ring(s);
}

/* Count and print a verdict reply; shown is the code with what was asked
 * of it ("CODE", "CODE qty 4"). */
static void verdict(struct session *s, const struct resp_value *v, const char *shown)
{
	int rc = show_exit(v);
	if (rc == EXIT_OK)
		s->counts[COUNT_GREEN]++;
	else if (rc == EXIT_AMBER)
		s->counts[COUNT_AMBER]++;
	else if (rc == EXIT_RED)
		s->counts[COUNT_RED]++;
	if (s->o->json)
		show_json_verdict(stdout, v);
	else
		show_light(stdout, s->colour, v, shown);
	if (rc == EXIT_RED)
		ring(s);
}

/* An error reply to a line: an ERROR line, the bell. */
static void error_reply(struct session *s, const struct resp_value *v, const char *shown)
{
	s->error_reply = true;
	if (s->o->json)
		output_json(stdout, v);
	else
		printf("ERROR  %s  %s\n", show_safe(shown), show_safe(v->str));
	ring(s);
}

/*
 * Send one command of the session.  Returns 0 with the reply in *v, or -1
 * after a NO ANSWER line (the connection failed, or no reply came within
 * the timeout): the session goes on, and the next line reconnects.
 */
static int call(struct session *s, int argc, const char *const *argv, const size_t *lens,
		bool retry, const char *shown, struct resp_value *v)
{
	if (cli_conn_call(s->cc, argc, argv, lens, retry, v) == 0)
		return 0;
	s->no_answer = true;
	char msg[300];
	snprintf(msg, sizeof msg, "no answer from the server (said above)%s",
		 s->mode == MODE_DISPENSE && strcmp(argv[0], "DISPENSE") == 0 ?
		 "; scan the pack again to know whether it sold" :
		 s->mode == MODE_RECEIVE ? "; check with yima trace before receiving it again" : "");
	say(s, "NO ANSWER", shown, msg);
	ring(s);
	return -1;
}

/* A scan of the session: judged, sold or received.  Returns 0. */
static int scan_one(struct session *s, const char *line, size_t len, bool too_long)
{
	s->scans++;
	unsigned qty = s->qty;
	s->qty = 0;		/* *N applies to the next scan only */
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

	char tx[TX_MAX], qtext[16], shown[CODE_TEXT_MAX + 32];
	snprintf(tx, sizeof tx, "%s-%lld-%ld-%lu", s->prefix, s->started, s->pid, s->scans);
	/* The same pack again after a scan that got no answer: the same
	 * sale, so that a recorded one is answered, not called a duplicate. */
	if (s->mode == MODE_DISPENSE && sale_is(&s->unanswered, code.cc_text, code.cc_len))
		snprintf(tx, sizeof tx, "%s", s->unanswered.tx);
	snprintf(qtext, sizeof qtext, "%u", qty);
	snprintf(shown, sizeof shown, "%s", code.cc_text == code.cc_canon ? code.cc_canon : "?");

	const char *argv[8] = { NULL, code.cc_text, "SITE", s->site };
	size_t lens[8] = { 0, code.cc_len, 4, strlen(s->site) };
	int argc = 4;
	bool retry = true;	/* VERIFY reads; a DISPENSE with its TX is answered once */
	if (s->mode == MODE_VERIFY) {
		argv[0] = "VERIFY";
	} else if (s->mode == MODE_RECEIVE) {
		argv[0] = "RECEIVE";
		retry = false;	/* a write with nothing to make it idempotent */
	} else {
		argv[0] = "DISPENSE";
		argv[argc] = "TX";
		lens[argc++] = 2;
		argv[argc] = tx;
		lens[argc++] = strlen(tx);
		if (qty) {
			argv[argc] = "QTY";
			lens[argc++] = 3;
			argv[argc] = qtext;
			lens[argc++] = strlen(qtext);
		}
	}
	lens[0] = strlen(argv[0]);
	struct resp_value v;
	if (call(s, argc, argv, lens, retry, shown, &v) != 0) {
		if (s->mode == MODE_DISPENSE)
			sale_set(&s->unanswered, code.cc_text, code.cc_len, tx);
		return 0;
	}
	if (s->mode == MODE_DISPENSE && sale_is(&s->unanswered, code.cc_text, code.cc_len))
		s->unanswered.set = false;

	const char *key = resp_get_str(&v, "code");
	if (key)
		snprintf(shown, sizeof shown, "%s", key);
	if (qty)
		snprintf(shown + strlen(shown), sizeof shown - strlen(shown), " qty %u", qty);
	if (show_is_error(&v)) {
		error_reply(s, &v, shown);
	} else if (s->mode == MODE_RECEIVE) {
		long long codes = 0, diverted = 0;
		resp_get_int(&v, "codes", &codes);
		resp_get_int(&v, "diverted", &diverted);
		const struct resp_value *w = resp_get_list(&v, "warnings");
		bool warn = diverted > 0 || (w && w->n > 0);
		s->counts[warn ? COUNT_AMBER : COUNT_GREEN]++;
		if (s->o->json)
			output_json(stdout, &v);
		else
			show_received(stdout, s->colour, &v, shown);
	} else {
		int rc = show_exit(&v);
		verdict(s, &v, shown);
		if (s->mode == MODE_DISPENSE && (rc == EXIT_OK || rc == EXIT_AMBER))
			sale_set(&s->last, code.cc_text, code.cc_len, tx);
	}
	resp_value_free(&v);
	return 0;
}

/* "*N": the quantity of the next scan.  Returns 0. */
static int set_qty(struct session *s, const char *line, size_t len)
{
	char *end;
	unsigned long n = strtoul(line + 1, &end, 10);
	bool ok = len > 1 && (size_t)(end - line) == len && line[1] >= '0' && line[1] <= '9' &&
		  n >= 1 && n <= QTY_MAX;
	char msg[120];
	if (!ok) {
		snprintf(msg, sizeof msg, "'%.*s' is no quantity: *N sells N units of the next "
			 "pack, N from 1 to %d", (int)(len > 20 ? 20 : len), line, QTY_MAX);
		say(s, "ERROR", NULL, msg);
		ring(s);
		return 0;
	}
	if (s->mode != MODE_DISPENSE) {
		say(s, "ERROR", NULL, "a quantity is for sales; this session does not sell");
		ring(s);
		return 0;
	}
	s->qty = (unsigned)n;
	if (!s->o->json) {
		snprintf(msg, sizeof msg, "the next scan sells %lu unit%s", n, n == 1 ? "" : "s");
		say(s, "QTY", NULL, msg);
	}
	return 0;
}

/* "/void": reverse the last sale of the session (UNDO with its TX). */
static int void_last(struct session *s)
{
	if (s->mode != MODE_DISPENSE || !s->last.set) {
		say(s, "ERROR", NULL, s->mode != MODE_DISPENSE ?
		    "/void reverses a sale; this session does not sell" :
		    "/void: no sale of this session to reverse");
		ring(s);
		return 0;
	}
	const char *argv[6] = { "UNDO", s->last.code.data, "SITE", s->site, "TX", s->last.tx };
	size_t lens[6] = { 4, s->last.code.len, 4, strlen(s->site), 2, strlen(s->last.tx) };
	char shown[CODE_TEXT_MAX + 16];
	snprintf(shown, sizeof shown, "%.*s", (int)s->last.code.len, s->last.code.data);
	struct resp_value v;
	/* A retried UNDO answers GREEN again and changes nothing. */
	if (call(s, 6, argv, lens, true, shown, &v) != 0)
		return 0;
	const char *key = resp_get_str(&v, "code");
	if (key)
		snprintf(shown, sizeof shown, "%s", key);
	if (show_is_error(&v)) {
		error_reply(s, &v, shown);
	} else if (show_exit(&v) == EXIT_OK) {
		s->last.set = false;	/* one sale, voided once */
		if (s->o->json) {
			show_json_verdict(stdout, &v);
		} else {
			char msg[TX_MAX + 40];
			snprintf(msg, sizeof msg, "sale %s reversed", s->last.tx);
			say(s, "VOID", shown, msg);
		}
	} else {
		verdict(s, &v, shown);	/* RED: undo_window, recalled ... */
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
		fprintf(stderr, "yima scan: --site: %s\n", show_safe(v.str));
		rc = strncmp(v.str, "NOTFOUND", 8) == 0 ? EXIT_USAGE : EXIT_REPLY_ERROR;
	}
	resp_value_free(&v);
	return rc;
}

/* Answer each line until the end of input. */
static void session_run(struct session *s)
{
	struct buf line = BUF_INIT;
	bool too_long;
	while (read_line(stdin, &line, &too_long)) {
		const char *p = line.data ? line.data : "";
		if (!too_long && blank(p, line.len))
			continue;
		if (!too_long && p[0] == '*')
			set_qty(s, p, line.len);
		else if (!too_long && line.len == 5 && memcmp(p, "/void", 5) == 0)
			void_last(s);
		else
			scan_one(s, p, line.len, too_long);
		fflush(stdout);
	}
	buf_free(&line);
}

static const char *const mode_words[] = { "dispensing", "verifying", "receiving" };

int cli_scan(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv)
{
	enum { O_SITE, O_VERIFY, O_RECEIVE, O_PREFIX, O_BELL, O_NO_BELL, O_N };
	struct cli_opt opts[O_N] = { { "--site", true, NULL }, { "--verify-only", false, NULL },
				     { "--receive", false, NULL }, { "--tx-prefix", true, NULL },
				     { "--bell", false, NULL }, { "--no-bell", false, NULL } };
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
	if (opts[O_VERIFY].co_value && opts[O_RECEIVE].co_value) {
		fprintf(stderr, "yima scan: choose --verify-only or --receive\n");
		return cli_usage_error(SCAN_USAGE);
	}
	if (opts[O_BELL].co_value && opts[O_NO_BELL].co_value) {
		fprintf(stderr, "yima scan: choose --bell or --no-bell\n");
		return cli_usage_error(SCAN_USAGE);
	}
	const char *prefix = opts[O_PREFIX].co_value ? opts[O_PREFIX].co_value : "scan";
	if (!valid_prefix(prefix)) {
		fprintf(stderr, "yima scan: --tx-prefix must be 1 to %d characters from "
			"A-Z a-z 0-9 . _ : -\n", PREFIX_MAX);
		return EXIT_USAGE;
	}
	struct session s = {
		.o = o, .cc = cc, .site = opts[O_SITE].co_value, .prefix = prefix,
		.mode = opts[O_VERIFY].co_value ? MODE_VERIFY :
			opts[O_RECEIVE].co_value ? MODE_RECEIVE : MODE_DISPENSE,
		.colour = !o->json && show_colour(stdout),
		/* By default the bell rings where someone hears it. */
		.bell = opts[O_BELL].co_value ? true : opts[O_NO_BELL].co_value ? false :
			isatty(2) != 0,
		.started = (long long)time(NULL), .pid = (long)getpid(),
	};
	int timeout_was = cc->cc_timeout_ms;
	if (!o->timeout_set)
		cli_conn_set_timeout(cc, SCAN_TIMEOUT_MS);

	int rc = check_site(&s);
	bool tty = isatty(0);
	if (rc == EXIT_OK) {
		if (tty)
			fprintf(stderr, "yima scan: %s at %s; one scan per line%s, Ctrl-D to end\n",
				mode_words[s.mode], s.site,
				s.mode == MODE_DISPENSE ? " (*N: N units of the next; /void: "
				"reverse the last sale)" : "");
		session_run(&s);
		if (tty)
			fprintf(stderr, "yima scan: %lu scans: %lu green, %lu amber, %lu red\n",
				s.scans, s.counts[COUNT_GREEN], s.counts[COUNT_AMBER],
				s.counts[COUNT_RED]);
		rc = s.no_answer ? EXIT_USAGE : s.error_reply ? EXIT_REPLY_ERROR : EXIT_OK;
	}
	buf_free(&s.last.code);
	buf_free(&s.unanswered.code);
	cli_conn_set_timeout(cc, timeout_was);
	return rc;
}
