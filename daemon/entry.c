/*
 * entry — encoding and decoding of log entries (entry.h; layout in
 * daemon/STORE.md, "Log entries").
 */
#include "entry.h"
#include "acl_file.h"
#include "code_util.h"
#include "log.h"

#include <openssl/rand.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

/* version, command id, time (u48), request id (u64), role */
#define HEADER_BYTES (1 + 1 + 6 + 8 + 1)
#define TIME_MAX ((INT64_C(1) << 48) - 1)
/* A u64 takes at most ten 7-bit groups. */
#define VARINT_MAX 10

static void put_varint(struct buf *out, uint64_t v)
{
	uint8_t b[VARINT_MAX];
	size_t n = 0;
	do {
		b[n] = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v)
			b[n] |= 0x80;
		n++;
	} while (v);
	buf_append(out, b, n);
}

static void put_bytes(struct buf *out, const void *p, size_t n)
{
	put_varint(out, n);
	buf_append(out, p, n);
}

void entry_encode(struct buf *out, const struct entry_stamp *s, int argc,
		  const struct resp_arg *argv)
{
	uint8_t h[HEADER_BYTES];
	h[0] = (uint8_t)(s->version ? s->version : ENTRY_VERSION);
	h[1] = (uint8_t)s->cmd;
	/* The clock never reads before 1970 or past 10889. */
	code_put_be(h + 2, (uint64_t)s->time_ms & TIME_MAX, 6);
	code_put_be(h + 8, s->request_id, 8);
	h[16] = s->who.role;
	buf_append(out, h, sizeof h);
	if (s->who.role != ROLE_LOCAL) {
		put_varint(out, s->who.site);
		put_bytes(out, s->who.site_id, s->who.site_id_len);
		put_bytes(out, s->who.name, s->who.name_len);
	}
	put_varint(out, (uint64_t)argc);
	for (int i = 0; i < argc; i++)
		put_bytes(out, argv[i].ptr, argv[i].len);
}

/* The reader's state: where it is, and the first thing wrong. */
struct in {
	const uint8_t *p, *end;
	char *err;
	size_t errlen;
};

