// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * front_ns.c - FUSE operations on names, attributes and directories.
 *
 * Every mutating operation follows front.h: front_txn_begin() (lock),
 * apply with *at() calls, describe it in a struct proto_msg with the
 * attributes read back after the change, front_txn_submit(),
 * front_txn_end() (unlock, wait).  Paths are taken under the lock.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "front_priv.h"

struct front_dir {
	DIR *dp;
	off_t offset;	      /* position of the next entry to return */
	struct dirent *entry; /* read but not returned yet */
};

/* Reply to a request that created name in parent (and looked it up as
 * e when lookup_rc is 0). */
static void front_reply_new(fuse_req_t req, struct front *f, int rc,
			    int lookup_rc, struct fuse_entry_param *e)
{
	if (!lookup_rc && rc)
		front_inode_unref(f, front_inode(f, e->ino), 1);
	if (!rc)
		rc = lookup_rc;
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_entry(req, e);
}

/*
 * Give a new object the caller's ownership (the group of a setgid
 * parent instead) and the mode the caller asked for: we created it as
 * root, under our own umask.
 */
static int front_own(int dirfd, const char *name, const struct fuse_ctx *ctx,
		     mode_t mode, const struct stat *pst)
{
	gid_t gid = ctx->gid;
	mode_t want = mode & 07777;
	struct stat st;

	if (pst->st_mode & S_ISGID) {
		gid = pst->st_gid;
		if (S_ISDIR(mode))
			want |= S_ISGID;
	}
	if (fchownat(dirfd, name, ctx->uid, gid, AT_SYMLINK_NOFOLLOW))
		return -errno;
	if (S_ISLNK(mode))
		return 0;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return -errno;
	if ((st.st_mode & 07777) != want && fchmodat(dirfd, name, want, 0))
		return -errno;
	return 0;
}

static void front_ll_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct front *f = front_from_req(req);
	struct fuse_entry_param e;
	int rc;

	rc = front_lookup(f, front_inode(f, parent), name, &e);
	if (rc == -ENOENT) {
		/* negative entry, not cached (entry_timeout 0) */
		memset(&e, 0, sizeof(e));
		fuse_reply_entry(req, &e);
	} else if (rc) {
		fuse_reply_err(req, -rc);
	} else {
		fuse_reply_entry(req, &e);
	}
}

static void front_ll_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	struct front *f = front_from_req(req);

	front_inode_unref(f, front_inode(f, ino), nlookup);
	fuse_reply_none(req);
}

static void front_ll_forget_multi(fuse_req_t req, size_t count,
				  struct fuse_forget_data *forgets)
{
	struct front *f = front_from_req(req);
	size_t i;

	for (i = 0; i < count; i++)
		front_inode_unref(f, front_inode(f, forgets[i].ino),
				  forgets[i].nlookup);
	fuse_reply_none(req);
}

static void front_ll_getattr(fuse_req_t req, fuse_ino_t ino,
			     struct fuse_file_info *fi)
{
	struct front *f = front_from_req(req);
	struct front_inode *in = front_inode(f, ino);
	struct stat st;

