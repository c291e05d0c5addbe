// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_proto.c - fuzz the wire decoder.
 *
 * Property: the decoder either refuses an input with a documented error,
 * or accepts it, and then encoding the decoded message gives back exactly
 * the input bytes (the format is canonical), which decode to an equal
 * message, and the list iterators walk the data to its end.
 *
 * With -DHAM_LIBFUZZER this is a libFuzzer target (see replicd/proto.mk).
 * Otherwise main() runs a deterministic mutation loop over the valid
 * samples, for make check:
 *	fuzz_proto [iterations [seed]]		TAP on stdout
 *	fuzz_proto --write-corpus DIR		the samples, one file each
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "proto_samples.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 0: refused or round-tripped; otherwise what went wrong. */
static const char *fuzz_check(const uint8_t *data, size_t size, int *rcp)
{
	struct proto_msg m, m2;
	const char *what = NULL;
	uint8_t *buf = NULL;
	uint32_t pos = 0, vlen;
	const char *name;
	const uint8_t *val;
	long n;
	int rc;

	/* as a pack: one message iff it decodes alone, never a crash */
	n = proto_pack_check(data, size);
	rc = proto_decode(data, size, &m);
	*rcp = rc;
	if ((n == 1) != (rc == 0))
		return "a pack of one disagrees with decoding the message";
	if (rc == -EBADMSG || rc == -EINVAL || rc == -EPROTONOSUPPORT ||
	    rc == -EOPNOTSUPP)
		return NULL;
	if (rc != 0)
		return "undocumented decode error";

	n = proto_encoded_size(&m);
	if (n != (long)size)
		return "encoded size differs from the input size";
	/* exactly sized, so the sanitizers see any encoder overrun */
	buf = malloc(size);
	if (!buf)
		return "out of memory";
	if (proto_encode(&m, buf, size) != n)
		what = "encode failed";
	else if (memcmp(buf, data, size))
		what = "re-encoding differs from the input";
	else if (proto_decode(buf, size, &m2))
		what = "re-encoded message does not decode";
	else if (!proto_msg_equal(&m, &m2))
		what = proto_msg_diff(&m, &m2);
	free(buf);
	if (what)
		return what;

	if (m.type == PROTO_SYNC_DIR) {
		while (proto_dir_next(&m, &pos))
			;
		if (pos != m.data_len)
			return "directory list not walked to its end";
	} else if (m.type == PROTO_SYNC_XATTRS) {
		while (proto_xattrs_next(&m, &pos, &name, &val, &vlen))
			;
		if (pos != m.data_len)
			return "xattr list not walked to its end";
	}
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int rc;
	const char *what = fuzz_check(data, size, &rc);

	if (what) {
		fprintf(stderr, "fuzz_proto: %s (decode rc %d)\n", what, rc);
		abort();
	}
	return 0;
}

#ifndef HAM_LIBFUZZER

#include <sys/stat.h>

#define FUZZ_ITERATIONS 200000ul
#define FUZZ_SEED	0x5eed2026ull
#define FUZZ_SLACK	64 /* bytes a mutation may add */

struct fuzz_corpus {
	size_t n;
	uint8_t *msg[PROTO_SAMPLES_MAX];
	size_t len[PROTO_SAMPLES_MAX];
};

