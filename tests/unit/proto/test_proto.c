// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_proto.c - the wire codec: round trips of every type, truncation,
 * corruption, validation and the documented byte layout.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <linux/falloc.h>
#include <linux/fs.h>
#include <sys/xattr.h>

#include "proto.h"
#include "proto_samples.h"

/* The wire carries the kernel's own flag values (see proto.c). */
_Static_assert(FALLOC_FL_KEEP_SIZE == 0x01 && FALLOC_FL_UNSHARE_RANGE == 0x40,
	       "fallocate flags changed value");
_Static_assert(RENAME_NOREPLACE == 0x1 && RENAME_EXCHANGE == 0x2,
	       "rename flags changed value");
_Static_assert(XATTR_CREATE == 0x1 && XATTR_REPLACE == 0x2,
	       "xattr flags changed value");

#define BUF_MAX (PROTO_MAX_MSG + 64)

/* Per-run fixture: the samples plus scratch buffers. */
struct fx {
	struct proto_samples ps;
	uint8_t enc[BUF_MAX];
	uint8_t enc2[BUF_MAX];
	uint8_t work[BUF_MAX];
};

static int group_setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	proto_samples_init(&fx->ps);
	*state = fx;
	return 0;
}

static int group_teardown(void **state)
{
	free(*state);
	return 0;
}

static size_t encode_ok(const struct proto_msg *m, uint8_t *buf)
{
	long n = proto_encode(m, buf, BUF_MAX);

	if (n < 0)
		fail_msg("encode type %u: %ld", m->type, n);
	return (size_t)n;
}

/* Decoding a corrupted buffer either fails with a documented code or
 * gives a message that encodes back to exactly the same bytes. */
static int decode_checked(struct fx *fx, const uint8_t *buf, size_t len)
{
	struct proto_msg m;
	int rc = proto_decode(buf, len, &m);
	long n;

	if (rc == 0) {
		n = proto_encode(&m, fx->enc2, BUF_MAX);
		assert_int_equal(n, (long)len);
		/* memcmp: cmocka's byte-wise compare is slow on big buffers */
		if (memcmp(fx->enc2, buf, len))
			fail_msg("type %u decodes but re-encodes differently",
				 m.type);
		return 0;
	}
	if (rc != -EBADMSG && rc != -EINVAL && rc != -EPROTONOSUPPORT &&
	    rc != -EOPNOTSUPP)
		fail_msg("undocumented decode error %d", rc);
	return rc;
}

static void put16(uint8_t *p, unsigned int v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v & 0xffff);
	put16(p + 2, v >> 16);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Replace in[off, off + old_n) by rep (rep_n bytes) into out, fix up the
 * header's body length; returns the new total length. */
static size_t splice(const uint8_t *in, size_t len, size_t off, size_t old_n,
		     const void *rep, size_t rep_n, uint8_t *out)
{
	size_t n = off + rep_n + (len - off - old_n);

	assert_true(n <= BUF_MAX);
	memmove(out, in, off);
	memmove(out + off + rep_n, in + off + old_n, len - off - old_n);
	memcpy(out + off, rep, rep_n);
	put32(out + 12, (uint32_t)(n - PROTO_HDR_SIZE));
	return n;
}

/* Replace the wire string at off (u16 len + bytes + NUL) by s[0..n). */
static size_t splice_str(const uint8_t *in, size_t len, size_t off,
			 const char *s, size_t n, uint8_t *out)
{
	static uint8_t tmp[2 + 65536 + 1];
	size_t old_n = 2 + (in[off] | in[off + 1] << 8) + 1;

	put16(tmp, (unsigned int)n);
	memcpy(tmp + 2, s, n);
	tmp[2 + n] = 0;
	return splice(in, len, off, old_n, tmp, n + 3, out);
}

/* Replace the data blob (always the last field, old_n bytes) by
 * d[0..n). */
static size_t splice_data(const uint8_t *in, size_t len, size_t old_n,
			  const void *d, size_t n, uint8_t *out)
{
	static uint8_t tmp[4 + PROTO_MAX_MSG];
	size_t off = len - old_n - 4;

	assert_int_equal(get32(in + off), old_n);
	put32(tmp, (uint32_t)n);
	memcpy(tmp + 4, d, n);
	return splice(in, len, off, old_n + 4, tmp, n + 4, out);
}

/* ---- round trips ---- */

static void test_roundtrip_every_sample(void **state)
{
	struct fx *fx = *state;
	size_t i;

	for (i = 0; i < fx->ps.n; i++) {
		const struct proto_msg *m = &fx->ps.s[i].msg;
		struct proto_msg d;
		long size = proto_encoded_size(m);
		size_t n;
		const char *diff;

		if (size < PROTO_HDR_SIZE)
			fail_msg("%s: size %ld", fx->ps.s[i].label, size);
		n = encode_ok(m, fx->enc);
		assert_int_equal(n, size);
		assert_int_equal(proto_encode(m, fx->work, n - 1), -EMSGSIZE);
		assert_int_equal(proto_encode(m, NULL, 0), -EMSGSIZE);
		assert_int_equal(proto_decode(fx->enc, n, &d), 0);
		diff = proto_msg_diff(m, &d);
		if (diff)
			fail_msg("%s: %s differs", fx->ps.s[i].label, diff);
		/* decoded strings and data point into the buffer */
		if (d.path)
			assert_true((const uint8_t *)d.path > fx->enc &&
				    (const uint8_t *)d.path < fx->enc + n);
		if (d.data)
			assert_true(d.data > fx->enc && d.data < fx->enc + n);
		assert_int_equal(proto_encode(&d, fx->enc2, BUF_MAX), n);
		assert_true(memcmp(fx->enc, fx->enc2, n) == 0);
	}
}

static void test_every_type_has_samples(void **state)
{
	struct fx *fx = *state;
	unsigned int t, known = 0;
	size_t i;

	for (t = 0; t < PROTO_T_MAX + 10; t++) {
		int seen = 0;

		if (!strcmp(proto_type_name(t), "?"))
			continue;
		known++;
		for (i = 0; i < fx->ps.n; i++)
			seen |= fx->ps.s[i].msg.type == t;
		if (!seen)
			fail_msg("no sample for %s", proto_type_name(t));
	}
	/* 16 ops, 5 control, 13 sync */
	assert_int_equal(known, 34);
}

