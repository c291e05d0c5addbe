// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sync_walk.c - full sync, primary side: the walk of one tree (see
 * sync.c for the message flow).  Every SYNC_* message is built from the
 * primary's state read under the order lock, so it is ordered
 * consistently with the live operations around it.  Sync thread only,
 * except sync_note_op() (order lock, FUSE workers).
 */
#include "config.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>
#include "deadline.h"
#include "log.h"
#include "repl.h"
#include "sync.h"
#include "sync_priv.h"

int sync_open(struct sync *s, unsigned int dir, const char *path, int flags)
{
	return daemon_open_beneath(s->d->root_fd[dir], path, flags | O_NOFOLLOW,
				   0);
}

bool sync_cancelled(struct sync *s)
{
	bool c;

	pthread_mutex_lock(&s->mtx);
	c = s->cancel || s->quit;
	pthread_mutex_unlock(&s->mtx);
	return c;
}

void sync_progress_add(struct sync *s, uint64_t n)
{
	pthread_mutex_lock(&s->mtx);
	s->done += n;
	pthread_mutex_unlock(&s->mtx);
}

/* Encode and send with the repl buffer; the order lock is held. */
int sync_send_locked(struct sync *s, struct proto_msg *m)
{
	m->target = s->target;
	m->sync_id = s->sync_id;
	return repl_send_locked(s->d->repl, m);
}

static void sync_attr_of(const struct stat *st, struct proto_attr *a)
{
	a->mask = PROTO_A_MODE | PROTO_A_UID | PROTO_A_GID | PROTO_A_MTIME;
	a->mode = st->st_mode & 07777;
	a->uid = st->st_uid;
	a->gid = st->st_gid;
	a->mtime_sec = st->st_mtim.tv_sec;
	a->mtime_nsec = (uint32_t)st->st_mtim.tv_nsec;
}

void sync_note_op(struct sync *s, const struct proto_msg *op)
{
	unsigned int i;

	if (!s)
		return;
	if (s->n_links)
		sync_links_note(s, op);
	if (!s->depth && !s->file[0])
		return;
	if (op->type == PROTO_OP_UNLINK || op->type == PROTO_OP_RMDIR) {
		if (!strcmp(op->path, s->file))
			s->file_gone = true;
		for (i = 0; i < s->depth; i++)
			if (!strcmp(op->path, s->stack[i]))
				s->stack_gone[i] = true;
		return;
	}
	if (op->type != PROTO_OP_RENAME)
		return;
	switch (proto_rename_path(op, s->file, s->tmp)) {
	case 1:
		memcpy(s->file, s->tmp, strlen(s->tmp) + 1);
		break;
	case -1:
		s->file_gone = true;
		break;
	}
	for (i = 0; i < s->depth; i++) {
		switch (proto_rename_path(op, s->stack[i], s->tmp)) {
		case 1:
			memcpy(s->stack[i], s->tmp, strlen(s->tmp) + 1);
			break;
		case -1:
			s->stack_gone[i] = true;
			break;
		}
	}
}

/* SYNC_XATTRS for an open fd (file or dir), order lock held. */
static int sync_xattrs_locked(struct sync *s, unsigned int dir, int fd,
			      const char *path)
{
	char names[16384];
	ssize_t len, i, v;
	uint32_t pos = 0;
	struct proto_msg m = { .type = PROTO_SYNC_XATTRS,
			       .dir = (uint16_t)dir,
			       .path = path };

	len = flistxattr(fd, names, sizeof(names));
	if (len <= 0)
		return 0; /* SYNC_FILE / SYNC_DIR dropped the target's ones */
	for (i = 0; len > 0 && i < len; i += (ssize_t)strlen(names + i) + 1) {
		size_t nl = strlen(names + i);

		if (pos + 2 + nl + 1 + 4 > PROTO_MAX_DATA)
			break;
		v = fgetxattr(fd, names + i, s->xbuf + pos + 2 + nl + 1 + 4,
			      PROTO_MAX_DATA - (pos + 2 + nl + 1 + 4));
		if (v < 0 || v > (ssize_t)PROTO_MAX_XATTR_VALUE)
			continue;
		s->xbuf[pos] = (uint8_t)nl;
		s->xbuf[pos + 1] = (uint8_t)(nl >> 8);
		memcpy(s->xbuf + pos + 2, names + i, nl + 1);
		s->xbuf[pos + 2 + nl + 1] = (uint8_t)v;
		s->xbuf[pos + 2 + nl + 2] = (uint8_t)(v >> 8);
		s->xbuf[pos + 2 + nl + 3] = (uint8_t)(v >> 16);
		s->xbuf[pos + 2 + nl + 4] = (uint8_t)(v >> 24);
		pos += (uint32_t)(2 + nl + 1 + 4 + (size_t)v);
	}
	m.data = s->xbuf;
	m.data_len = pos;
	return sync_send_locked(s, &m);
}