	if (fstatat(in->fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		fuse_reply_err(req, errno);
	else
		fuse_reply_attr(req, &st, f->timeout);
}

/* Apply the setattr fields in valid; returns the mask of what changed
 * in *done and 0 or the first -errno. */
static int front_setattr_apply(struct front_inode *in, struct stat *attr,
			       int valid, struct fuse_file_info *fi,
			       uint32_t *done)
{
	char proc[64];
	int fd = fi ? (int)fi->fh : -1;

	front_proc_path(proc, sizeof(proc), in->fd);
	*done = 0;
	if (valid & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) {
		uid_t uid = (valid & FUSE_SET_ATTR_UID) ? attr->st_uid :
							  (uid_t)-1;
		gid_t gid = (valid & FUSE_SET_ATTR_GID) ? attr->st_gid :
							  (gid_t)-1;

		if (fchownat(in->fd, "", uid, gid,
			     AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
			return -errno;
		/* chown may clear set-id bits: send the mode too */
		*done |= PROTO_A_MODE;
		*done |= (valid & FUSE_SET_ATTR_UID) ? PROTO_A_UID : 0;
		*done |= (valid & FUSE_SET_ATTR_GID) ? PROTO_A_GID : 0;
	}
	if (valid & FUSE_SET_ATTR_MODE) {
		int rc = fd >= 0 ? fchmod(fd, attr->st_mode & 07777) :
				   chmod(proc, attr->st_mode & 07777);

		if (rc)
			return -errno;
		*done |= PROTO_A_MODE;
	}
	if (valid & FUSE_SET_ATTR_SIZE) {
		int rc = fd >= 0 ? ftruncate(fd, attr->st_size) :
				   truncate(proc, attr->st_size);

		if (rc)
			return -errno;
		*done |= PROTO_A_SIZE;
	}
	if (valid & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME)) {
		struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT },
					  { .tv_nsec = UTIME_OMIT } };

		if (valid & FUSE_SET_ATTR_ATIME_NOW)
			ts[0].tv_nsec = UTIME_NOW;
		else if (valid & FUSE_SET_ATTR_ATIME)
			ts[0] = attr->st_atim;
		if (valid & FUSE_SET_ATTR_MTIME_NOW)
			ts[1].tv_nsec = UTIME_NOW;
		else if (valid & FUSE_SET_ATTR_MTIME)
			ts[1] = attr->st_mtim;
		if (utimensat(in->fd, "", ts,
			      AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
			return -errno;
		*done |= (valid & FUSE_SET_ATTR_ATIME) ? PROTO_A_ATIME : 0;
	}
	return 0;
}

static void front_ll_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
			     int valid, struct fuse_file_info *fi)
{
	struct front *f = front_from_req(req);
	struct front_inode *in = front_inode(f, ino);
	char path[PROTO_MAX_PATH + 1];
	struct front_txn t;
	struct proto_msg m;
	struct stat st;
	uint32_t done = 0;
	int rc, wrc, plen = -ENOENT;

	front_txn_begin(&t, f);
	if (f->has_repl) {
		plen = front_path(f, in, path, sizeof(path));
		if (plen < 0 && plen != -ENOENT) {
			rc = plen;
			goto out;
		}
	}
	rc = front_setattr_apply(in, attr, valid, fi, &done);
	if (fstatat(in->fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) {
		if (!rc)
			rc = -errno;
		goto out;
	}
	if (plen < 0 || !done)
		goto out;
	if (done & PROTO_A_SIZE) {
		memset(&m, 0, sizeof(m));
		m.type = PROTO_OP_TRUNCATE;
		m.path = path;
		m.length = (uint64_t)st.st_size;
		front_attr_set(&m.attr, &st, PROTO_A_SIZE | PROTO_A_MTIME);
		front_txn_submit(&t, &m);
		done &= ~PROTO_A_SIZE;
	}
	if (done) {
		memset(&m, 0, sizeof(m));
		m.type = PROTO_OP_SETATTR;
		m.path = path;
		/* mtime always: the replicas keep the primary's */
		front_attr_set(&m.attr, &st, done | PROTO_A_MTIME);
		front_txn_submit(&t, &m);
	}
out:
	wrc = front_txn_end(&t);
	if (!rc)
		rc = wrc;
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_attr(req, &st, f->timeout);
}

static void front_ll_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct front *f = front_from_req(req);
	char buf[PATH_MAX + 1];
	ssize_t n;

	n = readlinkat(front_inode(f, ino)->fd, "", buf, sizeof(buf));
	if (n < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	if ((size_t)n >= sizeof(buf)) {
		fuse_reply_err(req, ENAMETOOLONG);
		return;
	}
	buf[n] = '\0';
	fuse_reply_readlink(req, buf);
}

/* Describe a new object st, named path in p, and submit it. */
static void front_make_msg(struct front_txn *t, struct front_inode *p,
			   const char *path, const char *target,
			   const struct stat *st)
{
	struct proto_msg m;

	memset(&m, 0, sizeof(m));
	m.path = path;
	m.mode = st->st_mode;
	m.uid = st->st_uid;
	m.gid = st->st_gid;
	if (target) {
		m.type = PROTO_OP_SYMLINK;
		m.path2 = target;
		m.mode = 0;
	} else if (S_ISDIR(st->st_mode)) {
		m.type = PROTO_OP_MKDIR;
	} else if (S_ISREG(st->st_mode)) {
		m.type = PROTO_OP_CREATE;
	} else {
		m.type = PROTO_OP_MKNOD;
		m.rdev = st->st_rdev;
	}
	front_attr_set(&m.attr, st,
		       PROTO_A_MODE | PROTO_A_UID | PROTO_A_GID |
			       PROTO_A_ATIME | PROTO_A_MTIME);
	if (target)
		m.attr.mask &= ~PROTO_A_MODE;
	front_parent_times(p->fd, &m.ptimes);
	front_txn_submit(t, &m);
}

/*
 * mknod, mkdir, symlink: create name in parent, own it, look it up,
 * replicate.  target is the symlink target (NULL otherwise).
 */
static void front_make(fuse_req_t req, fuse_ino_t parent, const char *name,
		       mode_t mode, dev_t rdev, const char *target)
{
	struct front *f = front_from_req(req);
	struct front_inode *p = front_inode(f, parent);
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	char path[PROTO_MAX_PATH + 1];
	struct fuse_entry_param e;
	struct front_txn t;
	struct stat pst, st;
	int rc, lrc = -ENOENT, plen;

	if (target && strlen(target) > PROTO_MAX_PATH) {
		fuse_reply_err(req, ENAMETOOLONG);
		return;
	}
	front_txn_begin(&t, f);
	plen = front_child_path(f, p, name, path, sizeof(path));
	if (plen < 0 && plen != -ENOENT) {
		rc = plen;
		goto out;
	}
	if (fstatat(p->fd, "", &pst, AT_EMPTY_PATH)) {
		rc = -errno;
		goto out;
	}
	if (target)
		rc = symlinkat(target, p->fd, name);
	else if (S_ISDIR(mode))
		rc = mkdirat(p->fd, name, mode & 07777);
	else
		rc = mknodat(p->fd, name, mode, rdev);
	if (rc) {
		rc = -errno;
		goto out;
	}
	rc = front_own(p->fd, name, ctx, mode, &pst);
	if (rc) {
		unlinkat(p->fd, name, S_ISDIR(mode) ? AT_REMOVEDIR : 0);
		goto out;
	}
	/* replicated even if the lookup for the reply fails below */
	if (plen >= 0 && !fstatat(p->fd, name, &st, AT_SYMLINK_NOFOLLOW))
		front_make_msg(&t, p, path, target, &st);
	lrc = front_lookup(f, p, name, &e);
out:
	rc = rc ? rc : front_txn_end(&t);
	if (t.locked)
		front_txn_end(&t);
	front_reply_new(req, f, rc, lrc, &e);
}

static void front_ll_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
			   mode_t mode, dev_t rdev)
{
	front_make(req, parent, name, mode, rdev, NULL);
}

static void front_ll_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
			   mode_t mode)
{
	front_make(req, parent, name, S_IFDIR | (mode & 07777), 0, NULL);
}

static void front_ll_symlink(fuse_req_t req, const char *link,
			     fuse_ino_t parent, const char *name)
{
	front_make(req, parent, name, S_IFLNK | 0777, 0, link);
}

static void front_remove(fuse_req_t req, fuse_ino_t parent, const char *name,
			 int flags)
{
	struct front *f = front_from_req(req);
	struct front_inode *p = front_inode(f, parent);
	char path[PROTO_MAX_PATH + 1];
	struct front_txn t;
	struct proto_msg m;
	int rc, plen;

	front_txn_begin(&t, f);
	plen = front_child_path(f, p, name, path, sizeof(path));
	if (plen < 0 && plen != -ENOENT) {
		rc = plen;
		goto out;
	}
	if (unlinkat(p->fd, name, flags)) {
		rc = -errno;
		goto out;
	}
	rc = 0;
	if (plen < 0)
		goto out;
	memset(&m, 0, sizeof(m));
	m.type = flags ? PROTO_OP_RMDIR : PROTO_OP_UNLINK;
	m.path = path;
	front_parent_times(p->fd, &m.ptimes);
	front_txn_submit(&t, &m);
out:
	rc = rc ? rc : front_txn_end(&t);
	if (t.locked)
		front_txn_end(&t);
	fuse_reply_err(req, -rc);
}

static void front_ll_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	front_remove(req, parent, name, 0);
}