/* The layout doc/protocol.md describes, byte by byte. */
static void test_golden_layout(void **state)
{
	struct fx *fx = *state;
	static const uint8_t unlink_wire[] = {
		0x48,
		0x4d,
		0x52,
		0x31, /* magic "HMR1" */
		0x01,
		0x00, /* version */
		0x07,
		0x00, /* type OP_UNLINK */
		0x00,
		0x00, /* flags */
		0x02,
		0x00, /* dir */
		22,
		0,
		0,
		0, /* body length */
		0x08,
		0x07,
		0x06,
		0x05,
		0x04,
		0x03,
		0x02,
		0x01, /* seq */
		0,
		0,
		0,
		0,
		0,
		0,
		0,
		0, /* reserved */
		/* body: path */
		3,
		0,
		'a',
		'/',
		'b',
		0,
		/* ptimes: mask MTIME, mtime sec, nsec */
		0x20,
		0,
		0,
		0,
		0xff,
		0xff,
		0xff,
		0xff,
		0xff,
		0xff,
		0xff,
		0xff,
		0x10,
		0,
		0,
		0,
	};
	static const uint8_t state_wire_body[] = {
		4,  0,	0,  0, /* role PRIM */
		1,  0,	0,  0, /* flags UPTODATE */
		0,  1,	2,  3,	4,  5,	6,    7,    8, 9,
		10, 11, 12, 13, 14, 15, 0xe8, 0x03, 0, 0, /* permille 1000 */
	};
	struct proto_msg m = { 0 };
	unsigned int i;
	size_t n;

	m.type = PROTO_OP_UNLINK;
	m.dir = 2;
	m.seq = 0x0102030405060708ull;
	m.path = "a/b";
	m.ptimes.mask = PROTO_A_MTIME;
	m.ptimes.mtime_sec = -1;
	m.ptimes.mtime_nsec = 16;
	n = encode_ok(&m, fx->enc);
	assert_int_equal(n, sizeof(unlink_wire));
	assert_memory_equal(fx->enc, unlink_wire, n);

	memset(&m, 0, sizeof(m));
	m.type = PROTO_CTL_STATE;
	m.state.role = PROTO_ROLE_PRIM;
	m.state.flags = PROTO_ST_UPTODATE;
	for (i = 0; i < 16; i++)
		m.state.gen[i] = (uint8_t)i;
	m.state.sync_permille = 1000;
	n = encode_ok(&m, fx->enc);
	assert_int_equal(n, PROTO_HDR_SIZE + sizeof(state_wire_body));
	assert_memory_equal(fx->enc + PROTO_HDR_SIZE, state_wire_body,
			    sizeof(state_wire_body));

	/* an ACK is a bare header */
	memset(&m, 0, sizeof(m));
	m.type = PROTO_CTL_ACK;
	assert_int_equal(proto_encoded_size(&m), PROTO_HDR_SIZE);

	/* sync messages start with target u32 and sync_id u64 */
	memset(&m, 0, sizeof(m));
	m.type = PROTO_SYNC_END;
	m.target = 0x11223344;
	m.sync_id = 0x5566778899aabbccull;
	n = encode_ok(&m, fx->enc);
	assert_int_equal(n, PROTO_HDR_SIZE + 12);
	assert_int_equal(get32(fx->enc + 32), 0x11223344);
	assert_int_equal(get32(fx->enc + 36), 0x99aabbcc);
}

/* ---- truncation and trailing bytes ---- */

static void test_truncated_prefixes(void **state)
{
	struct fx *fx = *state;
	struct proto_msg d;
	size_t i, k, n;

	for (i = 0; i < fx->ps.n; i++) {
		n = encode_ok(&fx->ps.s[i].msg, fx->enc);
		for (k = 0; k < n; k++) {
			if (n <= 16384) {
				/* exact-size copy so ASan sees any over-read */
				uint8_t *p = malloc(k ? k : 1);

				assert_non_null(p);
				memcpy(p, fx->enc, k);
				assert_int_equal(proto_decode(p, k, &d),
						 -EBADMSG);
				free(p);
			} else {
				assert_int_equal(proto_decode(fx->enc, k, &d),
						 -EBADMSG);
			}
		}
	}
}

/* A truncated body whose header agrees with it: the field parser itself
 * must notice. */
static void test_truncated_bodies(void **state)
{
	struct fx *fx = *state;
	struct proto_msg d;
	size_t i, k, n, step;

	for (i = 0; i < fx->ps.n; i++) {
		n = encode_ok(&fx->ps.s[i].msg, fx->enc);
		step = n > 16384 ? 61 : 1;
		for (k = PROTO_HDR_SIZE; k < n; k += step) {
			uint8_t *p = malloc(k);

			assert_non_null(p);
			memcpy(p, fx->enc, k);
			put32(p + 12, (uint32_t)(k - PROTO_HDR_SIZE));
			assert_int_equal(proto_decode(p, k, &d), -EBADMSG);
			free(p);
		}
	}
}

static void test_trailing_bytes(void **state)
{
	struct fx *fx = *state;
	struct proto_msg d;
	size_t i, n;

	for (i = 0; i < fx->ps.n; i++) {
		n = encode_ok(&fx->ps.s[i].msg, fx->enc);
		fx->enc[n] = 0;
		/* header unchanged, one byte more */
		assert_int_equal(proto_decode(fx->enc, n + 1, &d), -EBADMSG);
		/* header says so too */
		put32(fx->enc + 12, get32(fx->enc + 12) + 1);
		assert_int_equal(proto_decode(fx->enc, n + 1, &d), -EBADMSG);
	}
}

/* A pack (several messages in one CPG message): every sample after
 * another splits back into the same messages; a pack with any bad
 * length, a truncated last message or a bad message in it is refused
 * whole. */
static void test_packs(void **state)
{
	struct fx *fx = *state;
	size_t i, n, a, b, off;
	long f;

	for (i = 0; i + 1 < fx->ps.n; i++) {
		a = encode_ok(&fx->ps.s[i].msg, fx->enc);
		b = encode_ok(&fx->ps.s[i + 1].msg, fx->enc2);
		if (a + b > BUF_MAX)
			continue;
		memcpy(fx->work, fx->enc, a);
		memcpy(fx->work + a, fx->enc2, b);
		n = a + b;
		assert_int_equal(proto_frame_len(fx->work, n), (long)a);
		assert_int_equal(proto_frame_len(fx->work + a, b), (long)b);
		/* from the header alone, as the data link reads a frame */
		assert_int_equal(proto_hdr_frame_len(fx->work), (long)a);
		assert_int_equal(proto_hdr_frame_len(fx->work + a), (long)b);
		assert_int_equal(proto_pack_check(fx->work, n), 2);
		assert_int_equal(proto_pack_check(fx->work, a), 1);
		/* the second one cut short, or one byte too many */
		assert_int_equal(proto_pack_check(fx->work, n - 1), -EBADMSG);
		fx->work[n] = 0;
		assert_int_equal(proto_pack_check(fx->work, n + 1), -EBADMSG);
		/* the first one's length one more or one less */
		put32(fx->work + 12, get32(fx->enc + 12) + 1);
		assert_true(proto_pack_check(fx->work, n) < 0);
		put32(fx->work + 12, get32(fx->enc + 12) - 1);
		assert_true(proto_pack_check(fx->work, n) < 0);
		/* a length past the end */
		put32(fx->work + 12, 0xffffffffu);
		assert_int_equal(proto_frame_len(fx->work, n), -EBADMSG);
		assert_int_equal(proto_hdr_frame_len(fx->work), -EBADMSG);
		/* the longest a header may announce, and one more */
		put32(fx->work + 12, PROTO_MAX_MSG - PROTO_HDR_SIZE);
		assert_int_equal(proto_hdr_frame_len(fx->work),
				 (long)PROTO_MAX_MSG);
		assert_int_equal(proto_frame_len(fx->work, n), -EBADMSG);
		put32(fx->work + 12, PROTO_MAX_MSG - PROTO_HDR_SIZE + 1);
		assert_int_equal(proto_hdr_frame_len(fx->work), -EBADMSG);
		assert_int_equal(proto_pack_check(fx->work, n), -EBADMSG);
	}
	/* many back to back */
	for (off = 0, i = 0; i < fx->ps.n; i++) {
		a = encode_ok(&fx->ps.s[i].msg, fx->enc);
		if (off + a > BUF_MAX)
			break;
		memcpy(fx->work + off, fx->enc, a);
		off += a;
	}
	f = proto_pack_check(fx->work, off);
	assert_int_equal(f, (long)i);
	assert_int_equal(proto_pack_check(fx->work, 0), -EBADMSG);
	assert_int_equal(proto_frame_len(fx->work, PROTO_HDR_SIZE - 1),
			 -EBADMSG);
}