/* Final attributes: xattrs then times (order lock taken here). */
static int sync_finish_entry(struct sync *s, unsigned int dir, int fd,
			     const char *path)
{
	struct proto_msg m = { .type = PROTO_SYNC_ATTR,
			       .dir = (uint16_t)dir,
			       .path = path };
	struct stat st;
	int rc;

	if (fstat(fd, &st))
		return -errno;
	rc = sync_xattrs_locked(s, dir, fd, path);
	if (rc)
		return rc;
	sync_attr_of(&st, &m.attr);
	return sync_send_locked(s, &m);
}

/* Wait for the target's SYNC_NEED for the SUMS at first. */
static int sync_wait_need(struct sync *s, uint64_t first, uint8_t *bitmap,
			  uint32_t *len)
{
	int rc = 0;

	struct timespec until;

	deadline_in_ms(&until, SYNC_NEED_TIMEOUT_S * 1000UL);
	pthread_mutex_lock(&s->mtx);
	while (!s->cancel && !s->quit &&
	       !(s->need_ready && s->need_offset == first) && rc == 0)
		if (pthread_cond_timedwait(&s->cond, &s->mtx, &until) ==
		    ETIMEDOUT)
			rc = -ETIMEDOUT; /* the session restarts later */
	if (rc) {
		/* timed out */
	} else if (s->cancel || s->quit) {
		rc = -ECANCELED;
	} else {
		*len = s->need_len;
		memcpy(bitmap, s->need, s->need_len);
		s->need_ready = false;
	}
	pthread_mutex_unlock(&s->mtx);
	return rc;
}

static bool sync_bit(const uint8_t *bm, uint32_t len, uint32_t i)
{
	return i / 8 < len && (bm[i / 8] >> (i % 8)) & 1;
}

/* Send the chunks [first, first + n) the target marked in bm. */
static int sync_send_data(struct sync *s, unsigned int dir, int fd,
			  uint64_t first, uint32_t n, const uint8_t *bm,
			  uint32_t bm_len)
{
	struct proto_msg m = { .type = PROTO_SYNC_DATA, .dir = (uint16_t)dir };
	uint32_t i = 0, k;
	ssize_t got;
	int rc = 0;

	while (i < n && !rc) {
		if (!sync_bit(bm, bm_len, i)) {
			i++;
			continue;
		}
		for (k = 1; k < SYNC_DATA_CHUNKS && i + k < n &&
			    sync_bit(bm, bm_len, i + k);
		     k++)
			;
		repl_order_lock(s->d->repl);
		got = pread(fd, s->buf, (size_t)k * PROTO_CHUNK_SIZE,
			    (off_t)((first + i) * PROTO_CHUNK_SIZE));
		if (got > 0 && !s->file_gone) {
			m.path = s->file;
			m.offset = (first + i) * PROTO_CHUNK_SIZE;
			m.data = s->buf;
			m.data_len = (uint32_t)got;
			rc = sync_send_locked(s, &m);
		} else if (got < 0) {
			rc = -errno;
		}
		repl_order_unlock(s->d->repl);
		i += k;
	}
	return rc;
}

/* Open path for reading only if it is still a regular file (never a
 * device or fifo a live op put there meanwhile).  fd or -errno; -ENOENT
 * when it is gone or no longer a regular file: the live operation that
 * changed it told the target.  Order lock held. */
static int sync_open_reg(struct sync *s, unsigned int dir, const char *path,
			 struct stat *st)
{
	char proc[64];
	int pfd, fd;