static void front_ll_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	front_remove(req, parent, name, AT_REMOVEDIR);
}

static void front_ll_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
			    fuse_ino_t newparent, const char *newname,
			    unsigned int flags)
{
	struct front *f = front_from_req(req);
	struct front_inode *p = front_inode(f, parent);
	struct front_inode *np = front_inode(f, newparent);
	char path[PROTO_MAX_PATH + 1], path2[PROTO_MAX_PATH + 1];
	struct front_txn t;
	struct proto_msg m;
	int rc, plen, plen2 = -ENOENT;

	if (flags & ~(unsigned int)(RENAME_NOREPLACE | RENAME_EXCHANGE)) {
		fuse_reply_err(req, EINVAL); /* no whiteouts */
		return;
	}
	front_txn_begin(&t, f);
	plen = front_child_path(f, p, name, path, sizeof(path));
	if (plen >= 0 || plen == -ENOENT)
		plen2 = front_child_path(f, np, newname, path2, sizeof(path2));
	if ((plen < 0 && plen != -ENOENT) || (plen2 < 0 && plen2 != -ENOENT)) {
		rc = plen < 0 && plen != -ENOENT ? plen : plen2;
		goto out;
	}
	if (renameat2(p->fd, name, np->fd, newname, flags)) {
		rc = -errno;
		goto out;
	}
	rc = 0;
	if (plen < 0 || plen2 < 0)
		goto out;
	memset(&m, 0, sizeof(m));
	m.type = PROTO_OP_RENAME;
	m.flags = (uint16_t)flags;
	m.path = path;
	m.path2 = path2;
	front_parent_times(p->fd, &m.ptimes);
	front_parent_times(np->fd, &m.ptimes2);
	front_txn_submit(&t, &m);
out:
	rc = rc ? rc : front_txn_end(&t);
	if (t.locked)
		front_txn_end(&t);
	fuse_reply_err(req, -rc);
}