/* ---- corruption ---- */

static void test_header_corruption(void **state)
{
	struct fx *fx = *state;
	size_t i, n;
	unsigned int b, v;

	for (i = 0; i < fx->ps.n; i++) {
		n = encode_ok(&fx->ps.s[i].msg, fx->enc);
		for (b = 0; b < PROTO_HDR_SIZE; b++) {
			uint8_t orig = fx->enc[b];

			for (v = 0; v < 256; v++) {
				int rc;

				if (v == orig)
					continue;
				fx->enc[b] = (uint8_t)v;
				rc = decode_checked(fx, fx->enc, n);
				if (b < 4 || (b >= 12 && b < 16) || b >= 24)
					assert_int_equal(rc, -EBADMSG);
				else if (b == 4 || b == 5)
					assert_int_equal(rc, -EPROTONOSUPPORT);
				else if (b >= 16 && b < 24)
					assert_int_equal(rc, 0); /* seq */
			}
			fx->enc[b] = orig;
		}
	}
}

static void test_unknown_type_and_version(void **state)
{
	struct fx *fx = *state;
	static const unsigned int bad_types[] = { 0,  17,  18,	63,    69,
						  95, 109, 200, 0xffff };
	struct proto_msg m = { 0 }, d;
	size_t n, i;

	m.type = PROTO_CTL_ACK;
	n = encode_ok(&m, fx->enc);
	for (i = 0; i < sizeof(bad_types) / sizeof(bad_types[0]); i++) {
		put16(fx->enc + 6, bad_types[i]);
		assert_int_equal(proto_decode(fx->enc, n, &d), -EOPNOTSUPP);
		m.type = (uint16_t)bad_types[i];
		assert_int_equal(proto_encode(&m, fx->work, BUF_MAX), -EINVAL);
		assert_int_equal(proto_encoded_size(&m), -EINVAL);
		assert_string_equal(proto_type_name(bad_types[i]), "?");
	}
	put16(fx->enc + 6, PROTO_CTL_ACK);
	assert_int_equal(proto_decode(fx->enc, n, &d), 0);
	put16(fx->enc + 4, 2);
	assert_int_equal(proto_decode(fx->enc, n, &d), -EPROTONOSUPPORT);
	put16(fx->enc + 4, 0);
	assert_int_equal(proto_decode(fx->enc, n, &d), -EPROTONOSUPPORT);
	/* unknown version wins over unknown type */
	put16(fx->enc + 6, 0xffff);
	assert_int_equal(proto_decode(fx->enc, n, &d), -EPROTONOSUPPORT);
	/* bad magic wins over both */
	fx->enc[0] ^= 1;
	assert_int_equal(proto_decode(fx->enc, n, &d), -EBADMSG);
	assert_int_equal(proto_decode(NULL, 0, &d), -EBADMSG);
}

/* Every byte of every body, each bit flipped and a few values, or all
 * 256 values where it is (or may be) a length: rejected with a documented
 * code, or decodes to what re-encodes identically. */
static void test_body_corruption(void **state)
{
	static const uint8_t vals[] = { 0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff };
	struct fx *fx = *state;
	size_t i, n, b;
	unsigned int k;

	for (i = 0; i < fx->ps.n; i++) {
		size_t data_start;

		n = encode_ok(&fx->ps.s[i].msg, fx->enc);
		data_start = n - fx->ps.s[i].msg.data_len;
		for (b = PROTO_HDR_SIZE; b < n; b++) {
			uint8_t orig = fx->enc[b];
			/* small messages, the first field (the path's length
			 * or the sync target) and the data length */
			int all = n <= 256 || b < PROTO_HDR_SIZE + 14 ||
				  (fx->ps.s[i].msg.data_len &&
				   b + 4 >= data_start && b < data_start);

			/* in big messages, the rest is more of the same:
			 * every byte would take minutes */
			if (!all && n > 4096 && b > PROTO_HDR_SIZE + 256 &&
			    b + 8 < n)
				continue;
			for (k = 0; k < (all ? 256 : 8 + sizeof(vals)); k++) {
				if (all)
					fx->enc[b] = (uint8_t)k;
				else
					fx->enc[b] =
						k < 8 ? orig ^ (uint8_t)(1u
									 << k) :
							vals[k - 8];
				if (fx->enc[b] != orig)
					decode_checked(fx, fx->enc, n);
			}
			fx->enc[b] = orig;
		}
	}
}

/* ---- validation ---- */

static const char *const bad_paths[] = {
	"/abs", "a//b", "a/../b", ".",	  "..",	  "a/",
	"/",	"./a",	"a/.",	  "../a", "a/..", "//",
};

/* Encode with a good path, then splice the bad one into the wire. */
static void check_path_field(struct fx *fx, struct proto_msg *m,
			     const char **field, size_t wire_off,
			     const char *bad, size_t bad_len)
{
	const char *good = *field;
	struct proto_msg d;
	size_t n, n2;

	*field = bad;
	assert_int_equal(proto_encoded_size(m), -EINVAL);
	assert_int_equal(proto_encode(m, fx->enc, BUF_MAX), -EINVAL);
	*field = good;
	n = encode_ok(m, fx->enc);
	n2 = splice_str(fx->enc, n, wire_off, bad, bad_len, fx->work);
	assert_int_equal(proto_decode(fx->work, n2, &d), -EINVAL);
}

static void test_bad_paths(void **state)
{
	struct fx *fx = *state;
	char long_path[PROTO_MAX_PATH + 2];
	char long_name[PROTO_MAX_NAME + 2];
	struct proto_msg m = { 0 };
	size_t i;

	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[PROTO_MAX_PATH + 1] = 0;
	for (i = 100; i < PROTO_MAX_PATH; i += 100)
		long_path[i] = '/';
	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[PROTO_MAX_NAME + 1] = 0;

	for (i = 0; i <= sizeof(bad_paths) / sizeof(bad_paths[0]) + 2; i++) {
		const char *bad;

		if (i < sizeof(bad_paths) / sizeof(bad_paths[0]))
			bad = bad_paths[i];
		else if (i == sizeof(bad_paths) / sizeof(bad_paths[0]))
			bad = long_path; /* 4096 bytes */
		else if (i == sizeof(bad_paths) / sizeof(bad_paths[0]) + 1)
			bad = long_name; /* one component of 256 */
		else
			bad = "x/y/"; /* empty last component */
		assert_int_equal(proto_path_valid(bad, strlen(bad)), -EINVAL);

		/* path of an op */
		memset(&m, 0, sizeof(m));
		m.type = PROTO_OP_UNLINK;
		m.path = "ok";
		check_path_field(fx, &m, &m.path, PROTO_HDR_SIZE, bad,
				 strlen(bad));
		/* path of a type that accepts the root */
		m.type = PROTO_OP_SETATTR;
		check_path_field(fx, &m, &m.path, PROTO_HDR_SIZE, bad,
				 strlen(bad));
		/* path2 of a rename: after "ok" */
		memset(&m, 0, sizeof(m));
		m.type = PROTO_OP_RENAME;
		m.path = "ok";
		m.path2 = "ok2";
		check_path_field(fx, &m, &m.path2, PROTO_HDR_SIZE + 2 + 3, bad,
				 strlen(bad));
		/* path of a sync message: after target and sync_id */
		memset(&m, 0, sizeof(m));
		m.type = PROTO_SYNC_HARDLINK;
		m.path = "a";
		m.path2 = "b";
		check_path_field(fx, &m, &m.path, PROTO_HDR_SIZE + 12, bad,
				 strlen(bad));
	}

	/* NUL inside a wire string: the string is malformed */
	{
		struct proto_msg d;
		size_t n, n2;

		memset(&m, 0, sizeof(m));
		m.type = PROTO_OP_UNLINK;
		m.path = "ok";
		n = encode_ok(&m, fx->enc);
		n2 = splice_str(fx->enc, n, PROTO_HDR_SIZE, "a\0b", 3,
				fx->work);
		assert_int_equal(proto_decode(fx->work, n2, &d), -EBADMSG);
		/* missing terminating NUL */
		fx->enc[PROTO_HDR_SIZE + 2 + 2] = 'x';
		assert_int_equal(proto_decode(fx->enc, n, &d), -EBADMSG);
	}
	assert_int_equal(proto_path_valid("a\0b", 3), -EINVAL);
	assert_int_equal(proto_path_valid(NULL, 0), -EINVAL);
}