	pfd = sync_open(s, dir, path, O_PATH);
	if (pfd < 0)
		return pfd == -ELOOP ? -ENOENT : pfd;
	if (fstat(pfd, st)) {
		fd = -errno;
	} else if (!S_ISREG(st->st_mode)) {
		fd = -ENOENT;
	} else {
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
		fd = open(proc, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			fd = -errno;
	}
	close(pfd);
	return fd;
}

/*
 * The names of a file with several names, structure first: SYNC_FILE for
 * the representative rep (the target keeps its inode, or makes one), then
 * SYNC_HARDLINK from rep for every other name the table knows for the
 * inode.  Afterwards every name the target holds for it is one inode, so
 * live operations through any of them reach the same bytes while the
 * content is compared next.  Order lock held; m is the SYNC_FILE.
 */
static int sync_group_locked(struct sync *s, unsigned int dir,
			     const struct stat *st, struct proto_msg *m)
{
	const char *names[SYNC_GROUP_MAX];
	struct proto_msg hl = { .type = PROTO_SYNC_HARDLINK,
				.dir = (uint16_t)dir,
				.path = s->file };
	size_t n, i;
	int rc;

	rc = sync_send_locked(s, m);
	if (rc)
		return rc;
	n = sync_links_names(s, dir, st, names, SYNC_GROUP_MAX);
	for (i = 0; i < n && !rc; i++) {
		if (!strcmp(names[i], s->file))
			continue;
		hl.path2 = names[i];
		rc = sync_send_locked(s, &hl);
	}
	log_debug("full sync: %s travels whole, %zu name(s) linked to it",
		  s->file, n ? n - 1 : 0);
	return rc;
}

/* A regular file: SYNC_FILE, sums, needed data, attributes; or one
 * SYNC_HARDLINK when the target holds its inode under another name
 * already, and no live op can have reached a stale copy of it there since
 * it was compared.  SYNC_F_RESEND (the target, or a live op the target
 * applied to a stale copy, needs path again) or a stale inode: a file
 * with several names is compared whole through the name the target holds,
 * and all its names are linked to it again first. */
static int sync_file(struct sync *s, unsigned int dir, const char *path,
		     unsigned int flags)
{
	struct proto_msg m = { .type = PROTO_SYNC_FILE, .dir = (uint16_t)dir };
	uint8_t sums[SYNC_SUMS_BATCH * PROTO_SUM_SIZE];
	uint8_t bm[SYNC_SUMS_BATCH / 8];
	uint64_t nchunks, first;
	uint32_t n, i, bm_len;
	const char *o = NULL;
	struct stat st, ost;
	bool group = false;
	ssize_t got;
	int fd, ofd, rc = 0;

	repl_order_lock(s->d->repl);
	snprintf(s->file, sizeof(s->file), "%s", path);
	s->file_gone = false;
	fd = sync_open_reg(s, dir, path, &st);
	if (fd < 0) {
		rc = fd;
		repl_order_unlock(s->d->repl);
		goto out_close;
	}
	if (st.st_nlink > 1)
		o = sync_links_find(s, dir, &st, s->file);
	if (o && !(flags & SYNC_F_RESEND) && sync_links_stale(s, dir, &st)) {
		/* a live op may have reached a stale copy of it there */
		log_debug(
			"full sync: %s may differ from %s on the target: compared again",
			s->file, o);
		flags |= SYNC_F_RESEND;
	}
	if (o && !(flags & SYNC_F_RESEND)) {
		struct proto_msg hl = { .type = PROTO_SYNC_HARDLINK,
					.dir = (uint16_t)dir,
					.path = o,
					.path2 = s->file };

		rc = sync_send_locked(s, &hl);
		log_debug("full sync: %s links to %s", s->file, o);
		/* ENOMEM: not remembered, a later name travels whole */
		if (!rc)
			sync_links_add(s, dir, st.st_dev, st.st_ino, s->file);
		repl_order_unlock(s->d->repl);
		goto out_close;
	}
	if (o) {
		/* the content goes through the name the target holds */
		ofd = sync_open_reg(s, dir, o, &ost);
		if (ofd >= 0 && ost.st_dev == st.st_dev &&
		    ost.st_ino == st.st_ino) {
			close(fd);
			fd = ofd;
			st = ost;
			snprintf(s->file, sizeof(s->file), "%s", o);
		} else if (ofd >= 0) {
			close(ofd);
		}
		sync_links_add(s, dir, st.st_dev, st.st_ino, path);
	}
	m.path = s->file;
	m.length = (uint64_t)st.st_size;
	m.uid = st.st_uid;
	m.gid = st.st_gid;
	sync_attr_of(&st, &m.attr);
	if (st.st_nlink == 1) {
		/* "one name only": the target must not share this inode
		 * with another name (apply_sync_file) */
		m.attr.mask |= PROTO_A_SIZE;
		m.attr.size = (uint64_t)st.st_size;
		rc = sync_send_locked(s, &m);
	} else {
		sync_links_add(s, dir, st.st_dev, st.st_ino, s->file);
		/* compared from here on: a later live op through a name
		 * the target has not linked marks it again */
		sync_links_mark(s, dir, st.st_dev, st.st_ino, false);
		rc = sync_group_locked(s, dir, &st, &m);
		group = true;
	}
	repl_order_unlock(s->d->repl);
	if (rc)
		goto out_close;

	nchunks = ((uint64_t)st.st_size + PROTO_CHUNK_SIZE - 1) /
		  PROTO_CHUNK_SIZE;
	if (st.st_size > 0 && st.st_size <= SYNC_DIRECT_MAX) {
		/* small: the data costs less than a checksum round trip */
		static const uint8_t all = 1;

		nchunks = 0;
		rc = sync_send_data(s, dir, fd, 0, 1, &all, 1);
		sync_progress_add(s, (uint64_t)st.st_size);
	}
	for (first = 0; first < nchunks && !rc; first += n) {
		struct proto_msg sm = { .type = PROTO_SYNC_SUMS,
					.dir = (uint16_t)dir };

		if (sync_cancelled(s)) {
			rc = -ECANCELED;
			break;
		}
		n = (uint32_t)(nchunks - first < SYNC_SUMS_BATCH ?
				       nchunks - first :
				       SYNC_SUMS_BATCH);
		repl_order_lock(s->d->repl);
		for (i = 0; i < n; i++) {
			got = pread(fd, s->buf, PROTO_CHUNK_SIZE,
				    (off_t)((first + i) * PROTO_CHUNK_SIZE));
			sync_sum(s->buf, got > 0 ? (size_t)got : 0,
				 sums + (size_t)i * PROTO_SUM_SIZE);
		}
		sm.path = s->file;
		sm.offset = first;
		sm.data = sums;
		sm.data_len = n * PROTO_SUM_SIZE;
		rc = s->file_gone ? -ENOENT : sync_send_locked(s, &sm);
		/* we wait for the answer to these sums: they must not sit in
		 * the pack for cpg_pack_ms first (256 round trips per GiB) */
		if (!rc)
			rc = repl_pack_flush(s->d->repl);
		repl_order_unlock(s->d->repl);
		if (rc)
			break;
		rc = sync_wait_need(s, first, bm, &bm_len);
		if (!rc)
			rc = sync_send_data(s, dir, fd, first, n, bm, bm_len);
		sync_progress_add(s, (uint64_t)n * PROTO_CHUNK_SIZE);
	}
	if (!rc) {
		repl_order_lock(s->d->repl);
		rc = s->file_gone ? 0 : sync_finish_entry(s, dir, fd, s->file);
		repl_order_unlock(s->d->repl);
	}
out_close:
	if (fd >= 0)
		close(fd);
	repl_order_lock(s->d->repl);
	/* the name went away before the compare was done: the target's
	 * inode, which its other names share, lost its xattrs to SYNC_FILE
	 * and may hold part of the content */
	if (group && (rc == -ENOENT || s->file_gone))
		sync_links_resend(s, dir, &st, s->file);
	s->file[0] = '\0';
	repl_order_unlock(s->d->repl);
	if (rc == -ENOENT)
		rc = 0; /* gone meanwhile: the live unlink told the target */
	return rc;
}

static int sync_path_join(char *out, const char *dir, const char *name)
{
	int n = dir[0] ? snprintf(out, PROTO_MAX_PATH + 1, "%s/%s", dir, name) :
			 snprintf(out, PROTO_MAX_PATH + 1, "%s", name);

	return n < 0 || n > (int)PROTO_MAX_PATH ? -ENAMETOOLONG : 0;
}

/* symlink, fifo, socket or device: read and send under the order lock.
 * Anything else there now was put there by a live op, which told the
 * target. */
static int sync_small(struct sync *s, unsigned int dir, int dfd,
		      const char *name, const char *path)
{
	struct proto_msg m = { .dir = (uint16_t)dir, .path = path };
	char target[PROTO_MAX_PATH + 1];
	struct stat st;
	ssize_t n;
	int rc = 0;

	repl_order_lock(s->d->repl);
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW)) {
		rc = errno == ENOENT ? 0 : -errno;
		goto out_unlock;
	}
	if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))
		goto out_unlock;
	if (S_ISLNK(st.st_mode)) {
		n = readlinkat(dfd, name, target, sizeof(target) - 1);
		if (n <= 0) {
			rc = n < 0 ? -errno : 0;
			goto out_unlock;
		}
		target[n] = '\0';
		m.type = PROTO_SYNC_SYMLINK;
		m.path2 = target;
		m.uid = st.st_uid;
		m.gid = st.st_gid;
		sync_attr_of(&st, &m.attr);
		m.attr.mask &= ~PROTO_A_MODE;
	} else {
		m.type = PROTO_SYNC_SPECIAL;
		m.mode = st.st_mode;
		m.rdev = st.st_rdev;
		m.uid = st.st_uid;
		m.gid = st.st_gid;
		sync_attr_of(&st, &m.attr);
	}
	rc = sync_send_locked(s, &m);
