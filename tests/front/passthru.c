// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * passthru - the FUSE front over DIR with a recording replication hook.
 *
 *	passthru [-n|-q] [-d] [-i INDEX] [-t THREADS] [-l LOG] [-w SECONDS] DIR
 *
 * Mounts the front over DIR, prints "ready" and serves until SIGTERM or
 * SIGINT, then unmounts and exits 0 (1 when a message was inconsistent,
 * 2 when it could not start or stop).  While files are open on the mount
 * it retries for SECONDS (default 5; it says "busy" once), then detaches
 * it by force.
 *
 * With -n there are no hooks (a plain passthrough); with -q the hooks
 * only count messages (for measurements).  Otherwise every message the front
 * submits is checked under the lock: its type, a round trip through
 * proto_encode()/proto_decode(), and against the directory underneath
 * (seen through our own O_PATH fd): the object at path exists (or no
 * longer does), has the mtime/size/mode/owner the message carries, its
 * parents the times in ptimes/ptimes2, written bytes are in the file.
 * One line per message goes to LOG:
 *
 *	TYPE <tab> path <tab> path2 <tab> offset <tab> length <tab> flags
 *
 * and a line starting with "BAD" for each failed check.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "front.h"
#include "log.h"
#include "proto.h"

struct rec {
	pthread_mutex_t lock;
	int held;				/* lock */
	int root_fd;				/* DIR underneath the mount */
	FILE *log;				/* lock */
	uint64_t seq;				/* lock */
	unsigned long bad;			/* lock */
	unsigned long count[PROTO_OP_LAST + 1]; /* lock */
	uint8_t *buf;				/* lock: PROTO_MAX_MSG bytes */
	int quiet;				/* -q: count only */
	unsigned int dir; /* -i: the proto_msg.dir expected */
};

static void rec_lock(void *ctx)
{
	struct rec *r = ctx;

	pthread_mutex_lock(&r->lock);
	r->held = 1;
}

static void rec_unlock(void *ctx)
{
	struct rec *r = ctx;

	r->held = 0;
	pthread_mutex_unlock(&r->lock);
}

__attribute__((format(printf, 3, 4))) static void
rec_bad(struct rec *r, const struct proto_msg *m, const char *fmt, ...)
{
	va_list ap;

	fprintf(r->log, "BAD %s %s: ", proto_type_name(m->type),
		m->path ? m->path : "(null)");
	va_start(ap, fmt);
	vfprintf(r->log, fmt, ap);
	va_end(ap);
	fputc('\n', r->log);
	fflush(r->log);
	r->bad++;
}

/* stat path under the root ("" is the root itself) */
static int rec_stat(struct rec *r, const char *path, struct stat *st)
{
	return fstatat(r->root_fd, path, st,
		       AT_SYMLINK_NOFOLLOW | (*path ? 0 : AT_EMPTY_PATH));
}

static void rec_parent(const char *path, char *out, size_t size)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;

	if (n >= size)
		n = size - 1;
	memcpy(out, path, n);
	out[n] = '\0';
}

static void rec_check_attr(struct rec *r, const struct proto_msg *m,
			   const char *what, const char *path,
			   const struct proto_attr *a)
{
	struct stat st;

	if (!a->mask)
		return;
	if (rec_stat(r, path, &st)) {
		rec_bad(r, m, "%s '%s' missing: %s", what, path,
			strerror(errno));
		return;
	}
	if ((a->mask & PROTO_A_MTIME) &&
	    (a->mtime_sec != st.st_mtim.tv_sec ||
	     a->mtime_nsec != (uint32_t)st.st_mtim.tv_nsec))
		rec_bad(r, m, "%s mtime %" PRId64 ".%09u != %ld.%09ld", what,
			a->mtime_sec, a->mtime_nsec, (long)st.st_mtim.tv_sec,
			st.st_mtim.tv_nsec);
	if ((a->mask & PROTO_A_SIZE) && a->size != (uint64_t)st.st_size)
		rec_bad(r, m, "%s size %" PRIu64 " != %lld", what, a->size,
			(long long)st.st_size);
	if ((a->mask & PROTO_A_MODE) && a->mode != st.st_mode)
		rec_bad(r, m, "%s mode %o != %o", what, a->mode, st.st_mode);
	if ((a->mask & PROTO_A_UID) && a->uid != st.st_uid)
		rec_bad(r, m, "%s uid %u != %u", what, a->uid, st.st_uid);
	if ((a->mask & PROTO_A_GID) && a->gid != st.st_gid)
		rec_bad(r, m, "%s gid %u != %u", what, a->gid, st.st_gid);
}