static void front_ll_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
			  const char *newname)
{
	struct front *f = front_from_req(req);
	struct front_inode *in = front_inode(f, ino);
	struct front_inode *np = front_inode(f, newparent);
	char path[PROTO_MAX_PATH + 1], path2[PROTO_MAX_PATH + 1], proc[64];
	struct fuse_entry_param e;
	struct front_txn t;
	struct proto_msg m;
	struct stat st;
	int rc, lrc = -ENOENT, plen, plen2 = -ENOENT;

	front_txn_begin(&t, f);
	plen = front_path(f, in, path, sizeof(path));
	if (plen >= 0 || plen == -ENOENT)
		plen2 = front_child_path(f, np, newname, path2, sizeof(path2));
	if ((plen < 0 && plen != -ENOENT) || (plen2 < 0 && plen2 != -ENOENT)) {
		rc = plen < 0 && plen != -ENOENT ? plen : plen2;
		goto out;
	}
	rc = linkat(in->fd, "", np->fd, newname, AT_EMPTY_PATH);
	if (rc && errno != EEXIST) {
		front_proc_path(proc, sizeof(proc), in->fd);
		rc = linkat(AT_FDCWD, proc, np->fd, newname, AT_SYMLINK_FOLLOW);
	}
	if (rc) {
		rc = -errno;
		goto out;
	}
	if (plen >= 0 && plen2 >= 0 &&
	    !fstatat(in->fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) {
		memset(&m, 0, sizeof(m));
		m.type = PROTO_OP_LINK;
		m.path = path;
		m.path2 = path2;
		front_attr_set(&m.attr, &st, PROTO_A_MTIME);
		front_parent_times(np->fd, &m.ptimes2);
		front_txn_submit(&t, &m);
	}
	lrc = front_lookup(f, np, newname, &e);
out:
	rc = rc ? rc : front_txn_end(&t);
	if (t.locked)
		front_txn_end(&t);
	front_reply_new(req, f, rc, lrc, &e);
}

static void front_ll_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct front *f = front_from_req(req);
	struct statvfs sv;

	if (fstatvfs(front_inode(f, ino)->fd, &sv))
		fuse_reply_err(req, errno);
	else
		fuse_reply_statfs(req, &sv);
}

/* ---- directories ---------------------------------------------------------- */

static void front_ll_opendir(fuse_req_t req, fuse_ino_t ino,
			     struct fuse_file_info *fi)
{
	struct front *f = front_from_req(req);
	struct front_dir *d = calloc(1, sizeof(*d));
	int fd, err;

	if (!d) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	fd = openat(front_inode(f, ino)->fd, ".",
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		goto out_err;
	d->dp = fdopendir(fd);
	if (!d->dp) {
		err = errno;
		close(fd);
		errno = err;
		goto out_err;
	}
	fi->fh = (uintptr_t)d;
	if (fuse_reply_open(req, fi) == -ENOENT) {
		/* the opener was interrupted */
		closedir(d->dp);
		free(d);
	}
	return;
out_err:
	err = errno;
	free(d);
	fuse_reply_err(req, err);
}

static int front_is_dot(const char *name)
{
	return name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2]));
}