out_unlock:
	repl_order_unlock(s->d->repl);
	return rc;
}

/* Read the names of dfd into s->xbuf (NUL separated).  Length, -errno. */
static long sync_list(struct sync *s, int dfd)
{
	struct dirent *de;
	size_t pos = 0, n;
	int fd = dup(dfd);
	DIR *dp;

	if (fd < 0)
		return -errno;
	dp = fdopendir(fd);
	if (!dp) {
		close(fd);
		return -errno;
	}
	rewinddir(dp);
	while ((de = readdir(dp))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		n = strlen(de->d_name) + 1;
		if (pos + n > SYNC_NAMES_MAX) {
			closedir(dp);
			return -EFBIG;
		}
		memcpy(s->xbuf + pos, de->d_name, n);
		pos += n;
	}
	closedir(dp);
	return (long)pos;
}

static int sync_tree(struct sync *s, unsigned int dir, unsigned int level);

/* One entry of a directory at stack[level]. */
static int sync_child(struct sync *s, unsigned int dir, unsigned int level,
		      int dfd, const char *name)
{
	char path[PROTO_MAX_PATH + 1];
	struct stat st;
	int rc;

	repl_order_lock(s->d->repl);
	rc = s->stack_gone[level] ? -ESTALE :
				    sync_path_join(path, s->stack[level], name);
	repl_order_unlock(s->d->repl);
	if (rc)
		return rc;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return 0; /* gone: the live op told the target */
	sync_progress_add(s, 4096);
	if (S_ISDIR(st.st_mode)) {
		if (level + 1 >= SYNC_MAX_DEPTH) {
			log_warn(
				"full sync: directory tree too deep, %s skipped",
				path);
			return 0;
		}
		repl_order_lock(s->d->repl);
		memcpy(s->stack[level + 1], path, strlen(path) + 1);
		s->stack_gone[level + 1] = false;
		s->depth = level + 2;
		repl_order_unlock(s->d->repl);
		rc = sync_tree(s, dir, level + 1);
		repl_order_lock(s->d->repl);
		s->depth = level + 1;
		repl_order_unlock(s->d->repl);
		return rc;
	}
	if (S_ISREG(st.st_mode))
		return sync_file(s, dir, path, 0);
	return sync_small(s, dir, dfd, name, path);
}