static uint64_t rnd(uint64_t *s)
{
	/* xorshift64*: fixed seed, same inputs on every run and machine */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static size_t rnd_below(uint64_t *s, size_t n)
{
	return n ? (size_t)(rnd(s) % n) : 0;
}

static void put_le(uint8_t *p, uint64_t v, unsigned int bytes)
{
	unsigned int i;

	for (i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Values that sit on the decoder's edges. */
static uint64_t interesting(uint64_t *s, size_t len, size_t off)
{
	size_t rest = len > off ? len - off : 0;

	switch (rnd_below(s, 12)) {
	case 0:
		return 0;
	case 1:
		return 1;
	case 2:
		return rest;
	case 3:
		return rest - 4;
	case 4:
		return rest - 3;
	case 5:
		return rest + 1;
	case 6:
		return 0xffff;
	case 7:
		return 0xffffffffu;
	case 8:
		return 0x80000000u;
	case 9:
		return PROTO_MAX_PATH + 1;
	case 10:
		return PROTO_MAX_DATA + 1;
	default:
		return rnd(s);
	}
}

/* One to four mutations of buf (len bytes, room for FUZZ_SLACK more). */
static size_t mutate(uint64_t *s, uint8_t *buf, size_t len,
		     const struct fuzz_corpus *c)
{
	unsigned int k, count = 1 + (unsigned int)rnd_below(s, 4);
	size_t off, n;

	for (k = 0; k < count && len; k++) {
		off = rnd_below(s, len);
		switch (rnd_below(s, 9)) {
		case 0: /* bit flip */
			buf[off] ^= (uint8_t)(1u << rnd_below(s, 8));
			break;
		case 1: /* byte */
			buf[off] = (uint8_t)rnd(s);
			break;
		case 2: /* truncate */
			len = off;
			break;
		case 3: /* append garbage */
			n = 1 + rnd_below(s, 16);
			for (; n && len < c->len[0] + FUZZ_SLACK; n--)
				buf[len++] = (uint8_t)rnd(s);
			break;
		case 4: /* u16 length field */
			if (off + 2 <= len)
				put_le(buf + off, interesting(s, len, off + 2),
				       2);
			break;
		case 5: /* u32 length field */
			if (off + 4 <= len)
				put_le(buf + off, interesting(s, len, off + 4),
				       4);
			break;
		case 6: { /* splice: our head, another message's tail */
			size_t i = rnd_below(s, c->n), from;

			from = rnd_below(s, c->len[i]);
			n = c->len[i] - from;
			if (off + n > c->len[0] + FUZZ_SLACK)
				n = c->len[0] + FUZZ_SLACK - off;
			memcpy(buf + off, c->msg[i] + from, n);
			len = off + n;
			break;
		}
		case 7: /* another type: the body is then read the wrong way */
			if (len >= 8)
				put_le(buf + 6,
				       rnd_below(s, 4) ?
					       1 + rnd_below(s, PROTO_T_MAX) :
					       rnd(s),
				       2);
			break;
		default: /* delete a few bytes */
			n = 1 + rnd_below(s, 8);
			if (off + n > len)
				n = len - off;
			memmove(buf + off, buf + off + n, len - off - n);
			len -= n;
			break;
		}
	}
	/* mostly keep the header's body length right, so that the body
	 * parser is what gets exercised */
	if (len >= PROTO_HDR_SIZE && rnd_below(s, 4))
		put_le(buf + 12, len - PROTO_HDR_SIZE, 4);
	return len;
}

static int corpus_load(struct fuzz_corpus *c, struct proto_samples *ps)
{
	size_t i;
	long n;

	proto_samples_init(ps);
	for (i = 0; i < ps->n; i++) {
		n = proto_encoded_size(&ps->s[i].msg);
		if (n < 0)
			return -1;
		c->msg[i] = malloc((size_t)n);
		if (!c->msg[i] ||
		    proto_encode(&ps->s[i].msg, c->msg[i], (size_t)n) != n)
			return -1;
		c->len[i] = (size_t)n;
	}
	c->n = ps->n;
	/* slot 0 sizes the work buffer: make it the largest */
	for (i = 1; i < c->n; i++)
		if (c->len[i] > c->len[0]) {
			uint8_t *m = c->msg[0];
			size_t l = c->len[0];

			c->msg[0] = c->msg[i];
			c->len[0] = c->len[i];
			c->msg[i] = m;
			c->len[i] = l;
		}
	return 0;
}

static int write_corpus(const struct fuzz_corpus *c, const char *dir)
{
	char path[4096];
	size_t i;
	FILE *f;

	mkdir(dir, 0755);
	for (i = 0; i < c->n; i++) {
		snprintf(path, sizeof(path), "%s/sample-%02zu", dir, i);
		f = fopen(path, "wb");
		if (!f || fwrite(c->msg[i], 1, c->len[i], f) != c->len[i]) {
			perror(path);
			if (f)
				fclose(f);
			return 1;
		}
		fclose(f);
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long iterations = FUZZ_ITERATIONS, it, accepted = 0;
	unsigned long refused[4] = { 0 };
	uint64_t seed = FUZZ_SEED;
	struct proto_samples *ps = calloc(1, sizeof(*ps));
	struct fuzz_corpus c = { 0 };
	uint8_t *work = NULL;
	int failures = 0, rc;
	size_t i, len;

	if (!ps || corpus_load(&c, ps)) {
		printf("1..1\nnot ok 1 - encode the samples\n");
		return 1;
	}
	if (argc == 3 && !strcmp(argv[1], "--write-corpus"))
		return write_corpus(&c, argv[2]);
	printf("1..2\n");
	if (argc > 1)
		iterations = strtoul(argv[1], NULL, 0);
	if (argc > 2)
		seed = strtoull(argv[2], NULL, 0);

	for (i = 0; i < c.n; i++) {
		const char *what = fuzz_check(c.msg[i], c.len[i], &rc);

		if (what || rc) {
			printf("# sample %zu: %s (rc %d)\n", i,
			       what ? what : "refused", rc);
			failures++;
		}
	}
	printf("%s 1 - %zu samples decode and re-encode\n",
	       failures ? "not ok" : "ok", c.n);

	work = malloc(c.len[0] + FUZZ_SLACK);
	if (!work)
		return 1;
	failures = 0;
	for (it = 0; it < iterations; it++) {
		const char *what;
		uint8_t *in;

		i = rnd_below(&seed, c.n);
		/* the big samples are slow to copy and say little more */
		if (c.len[i] > 16384 && rnd_below(&seed, 16))
			i = rnd_below(&seed, c.n);
		memcpy(work, c.msg[i], c.len[i]);
		len = mutate(&seed, work, c.len[i], &c);
		/* exactly sized copy: the sanitizers catch any over-read */
		in = malloc(len ? len : 1);
		if (!in)
			return 1;
		memcpy(in, work, len);
		what = fuzz_check(in, len, &rc);
		if (what) {
			printf("# iteration %lu (sample %zu, %zu bytes): %s\n",
			       it, i, len, what);
			if (++failures > 10)
				break;
		}
		if (rc == 0)
			accepted++;
		else if (rc == -EBADMSG)
			refused[0]++;
		else if (rc == -EINVAL)
			refused[1]++;
		else if (rc == -EPROTONOSUPPORT)
			refused[2]++;
		else
			refused[3]++;
		free(in);
	}
	printf("# %lu inputs: %lu accepted, refused %lu EBADMSG %lu EINVAL "
	       "%lu EPROTONOSUPPORT %lu EOPNOTSUPP\n",
	       it, accepted, refused[0], refused[1], refused[2], refused[3]);
	/* a fuzzer whose mutants are all refused (or all accepted) tests
	 * nothing */
	if (iterations >= 10000 &&
	    (!accepted || !refused[0] || !refused[1] || !refused[3])) {
		printf("# the mutations do not reach every outcome\n");
		failures++;
	}
	printf("%s 2 - decode(encode(decode(x))) == decode(x) on mutated "
	       "inputs\n",
	       failures ? "not ok" : "ok");

	free(work);
	for (i = 0; i < c.n; i++)
		free(c.msg[i]);
	free(ps);
	return failures ? 1 : 0;
}
#endif /* HAM_LIBFUZZER */