static void test_good_paths(void **state)
{
	static const char *const good[] = {
		"a", "a/b", "...", ".a/..b/a..", "a b/c\tc", "\xff\x01",
	};
	struct fx *fx = *state;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(proto_path_valid(good[i], strlen(good[i])), 0);
	assert_int_equal(proto_path_valid("", 0), 0);
	assert_int_equal(proto_path_valid(fx->ps.max_path, PROTO_MAX_PATH), 0);
	/* length is what counts, not the NUL */
	assert_int_equal(proto_path_valid("a/b/..", 3), 0);
}

/* "" (the root) only where the root can be the object. */
static void test_root_path(void **state)
{
	struct fx *fx = *state;
	size_t i, n, n2;

	for (i = 0; i < fx->ps.n; i++) {
		struct proto_msg m = fx->ps.s[i].msg, d;
		int root_ok, sync;

		if (!m.path)
			continue;
		switch (m.type) {
		case PROTO_OP_SETATTR:
		case PROTO_OP_SETXATTR:
		case PROTO_OP_REMOVEXATTR:
		case PROTO_OP_FSYNC:
		case PROTO_SYNC_DIR:
		case PROTO_SYNC_ATTR:
		case PROTO_SYNC_XATTRS:
		case PROTO_SYNC_RESEND:
			root_ok = 1;
			break;
		default:
			root_ok = 0;
		}
		/* target and sync_id come before the path */
		sync = m.type >= PROTO_SYNC_BEGIN || m.type == PROTO_CTL_RELINK;
		n = encode_ok(&m, fx->enc);
		m.path = "";
		if (root_ok) {
			assert_true(proto_encoded_size(&m) > 0);
		} else {
			assert_int_equal(proto_encoded_size(&m), -EINVAL);
		}
		n2 = splice_str(fx->enc, n, PROTO_HDR_SIZE + (sync ? 12 : 0),
				"", 0, fx->work);
		assert_int_equal(proto_decode(fx->work, n2, &d),
				 root_ok ? 0 : -EINVAL);
		/* path2 may never be the root */
		if (m.path2 && m.type != PROTO_OP_SYMLINK &&
		    m.type != PROTO_SYNC_SYMLINK) {
			m.path = "x";
			m.path2 = "";
			assert_int_equal(proto_encoded_size(&m), -EINVAL);
		}
	}
}

static void test_symlink_targets(void **state)
{
	struct fx *fx = *state;
	char too_long[PROTO_MAX_PATH + 2];
	struct proto_msg m = { 0 }, d;
	size_t n, n2;

	m.type = PROTO_OP_SYMLINK;
	m.path = "l";
	m.path2 = "/";
	assert_true(proto_encoded_size(&m) > 0);
	m.path2 = "..";
	assert_true(proto_encoded_size(&m) > 0);
	m.path2 = "";
	assert_int_equal(proto_encoded_size(&m), -EINVAL);
	memset(too_long, 't', sizeof(too_long) - 1);
	too_long[PROTO_MAX_PATH + 1] = 0;
	m.path2 = too_long;
	assert_int_equal(proto_encoded_size(&m), -EINVAL);
	m.path2 = NULL;
	assert_int_equal(proto_encoded_size(&m), -EINVAL);

	m.path2 = "t";
	n = encode_ok(&m, fx->enc);
	n2 = splice_str(fx->enc, n, PROTO_HDR_SIZE + 2 + 1 + 1, "", 0,
			fx->work);
	assert_int_equal(proto_decode(fx->work, n2, &d), -EINVAL);
	n2 = splice_str(fx->enc, n, PROTO_HDR_SIZE + 2 + 1 + 1, too_long,
			PROTO_MAX_PATH + 1, fx->work);
	assert_int_equal(proto_decode(fx->work, n2, &d), -EINVAL);
	n2 = splice_str(fx->enc, n, PROTO_HDR_SIZE + 2 + 1 + 1, too_long,
			PROTO_MAX_PATH, fx->work);
	assert_int_equal(proto_decode(fx->work, n2, &d), 0);
	/* the link itself is a path */
	m.path = "/l";
	assert_int_equal(proto_encoded_size(&m), -EINVAL);
}

/* The encoder refuses m as invalid. */
#define EXPECT_EINVAL(m) assert_int_equal(proto_encoded_size(&(m)), -EINVAL)