/* The directory at stack[level]: SYNC_DIR, children, attributes. */
static int sync_tree(struct sync *s, unsigned int dir, unsigned int level)
{
	struct proto_msg m = { .type = PROTO_SYNC_DIR, .dir = (uint16_t)dir };
	char *names = NULL;
	struct stat st;
	long len;
	size_t pos;
	int fd, rc;

	repl_order_lock(s->d->repl);
	fd = sync_open(s, dir, s->stack[level], O_RDONLY | O_DIRECTORY);
	if (fd < 0) {
		repl_order_unlock(s->d->repl);
		return fd == -ENOENT ? 0 : fd;
	}
	len = sync_list(s, fd);
	if (len < 0 || fstat(fd, &st)) {
		rc = len < 0 ? (int)len : -errno;
		repl_order_unlock(s->d->repl);
		if (rc == -EFBIG)
			log_err("full sync: directory %s has too many entries for one message",
				s->stack[level]);
		goto out_close;
	}
	m.path = s->stack[level];
	m.uid = st.st_uid;
	m.gid = st.st_gid;
	sync_attr_of(&st, &m.attr);
	m.data = s->xbuf;
	m.data_len = (uint32_t)len;
	rc = sync_send_locked(s, &m);
	repl_order_unlock(s->d->repl);
	if (rc)
		goto out_close;
	names = malloc((size_t)len + 1);
	if (!names) {
		rc = -ENOMEM;
		goto out_close;
	}
	memcpy(names, s->xbuf, (size_t)len);
	for (pos = 0; pos < (size_t)len && !rc && !s->names_only;
	     pos += strlen(names + pos) + 1) {
		if (sync_cancelled(s))
			rc = -ECANCELED;
		else
			rc = sync_child(s, dir, level, fd, names + pos);
	}
	if (rc == -ESTALE)
		rc = 0; /* the directory was replaced or removed meanwhile */
	if (!rc) {
		repl_order_lock(s->d->repl);
		if (!s->stack_gone[level])
			rc = sync_finish_entry(s, dir, fd, s->stack[level]);
		repl_order_unlock(s->d->repl);
	}
out_close:
	free(names);
	close(fd);
	return rc;
}