static int bad(struct in *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(struct in *in, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(in->err, in->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Bytes that a newer yimad could have written: ENTRY_NEWER, with why. */
#define newer(in, ...) (bad(in, __VA_ARGS__), ENTRY_NEWER)

/* An unsigned LEB128 varint of at most `max`, in its shortest form (one
 * value, one encoding: what decodes encodes back to the same bytes). */
static int get_varint(struct in *in, const char *what, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < VARINT_MAX; i++) {
		if (in->p == in->end)
			return bad(in, "truncated in %s", what);
		uint8_t b = *in->p++;
		uint64_t bits = (uint64_t)(b & 0x7f);
		if (i == VARINT_MAX - 1 && b > 1)
			return bad(in, "%s does not fit 64 bits", what);
		v |= bits << (7 * i);
		if (!(b & 0x80)) {
			if (b == 0 && i > 0)
				return bad(in, "%s is a varint longer than it need be", what);
			if (v > max)
				return bad(in, "%s %llu is more than %llu", what,
					   (unsigned long long)v, (unsigned long long)max);
			*out = v;
			return 0;
		}
	}
	return bad(in, "%s does not fit 64 bits", what);
}

/* A length and that many bytes. */
static int get_bytes(struct in *in, const char *what, size_t max, const char **p, size_t *n)
{
	uint64_t len;
	if (get_varint(in, what, UINT64_MAX, &len) != 0)
		return -1;
	if (len > (uint64_t)(in->end - in->p))
		return bad(in, "%s of %llu bytes runs past the end (%zu left)", what,
			   (unsigned long long)len, (size_t)(in->end - in->p));
	if (len > max)
		return bad(in, "%s of %llu bytes is longer than %zu", what,
			   (unsigned long long)len, max);
	*p = (const char *)in->p;
	*n = (size_t)len;
	in->p += len;
	return 0;
}

static int get_principal(struct in *in, struct entry_principal *who)
{
	uint64_t site;
	if (who->role >= ROLE__COUNT)
		return newer(in, "role %u, of a newer yimad (this one knows %d)", who->role,
			     ROLE__COUNT);
	if (who->role == ROLE_LOCAL)
		return 0;
	if (get_varint(in, "site number", UINT32_MAX, &site) != 0 ||
	    get_bytes(in, "site id", ENTRY_NAME_MAX, &who->site_id, &who->site_id_len) != 0 ||
	    get_bytes(in, "principal name", ENTRY_NAME_MAX, &who->name, &who->name_len) != 0)
		return -1;
	/* Both become C strings when the entry is applied. */
	if (memchr(who->site_id, 0, who->site_id_len) || memchr(who->name, 0, who->name_len))
		return bad(in, "a NUL byte in the principal's name or site id");
	who->site = (uint32_t)site;
	return 0;
}

/* The words must name the entry's command and fit its arity, as a request
 * must before yimad queues it. */
static int check_command(struct in *in, const struct entry *e)
{
	const char *names[2] = { "", "" };
	size_t lens[2] = { 0, 0 };
	const uint8_t *at = e->words;
	for (uint32_t i = 0; i < e->argc && i < 2; i++)
		entry_word(&at, &names[i], &lens[i]);
	int why;
	const struct command_spec *want = command_by_id(e->stamp.cmd);
	const struct command_spec *got = command_lookup((int)e->argc, names, lens, &why);
	char full[64];
	if (got != want)
		return bad(in, "the words do not name %s, the entry's command",
			   command_full_name(want, full, sizeof full));
	if (!command_arity_ok(want, (int)e->argc))
		return bad(in, "%u words do not fit %s", e->argc,
			   command_full_name(want, full, sizeof full));
	return 0;
}

int entry_decode(const void *p, size_t n, struct entry *e, char *err, size_t errlen)
{
	const uint8_t *b = p;
	struct in in = { b, b + n, err, errlen };
	memset(e, 0, sizeof *e);
	if (n < 1)
		return bad(&in, "empty");
	e->version = b[0];
	if (e->version > ENTRY_VERSION && e->version < ENTRY_PACKED)
		return newer(&in, "entry version %u, of a newer yimad (this one reads versions "
			     "%d to %d)", b[0], ENTRY_VERSION_MIN, ENTRY_VERSION);
	if (e->version < ENTRY_VERSION_MIN || e->version > ENTRY_VERSION)
		return bad(&in, "unknown version %u (this yimad reads versions %d to %d)", b[0],
			   ENTRY_VERSION_MIN, ENTRY_VERSION);
	e->stamp.version = e->version;
	if (n < HEADER_BYTES)
		return bad(&in, "truncated: %zu bytes, the header alone is %d", n, HEADER_BYTES);
	if (b[1] >= CMD__COUNT)
		return newer(&in, "command id %u, of a newer yimad (this one knows %d)", b[1],
			     CMD__COUNT);
	const struct command_spec *spec = command_by_id(b[1]);
	if (spec == NULL || !(spec->flags & CMD_F_WRITE))
		return bad(&in, "unknown command id %u", b[1]);
	e->stamp.cmd = (enum cmd_id)b[1];
	e->stamp.time_ms = (int64_t)code_get_be(b + 2, 6);
	e->stamp.request_id = code_get_be(b + 8, 8);
	e->stamp.who.role = b[16];
	in.p = b + HEADER_BYTES;
	uint64_t argc;
	int rc = get_principal(&in, &e->stamp.who);
	if (rc != 0)
		return rc;
	if (get_varint(&in, "argc", UINT32_MAX, &argc) != 0)
		return -1;
	if (argc == 0)
		return bad(&in, "argc 0: no command");
	/* Each word takes a byte at least: bounds the loop before it runs. */
	if (argc > (uint64_t)(in.end - in.p))
		return bad(&in, "argc %llu, but only %zu bytes left", (unsigned long long)argc,
			   (size_t)(in.end - in.p));
	e->argc = (uint32_t)argc;
	e->words = in.p;
	char what[40];
	for (uint32_t i = 0; i < e->argc; i++) {
		const char *w;
		size_t len;
		snprintf(what, sizeof what, "word %u", i + 1);
		if (get_bytes(&in, what, SIZE_MAX, &w, &len) != 0)
			return -1;
	}
	if (in.p != in.end)
		return bad(&in, "%zu bytes after the last word", (size_t)(in.end - in.p));
	e->end = in.end;
	return check_command(&in, e);
}

void entry_word(const uint8_t **at, const char **word, size_t *len)
{
	/* entry_decode checked every length: no bound to check again. */
	uint64_t n = 0;
	unsigned shift = 0;
	const uint8_t *p = *at;
	for (;;) {
		uint8_t b = *p++;
		n |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
		shift += 7;
	}
	*word = (const char *)p;
	*len = (size_t)n;
	*at = p + n;
}

/* zstd's fastest level: a bulk load's entries pack about sixfold at some
 * 700 MB/s on the network thread, where higher levels gain a few percent
 * for twice the time. */
#define PACK_LEVEL 1

void entry_pack(struct buf *b)
{
	if (b->len < ENTRY_PACK_MIN || b->len > ENTRY_PACK_MAX)
		return;
	size_t bound = ZSTD_compressBound(b->len);
	struct buf out = BUF_INIT;
	buf_reserve(&out, 1 + VARINT_MAX + bound);
	out.data[out.len++] = (char)ENTRY_PACKED;
	put_varint(&out, b->len);
	size_t z = ZSTD_compress(out.data + out.len, bound, b->data, b->len, PACK_LEVEL);
	if (ZSTD_isError(z) || out.len + z >= b->len) {
		buf_free(&out);
		return;
	}
	out.len += z;
	out.data[out.len] = '\0';
	buf_free(b);
	*b = out;
}

int entry_unpack(const void *p, size_t n, struct buf *plain, const void **out, size_t *outlen,
		 char *err, size_t errlen)
{
	const uint8_t *b = p;
	struct in in = { b, b + n, err, errlen };
	if (n == 0 || b[0] < ENTRY_PACKED) {
		*out = p;
		*outlen = n;
		return 0;
	}
	if (b[0] != ENTRY_PACKED)
		return newer(&in, "packing %#x, of a newer yimad (this one knows %#x)", b[0],
			     ENTRY_PACKED);
	in.p++;
	uint64_t len;
	if (get_varint(&in, "packed entry's length", ENTRY_PACK_MAX, &len) != 0)
		return -1;
	const void *frame = in.p;
	size_t framelen = (size_t)(in.end - in.p);
	/* A block of at most 128 KiB of one repeated byte takes 4 bytes: no
	 * frame holds more than 32,768 times its size. */
	if (len / 32768 > framelen)
		return bad(&in, "packed entry's length %llu is more than a frame of %zu bytes holds",
			   (unsigned long long)len, framelen);
	/* One frame, ending where the bytes do, that says it holds len bytes:
	 * checked before len bytes are allocated for it. */
	size_t flen = ZSTD_findFrameCompressedSize(frame, framelen);
	if (ZSTD_isError(flen))
		return bad(&in, "packed entry's frame: %s", ZSTD_getErrorName(flen));
	if (flen != framelen)
		return bad(&in, "%zu bytes after the packed entry's frame", framelen - flen);
	unsigned long long size = ZSTD_getFrameContentSize(frame, framelen);
	if (size != len)
		return bad(&in, "packed entry's frame holds %s, its length says %llu bytes",
			   size == ZSTD_CONTENTSIZE_UNKNOWN ? "an unstated size" :
			   size == ZSTD_CONTENTSIZE_ERROR ? "an unreadable size" : "another size",
			   (unsigned long long)len);
	buf_reset(plain);
	buf_reserve(plain, (size_t)len);
	size_t got = ZSTD_decompress(plain->data, (size_t)len + 1, frame, framelen);
	if (ZSTD_isError(got))
		return bad(&in, "packed entry's frame: %s", ZSTD_getErrorName(got));
	if (got != len)
		return bad(&in, "packed entry's frame held %zu bytes, its length says %llu",
			   got, (unsigned long long)len);
	plain->len = got;
	plain->data[got] = '\0';
	*out = plain->data;
	*outlen = got;
	return 0;
}

int entry_open(const void *p, size_t n, struct buf *plain, struct entry *e, char *err,
	       size_t errlen)
{
	const void *q;
	size_t m;
	int rc = entry_unpack(p, n, plain, &q, &m, err, errlen);
	return rc ? rc : entry_decode(q, m, e, err, errlen);
}

static uint64_t id_prefix;
static pthread_once_t id_once = PTHREAD_ONCE_INIT;
static _Atomic uint64_t id_counter;

static void draw_prefix(void)
{
	uint32_t r;
	if (RAND_bytes((unsigned char *)&r, sizeof r) != 1) {
		/* Ids need only differ between runs, not be secret. */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		r = (uint32_t)ts.tv_nsec ^ (uint32_t)ts.tv_sec ^ ((uint32_t)getpid() << 16);
		log_warn("entry: no random bytes from OpenSSL; request ids use the time and pid");
	}
	id_prefix = (uint64_t)r << 32;
}

uint64_t entry_new_request_id(void)
{
	pthread_once(&id_once, draw_prefix);
	return id_prefix + atomic_fetch_add_explicit(&id_counter, 1, memory_order_relaxed) + 1;
}