static void front_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
			  off_t offset, struct fuse_file_info *fi, int plus)
{
	struct front *f = front_from_req(req);
	struct front_dir *d = (struct front_dir *)(uintptr_t)fi->fh;
	struct front_inode *in = front_inode(f, ino);
	char *buf = calloc(1, size), *p = buf;
	size_t rem = size;
	int err = 0;

	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if (offset != d->offset) {
		seekdir(d->dp, offset);
		d->entry = NULL;
		d->offset = offset;
	}
	for (;;) {
		struct fuse_entry_param e;
		const char *name;
		size_t sz;
		off_t next;

		if (!d->entry) {
			errno = 0;
			d->entry = readdir(d->dp);
			if (!d->entry) {
				err = errno;
				break;
			}
		}
		name = d->entry->d_name;
		next = d->entry->d_off;
		memset(&e, 0, sizeof(e));
		e.attr.st_ino = d->entry->d_ino;
		e.attr.st_mode = (mode_t)d->entry->d_type << 12;
		if (!plus) {
			sz = fuse_add_direntry(req, p, rem, name, &e.attr,
					       next);
			if (sz > rem)
				break;
		} else if (front_is_dot(name)) {
			/* ino 0: the kernel takes no reference */
			sz = fuse_add_direntry_plus(req, p, rem, name, &e,
						    next);
			if (sz > rem)
				break;
		} else {
			int rc = front_lookup(f, in, name, &e);

			if (rc == -ENOENT) {
				d->entry = NULL; /* gone meanwhile */
				continue;
			}
			if (rc) {
				err = -rc;
				break;
			}
			sz = fuse_add_direntry_plus(req, p, rem, name, &e,
						    next);
			if (sz > rem) {
				front_inode_unref(f, front_inode(f, e.ino), 1);
				break;
			}
		}
		p += sz;
		rem -= sz;
		d->entry = NULL;
		d->offset = next;
	}
	if (err && rem == size)
		fuse_reply_err(req, err);
	else
		fuse_reply_buf(req, buf, size - rem);
	free(buf);
}

static void front_ll_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
			     off_t offset, struct fuse_file_info *fi)
{
	front_readdir(req, ino, size, offset, fi, 0);
}

static void front_ll_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size,
				 off_t offset, struct fuse_file_info *fi)
{
	front_readdir(req, ino, size, offset, fi, 1);
}

static void front_ll_releasedir(fuse_req_t req, fuse_ino_t ino,
				struct fuse_file_info *fi)
{
	struct front_dir *d = (struct front_dir *)(uintptr_t)fi->fh;

	closedir(d->dp);
	free(d);
	fuse_reply_err(req, 0);
}

/* fsync of a file (fd) or directory: the replicas' and the local one at
 * the same time (every write before it is on the local copy already);
 * it succeeds when both do. */
int front_fsync_common(struct front *f, struct front_inode *in, int fd,
		       int datasync)
{
	char path[PROTO_MAX_PATH + 1];
	struct front_txn t;
	struct proto_msg m;
	int plen, rc, local;

	if (!f->has_repl)
		return (datasync ? fdatasync(fd) : fsync(fd)) ? -errno : 0;
	front_txn_begin(&t, f);
	plen = front_path(f, in, path, sizeof(path));
	if (plen >= 0) {
		memset(&m, 0, sizeof(m));
		m.type = PROTO_OP_FSYNC;
		m.flags = datasync ? PROTO_F_DATASYNC : 0;
		m.path = path;
		front_txn_submit(&t, &m);
	}
	front_txn_unlock(&t);
	local = (datasync ? fdatasync(fd) : fsync(fd)) ? -errno : 0;
	rc = front_txn_end(&t);
	if (local)
		return local;
	if (plen < 0 && plen != -ENOENT)
		return plen;
	return rc;
}

static void front_ll_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
			      struct fuse_file_info *fi)
{
	struct front *f = front_from_req(req);
	struct front_dir *d = (struct front_dir *)(uintptr_t)fi->fh;

	fuse_reply_err(req, -front_fsync_common(f, front_inode(f, ino),
						dirfd(d->dp), datasync));
}

void front_ns_ops(struct fuse_lowlevel_ops *ops)
{
	ops->lookup = front_ll_lookup;
	ops->forget = front_ll_forget;
	ops->forget_multi = front_ll_forget_multi;
	ops->getattr = front_ll_getattr;
	ops->setattr = front_ll_setattr;
	ops->readlink = front_ll_readlink;
	ops->mknod = front_ll_mknod;
	ops->mkdir = front_ll_mkdir;
	ops->symlink = front_ll_symlink;
	ops->unlink = front_ll_unlink;
	ops->rmdir = front_ll_rmdir;
	ops->rename = front_ll_rename;
	ops->link = front_ll_link;
	ops->statfs = front_ll_statfs;
	ops->opendir = front_ll_opendir;
	ops->readdir = front_ll_readdir;
	ops->readdirplus = front_ll_readdirplus;
	ops->releasedir = front_ll_releasedir;
	ops->fsyncdir = front_ll_fsyncdir;
}