static void test_data_limits(void **state)
{
	struct fx *fx = *state;
	struct proto_msg m = { 0 }, d;
	static uint8_t big[PROTO_MAX_DATA + PROTO_SUM_SIZE];
	size_t n, n2;

	m.type = PROTO_OP_WRITE;
	m.path = "f";
	m.data = big;
	m.data_len = PROTO_MAX_DATA + 1;
	EXPECT_EINVAL(m);
	m.data_len = PROTO_MAX_DATA;
	n = encode_ok(&m, fx->enc);
	n2 = splice_data(fx->enc, n, PROTO_MAX_DATA, big, PROTO_MAX_DATA + 1,
			 fx->work);
	assert_int_equal(proto_decode(fx->work, n2, &d), -EINVAL);
	m.data = NULL; /* data_len without data */
	EXPECT_EINVAL(m);
	/* byte range beyond off_t */
	m.data = big;
	m.data_len = 2;
	m.offset = INT64_MAX - 1;
	EXPECT_EINVAL(m);
	m.offset = INT64_MAX - 2;
	assert_true(proto_encoded_size(&m) > 0);

	/* offsets and lengths are off_t on the other side */
	memset(&m, 0, sizeof(m));
	m.type = PROTO_OP_TRUNCATE;
	m.path = "f";
	m.length = (uint64_t)INT64_MAX + 1;
	EXPECT_EINVAL(m);
	m.length = INT64_MAX;
	n = encode_ok(&m, fx->enc);
	fx->enc[PROTO_HDR_SIZE + 4 + 7] = 0x80; /* length's top byte */
	assert_int_equal(proto_decode(fx->enc, n, &d), -EINVAL);
	memset(&m, 0, sizeof(m));
	m.type = PROTO_SYNC_SUMS;
	m.path = "f";
	m.offset = UINT64_MAX;
	EXPECT_EINVAL(m);
	m.offset = INT64_MAX;
	assert_true(proto_encoded_size(&m) > 0);
	m.type = PROTO_OP_FALLOCATE;
	m.sync_id = 0;
	m.offset = INT64_MAX - 5;
	m.length = 6;
	EXPECT_EINVAL(m);
	m.length = 5;
	assert_true(proto_encoded_size(&m) > 0);

	m.type = PROTO_SYNC_DATA;
	m.path = "f";
	m.data = big;
	m.offset = 0;
	m.data_len = PROTO_MAX_DATA + 1;
	EXPECT_EINVAL(m);

	memset(&m, 0, sizeof(m));
	m.type = PROTO_OP_SETXATTR;
	m.path = "f";
	m.name = "user.x";
	m.data = big;
	m.data_len = PROTO_MAX_XATTR_VALUE + 1;
	EXPECT_EINVAL(m);
	m.data_len = 1;
	n = encode_ok(&m, fx->enc);
	n2 = splice_data(fx->enc, n, 1, big, PROTO_MAX_XATTR_VALUE + 1,
			 fx->work);
	assert_int_equal(proto_decode(fx->work, n2, &d), -EINVAL);
	m.name = "";
	EXPECT_EINVAL(m);
	m.name = fx->ps.max_xname;
	assert_true(proto_encoded_size(&m) > 0);
	{
		char name[PROTO_MAX_XATTR_NAME + 2];

		memset(name, 'u', sizeof(name) - 1);
		name[sizeof(name) - 1] = 0;
		m.name = name;
		EXPECT_EINVAL(m);
	}
	m.name = NULL;
	EXPECT_EINVAL(m);

	memset(&m, 0, sizeof(m));
	m.type = PROTO_SYNC_SUMS;
	m.path = "f";
	m.data = big;
	m.data_len = PROTO_SUM_SIZE + 1;
	EXPECT_EINVAL(m);
	m.data_len = (PROTO_MAX_SUMS + 1) * PROTO_SUM_SIZE;
	EXPECT_EINVAL(m);
	m.data_len = PROTO_SUM_SIZE;
	n = encode_ok(&m, fx->enc);
	n2 = splice_data(fx->enc, n, PROTO_SUM_SIZE, big, PROTO_SUM_SIZE - 1,
			 fx->work);
	assert_int_equal(proto_decode(fx->work, n2, &d), -EINVAL);

	m.type = PROTO_SYNC_NEED;
	m.data_len = PROTO_MAX_DATA + 1;
	EXPECT_EINVAL(m);
	m.data_len = 3;
	assert_true(proto_encoded_size(&m) > 0);
}

static void test_dir_names(void **state)
{
	struct fx *fx = *state;
	static const struct {
		const char *bytes;
		size_t len;
		int rc;
	} cases[] = {
		{ "a\0b\0", 4, 0 },
		{ "a\0b", 3, -EBADMSG }, /* last name not terminated */
		{ "\0", 1, -EINVAL },	 /* empty name */
		{ "a\0\0", 3, -EINVAL },
		{ ".\0", 2, -EINVAL },
		{ "..\0", 3, -EINVAL },
		{ "a/b\0", 4, -EINVAL },
		{ "/\0", 2, -EINVAL },
		{ "...\0.a\0", 7, 0 },
	};
	static uint8_t many[PROTO_MAX_MSG];
	char long_name[PROTO_MAX_NAME + 2];
	struct proto_msg m = { 0 }, d;
	size_t i, n, n2;
	uint32_t pos;

	m.type = PROTO_SYNC_DIR;
	m.path = "d";
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		m.data = (const uint8_t *)cases[i].bytes;
		m.data_len = (uint32_t)cases[i].len;
		assert_int_equal(proto_encoded_size(&m),
				 cases[i].rc ?
					 -EINVAL :
					 (long)(PROTO_HDR_SIZE + 12 + 4 + 4 +
						4 + 4 + 4 + cases[i].len));
		m.data = (const uint8_t *)"x";
		m.data_len = 2;
		n = encode_ok(&m, fx->enc);
		n2 = splice_data(fx->enc, n, 2, cases[i].bytes, cases[i].len,
				 fx->work);
		assert_int_equal(proto_decode(fx->work, n2, &d), cases[i].rc);
	}
	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[PROTO_MAX_NAME + 1] = 0;
	m.data = (const uint8_t *)long_name;
	m.data_len = PROTO_MAX_NAME + 2;
	EXPECT_EINVAL(m);
	m.data_len = PROTO_MAX_NAME + 1;
	long_name[PROTO_MAX_NAME] = 0;
	assert_true(proto_encoded_size(&m) > 0);

	/* listings up to and over the message limit: 4-byte entries */
	pos = 0;
	while (proto_dir_put(many, sizeof(many), &pos, "abc") == 0)
		;
	assert_int_equal(pos, sizeof(many));
	m.data = many;
	m.data_len = PROTO_MAX_MSG - 64; /* 64: header and other fields */
	assert_int_equal(proto_encoded_size(&m), PROTO_MAX_MSG);
	n = encode_ok(&m, fx->enc);
	assert_int_equal(proto_decode(fx->enc, n, &d), 0);
	m.data_len += 4;
	assert_int_equal(proto_encoded_size(&m), -EMSGSIZE);
	assert_int_equal(proto_encode(&m, fx->enc, BUF_MAX), -EMSGSIZE);
	m.data_len = PROTO_MAX_MSG;
	assert_int_equal(proto_encoded_size(&m), -EMSGSIZE);
}

