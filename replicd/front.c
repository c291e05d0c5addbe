// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * front.c - the FUSE front: session, mount, inode table, paths, stats.
 *
 * The filesystem operations live in front_ns.c (names, attributes,
 * directories) and front_io.c (open files, data, xattrs).
 *
 * Paths in messages come from the kernel: readlink("/proc/self/fd/N") of
 * an inode's O_PATH fd names the dentry that fd holds, and the kernel
 * keeps that name right across renames of the file and of any parent.
 * front_path() strips the root's own absolute path from it.  A dentry
 * that was unlinked reads back with " (deleted)" appended; when the inode
 * still has other links, front_path() finds one by searching the tree
 * (rare: only after the name we opened was removed while another link
 * stays).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include "front_priv.h"
#include "log.h"

#define FRONT_ITAB_MIN	    1024u
#define FRONT_SEARCH_DEPTH  256
#define FRONT_DELETED	    " (deleted)"
#define FRONT_FUSECTL	    "/sys/fs/fuse/connections"
#define FRONT_FUSECTL_MAGIC 0x65735543
#define FRONT_JOIN_MS	    200
#define FRONT_ABORT_JOIN_MS 10000

struct front *front_from_req(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

struct front_inode *front_inode(struct front *f, fuse_ino_t ino)
{
	if (ino == FUSE_ROOT_ID)
		return &f->root;
	return (struct front_inode *)(uintptr_t)ino;
}

void front_proc_path(char *buf, size_t size, int fd)
{
	snprintf(buf, size, "/proc/self/fd/%d", fd);
}

/* ---- inode table ---------------------------------------------------- */

static size_t front_hash(dev_t dev, ino_t ino, size_t size)
{
	uint64_t h = (uint64_t)ino * 0x9e3779b97f4a7c15ull;

	h ^= (uint64_t)dev * 0xc2b2ae3d27d4eb4full;
	return (size_t)(h >> 17) & (size - 1);
}

/* Called with itab_lock held. */
static void front_itab_grow(struct front *f)
{
	size_t nsize = f->itab_size * 2;
	struct front_inode **n = calloc(nsize, sizeof(*n));
	size_t i;

	if (!n)
		return; /* keep the longer chains */
	for (i = 0; i < f->itab_size; i++) {
		struct front_inode *in = f->itab[i];

		while (in) {
			struct front_inode *next = in->next;
			size_t h = front_hash(in->dev, in->ino, nsize);

			in->next = n[h];
			n[h] = in;
			in = next;
		}
	}
	free(f->itab);
	f->itab = n;
	f->itab_size = nsize;
}

/*
 * Take one kernel reference on the inode st describes.  fd is an O_PATH
 * fd of it: kept when the inode is new, closed when it is known already.
 */
int front_inode_get(struct front *f, int fd, const struct stat *st,
		    struct front_inode **out)
{
	struct front_inode *in;
	size_t h;

	if (st->st_dev == f->root.dev && st->st_ino == f->root.ino) {
		/* the root seen through a name: can't happen below it */
		close(fd);
		*out = &f->root;
		return 0;
	}
	pthread_mutex_lock(&f->itab_lock);
	h = front_hash(st->st_dev, st->st_ino, f->itab_size);
	for (in = f->itab[h]; in; in = in->next) {
		if (in->dev == st->st_dev && in->ino == st->st_ino)
			break;
	}
	if (in) {
		in->nlookup++;
		pthread_mutex_unlock(&f->itab_lock);
		close(fd);
		*out = in;
		return 0;
	}
	in = calloc(1, sizeof(*in));
	if (!in) {
		pthread_mutex_unlock(&f->itab_lock);
		close(fd);
		return -ENOMEM;
	}
	in->fd = fd;
	in->alt_fd = -1;
	in->type = st->st_mode & S_IFMT;
	in->dev = st->st_dev;
	in->ino = st->st_ino;
	in->nlookup = 1;
	in->next = f->itab[h];
	f->itab[h] = in;
	if (++f->itab_count > f->itab_size)
		front_itab_grow(f);
	pthread_mutex_unlock(&f->itab_lock);
	*out = in;
	return 0;
}

void front_inode_unref(struct front *f, struct front_inode *in, uint64_t n)
{
	struct front_inode **pp;
	int gone = 0;

	if (in == &f->root)
		return;
	pthread_mutex_lock(&f->itab_lock);
	if (n >= in->nlookup) {
		pp = &f->itab[front_hash(in->dev, in->ino, f->itab_size)];
		while (*pp && *pp != in)
			pp = &(*pp)->next;
		if (*pp)
			*pp = in->next;
		f->itab_count--;
		gone = 1;
	} else {
		in->nlookup -= n;
	}
	pthread_mutex_unlock(&f->itab_lock);
	if (gone) {
		close(in->fd);
		if (in->alt_fd >= 0)
			close(in->alt_fd);
		free(in);
	}
}

/* Look name up in parent and take a kernel reference on what it names. */
int front_lookup(struct front *f, struct front_inode *parent, const char *name,
		 struct fuse_entry_param *e)
{
	struct front_inode *in = NULL;
	int fd, rc;

	memset(e, 0, sizeof(*e));
	fd = openat(parent->fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstatat(fd, "", &e->attr, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) {
		rc = -errno;
		close(fd);
		return rc;
	}
	rc = front_inode_get(f, fd, &e->attr, &in);
	if (rc)
		return rc;
	e->ino = (uintptr_t)in;
	if (in == &f->root)
		e->ino = FUSE_ROOT_ID;
	e->attr_timeout = f->timeout;
	e->entry_timeout = f->timeout;
	return 0;
}

/* ---- paths ------------------------------------------------------------ */

static int front_prefix_refresh(struct front *f)
{
	char proc[64];
	ssize_t n;

	front_proc_path(proc, sizeof(proc), f->root_fd);
	pthread_mutex_lock(&f->prefix_lock);
	n = readlink(proc, f->prefix, sizeof(f->prefix) - 1);
	if (n < 0 || (size_t)n >= sizeof(f->prefix) - 1 ||
	    f->prefix[0] != '/') {
		f->prefix_len = 0;
		f->prefix[0] = '\0';
		pthread_mutex_unlock(&f->prefix_lock);
		return n < 0 ? -errno : -ENAMETOOLONG;
	}
	f->prefix[n] = '\0';
	f->prefix_len = (size_t)n;
	pthread_mutex_unlock(&f->prefix_lock);
	return 0;
}

/* Where the relative part of abs starts, or -EXDEV when abs is not
 * below the root. */
static int front_strip(struct front *f, const char *abs, size_t len)
{
	int rc = -EXDEV;
	size_t pl;

	pthread_mutex_lock(&f->prefix_lock);
	pl = f->prefix_len;
	if (pl == 1 && abs[0] == '/')
		rc = 1; /* the root is "/" */
	else if (pl > 1 && len > pl + 1 && !memcmp(abs, f->prefix, pl) &&
		 abs[pl] == '/')
		rc = (int)pl + 1;
	pthread_mutex_unlock(&f->prefix_lock);
	return rc;
}

static int front_same(int dirfd, const char *rel, dev_t dev, ino_t ino)
{
	struct stat st;

	if (fstatat(dirfd, rel, &st, AT_SYMLINK_NOFOLLOW))
		return 0;
	return st.st_dev == dev && st.st_ino == ino;
}

/* Depth-first search below dirfd for (dev, ino); buf holds len bytes of
 * the path of dirfd.  Returns the new length, -ENOENT, or -errno. */
static int front_search(int dirfd, char *buf, size_t len, size_t size,
			dev_t dev, ino_t ino, int depth)
{
	struct dirent *de;
	DIR *d;
	int fd, rc = -ENOENT;

	if (depth > FRONT_SEARCH_DEPTH)
		return -ENOENT;
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -ENOMEM;
	}
	while (rc == -ENOENT && (de = readdir(d))) {
		size_t nl = strlen(de->d_name), sep = len ? 1 : 0;
		struct stat st;
		int sub;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (len + sep + nl >= size || len + sep + nl > PROTO_MAX_PATH)
			continue;
		if (de->d_ino == ino && front_same(fd, de->d_name, dev, ino)) {
			if (sep)
				buf[len] = '/';
			memcpy(buf + len + sep, de->d_name, nl + 1);
			rc = (int)(len + sep + nl);
			break;
		}
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (de->d_type == DT_UNKNOWN &&
		    (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		     !S_ISDIR(st.st_mode)))
			continue;
		sub = openat(fd, de->d_name,
			     O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue;
		if (sep)
			buf[len] = '/';
		memcpy(buf + len + sep, de->d_name, nl + 1);
		rc = front_search(sub, buf, len + sep + nl, size, dev, ino,
				  depth + 1);
		close(sub);
		if (rc < 0 && rc != -ENOENT)
			rc = -ENOENT; /* skip what we can't read */
	}
	closedir(d);
	if (rc < 0)
		buf[len] = '\0';
	return rc;
}

/*
 * The path of in through fd (in->fd or in->alt_fd) into buf: its length,
 * -ENOENT when the inode has no name any more, -EAGAIN when the name fd
 * was opened by is gone but the inode has other links, or -errno.
 */
static int front_path_of(struct front *f, struct front_inode *in, int fd,
			 char *buf, size_t size)
{
	char proc[64], abs[FRONT_ABS_MAX];
	size_t len, dl = sizeof(FRONT_DELETED) - 1;
	ssize_t n = 0;
	struct stat st;
	int off = -EXDEV, tries;

	front_proc_path(proc, sizeof(proc), fd);
	for (tries = 0; tries < 2 && off < 0; tries++) {
		if (tries)
			front_prefix_refresh(f); /* a parent of root moved */
		n = readlink(proc, abs, sizeof(abs) - 1);
		if (n < 0)
			return -errno;
		if ((size_t)n >= sizeof(abs) - 1)
			return -ENAMETOOLONG;
		abs[n] = '\0';
		off = front_strip(f, abs, (size_t)n);
	}
	if (off < 0) {
		/* unlinked dentries of a removed directory end up here */
		if (!fstat(fd, &st) && st.st_nlink == 0)
			return -ENOENT;
		log_warn(
			"front: a file is outside the mirrored directory " QB_XS
			" path %s",
			abs);
		return -EXDEV;
	}
	len = (size_t)n - (size_t)off;
	if (len > dl && !strcmp(abs + n - dl, FRONT_DELETED)) {
		if (fstat(fd, &st))
			return -errno;
		if (st.st_nlink == 0)
			return -ENOENT;
		/* maybe a real name ending in " (deleted)" */
		if (!front_same(f->root_fd, abs + off, in->dev, in->ino)) {
			abs[n - dl] = '\0';
			len -= dl;
			if (!front_same(f->root_fd, abs + off, in->dev,
					in->ino))
				return -EAGAIN;
		}
	}
	if (len > PROTO_MAX_PATH || len >= size)
		return -ENAMETOOLONG;
	memcpy(buf, abs + off, len + 1);
	return (int)len;
}

/*
 * The path of in relative to the root ("" for the root) into buf.
 * Returns its length, -ENOENT when the inode has no name any more (or
 * there are no replication hooks: nobody needs it), or -errno
 * (-ENAMETOOLONG beyond PROTO_MAX_PATH).  Call with the replication lock
 * held so the answer matches the order of operations.
 */
int front_path(struct front *f, struct front_inode *in, char *buf, size_t size)
{
	int n, fd;

	if (!f->has_repl)
		return -ENOENT;
	if (in == &f->root) {
		buf[0] = '\0';
		return 0;
	}
	/* the name we opened was removed: the link found last time */
	if (in->alt_fd >= 0) {
		n = front_path_of(f, in, in->alt_fd, buf, size);
		if (n != -EAGAIN)
			return n;
	}
	n = front_path_of(f, in, in->fd, buf, size);
	if (n != -EAGAIN)
		return n;
	/* rare: search the tree, remember what we found */
	buf[0] = '\0';
	n = front_search(f->root_fd, buf, 0, size, in->dev, in->ino, 0);
	if (n < 0)
		return n;
	fd = openat(f->root_fd, buf, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		if (in->alt_fd >= 0)
			close(in->alt_fd);
		in->alt_fd = fd;
	}
	return n;
}

/* The path of name in parent; same returns as front_path(). */
int front_child_path(struct front *f, struct front_inode *parent,
		     const char *name, char *buf, size_t size)
{
	size_t nl = strlen(name);
	int len;

	if (nl > PROTO_MAX_NAME)
		return -ENAMETOOLONG;
	len = front_path(f, parent, buf, size);
	if (len < 0)
		return len;
	if ((size_t)len + 1 + nl > PROTO_MAX_PATH ||
	    (size_t)len + 1 + nl >= size)
		return -ENAMETOOLONG;
	if (len)
		buf[len++] = '/';
	memcpy(buf + len, name, nl + 1);
	return len + (int)nl;
}

void front_attr_set(struct proto_attr *a, const struct stat *st, uint32_t mask)
{
	a->mask = mask;
	a->mode = st->st_mode;
	a->uid = st->st_uid;
	a->gid = st->st_gid;
	a->size = (uint64_t)st->st_size;
	a->atime_sec = st->st_atim.tv_sec;
	a->atime_nsec = (uint32_t)st->st_atim.tv_nsec;
	a->mtime_sec = st->st_mtim.tv_sec;
	a->mtime_nsec = (uint32_t)st->st_mtim.tv_nsec;
}

int front_parent_times(int dirfd, struct proto_attr *a)
{
	struct stat st;

	if (fstatat(dirfd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		return -errno;
	front_attr_set(a, &st, PROTO_A_MTIME | PROTO_A_ATIME);
	return 0;
}

/* ---- replication hooks ------------------------------------------------ */

void front_txn_begin(struct front_txn *t, struct front *f)
{
	memset(t, 0, sizeof(*t));
	t->f = f;
	if (f->has_repl && f->repl.lock) {
		f->repl.lock(f->repl.ctx);
		t->locked = 1;
	}
}

/* Queue m (with the lock held).  After a failure nothing more is sent. */
void front_txn_submit(struct front_txn *t, const struct proto_msg *m)
{
	struct front *f = t->f;
	struct proto_msg c;
	int64_t seq;

	if (!f->has_repl || t->err)
		return;
	c = *m;
	c.dir = f->dir;
	seq = f->repl.submit(f->repl.ctx, &c);
	t->submitted = 1;
	if (seq < 0)
		t->err = (int)seq;
	else if (seq > t->last_seq)
		t->last_seq = seq;
}

/* Let other requests submit (what t submitted is on its way). */
void front_txn_unlock(struct front_txn *t)
{
	if (t->locked)
		t->f->repl.unlock(t->f->repl.ctx);
	t->locked = 0;
}

/* Unlock, then wait for the peers.  Returns 0 or -errno for the app. */
int front_txn_end(struct front_txn *t)
{
	struct front *f = t->f;
	int rc = t->err;

	front_txn_unlock(t);
	/* also after a failure: what went before may still need the
	 * request's bytes (repl_relink) until wait lets go of them */
	if (t->last_seq > 0) {
		int wrc = f->repl.wait(f->repl.ctx, (uint64_t)t->last_seq);

		if (!rc)
			rc = wrc;
		t->last_seq = 0;
	}
	if (t->submitted)
		__atomic_add_fetch(&f->st_ops, 1, __ATOMIC_RELAXED);
	if (rc)
		__atomic_add_fetch(&f->st_errors, 1, __ATOMIC_RELAXED);
	return rc;
}

void front_get_stats(struct front *f, struct front_stats *out)
{
	out->ops = __atomic_load_n(&f->st_ops, __ATOMIC_RELAXED);
	out->bytes = __atomic_load_n(&f->st_bytes, __ATOMIC_RELAXED);
	out->errors = __atomic_load_n(&f->st_errors, __ATOMIC_RELAXED);
}

/* ---- session ------------------------------------------------------------ */

/*
 * What we turn off:
 * writeback cache: write() must reach us before it returns;
 * lock ops: the kernel keeps flock/POSIX locks locally;
 * HANDLE_KILLPRIV: the kernel clears setuid bits itself with a setattr
 *   we replicate (writes by our root would not clear them);
 * AUTO_INVAL_DATA: nothing changes the files behind our back;
 * POSIX_ACL, DONT_MASK: the kernel applies the umask to the modes it
 *   sends, ACLs pass through as plain xattrs;
 * splice: it does not help a path that must copy the data anyway.
 */
#define FRONT_CAPS_OFF                                                         \
	(FUSE_CAP_WRITEBACK_CACHE | FUSE_CAP_POSIX_LOCKS |                     \
	 FUSE_CAP_FLOCK_LOCKS | FUSE_CAP_HANDLE_KILLPRIV |                     \
	 FUSE_CAP_AUTO_INVAL_DATA | FUSE_CAP_POSIX_ACL | FUSE_CAP_DONT_MASK |  \
	 FUSE_CAP_SPLICE_READ | FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE | \
	 FUSE_CAP_EXPORT_SUPPORT)
#define FRONT_CAPS_ON                                        \
	(FUSE_CAP_ATOMIC_O_TRUNC | FUSE_CAP_CACHE_SYMLINKS | \
	 FUSE_CAP_PARALLEL_DIROPS | FUSE_CAP_ASYNC_READ | FUSE_CAP_ASYNC_DIO)

static void front_ll_init(void *userdata, struct fuse_conn_info *conn)
{
	conn->want &= ~(unsigned int)FRONT_CAPS_OFF;
	conn->want |= conn->capable & FRONT_CAPS_ON;
	conn->max_write = FRONT_MAX_WRITE;
	conn->time_gran = 1;
}

static void *front_thread(void *arg)
{
	struct front *f = arg;

	f->loop_rc = fuse_session_loop_mt(f->se, f->loop_cfg);
	return NULL;
}

/* Cut the connection so every request fails and the loop ends, through
 * fusectl (mounted for the occasion when the system has not). */
static int front_abort_conn(struct front *f)
{
	char dir[] = "/tmp/replicd-fusectl.XXXXXX", p[128];
	unsigned int id = (major(f->mnt_dev) << 20) | minor(f->mnt_dev);
	struct statfs sfs;
	int fd, rc = 0, tmp = 0;

	if (!f->mnt_dev)
		return -ENOENT;
	snprintf(p, sizeof(p), FRONT_FUSECTL "/%u/abort", id);
	if (statfs(FRONT_FUSECTL, &sfs) ||
	    sfs.f_type != (typeof(sfs.f_type))FRONT_FUSECTL_MAGIC) {
		if (!mkdtemp(dir))
			return -errno;
		if (mount("fusectl", dir, "fusectl",
			  MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL)) {
			rc = -errno;
			rmdir(dir);
			return rc;
		}
		tmp = 1;
		snprintf(p, sizeof(p), "%s/%u/abort", dir, id);
	}
	fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = errno == ENOENT ? 0 : -errno; /* gone already */
	} else {
		if (write(fd, "1", 1) != 1)
			rc = -errno;
		close(fd);
	}
	if (tmp) {
		umount2(dir, MNT_DETACH);
		rmdir(dir);
	}
	return rc;
}

/* 0 when the loop thread ended within ms, else -ETIMEDOUT. */
static int front_join(struct front *f, long ms)
{
	struct timespec ts;

	deadline_in_ms(&ts, (unsigned long)ms);
	if (pthread_timedjoin_np(f->thread, NULL, &ts))
		return -ETIMEDOUT;
	f->thread_started = 0;
	return 0;
}

static void front_free(struct front *f)
{
	size_t i;

	if (f->se) {
		struct pollfd pfd = { .fd = fuse_session_fd(f->se) };

		/* libfuse unmounts lazily by path unless the connection is
		 * dead; by now it must be, or we skip its unmount */
		if (pfd.fd >= 0 && poll(&pfd, 1, 0) == 1 &&
		    (pfd.revents & POLLERR))
			fuse_session_unmount(f->se);
		fuse_session_destroy(f->se);
	}
	if (f->loop_cfg)
		fuse_loop_cfg_destroy(f->loop_cfg);
	for (i = 0; f->itab && i < f->itab_size; i++) {
		struct front_inode *in = f->itab[i];

		while (in) {
			struct front_inode *next = in->next;

			close(in->fd);
			if (in->alt_fd >= 0)
				close(in->alt_fd);
			free(in);
			in = next;
		}
	}
	free(f->itab);
	pthread_mutex_destroy(&f->itab_lock);
	pthread_mutex_destroy(&f->prefix_lock);
	free(f->mountpoint);
	free(f);
}

/* Undo the escapes of /proc/self/mountinfo (\040 for a space...). */
static void front_unescape(char *s)
{
	char *o = s;

	for (; *s; s++, o++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
				    (s[3] - '0'));
			s += 3;
		} else {
			*o = *s;
		}
	}
	*o = '\0';
}

/*
 * What is mounted on the mountpoint, from /proc/self/mountinfo rather
 * than stat(): our own threads serve the mount, and a thread of ours
 * must not wait for them.  *top is the device of the topmost mount there
 * (0: none), *ours whether f->mnt_dev is one of them.
 */
static int front_mounts(struct front *f, dev_t *top, int *ours)
{
	char path[FRONT_ABS_MAX], *line = NULL;
	size_t cap = 0;
	FILE *fp;

	*top = 0;
	*ours = 0;
	pthread_mutex_lock(&f->prefix_lock);
	memcpy(path, f->prefix, f->prefix_len + 1);
	pthread_mutex_unlock(&f->prefix_lock);
	fp = fopen("/proc/self/mountinfo", "re");
	if (!fp)
		return -errno;
	while (getline(&line, &cap, fp) > 0) {
		char *save = NULL, *tok[5];
		unsigned int maj, min;
		int i;

		/* id parent major:minor root mountpoint ... */
		tok[0] = strtok_r(line, " ", &save);
		for (i = 1; i < 5 && tok[i - 1]; i++)
			tok[i] = strtok_r(NULL, " ", &save);
		if (i < 5 || !tok[4] ||
		    sscanf(tok[2], "%u:%u", &maj, &min) != 2)
			continue;
		front_unescape(tok[4]);
		if (strcmp(tok[4], path))
			continue;
		*top = makedev(maj, min);
		if (*top == f->mnt_dev)
			*ours = 1;
	}
	free(line);
	fclose(fp);
	return 0;
}

/* Unmount what is ours at the mountpoint: 0, or -EBUSY (still mounted). */
static int front_unmount(struct front *f, int force)
{
	dev_t top;
	int ours;

	if (front_mounts(f, &top, &ours) || !ours)
		return 0; /* unmounted behind our back: the loop has ended */
	if (top != f->mnt_dev) {
		/* something is mounted over us: umount would take that */
		log_err("front: %s is mounted over the mirror, cannot unmount " QB_XS
			" device %u:%u",
			f->mountpoint, major(top), minor(top));
		return force ? 0 : -EBUSY; /* forced: the conn gets aborted */
	}
	if (!umount2(f->mountpoint, UMOUNT_NOFOLLOW))
		return 0;
	if (errno != EBUSY) {
		log_warn("front: cannot unmount %s " QB_XS " umount: %s",
			 f->mountpoint, strerror(errno));
		return 0; /* the conn gets aborted */
	}
	if (!force)
		return -EBUSY;
	if (umount2(f->mountpoint, MNT_DETACH | UMOUNT_NOFOLLOW))
		log_warn("front: cannot detach %s " QB_XS " umount: %s",
			 f->mountpoint, strerror(errno));
	return 0;
}

int front_stop(struct front *f, int force)
{
	int rc;

	if (!f)
		return 0;
	if (f->mounted) {
		rc = front_unmount(f, force);
		if (rc)
			return rc;
		f->mounted = 0;
	}
	if (f->thread_started && front_join(f, FRONT_JOIN_MS)) {
		/* lazily detached with files open, or an odd state */
		rc = front_abort_conn(f);
		if (rc)
			log_warn(
				"front: cannot abort the FUSE connection " QB_XS
				" %s",
				strerror(-rc));
		if (front_join(f, FRONT_ABORT_JOIN_MS)) {
			log_err("front: FUSE threads do not end " QB_XS
				" a request is stuck in repl wait");
			return -ETIMEDOUT;
		}
	}
	front_free(f);
	return 0;
}

static int front_check_config(const struct front_config *cfg)
{
	if (!cfg || !cfg->mountpoint || cfg->mountpoint[0] != '/' ||
	    cfg->root_fd < 0 || cfg->dir >= PROTO_MAX_DIRS)
		return -EINVAL;
	/* the option parser would split or unescape these */
	if (cfg->fsname && strpbrk(cfg->fsname, ",\\ \t\n"))
		return -EINVAL;
	return 0;
}

static int front_session(struct front *f, const struct front_config *cfg)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct fuse_lowlevel_ops ops;
	struct statvfs sv;
	char opts[512];
	int rc = -ENOMEM;

	if (fstatvfs(f->root_fd, &sv))
		return -errno;
	/* behave like the directory underneath: same suid/dev/exec */
	snprintf(
		opts, sizeof(opts),
		"fsname=%s,subtype=replicd,default_permissions,allow_other,%s,%s,%s",
		cfg->fsname ? cfg->fsname : "replicd",
		(sv.f_flag & ST_NOSUID) ? "nosuid" : "suid",
		(sv.f_flag & ST_NODEV) ? "nodev" : "dev",
		(sv.f_flag & ST_NOEXEC) ? "noexec" : "exec");
	memset(&ops, 0, sizeof(ops));
	ops.init = front_ll_init;
	front_ns_ops(&ops);
	front_io_ops(&ops);
	if (fuse_opt_add_arg(&args, "replicd") ||
	    fuse_opt_add_arg(&args, "-o") || fuse_opt_add_arg(&args, opts) ||
	    (cfg->debug && fuse_opt_add_arg(&args, "-d")))
		goto out_args;
	f->se = fuse_session_new(&args, &ops, sizeof(ops), f);
	if (!f->se) {
		rc = -EINVAL;
		goto out_args;
	}
	rc = 0;
out_args:
	fuse_opt_free_args(&args);
	return rc;
}

