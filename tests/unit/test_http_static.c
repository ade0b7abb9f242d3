/*
 * test_http_static — daemon/http_static.c: which request paths name a file
 * under web_root (and which never reach the file system), the content
 * types, and web_root's own errors.  Each test builds its web root in a
 * fresh temporary directory, with a file outside it and links pointing in
 * and out.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "http_static.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char top[256];	/* the temporary directory: web/ and outside/ */

static void put(const char *rel, const char *text)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", top, rel);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void in_top(const char *rel, char *out)
{
	snprintf(out, PATH_MAX, "%s/%s", top, rel);
}

static int setup(void **state)
{
	(void)state;
	char p[PATH_MAX], q[PATH_MAX];
	snprintf(top, sizeof top, "%s/yima-static-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") :
		 "/tmp");
	assert_non_null(mkdtemp(top));
	const char *dirs[] = { "web", "web/sub", "web/01", "outside" };
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		in_top(dirs[i], p);
		assert_int_equal(mkdir(p, 0755), 0);
	}
	put("web/index.html", "<!doctype html>");
	put("web/style.css", "body{}");
	put("web/sub/page.js", "1");
	put("web/.hidden", "no");
	put("outside/secret.txt", "SECRET");
	in_top("outside/secret.txt", p);
	in_top("web/out.txt", q);
	assert_int_equal(symlink(p, q), 0);
	in_top("outside", p);
	in_top("web/outdir", q);
	assert_int_equal(symlink(p, q), 0);
	in_top("web/style.css", p);
	in_top("web/sub/alias.css", q);
	assert_int_equal(symlink(p, q), 0);
	in_top("web/fifo", p);
	assert_int_equal(mkfifo(p, 0644), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
	return system(cmd) == 0 ? 0 : -1;
}

static struct http_static *open_web(void)
{
	char root[PATH_MAX], err[256] = "";
	struct http_static *hs = NULL;
	in_top("web", root);
	if (http_static_open(root, &hs, err, sizeof err) != 0)
		fail_msg("http_static_open %s: %s", root, err);
	assert_non_null(hs);
	return hs;
}

struct resolve_case {
	const char *path;
	const char *file;	/* under web/ once resolved; NULL: not served */
};

static const struct resolve_case resolve_cases[] = {
	{ "/", "index.html" },
	{ "/index.html", "index.html" },
	{ "/style.css", "style.css" },
	{ "/sub/page.js", "sub/page.js" },
	{ "/sub/alias.css", "style.css" },		/* a link that stays inside */
	/* GS1 Digital Link paths: the verify page. */
	{ "/01/06901234567892/21/SN1", "index.html" },
	{ "/01/06901234567892/10/A1/21/SN1", "index.html" },
	{ "/gtin/06901234567892/ser/SN1", "index.html" },
	{ "/8006/069012345678920102/21/X", "index.html" },
	{ "/00/069012340000000252", "index.html" },
	{ "/01/", NULL },				/* a key without its value */
	{ "/01", NULL },				/* a directory */
	{ "/02/06901234567892", NULL },		/* not a pack's key */
	/* Out of web_root, however asked. */
	{ "/../outside/secret.txt", NULL },
	{ "/sub/../../outside/secret.txt", NULL },
	{ "/sub/../style.css", NULL },			/* dot segments: never */
	{ "/./style.css", NULL },
	{ "/..", NULL },
	{ "/out.txt", NULL },				/* a link pointing out */
	{ "/outdir/secret.txt", NULL },
	{ "/outdir", NULL },
	/* Not a regular file, or not a name we serve. */
	{ "/sub", NULL },
	{ "/sub/", NULL },
	{ "/fifo", NULL },
	{ "/.hidden", NULL },
	{ "//style.css", NULL },
	{ "/nothing.html", NULL },
	{ "style.css", NULL },
	{ "", NULL },
};

static void test_resolve(void **state)
{
	(void)state;
	struct http_static *hs = open_web();
	char webreal[PATH_MAX], web[PATH_MAX];
	in_top("web", web);
	assert_non_null(realpath(web, webreal));
	for (size_t i = 0; i < sizeof resolve_cases / sizeof resolve_cases[0]; i++) {
		const struct resolve_case *c = &resolve_cases[i];
		char file[PATH_MAX] = "", want[PATH_MAX * 2];
		int rc = http_static_resolve(hs, c->path, strlen(c->path), file, sizeof file);
		if (c->file == NULL) {
			if (rc != -1)
				fail_msg("'%s' is served as %s", c->path, file);
			continue;
		}
		if (rc != 0)
			fail_msg("'%s' is not served", c->path);
		snprintf(want, sizeof want, "%s/%s", webreal, c->file);
		if (strcmp(file, want) != 0)
			fail_msg("'%s' gives %s, not %s", c->path, file, want);
	}
	/* A NUL byte inside the path (decoded from %00) is refused. */
	char file[PATH_MAX];
	assert_int_equal(http_static_resolve(hs, "/style.css\0.txt", 15, file, sizeof file), -1);
	/* A name longer than the caller's room. */
	assert_int_equal(http_static_resolve(hs, "/style.css", 10, file, 8), -1);
	assert_int_equal(http_static_resolve(NULL, "/", 1, file, sizeof file), -1);
	http_static_free(hs);
}

static void test_types(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{ "/w/index.html", "text/html; charset=utf-8" },
		{ "/w/INDEX.HTML", "text/html; charset=utf-8" },
		{ "/w/style.css", "text/css; charset=utf-8" },
		{ "/w/yima.js", "text/javascript; charset=utf-8" },
		{ "/w/data.json", "application/json; charset=utf-8" },
		{ "/w/tree.svg", "image/svg+xml" },
		{ "/w/logo.png", "image/png" },
		{ "/w/favicon.ico", "image/x-icon" },
		{ "/w/notes.txt", "text/plain; charset=utf-8" },
		{ "/w/archive.tar.gz", "application/octet-stream" },
		{ "/w.d/README", "application/octet-stream" },	/* a dot in a directory */
		{ "/w/html", "application/octet-stream" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (strcmp(http_static_type(cases[i][0]), cases[i][1]) != 0)
			fail_msg("%s: %s, not %s", cases[i][0], http_static_type(cases[i][0]),
				 cases[i][1]);
}

static void test_open_errors(void **state)
{
	(void)state;
	struct http_static *hs = (struct http_static *)1;
	char err[512] = "", p[PATH_MAX];
	assert_int_equal(http_static_open("", &hs, err, sizeof err), 0);
	assert_null(hs);	/* no pages */
	in_top("no-such-dir", p);
	assert_int_equal(http_static_open(p, &hs, err, sizeof err), -1);
	assert_null(hs);
	if (strstr(err, "No such file or directory") == NULL || strstr(err, p) == NULL)
		fail_msg("the error names the directory and why: %s", err);
	in_top("web/style.css", p);
	assert_int_equal(http_static_open(p, &hs, err, sizeof err), -1);
	if (strstr(err, "is not a directory") == NULL)
		fail_msg("a file as web_root: %s", err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_resolve, setup, teardown),
		cmocka_unit_test(test_types),
		cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
	};
	return cmocka_run_group_tests_name("http_static", tests, NULL, NULL);
}