/* the wire carries only the fields in mask */
static int rec_same_attr(const struct proto_attr *a, const struct proto_attr *b)
{
	uint32_t m = a->mask;

	return a->mask == b->mask &&
	       (!(m & PROTO_A_MODE) || a->mode == b->mode) &&
	       (!(m & PROTO_A_UID) || a->uid == b->uid) &&
	       (!(m & PROTO_A_GID) || a->gid == b->gid) &&
	       (!(m & PROTO_A_SIZE) || a->size == b->size) &&
	       (!(m & PROTO_A_ATIME) || (a->atime_sec == b->atime_sec &&
					 a->atime_nsec == b->atime_nsec)) &&
	       (!(m & PROTO_A_MTIME) || (a->mtime_sec == b->mtime_sec &&
					 a->mtime_nsec == b->mtime_nsec));
}

static int rec_same_str(const char *a, const char *b)
{
	if (!a || !b)
		return a == b || (!a && b && !*b) || (!b && a && !*a);
	return !strcmp(a, b);
}

/* encode + decode, compare */
static void rec_round_trip(struct rec *r, const struct proto_msg *m)
{
	struct proto_msg d;
	long n;
	int rc;

	n = proto_encode(m, r->buf, PROTO_MAX_MSG);
	if (n < 0) {
		rec_bad(r, m, "encode: %s", strerror((int)-n));
		return;
	}
	rc = proto_decode(r->buf, (size_t)n, &d);
	if (rc) {
		rec_bad(r, m, "decode: %s", strerror(-rc));
		return;
	}
	if (d.type != m->type || d.flags != m->flags || d.dir != m->dir ||
	    !rec_same_str(d.path, m->path) ||
	    !rec_same_str(d.path2, m->path2) ||
	    !rec_same_str(d.name, m->name) || d.offset != m->offset ||
	    d.length != m->length || d.data_len != m->data_len ||
	    (m->data_len && memcmp(d.data, m->data, m->data_len)) ||
	    d.mode != m->mode || d.uid != m->uid || d.gid != m->gid ||
	    d.rdev != m->rdev || !rec_same_attr(&d.attr, &m->attr) ||
	    !rec_same_attr(&d.ptimes, &m->ptimes) ||
	    !rec_same_attr(&d.ptimes2, &m->ptimes2))
		rec_bad(r, m, "round trip differs");
}