int front_start(struct front **out, const struct front_config *cfg,
		const struct front_repl *repl)
{
	sigset_t all, old;
	struct front *f;
	struct stat st;
	dev_t top;
	int rc, ours;

	*out = NULL;
	rc = front_check_config(cfg);
	if (rc)
		return rc;
	if (repl &&
	    (!repl->lock || !repl->unlock || !repl->submit || !repl->wait))
		return -EINVAL;
	if (fstat(cfg->root_fd, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	pthread_mutex_init(&f->itab_lock, NULL);
	pthread_mutex_init(&f->prefix_lock, NULL);
	f->root_fd = cfg->root_fd;
	f->root.fd = cfg->root_fd;
	f->root.alt_fd = -1;
	f->root.type = S_IFDIR;
	f->root.dev = st.st_dev;
	f->root.ino = st.st_ino;
	f->root.nlookup = 1;
	f->timeout = FRONT_TIMEOUT;
	f->dir = cfg->dir;
	if (repl) {
		f->repl = *repl;
		f->has_repl = 1;
	}
	f->mountpoint = strdup(cfg->mountpoint);
	f->itab_size = FRONT_ITAB_MIN;
	f->itab = calloc(f->itab_size, sizeof(*f->itab));
	f->loop_cfg = fuse_loop_cfg_create();
	if (!f->mountpoint || !f->itab || !f->loop_cfg) {
		rc = -ENOMEM;
		goto out_free;
	}
	if (cfg->max_threads)
		fuse_loop_cfg_set_max_threads(f->loop_cfg, cfg->max_threads);
	rc = front_prefix_refresh(f);
	if (rc)
		goto out_free;
	rc = front_session(f, cfg);
	if (rc)
		goto out_free;
	if (fuse_session_mount(f->se, f->mountpoint)) {
		rc = -EIO; /* libfuse has logged why */
		goto out_free;
	}
	f->mounted = 1;
	/* our device: the topmost mount there now */
	if (front_mounts(f, &top, &ours) || top == 0 || top == f->root.dev) {
		rc = -EIO;
		goto out_unmount;
	}
	f->mnt_dev = top;
	/* the loop threads get no signals: the daemon's loop handles them */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = -pthread_create(&f->thread, NULL, front_thread, f);
	if (!rc) /* top -H, ps -L, perf show which thread is which */
		pthread_setname_np(f->thread, "rd-fuse");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc)
		goto out_unmount;
	f->thread_started = 1;
	*out = f;
	return 0;

out_unmount:
	log_err("front: cannot serve the mount over %s " QB_XS " %s",
		f->mountpoint, strerror(-rc));
	fuse_session_unmount(f->se); /* just mounted: ours is on top */
out_free:
	front_free(f);
	return rc;
}
