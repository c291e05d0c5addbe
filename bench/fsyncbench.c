// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fsyncbench - the synchronous write workloads of bench/run.
 *
 *   fsyncbench seq   --file F [--size MIB] [--block KIB]
 *	sequential write of a new file in blocks, one fsync at the end
 *   fsyncbench prep  --file F [--size MIB]
 *	create F fully written (not fallocated: no unwritten extents) and
 *	fsync it, for rand
 *   fsyncbench rand  --file F [--seconds S] [--block KIB] [--seed N]
 *	pwrite one block at a random aligned offset of the existing F, then
 *	fdatasync; repeat for S seconds
 *   fsyncbench files --dir D [--count N] [--block KIB]
 *	create N new files in D (created here), each written with one block
 *	and fsync'ed before close
 *
 * Every mode prints one JSON object on stdout: what it did, the elapsed
 * time (CLOCK_MONOTONIC) and, per operation (write+fdatasync, or
 * create+write+fsync+close), latency percentiles in microseconds.  The
 * data is pseudo-random so that nothing on the way can compress it.
 * Exit status: 0 done, 1 an I/O error (named on stderr), 2 usage.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FB_SIZE_MIB_DEFAULT 1024u
#define FB_SIZE_MIB_MIN	    1u
#define FB_SIZE_MIB_MAX	    (1024u * 1024u)
#define FB_BLOCK_KIB_MIN    1u
#define FB_BLOCK_KIB_MAX    (64u * 1024u)
#define FB_SECONDS_DEFAULT  10u
#define FB_SECONDS_MIN	    1u
#define FB_SECONDS_MAX	    3600u
#define FB_COUNT_DEFAULT    10000u
#define FB_COUNT_MIN	    1u
#define FB_COUNT_MAX	    10000000u
#define FB_SEED_DEFAULT	    1u
#define FB_NS_PER_S	    1000000000ull

enum fb_mode { FB_SEQ, FB_PREP, FB_RAND, FB_FILES };

static const char *const fb_mode_names[] = {
	[FB_SEQ] = "seq",
	[FB_PREP] = "prep",
	[FB_RAND] = "rand",
	[FB_FILES] = "files",
};

struct fb_args {
	enum fb_mode mode;
	const char *path; /* --file or --dir, points into argv */
	uint64_t size_mib;
	uint64_t block_kib;
	uint64_t seconds;
	uint64_t count;
	uint64_t seed;
};

/* Per-operation latencies in ns; grows as needed. */
struct fb_lat {
	uint64_t *ns;
	size_t n;
	size_t cap;
};

static uint64_t fb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * FB_NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: reproducible offsets and data for a given seed */
static uint64_t fb_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static void fb_fill(void *buf, size_t len, uint64_t *s)
{
	uint64_t *p = buf;
	size_t i;

	for (i = 0; i < len / sizeof(*p); i++)
		p[i] = fb_rand(s);
}

static int fb_lat_add(struct fb_lat *l, uint64_t ns)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 65536;
		uint64_t *p = realloc(l->ns, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		l->ns = p;
		l->cap = cap;
	}
	l->ns[l->n++] = ns;
	return 0;
}

static int fb_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile (in per mille) of the sorted latencies, in
 * microseconds. */
static double fb_pct_us(const struct fb_lat *l, unsigned int permille)
{
	size_t rank;

	if (!l->n)
		return 0;
	rank = (l->n * permille + 999) / 1000;
	if (rank < 1)
		rank = 1;
	return (double)l->ns[rank - 1] / 1000.0;
}

/* ,"lat_us":{...} for the operations recorded in l (sorts l). */
static void fb_print_lat(struct fb_lat *l)
{
	uint64_t sum = 0;
	size_t i;

	qsort(l->ns, l->n, sizeof(*l->ns), fb_cmp_u64);
	for (i = 0; i < l->n; i++)
		sum += l->ns[i];
	printf(",\"lat_us\":{\"min\":%.1f,\"mean\":%.1f,\"p50\":%.1f,"
	       "\"p90\":%.1f,\"p99\":%.1f,\"p999\":%.1f,\"max\":%.1f}",
	       fb_pct_us(l, 0), l->n ? (double)sum / (double)l->n / 1000.0 : 0,
	       fb_pct_us(l, 500), fb_pct_us(l, 900), fb_pct_us(l, 990),
	       fb_pct_us(l, 999), fb_pct_us(l, 1000));
}