static void rec_check_data(struct rec *r, const struct proto_msg *m)
{
	uint8_t *b = malloc(m->data_len ? m->data_len : 1);
	int fd = openat(r->root_fd, m->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n;

	if (fd < 0 || !b) {
		rec_bad(r, m, "open: %s", strerror(errno));
	} else {
		n = pread(fd, b, m->data_len, (off_t)m->offset);
		if (n != (ssize_t)m->data_len ||
		    memcmp(b, m->data, m->data_len))
			rec_bad(r, m, "data at %" PRIu64 " differs", m->offset);
	}
	if (fd >= 0)
		close(fd);
	free(b);
}

static void rec_check_xattr(struct rec *r, const struct proto_msg *m)
{
	char proc[64], *b = malloc(PROTO_MAX_XATTR_VALUE);
	int fd = openat(r->root_fd, *m->path ? m->path : ".",
			O_PATH | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n;

	if (fd < 0 || !b) {
		rec_bad(r, m, "open: %s", strerror(errno));
		goto out;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = getxattr(proc, m->name, b, PROTO_MAX_XATTR_VALUE);
	if (!strncmp(m->name, "system.posix_acl_", 17)) {
		/* an ACL the mode says all of is not stored */
		if (n < 0 && errno != ENODATA)
			rec_bad(r, m, "xattr %s: %s", m->name, strerror(errno));
	} else if (m->type == PROTO_OP_REMOVEXATTR) {
		if (n >= 0 || errno != ENODATA)
			rec_bad(r, m, "xattr %s still there", m->name);
	} else if (n != (ssize_t)m->data_len ||
		   (n && memcmp(b, m->data, m->data_len))) {
		rec_bad(r, m, "xattr %s differs", m->name);
	}
out:
	if (fd >= 0)
		close(fd);
	free(b);
}

/* What the directory must look like right after the operation. */
static void rec_check_state(struct rec *r, const struct proto_msg *m)
{
	char parent[PROTO_MAX_PATH + 1];
	struct stat st, st2;

	switch (m->type) {
	case PROTO_OP_UNLINK:
	case PROTO_OP_RMDIR:
		if (!rec_stat(r, m->path, &st))
			rec_bad(r, m, "still exists");
		break;
	case PROTO_OP_RENAME:
		if (rec_stat(r, m->path2, &st2))
			rec_bad(r, m, "target missing");
		else if (!(m->flags & RENAME_EXCHANGE) &&
			 !rec_stat(r, m->path, &st) &&
			 (st.st_ino != st2.st_ino || st.st_dev != st2.st_dev))
			rec_bad(r, m, "source still exists");
		else if ((m->flags & RENAME_EXCHANGE) &&
			 rec_stat(r, m->path, &st))
			rec_bad(r, m, "exchanged source missing");
		break;
	case PROTO_OP_LINK:
		if (rec_stat(r, m->path, &st) || rec_stat(r, m->path2, &st2) ||
		    st.st_ino != st2.st_ino)
			rec_bad(r, m, "not the same inode as %s", m->path2);
		rec_check_attr(r, m, "linked", m->path2, &m->attr);
		break;
	case PROTO_OP_SETXATTR:
	case PROTO_OP_REMOVEXATTR:
		rec_check_xattr(r, m);
		break;
	case PROTO_OP_FSYNC:
		if (rec_stat(r, m->path, &st))
			rec_bad(r, m, "missing");
		break;
	case PROTO_OP_WRITE:
		rec_check_data(r, m);
		/* fall through */
	default:
		rec_check_attr(r, m, "object", m->path, &m->attr);
		break;
	}
	if (m->type == PROTO_OP_SYMLINK) {
		char target[PATH_MAX + 1];
		ssize_t n = readlinkat(r->root_fd, m->path, target,
				       sizeof(target) - 1);

		if (n < 0 || (target[n] = '\0', strcmp(target, m->path2)))
			rec_bad(r, m, "symlink target differs");
	}
	if (m->ptimes.mask) {
		rec_parent(m->path, parent, sizeof(parent));
		rec_check_attr(r, m, "parent", parent, &m->ptimes);
	}
	if (m->ptimes2.mask) {
		rec_parent(m->path2, parent, sizeof(parent));
		rec_check_attr(r, m, "parent2", parent, &m->ptimes2);
	}
}

static int64_t rec_submit(void *ctx, const struct proto_msg *m)
{
	struct rec *r = ctx;
	uint64_t len;

	if (r->quiet && proto_is_op(m->type)) {
		r->count[m->type]++;
		return (int64_t)++r->seq;
	}
	if (!r->held)
		rec_bad(r, m, "submit without the lock");
	if (!proto_is_op(m->type)) {
		rec_bad(r, m, "not an operation");
		return -EINVAL;
	}
	if (m->dir != r->dir)
		rec_bad(r, m, "dir %u, not %u", m->dir, r->dir);
	if (m->type == PROTO_OP_WRITE && m->data_len > PROTO_MAX_DATA)
		rec_bad(r, m, "write of %u bytes", m->data_len);
	rec_round_trip(r, m);
	rec_check_state(r, m);
	r->count[m->type]++;
	len = m->type == PROTO_OP_WRITE ? m->data_len : m->length;
	fprintf(r->log, "%s\t%s\t%s\t%" PRIu64 "\t%" PRIu64 "\t%#x\n",
		proto_type_name(m->type), m->path ? m->path : "",
		m->path2 ? m->path2 : "", m->offset, len, m->flags);
	fflush(r->log);
	return (int64_t)++r->seq;
}

static int rec_wait(void *ctx, uint64_t seq)
{
	struct rec *r = ctx;
	int bad;

	pthread_mutex_lock(&r->lock);
	bad = seq == 0 || seq > r->seq;
	if (bad) {
		fprintf(r->log, "BAD wait for %" PRIu64 " beyond %" PRIu64 "\n",
			seq, r->seq);
		r->bad++;
	}
	pthread_mutex_unlock(&r->lock);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: passthru [-n|-q] [-d] [-i INDEX] [-t THREADS] [-l LOG] [-w SECONDS] DIR\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct front_config cfg = { .fsname = "replicd:passthru" };
	struct front_repl hooks = { 0 };
	struct rec r = { .lock = PTHREAD_MUTEX_INITIALIZER, .root_fd = -1 };
	const char *logpath = "/dev/null";
	char dir[PATH_MAX];
	struct front_stats stats;
	struct front *f = NULL;
	int opt, null = 0, sig, rc, i, busy_wait = 5;
	sigset_t set;

	while ((opt = getopt(argc, argv, "nqdi:t:l:w:")) != -1) {
		switch (opt) {
		case 'n':
			null = 1;
			break;
		case 'q':
			r.quiet = 1;
			break;
		case 'd':
			cfg.debug = 1;
			break;
		case 'i':
			cfg.dir = (uint16_t)atoi(optarg);
			break;
		case 't':
			cfg.max_threads = (unsigned int)atoi(optarg);
			break;
		case 'l':
			logpath = optarg;
			break;
		case 'w':
			busy_wait = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1)
		usage();
	if (!realpath(argv[optind], dir)) {
		perror(argv[optind]);
		return 2;
	}
	log_init("passthru", LOG_WARNING, 1);
	r.log = fopen(logpath, "w");
	r.buf = malloc(PROTO_MAX_MSG);
	cfg.mountpoint = dir;
	cfg.root_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	r.root_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (!r.log || !r.buf || cfg.root_fd < 0 || r.root_fd < 0) {
		perror("passthru");
		return 2;
	}
	r.dir = cfg.dir;
	hooks.ctx = &r;
	hooks.lock = rec_lock;
	hooks.unlock = rec_unlock;
	hooks.submit = rec_submit;
	hooks.wait = rec_wait;

	/* the front's threads inherit this: signals come to sigwait */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	rc = front_start(&f, &cfg, null ? NULL : &hooks);
	if (rc) {
		fprintf(stderr, "passthru: front_start: %s\n", strerror(-rc));
		return 2;
	}
	printf("ready\n");
	fflush(stdout);
	sigwait(&set, &sig);

	front_get_stats(f, &stats);
	/* files may close a moment after the application exits */
	for (i = 0; (rc = front_stop(f, 0)) == -EBUSY && i < busy_wait * 10;
	     i++) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		if (!i)
			fprintf(stderr, "passthru: busy, retrying\n");
		nanosleep(&ts, NULL);
	}
	if (rc == -EBUSY) {
		fprintf(stderr, "passthru: still busy, detaching\n");
		rc = front_stop(f, 1);
	}
	if (rc) {
		fprintf(stderr, "passthru: front_stop: %s\n", strerror(-rc));
		return 2;
	}
	fprintf(r.log,
		"# ops %" PRIu64 " bytes %" PRIu64 " errors %" PRIu64
		" bad %lu\n",
		stats.ops, stats.bytes, stats.errors, r.bad);
	for (i = 1; i <= PROTO_OP_LAST; i++)
		fprintf(r.log, "# %s %lu\n", proto_type_name((unsigned int)i),
			r.count[i]);
	fclose(r.log);
	close(r.root_fd);
	close(cfg.root_fd);
	free(r.buf);
	log_fini();
	return r.bad ? 1 : 0;
}