static void test_xattr_list(void **state)
{
	struct fx *fx = *state;
	static const struct {
		const char *bytes;
		size_t len;
		int rc;
	} cases[] = {
		{ "\1\0a\0\0\0\0\0", 8, 0 },
		{ "\1\0a\0\1\0\0\0v", 9, 0 },
		{ "\1\0a\0\1\0\0\0", 8, -EBADMSG }, /* value cut */
		{ "\1\0a\0\0\0\0", 7, -EBADMSG },   /* length cut */
		{ "\1\0a", 3, -EBADMSG },	    /* name cut */
		{ "\1", 1, -EBADMSG },
		{ "\1\0ab\0\0\0\0", 8, -EBADMSG },    /* no NUL */
		{ "\2\0a\0\0\0\0\0\0", 9, -EBADMSG }, /* NUL inside */
		{ "\0\0\0\0\0\0\0", 7, -EINVAL },     /* empty name */
		{ "\1\0a\0\0\0\0\0\1\0b\0\0\0\0\0", 16, 0 },
	};
	struct proto_msg m = { 0 }, d;
	const char *name;
	const uint8_t *val;
	uint32_t vlen, pos;
	size_t i, n, n2;

	m.type = PROTO_SYNC_XATTRS;
	m.path = "f";
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		m.data = (const uint8_t *)cases[i].bytes;
		m.data_len = (uint32_t)cases[i].len;
		if (cases[i].rc)
			EXPECT_EINVAL(m);
		else
			assert_true(proto_encoded_size(&m) > 0);
		m.data = NULL;
		m.data_len = 0;
		n = encode_ok(&m, fx->enc);
		n2 = splice_data(fx->enc, n, 0, cases[i].bytes, cases[i].len,
				 fx->work);
		assert_int_equal(proto_decode(fx->work, n2, &d), cases[i].rc);
	}

	/* a value one byte over the limit */
	memset(fx->enc2, 0, PROTO_MAX_XATTR_VALUE + 16);
	memcpy(fx->enc2, "\1\0a\0", 4);
	put32(fx->enc2 + 4, PROTO_MAX_XATTR_VALUE + 1);
	m.data = fx->enc2;
	m.data_len = 8 + PROTO_MAX_XATTR_VALUE + 1;
	EXPECT_EINVAL(m);
	m.data = NULL;
	m.data_len = 0;
	n = encode_ok(&m, fx->enc);
	n2 = splice_data(fx->enc, n, 0, fx->enc2, 8 + PROTO_MAX_XATTR_VALUE + 1,
			 fx->work);
	assert_int_equal(proto_decode(fx->work, n2, &d), -EINVAL);
	put32(fx->enc2 + 4, PROTO_MAX_XATTR_VALUE);
	n2 = splice_data(fx->enc, n, 0, fx->enc2, 8 + PROTO_MAX_XATTR_VALUE,
			 fx->work);
	assert_int_equal(proto_decode(fx->work, n2, &d), 0);

	/* the iterator over the sample list */
	for (i = 0; i < fx->ps.n; i++)
		if (fx->ps.s[i].msg.type == PROTO_SYNC_XATTRS &&
		    fx->ps.s[i].msg.data_len)
			break;
	assert_true(i < fx->ps.n);
	n = encode_ok(&fx->ps.s[i].msg, fx->enc);
	assert_int_equal(proto_decode(fx->enc, n, &d), 0);
	pos = 0;
	assert_int_equal(proto_xattrs_next(&d, &pos, &name, &val, &vlen), 1);
	assert_string_equal(name, "user.a");
	assert_int_equal(vlen, 4);
	assert_memory_equal(val, "\0\1\2\xff", 4);
	assert_int_equal(proto_xattrs_next(&d, &pos, &name, &val, &vlen), 1);
	assert_string_equal(name, "security.selinux");
	assert_int_equal(vlen, 0);
	assert_null(val);
	assert_int_equal(proto_xattrs_next(&d, &pos, &name, &val, &vlen), 1);
	assert_string_equal(name, fx->ps.max_xname);
	assert_int_equal(vlen, PROTO_MAX_XATTR_VALUE);
	assert_memory_equal(val, fx->ps.data, PROTO_MAX_XATTR_VALUE);
	assert_int_equal(proto_xattrs_next(&d, &pos, &name, &val, &vlen), 0);
	assert_int_equal(pos, d.data_len);
	/* not an xattr list */
	pos = 0;
	d.type = PROTO_SYNC_DIR;
	assert_int_equal(proto_xattrs_next(&d, &pos, &name, &val, &vlen), 0);

	/* builder errors */
	pos = 0;
	assert_int_equal(proto_xattrs_put(fx->work, 10, &pos, "", NULL, 0),
			 -EINVAL);
	assert_int_equal(proto_xattrs_put(fx->work, 10, &pos, "user.long", NULL,
					  0),
			 -EMSGSIZE);
	assert_int_equal(proto_xattrs_put(fx->work, BUF_MAX, &pos, "u",
					  fx->work, PROTO_MAX_XATTR_VALUE + 1),
			 -EINVAL);
	assert_int_equal(pos, 0);
}

static void test_dir_iterator(void **state)
{
	struct fx *fx = *state;
	struct proto_msg d;
	const char *name;
	uint32_t pos = 0;
	size_t i, n;

	for (i = 0; i < fx->ps.n; i++)
		if (fx->ps.s[i].msg.type == PROTO_SYNC_DIR &&
		    fx->ps.s[i].msg.data_len)
			break;
	n = encode_ok(&fx->ps.s[i].msg, fx->enc);
	assert_int_equal(proto_decode(fx->enc, n, &d), 0);
	assert_string_equal(proto_dir_next(&d, &pos), "a");
	assert_string_equal(proto_dir_next(&d, &pos), ".hidden");
	assert_string_equal(proto_dir_next(&d, &pos), "...");
	name = proto_dir_next(&d, &pos);
	assert_non_null(name);
	assert_int_equal(strlen(name), PROTO_MAX_NAME);
	assert_null(proto_dir_next(&d, &pos));
	assert_null(proto_dir_next(&d, &pos));

	/* empty listing */
	memset(&d, 0, sizeof(d));
	d.type = PROTO_SYNC_DIR;
	pos = 0;
	assert_null(proto_dir_next(&d, &pos));

	/* builder refuses what the decoder would */
	pos = 0;
	assert_int_equal(proto_dir_put(fx->work, 100, &pos, "a/b"), -EINVAL);
	assert_int_equal(proto_dir_put(fx->work, 100, &pos, ".."), -EINVAL);
	assert_int_equal(proto_dir_put(fx->work, 100, &pos, ""), -EINVAL);
	assert_int_equal(proto_dir_put(fx->work, 2, &pos, "ab"), -EMSGSIZE);
	assert_int_equal(proto_dir_put(fx->work, 3, &pos, "ab"), 0);
	assert_int_equal(pos, 3);
}

static void test_attr_checks(void **state)
{
	struct fx *fx = *state;
	struct proto_msg m = { 0 }, d;
	size_t n;

	m.type = PROTO_OP_SETATTR;
	m.path = "f";
	m.attr.mask = PROTO_A_ALL + 1;
	EXPECT_EINVAL(m);
	m.attr.mask = 0x80000000u;
	EXPECT_EINVAL(m);
	m.attr.mask = PROTO_A_MTIME;
	m.attr.mtime_nsec = 1000000000;
	EXPECT_EINVAL(m);
	m.attr.mtime_nsec = 999999999;
	assert_true(proto_encoded_size(&m) > 0);
	m.attr.mask = PROTO_A_ATIME;
	m.attr.mtime_nsec = 0;
	m.attr.atime_nsec = 1000000000;
	EXPECT_EINVAL(m);
	m.attr.atime_nsec = 0;
	m.attr.mask = PROTO_A_MODE;
	m.attr.mode = 0200000;
	EXPECT_EINVAL(m);
	m.attr.mode = 0177777;
	assert_true(proto_encoded_size(&m) > 0);
	m.attr.mask = PROTO_A_SIZE;
	m.attr.mode = 0;
	m.attr.size = (uint64_t)INT64_MAX + 1;
	EXPECT_EINVAL(m);

	/* fields outside the mask do not travel and decode as zero */
	m.attr.size = 0;
	m.attr.mask = PROTO_A_UID;
	m.attr.uid = 5;
	m.attr.gid = 6;
	m.attr.mtime_sec = 7;
	n = encode_ok(&m, fx->enc);
	assert_int_equal(n, PROTO_HDR_SIZE + 2 + 1 + 1 + 4 + 4);
	assert_int_equal(proto_decode(fx->enc, n, &d), 0);
	assert_int_equal(d.attr.uid, 5);
	assert_int_equal(d.attr.gid, 0);
	assert_int_equal(d.attr.mtime_sec, 0);

	/* unknown mask bit on the wire: at body offset 4 */
	m.attr.mask = 0;
	n = encode_ok(&m, fx->enc);
	put32(fx->enc + PROTO_HDR_SIZE + 4, 0x40);
	assert_int_equal(proto_decode(fx->enc, n, &d), -EINVAL);
	/* nsec out of range on the wire */
	m.attr.mask = PROTO_A_MTIME;
	n = encode_ok(&m, fx->enc);
	put32(fx->enc + n - 4, 1000000000);
	assert_int_equal(proto_decode(fx->enc, n, &d), -EINVAL);

	/* a mode field too */
	memset(&m, 0, sizeof(m));
	m.type = PROTO_OP_MKDIR;
	m.path = "d";
	m.mode = 01000000;
	EXPECT_EINVAL(m);
}