static void fb_err(const char *what, const char *path)
{
	fprintf(stderr, "fsyncbench: %s %s: %s\n", what, path, strerror(errno));
}

/* Write all of buf at off (pwrite may return short on FUSE). */
static int fb_pwrite_all(int fd, const char *buf, size_t len, off_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, buf, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

/* seq and prep: write size_mib MiB in blocks, fsync, close. */
static int fb_seq(const struct fb_args *a, char *buf, size_t block)
{
	uint64_t total = a->size_mib << 20, done = 0, seed = a->seed;
	uint64_t t0, t_written, t_synced, t_closed;
	int fd;

	fd = open(a->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fb_err("cannot create", a->path);
		return 1;
	}
	fb_fill(buf, block, &seed);
	t0 = fb_now_ns();
	while (done < total) {
		size_t len = total - done < block ? (size_t)(total - done) :
						    block;

		/* change the first word: no two blocks are the same */
		((uint64_t *)buf)[0] = fb_rand(&seed);
		if (fb_pwrite_all(fd, buf, len, (off_t)done)) {
			fb_err("cannot write", a->path);
			close(fd);
			return 1;
		}
		done += len;
	}
	t_written = fb_now_ns();
	if (fsync(fd)) {
		fb_err("cannot fsync", a->path);
		close(fd);
		return 1;
	}
	t_synced = fb_now_ns();
	if (close(fd)) {
		fb_err("cannot close", a->path);
		return 1;
	}
	t_closed = fb_now_ns();
	printf("{\"mode\":\"%s\",\"bytes\":%" PRIu64 ",\"block\":%zu,"
	       "\"seconds\":%.6f,\"write_seconds\":%.6f,"
	       "\"fsync_seconds\":%.6f,\"mb_s\":%.1f}\n",
	       fb_mode_names[a->mode], total, block,
	       (double)(t_closed - t0) / 1e9, (double)(t_written - t0) / 1e9,
	       (double)(t_synced - t_written) / 1e9,
	       (double)total / ((double)(t_closed - t0) / 1e9) / 1e6);
	return 0;
}

/* rand: aligned block writes + fdatasync at random offsets of F. */
static int fb_randw(const struct fb_args *a, char *buf, size_t block)
{
	struct fb_lat lat = { 0 };
	uint64_t seed = a->seed, nblocks, t0, t_end, t_last, t1;
	struct stat st;
	int fd, rc = 1;

	fd = open(a->path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fb_err("cannot open", a->path);
		return 1;
	}
	if (fstat(fd, &st)) {
		fb_err("cannot stat", a->path);
		goto out_close;
	}
	nblocks = (uint64_t)st.st_size / block;
	if (!nblocks) {
		fprintf(stderr,
			"fsyncbench: %s is smaller than one block: run prep first\n",
			a->path);
		goto out_close;
	}
	fb_fill(buf, block, &seed);
	t0 = fb_now_ns();
	t_end = t0 + a->seconds * FB_NS_PER_S;
	t_last = t0;
	do {
		off_t off = (off_t)(fb_rand(&seed) % nblocks * block);

		((uint64_t *)buf)[0] = fb_rand(&seed);
		if (fb_pwrite_all(fd, buf, block, off)) {
			fb_err("cannot write", a->path);
			goto out_free;
		}
		if (fdatasync(fd)) {
			fb_err("cannot fdatasync", a->path);
			goto out_free;
		}
		t1 = fb_now_ns();
		if (fb_lat_add(&lat, t1 - t_last)) {
			fprintf(stderr, "fsyncbench: out of memory\n");
			goto out_free;
		}
		t_last = t1;
	} while (t_last < t_end);
	printf("{\"mode\":\"rand\",\"file_bytes\":%" PRIu64 ",\"block\":%zu,"
	       "\"ops\":%zu,\"seconds\":%.6f,\"iops\":%.1f",
	       (uint64_t)st.st_size, block, lat.n, (double)(t_last - t0) / 1e9,
	       (double)lat.n / ((double)(t_last - t0) / 1e9));
	fb_print_lat(&lat);
	printf("}\n");
	rc = 0;
out_free:
	free(lat.ns);
out_close:
	if (close(fd) && !rc) {
		fb_err("cannot close", a->path);
		rc = 1;
	}
	return rc;
}

/* files: N new files in the new directory D, each written and fsynced. */
static int fb_files(const struct fb_args *a, char *buf, size_t block)
{
	struct fb_lat lat = { 0 };
	uint64_t seed = a->seed, i, t0, t1, t_last;
	char name[32];
	int dfd, fd, rc = 1;

	if (mkdir(a->path, 0755)) {
		fb_err("cannot create the directory", a->path);
		return 1;
	}
	dfd = open(a->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		fb_err("cannot open", a->path);
		return 1;
	}
	fb_fill(buf, block, &seed);
	t0 = t_last = fb_now_ns();
	for (i = 0; i < a->count; i++) {
		snprintf(name, sizeof(name), "f%07" PRIu64, i);
		fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			    0644);
		if (fd < 0) {
			fb_err("cannot create a file in", a->path);
			goto out_free;
		}
		((uint64_t *)buf)[0] = fb_rand(&seed);
		if (fb_pwrite_all(fd, buf, block, 0) || fsync(fd)) {
			fb_err("cannot write or fsync a file in", a->path);
			close(fd);
			goto out_free;
		}
		if (close(fd)) {
			fb_err("cannot close a file in", a->path);
			goto out_free;
		}
		t1 = fb_now_ns();
		if (fb_lat_add(&lat, t1 - t_last)) {
			fprintf(stderr, "fsyncbench: out of memory\n");
			goto out_free;
		}
		t_last = t1;
	}
	printf("{\"mode\":\"files\",\"files\":%zu,\"block\":%zu,"
	       "\"seconds\":%.6f,\"files_s\":%.1f",
	       lat.n, block, (double)(t_last - t0) / 1e9,
	       (double)lat.n / ((double)(t_last - t0) / 1e9));
	fb_print_lat(&lat);
	printf("}\n");
	rc = 0;
out_free:
	free(lat.ns);
	close(dfd);
	return rc;
}

