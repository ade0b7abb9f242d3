/*
 * gen_out — buffered output files for yima-gen (see gen_out.h for why).
 */
#include "gen_out.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "xmem.h"

void gen_out_init(struct gen_out *o)
{
	o->go_fd = -1;
	o->go_err = 0;
	o->go_buf = NULL;
	o->go_len = 0;
	o->go_bytes = 0;
	o->go_path[0] = '\0';
}

int gen_out_open(struct gen_out *o, const char *dir, const char *name)
{
	gen_out_init(o);
	snprintf(o->go_path, sizeof o->go_path, "%s/%s", dir, name);
	o->go_fd = open(o->go_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (o->go_fd < 0) {
		fprintf(stderr, "yima-gen: %s: %s\n", o->go_path, strerror(errno));
		return -1;
	}
	o->go_buf = xmalloc(GEN_OUT_BUF);
	return 0;
}

void gen_out_flush(struct gen_out *o)
{
	size_t off = 0;
	while (off < o->go_len && !o->go_err) {
		ssize_t n = write(o->go_fd, o->go_buf + off, o->go_len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			o->go_err = errno;
			break;
		}
		off += (size_t)n;
	}
	o->go_bytes += o->go_len;
	o->go_len = 0;
}

int gen_out_close(struct gen_out *o)
{
	if (o->go_fd < 0)
		return 0;
	gen_out_flush(o);
	if (close(o->go_fd) != 0 && !o->go_err)
		o->go_err = errno;
	o->go_fd = -1;
	free(o->go_buf);
	o->go_buf = NULL;
	if (o->go_err) {
		fprintf(stderr, "yima-gen: %s: %s\n", o->go_path, strerror(o->go_err));
		return -1;
	}
	return 0;
}

void gen_out_u64(struct gen_out *o, uint64_t v)
{
	char tmp[20];
	size_t n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		o->go_buf[o->go_len++] = tmp[--n];
}

void gen_out_csv(struct gen_out *o, const char *s)
{
	size_t n = strcspn(s, ",\"\r\n");
	if (s[n] == '\0') {
		gen_out_put(o, s, n);
		return;
	}
	gen_out_ch(o, '"');
	for (; *s; s++) {
		if (*s == '"')
			gen_out_ch(o, '"');
		gen_out_ch(o, *s);
	}
	gen_out_ch(o, '"');
}

void gen_out_json(struct gen_out *o, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	gen_out_ch(o, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			gen_out_ch(o, '\\');
			gen_out_ch(o, (char)c);
		} else if (c < 0x20) {
			gen_out_put(o, "\\u00", 4);
			gen_out_ch(o, hex[c >> 4]);
			gen_out_ch(o, hex[c & 15]);
		} else {
			gen_out_ch(o, (char)c);
		}
	}
	gen_out_ch(o, '"');
}