static void test_state_checks(void **state)
{
	struct fx *fx = *state;
	struct proto_msg m = { 0 }, d;
	size_t n;

	m.type = PROTO_CTL_STATE;
	m.state.role = PROTO_ROLE_MAX;
	EXPECT_EINVAL(m);
	m.state.role = PROTO_ROLE_PRIM;
	m.state.sync_permille = 1001;
	EXPECT_EINVAL(m);
	m.state.sync_permille = 1000;
	m.state.flags = 0x4;
	EXPECT_EINVAL(m);
	m.state.flags = PROTO_ST_UPTODATE | PROTO_ST_SYNCING;
	n = encode_ok(&m, fx->enc);
	assert_int_equal(proto_decode(fx->enc, n, &d), 0);

	put32(fx->enc + PROTO_HDR_SIZE, PROTO_ROLE_MAX);
	assert_int_equal(proto_decode(fx->enc, n, &d), -EINVAL);
	put32(fx->enc + PROTO_HDR_SIZE, PROTO_ROLE_WAIT);
	put32(fx->enc + PROTO_HDR_SIZE + 24, 1001);
	assert_int_equal(proto_decode(fx->enc, n, &d), -EINVAL);
	put32(fx->enc + PROTO_HDR_SIZE + 24, 0);
	put32(fx->enc + PROTO_HDR_SIZE + 4, 8);
	assert_int_equal(proto_decode(fx->enc, n, &d), -EINVAL);
}

static void test_flags(void **state)
{
	struct fx *fx = *state;
	static const struct {
		unsigned int type;
		unsigned int ok, bad;
	} cases[] = {
		{ PROTO_OP_FSYNC, PROTO_F_DATASYNC, 0x2 },
		{ PROTO_OP_FALLOCATE, FALLOC_FL_UNSHARE_RANGE, 0x80 },
		{ PROTO_OP_FALLOCATE,
		  FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, 0x8000 },
		{ PROTO_OP_RENAME, RENAME_NOREPLACE, RENAME_WHITEOUT },
		{ PROTO_OP_RENAME, RENAME_EXCHANGE,
		  RENAME_EXCHANGE | RENAME_NOREPLACE },
		{ PROTO_OP_SETXATTR, XATTR_REPLACE, 0x4 },
		{ PROTO_OP_WRITE, 0, 0x1 },
		{ PROTO_CTL_ACK, 0, 0x1 },
		{ PROTO_SYNC_DATA, 0, 0x8000 },
	};
	size_t i, j, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (j = 0; j < fx->ps.n; j++)
			if (fx->ps.s[j].msg.type == cases[i].type)
				break;
		assert_true(j < fx->ps.n);
		{
			struct proto_msg m = fx->ps.s[j].msg, d;
			int both = cases[i].bad ==
				   (RENAME_EXCHANGE | RENAME_NOREPLACE);

			m.flags = (uint16_t)cases[i].ok;
			n = encode_ok(&m, fx->enc);
			assert_int_equal(proto_decode(fx->enc, n, &d), 0);
			assert_int_equal(d.flags, cases[i].ok);
			m.flags = (uint16_t)cases[i].bad;
			EXPECT_EINVAL(m);
			put16(fx->enc + 8, cases[i].bad);
			assert_int_equal(proto_decode(fx->enc, n, &d),
					 both ? -EINVAL : -EBADMSG);
		}
	}
}

/* Fields a type does not carry must be left empty by the caller. */
static void test_unused_fields(void **state)
{
	struct fx *fx = *state;
	unsigned int f;
	size_t i;

	for (i = 0; i < fx->ps.n; i++) {
		const struct proto_msg *orig = &fx->ps.s[i].msg;

		for (f = 0; f < 16; f++) {
			struct proto_msg m = *orig, d;
			const char *diff;
			long rc;

			switch (f) {
			case 0:
				m.target = 9;
				break;
			case 1:
				m.sync_id = 9;
				break;
			case 2:
				m.path = "p";
				break;
			case 3:
				m.path2 = "q";
				break;
			case 4:
				m.name = "user.n";
				break;
			case 5:
				m.offset = 9;
				break;
			case 6:
				m.length = 9;
				break;
			case 7:
				m.mode = 9;
				break;
			case 8:
				m.uid = 9;
				break;
			case 9:
				m.gid = 9;
				break;
			case 10:
				m.rdev = 9;
				break;
			case 11:
				m.attr.mask |= PROTO_A_GID;
				m.attr.gid = 9;
				break;
			case 12:
				m.ptimes.mask |= PROTO_A_UID;
				m.ptimes.uid = 9;
				break;
			case 13:
				m.ptimes2.mask |= PROTO_A_UID;
				m.ptimes2.uid = 9;
				break;
			case 14:
				m.state.gen[15] = 9;
				break;
			case 15:
				m.data = (const uint8_t *)"x\0";
				m.data_len = 2;
				break;
			}
			/* either the type refuses the field or it travels:
			 * nothing is dropped silently */
			rc = proto_encoded_size(&m);
			if (rc == -EINVAL)
				continue;
			if (rc < 0)
				fail_msg("%s field %u: %ld", fx->ps.s[i].label,
					 f, rc);
			assert_int_equal(proto_encode(&m, fx->enc, BUF_MAX),
					 rc);
			assert_int_equal(proto_decode(fx->enc, (size_t)rc, &d),
					 0);
			diff = proto_msg_diff(&m, &d);
			if (diff)
				fail_msg("%s field %u: %s dropped",
					 fx->ps.s[i].label, f, diff);
		}
	}
	/* the concrete refusals */
	{
		struct proto_msg m = { 0 };

		m.type = PROTO_CTL_ACK;
		m.path = "x";
		EXPECT_EINVAL(m);
		m.path = NULL;
		m.target = 1;
		EXPECT_EINVAL(m);
		m.target = 0;
		m.attr.uid = 1; /* outside the mask, but attr is unused */
		EXPECT_EINVAL(m);
		m.attr.uid = 0;
		m.type = PROTO_OP_UNLINK;
		m.path = "x";
		m.data_len = 1;
		m.data = (const uint8_t *)"x";
		EXPECT_EINVAL(m);
		m.data = NULL;
		m.data_len = 0;
		m.state.role = 1;
		EXPECT_EINVAL(m);
		m.state.role = 0;
		assert_true(proto_encoded_size(&m) > 0);
		m.path = NULL; /* a path is required */
		EXPECT_EINVAL(m);
	}
}