static void fb_usage(FILE *out)
{
	fprintf(out,
		"Usage: fsyncbench seq   --file F [--size MIB] [--block KIB]\n"
		"       fsyncbench prep  --file F [--size MIB]\n"
		"       fsyncbench rand  --file F [--seconds S] [--block KIB] [--seed N]\n"
		"       fsyncbench files --dir D [--count N] [--block KIB]\n"
		"Synchronous write workloads; one JSON object on stdout.\n"
		"\n"
		"  seq    write a new file F of MIB MiB (default %u) in KIB blocks\n"
		"         (default 1024), fsync once at the end\n"
		"  prep   write F of MIB MiB and fsync it (the file for rand)\n"
		"  rand   for S seconds (default %u): pwrite a KIB block (default 4)\n"
		"         at a random aligned offset of F, then fdatasync\n"
		"  files  create N files (default %u) of one KIB block (default 4)\n"
		"         in the new directory D, each fsync'ed before close\n",
		FB_SIZE_MIB_DEFAULT, FB_SECONDS_DEFAULT, FB_COUNT_DEFAULT);
}

/* One strict number parser: decimal, within [min, max]. */
static int fb_parse_u64(const char *s, uint64_t min, uint64_t max,
			uint64_t *out)
{
	char *end = NULL;
	unsigned long long v;

	if (!s[0] || s[0] == '-' || s[0] == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

static int fb_usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "fsyncbench: %s%s%s\n", what, arg ? " " : "",
		arg ? arg : "");
	fprintf(stderr, "Try 'fsyncbench --help'.\n");
	return -EINVAL;
}