/* Sync one path of dir whole (the walk's root, or a resend). */
int sync_path(struct sync *s, unsigned int dir, const char *path, bool resend)
{
	char p[PROTO_MAX_PATH + 1], *slash;
	struct stat st;
	int fd, rc;

	snprintf(p, sizeof(p), "%s", path);
	for (;;) {
		/* the nearest ancestor the primary has */
		fd = sync_open(s, dir, p, O_PATH);
		if (fd >= 0 || !p[0])
			break;
		slash = strrchr(p, '/');
		if (slash)
			*slash = '\0';
		else
			p[0] = '\0';
	}
	if (fd < 0)
		return fd;
	rc = fstat(fd, &st) ? -errno : 0;
	close(fd);
	if (rc)
		return rc;
	if (S_ISDIR(st.st_mode)) {
		/* path is gone: the target only has to drop it, so the
		 * ancestor's listing will do (its other entries are synced
		 * or still ahead of the walk) */
		s->names_only = strcmp(p, path) != 0;
		repl_order_lock(s->d->repl);
		memcpy(s->stack[0], p, strlen(p) + 1);
		s->stack_gone[0] = false;
		s->depth = 1;
		repl_order_unlock(s->d->repl);
		rc = sync_tree(s, dir, 0);
		s->names_only = false;
		repl_order_lock(s->d->repl);
		s->depth = 0;
		repl_order_unlock(s->d->repl);
		return rc;
	}
	if (S_ISREG(st.st_mode))
		return sync_file(s, dir, p, resend ? SYNC_F_RESEND : 0);
	{
		char parent[PROTO_MAX_PATH + 1];
		const char *name;

		snprintf(parent, sizeof(parent), "%s", p);
		slash = strrchr(parent, '/');
		if (slash) {
			*slash = '\0';
			name = slash + 1;
		} else {
			parent[0] = '\0';
			name = p;
		}
		fd = sync_open(s, dir, parent, O_PATH | O_DIRECTORY);
		if (fd < 0)
			return fd;
		rc = sync_small(s, dir, fd, name, p);
		close(fd);
		return rc;
	}
}