static void test_header_fields(void **state)
{
	struct fx *fx = *state;
	struct proto_msg m = { 0 }, d;
	size_t n;

	m.type = PROTO_OP_FSYNC;
	m.path = "f";
	m.dir = PROTO_MAX_DIRS;
	EXPECT_EINVAL(m);
	m.dir = PROTO_MAX_DIRS - 1;
	n = encode_ok(&m, fx->enc);
	assert_int_equal(proto_decode(fx->enc, n, &d), 0);
	assert_int_equal(d.dir, PROTO_MAX_DIRS - 1);
	put16(fx->enc + 10, PROTO_MAX_DIRS);
	assert_int_equal(proto_decode(fx->enc, n, &d), -EBADMSG);
	put16(fx->enc + 10, 0);
	fx->enc[31] = 1; /* reserved */
	assert_int_equal(proto_decode(fx->enc, n, &d), -EBADMSG);
	fx->enc[31] = 0;
	assert_int_equal(proto_decode(fx->enc, n, &d), 0);
	assert_int_equal(proto_encode(NULL, fx->enc, BUF_MAX), -EINVAL);
	assert_int_equal(proto_encoded_size(NULL), -EINVAL);
	/* too long for the hard limit even if the header agrees */
	memset(fx->work, 0, PROTO_MAX_MSG + 1);
	memcpy(fx->work, fx->enc, PROTO_HDR_SIZE);
	put32(fx->work + 12, PROTO_MAX_MSG + 1 - PROTO_HDR_SIZE);
	assert_int_equal(proto_decode(fx->work, PROTO_MAX_MSG + 1, &d),
			 -EBADMSG);
}

static void test_type_names(void **state)
{
	(void)state;
	assert_string_equal(proto_type_name(PROTO_OP_WRITE), "OP_WRITE");
	assert_string_equal(proto_type_name(PROTO_OP_FSYNC), "OP_FSYNC");
	assert_string_equal(proto_type_name(PROTO_CTL_STATE), "CTL_STATE");
	assert_string_equal(proto_type_name(PROTO_SYNC_END), "SYNC_END");
	assert_string_equal(proto_type_name(PROTO_SYNC_XATTRS), "SYNC_XATTRS");
	assert_string_equal(proto_type_name(PROTO_T_NONE), "?");
	assert_string_equal(proto_type_name(PROTO_T_MAX), "?");
	assert_string_equal(proto_type_name(~0u), "?");
	assert_false(proto_is_op(PROTO_T_NONE));
	assert_true(proto_is_op(PROTO_OP_WRITE));
	assert_true(proto_is_op(PROTO_OP_LAST));
	assert_false(proto_is_op(PROTO_OP_LAST + 1));
	assert_false(proto_is_op(PROTO_CTL_ACK));
	assert_false(proto_is_op(PROTO_SYNC_DATA));
}

/* proto_rename_path: where a path ends up after a rename */
static void test_rename_path(void **state)
{
	static const struct {
		const char *from, *to;
		unsigned int flags;
		const char *p, *want; /* want NULL: gone */
		int rc;
	} cases[] = {
		{ "a", "b", 0, "a", "b", 1 },
		{ "a", "b", 0, "a/x/y", "b/x/y", 1 },
		{ "a", "b", 0, "ab", NULL, 0 },	  /* not below a */
		{ "a", "b", 0, "b", NULL, -1 },	  /* replaced */
		{ "a", "b", 0, "b/x", NULL, -1 }, /* below the replaced one */
		{ "a", "b", 0, "c", NULL, 0 },
		{ "a", "b", 0, "", NULL, 0 }, /* the root never moves */
		{ "d/a", "e/f/g", 0, "d/a/z", "e/f/g/z", 1 },
		{ "d/a", "e", 0, "d", NULL, 0 }, /* a parent of from */
		{ "a", "b", RENAME_EXCHANGE, "a/x", "b/x", 1 },
		{ "a", "b", RENAME_EXCHANGE, "b/x", "a/x", 1 },
		{ "a", "bb", RENAME_EXCHANGE, "bb", "a", 1 },
		{ "a", "b", RENAME_NOREPLACE, "a", "b", 1 },
	};
	struct proto_msg op = { .type = PROTO_OP_RENAME };
	char out[PROTO_MAX_PATH + 1], longp[PROTO_MAX_PATH + 1];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		op.path = cases[i].from;
		op.path2 = cases[i].to;
		op.flags = (uint16_t)cases[i].flags;
		out[0] = '\0';
		rc = proto_rename_path(&op, cases[i].p, out);
		assert_int_equal(rc, cases[i].rc);
		if (rc == 1)
			assert_string_equal(out, cases[i].want);
	}
	/* a path that would grow past the limit is gone, never cut */
	memset(longp, 'x', PROTO_MAX_PATH);
	longp[0] = 'a';
	longp[1] = '/';
	longp[PROTO_MAX_PATH] = '\0';
	op.path = "a";
	op.path2 = "abc";
	op.flags = 0;
	assert_int_equal(proto_rename_path(&op, longp, out), -1);
	op.path2 = "b";
	assert_int_equal(proto_rename_path(&op, longp, out), 1);
	assert_int_equal(strlen(out), PROTO_MAX_PATH);
}

/* proto_encode_head: the head then the bytes is the whole encoding */
static void test_encode_head(void **state)
{
	struct fx *fx = *state;
	size_t i, checked = 0;
	long full, head;

	for (i = 0; i < fx->ps.n; i++) {
		const struct proto_msg *m = &fx->ps.s[i].msg;

		full = proto_encode(m, fx->enc, BUF_MAX);
		assert_true(full > 0);
		head = proto_encode_head(m, fx->work, BUF_MAX);
		if (head == -EINVAL && !m->data_len) {
			/* no blob in this type: nothing to split */
			continue;
		}
		assert_true(head > 0);
		assert_int_equal(head + (long)m->data_len, full);
		assert_memory_equal(fx->work, fx->enc, (size_t)head);
		if (m->data_len)
			assert_memory_equal(fx->enc + head, m->data,
					    m->data_len);
		checked++;
	}
	assert_true(checked > 10);
	/* a type without a blob */
	{
		struct proto_msg ack = { .type = PROTO_CTL_ACK, .seq = 1 };

		assert_int_equal(proto_encode_head(&ack, fx->work, BUF_MAX),
				 -EINVAL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_every_sample),
		cmocka_unit_test(test_every_type_has_samples),
		cmocka_unit_test(test_golden_layout),
		cmocka_unit_test(test_truncated_prefixes),
		cmocka_unit_test(test_truncated_bodies),
		cmocka_unit_test(test_trailing_bytes),
		cmocka_unit_test(test_packs),
		cmocka_unit_test(test_header_corruption),
		cmocka_unit_test(test_unknown_type_and_version),
		cmocka_unit_test(test_body_corruption),
		cmocka_unit_test(test_bad_paths),
		cmocka_unit_test(test_good_paths),
		cmocka_unit_test(test_root_path),
		cmocka_unit_test(test_symlink_targets),
		cmocka_unit_test(test_data_limits),
		cmocka_unit_test(test_dir_names),
		cmocka_unit_test(test_xattr_list),
		cmocka_unit_test(test_dir_iterator),
		cmocka_unit_test(test_attr_checks),
		cmocka_unit_test(test_state_checks),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_unused_fields),
		cmocka_unit_test(test_header_fields),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_rename_path),
		cmocka_unit_test(test_encode_head),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