static int fb_parse(struct fb_args *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "dir", required_argument, NULL, 'd' },
		{ "size", required_argument, NULL, 's' },
		{ "block", required_argument, NULL, 'b' },
		{ "seconds", required_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = NULL, *dir = NULL;
	bool block_set = false;
	unsigned int m;
	int c, rc = 0;

	a->size_mib = FB_SIZE_MIB_DEFAULT;
	a->seconds = FB_SECONDS_DEFAULT;
	a->count = FB_COUNT_DEFAULT;
	a->seed = FB_SEED_DEFAULT;
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return 1;
	if (argc < 2)
		return fb_usage_error("no mode given", NULL);
	for (m = 0; m < sizeof(fb_mode_names) / sizeof(fb_mode_names[0]); m++)
		if (!strcmp(argv[1], fb_mode_names[m]))
			break;
	if (m == sizeof(fb_mode_names) / sizeof(fb_mode_names[0]))
		return fb_usage_error("unknown mode", argv[1]);
	a->mode = (enum fb_mode)m;
	optind = 2;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:d:s:b:t:n:S:h", opts, NULL)) !=
	       -1) {
		switch (c) {
		case 'f':
			file = optarg;
			break;
		case 'd':
			dir = optarg;
			break;
		case 's':
			rc = fb_parse_u64(optarg, FB_SIZE_MIB_MIN,
					  FB_SIZE_MIB_MAX, &a->size_mib);
			break;
		case 'b':
			rc = fb_parse_u64(optarg, FB_BLOCK_KIB_MIN,
					  FB_BLOCK_KIB_MAX, &a->block_kib);
			block_set = true;
			break;
		case 't':
			rc = fb_parse_u64(optarg, FB_SECONDS_MIN,
					  FB_SECONDS_MAX, &a->seconds);
			break;
		case 'n':
			rc = fb_parse_u64(optarg, FB_COUNT_MIN, FB_COUNT_MAX,
					  &a->count);
			break;
		case 'S':
			rc = fb_parse_u64(optarg, 0, UINT64_MAX, &a->seed);
			break;
		case 'h':
			return 1;
		case ':':
			return fb_usage_error("missing value for",
					      argv[optind - 1]);
		default:
			return fb_usage_error("unknown option",
					      argv[optind - 1]);
		}
		if (rc)
			return fb_usage_error("invalid value", optarg);
	}
	if (optind < argc)
		return fb_usage_error("unexpected argument", argv[optind]);
	if (!block_set)
		a->block_kib = a->mode == FB_SEQ || a->mode == FB_PREP ? 1024 :
									 4;
	if (a->mode == FB_FILES) {
		if (!dir || file)
			return fb_usage_error("files needs --dir (not --file)",
					      NULL);
		a->path = dir;
	} else {
		if (!file || dir)
			return fb_usage_error(
				"seq, prep and rand need --file (not --dir)",
				NULL);
		a->path = file;
	}
	/* xorshift must not start from 0 */
	a->seed = a->seed ? a->seed : FB_SEED_DEFAULT;
	return 0;
}

int main(int argc, char **argv)
{
	struct fb_args a = { 0 };
	char *buf = NULL;
	size_t block;
	int rc;

	rc = fb_parse(&a, argc, argv);
	if (rc < 0)
		return 2;
	if (rc > 0) {
		fb_usage(stdout);
		return 0;
	}
	block = (size_t)a.block_kib << 10;
	/* page-aligned, in case the file system cares */
	if (posix_memalign((void **)&buf, 4096, block)) {
		fprintf(stderr, "fsyncbench: out of memory\n");
		return 1;
	}
	switch (a.mode) {
	case FB_SEQ:
	case FB_PREP:
		rc = fb_seq(&a, buf, block);
		break;
	case FB_RAND:
		rc = fb_randw(&a, buf, block);
		break;
	case FB_FILES:
		rc = fb_files(&a, buf, block);
		break;
	}
	free(buf);
	if (!rc && fflush(stdout)) {
		fprintf(stderr, "fsyncbench: cannot write the output: %s\n",
			strerror(errno));
		rc = 1;
	}
	return rc;
}
