// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * front_io.c - FUSE operations on open files and extended attributes.
 *
 * File handles (fi->fh) are plain fds opened read/write through
 * /proc/self/fd/N of the inode's O_PATH fd, never with O_APPEND (the
 * kernel sends the offset of every append) nor O_DIRECT.  Opens don't
 * use direct_io, so writable MAP_SHARED mappings work: the kernel writes
 * their pages back with ordinary write requests, replicated like any
 * write.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "front_priv.h"

static int front_open_flags(int flags)
{
	flags &= ~(O_CREAT | O_EXCL | O_NOCTTY | O_NOFOLLOW | O_APPEND |
		   O_DIRECT);
	return flags | O_CLOEXEC;
}

/* Describe a local truncation of in to its current size. */
static void front_trunc_msg(struct front_txn *t, const char *path,
			    const struct stat *st)
{
	struct proto_msg m;

	memset(&m, 0, sizeof(m));
	m.type = PROTO_OP_TRUNCATE;
	m.path = path;
	m.length = (uint64_t)st->st_size;
	front_attr_set(&m.attr, st, PROTO_A_SIZE | PROTO_A_MTIME);
	front_txn_submit(t, &m);
}

static void front_ll_open(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *fi)
{
	struct front *f = front_from_req(req);
	struct front_inode *in = front_inode(f, ino);
	int flags = front_open_flags(fi->flags);
	char proc[64], path[PROTO_MAX_PATH + 1];
	struct front_txn t;
	struct stat st;
	int fd, rc = 0, plen;

	front_proc_path(proc, sizeof(proc), in->fd);
	if (!(flags & O_TRUNC)) {
		fd = open(proc, flags);
		if (fd < 0) {
			fuse_reply_err(req, errno);
			return;
		}
		goto reply;
	}
	/* O_TRUNC (atomic_o_trunc): a replicated truncation */
	front_txn_begin(&t, f);
	plen = f->has_repl ? front_path(f, in, path, sizeof(path)) : -ENOENT;
	if (plen < 0 && plen != -ENOENT) {
		front_txn_end(&t);
		fuse_reply_err(req, -plen);
		return;
	}
	fd = open(proc, flags);
	if (fd < 0)
		rc = -errno;
	else if (plen >= 0 && !fstat(fd, &st))
		front_trunc_msg(&t, path, &st);
	rc = rc ? rc : front_txn_end(&t);
	if (t.locked)
		front_txn_end(&t);
	if (rc) {
		if (fd >= 0)
			close(fd);
		fuse_reply_err(req, -rc);
		return;
	}
reply:
	fi->fh = (uint64_t)fd;
	fi->keep_cache = 1; /* only we change the files */
	if (fuse_reply_open(req, fi) == -ENOENT)
		close(fd); /* the opener was interrupted */
}

/* New file fd in a parent pst: the caller's owner, the mode asked. */
static int front_own_fd(int fd, const struct fuse_ctx *ctx, mode_t mode,
			const struct stat *pst)
{
	gid_t gid = (pst->st_mode & S_ISGID) ? pst->st_gid : ctx->gid;
	struct stat st;

	if (fchown(fd, ctx->uid, gid))
		return -errno;
	if (fstat(fd, &st))
		return -errno;
	if ((st.st_mode & 07777) != (mode & 07777) && fchmod(fd, mode & 07777))
		return -errno;
	return 0;
}

static void front_ll_create(fuse_req_t req, fuse_ino_t parent, const char *name,
			    mode_t mode, struct fuse_file_info *fi)
{
	struct front *f = front_from_req(req);
	struct front_inode *p = front_inode(f, parent);
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	int flags = front_open_flags(fi->flags) | O_NOFOLLOW;
	char path[PROTO_MAX_PATH + 1];
	struct fuse_entry_param e;
	struct front_txn t;
	struct proto_msg m;
	struct stat pst, st;
	int fd = -1, rc = 0, lrc = -ENOENT, plen, created = 1;

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
	/* OP_CREATE means a new file: create exclusively, else open */
	fd = openat(p->fd, name, flags | O_CREAT | O_EXCL, mode & 07777);
	if (fd < 0 && errno == EEXIST && !(fi->flags & O_EXCL)) {
		created = 0;
		fd = openat(p->fd, name, flags);
	}
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	if (created) {
		rc = front_own_fd(fd, ctx, mode, &pst);
		if (rc) {
			unlinkat(p->fd, name, 0);
			goto out;
		}
	}
	if (plen >= 0 && !fstat(fd, &st)) {
		if (created) {
			memset(&m, 0, sizeof(m));
			m.type = PROTO_OP_CREATE;
			m.path = path;
			m.mode = st.st_mode;
			m.uid = st.st_uid;
			m.gid = st.st_gid;
			front_attr_set(&m.attr, &st,
				       PROTO_A_MODE | PROTO_A_UID |
					       PROTO_A_GID | PROTO_A_ATIME |
					       PROTO_A_MTIME);
			front_parent_times(p->fd, &m.ptimes);
			front_txn_submit(&t, &m);
		} else if (flags & O_TRUNC) {
			front_trunc_msg(&t, path, &st);
		}
	}
	lrc = front_lookup(f, p, name, &e);
out:
	rc = rc ? rc : front_txn_end(&t);
	if (t.locked)
		front_txn_end(&t);
	if (!rc)
		rc = lrc;
	if (rc) {
		if (!lrc)
			front_inode_unref(f, front_inode(f, e.ino), 1);
		if (fd >= 0)
			close(fd);
		fuse_reply_err(req, -rc);
		return;
	}
	fi->fh = (uint64_t)fd;
	fi->keep_cache = 1;
	if (fuse_reply_create(req, &e, fi) == -ENOENT) {
		front_inode_unref(f, front_inode(f, e.ino), 1);
		close(fd);
	}
}

static void front_ll_read(fuse_req_t req, fuse_ino_t ino, size_t size,
			  off_t off, struct fuse_file_info *fi)
{
	struct fuse_bufvec buf = FUSE_BUFVEC_INIT(size);

	buf.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	buf.buf[0].fd = (int)fi->fh;
	buf.buf[0].pos = off;
	fuse_reply_data(req, &buf, FUSE_BUF_SPLICE_MOVE);
}

/*
 * Write locally and send what was written, PROTO_MAX_DATA at a time: each
 * piece goes out as soon as it is on the local disk, so the secondaries
 * apply one while the next is written here.  All under one lock; waiting
 * for the last sequence number covers them all.
 */
static void front_ll_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
			   size_t size, off_t off, struct fuse_file_info *fi)
{
	struct front *f = front_from_req(req);
	struct front_inode *in = front_inode(f, ino);
	char path[PROTO_MAX_PATH + 1];
	struct front_txn t;
	struct proto_msg m;
	struct stat st;
	ssize_t n = 0, got;
	size_t piece;
	int rc = 0, plen = -ENOENT;

	front_txn_begin(&t, f);
	if (f->has_repl) {
		if (fstat((int)fi->fh, &st)) {
			rc = -errno;
			goto out;
		}
		/* unlinked: no replica can see it */
		if (st.st_nlink)
			plen = front_path(f, in, path, sizeof(path));
		if (plen < 0 && plen != -ENOENT) {
			rc = plen;
			goto out;
		}
	}
	while ((size_t)n < size) {
		piece = size - (size_t)n;
		if (plen >= 0 && piece > PROTO_MAX_DATA)
			piece = PROTO_MAX_DATA;
		got = pwrite((int)fi->fh, buf + n, piece, off + n);
		if (got <= 0) {
			if (!n)
				rc = got < 0 ? -errno : 0;
			break; /* a short write: what was written counts */
		}
		if (plen >= 0) {
			if (fstat((int)fi->fh, &st)) {
				rc = -errno;
				goto out;
			}
			memset(&m, 0, sizeof(m));
			m.type = PROTO_OP_WRITE;
			m.path = path;
			m.offset = (uint64_t)(off + n);
			m.data = (const uint8_t *)buf + n;
			m.data_len = (uint32_t)got;
			front_attr_set(&m.attr, &st,
				       PROTO_A_SIZE | PROTO_A_MTIME);
			front_txn_submit(&t, &m);
		}
		n += got;
		if ((size_t)got < piece)
			break;
	}
out:
	rc = rc ? rc : front_txn_end(&t);
	if (t.locked)
		front_txn_end(&t);
	if (n > 0)
		__atomic_add_fetch(&f->st_bytes, (uint64_t)n, __ATOMIC_RELAXED);
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_write(req, (size_t)n);
}

static void front_ll_flush(fuse_req_t req, fuse_ino_t ino,
			   struct fuse_file_info *fi)
{
	/* writes are synchronous; locks are the kernel's */
	fuse_reply_err(req, 0);
}

static void front_ll_release(fuse_req_t req, fuse_ino_t ino,
			     struct fuse_file_info *fi)
{
	close((int)fi->fh);
	fuse_reply_err(req, 0);
}

static void front_ll_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
			   struct fuse_file_info *fi)
{
	struct front *f = front_from_req(req);

	fuse_reply_err(req, -front_fsync_common(f, front_inode(f, ino),
						(int)fi->fh, datasync));
}

static void front_ll_fallocate(fuse_req_t req, fuse_ino_t ino, int mode,
			       off_t offset, off_t length,
			       struct fuse_file_info *fi)
{
	struct front *f = front_from_req(req);
	struct front_inode *in = front_inode(f, ino);
	char path[PROTO_MAX_PATH + 1];
	struct front_txn t;
	struct proto_msg m;
	struct stat st;
	int rc = 0, plen = -ENOENT;

	front_txn_begin(&t, f);
	if (fallocate((int)fi->fh, mode, offset, length)) {
		rc = -errno;
		goto out;
	}
	if (f->has_repl && !fstat((int)fi->fh, &st) && st.st_nlink)
		plen = front_path(f, in, path, sizeof(path));
	if (plen < 0) {
		rc = plen == -ENOENT ? 0 : plen;
		goto out;
	}
	memset(&m, 0, sizeof(m));
	m.type = PROTO_OP_FALLOCATE;
	m.flags = (uint16_t)mode;
	m.path = path;
	m.offset = (uint64_t)offset;
	m.length = (uint64_t)length;
	front_attr_set(&m.attr, &st, PROTO_A_SIZE | PROTO_A_MTIME);
	front_txn_submit(&t, &m);
out:
	rc = rc ? rc : front_txn_end(&t);
	if (t.locked)
		front_txn_end(&t);
	fuse_reply_err(req, -rc);
}

static void front_ll_lseek(fuse_req_t req, fuse_ino_t ino, off_t off,
			   int whence, struct fuse_file_info *fi)
{
	off_t res = lseek((int)fi->fh, off, whence);

	if (res < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_lseek(req, res);
}

/* ---- extended attributes ---------------------------------------------
 *
 * The *xattr() calls (not l*xattr) on /proc/self/fd/N act on the inode
 * of the O_PATH fd itself, symlinks included; Linux allows no user.*
 * attributes on symlinks, nor do we.
 */

static int front_user_on_link(struct front_inode *in, const char *name)
{
	return S_ISLNK(in->type) && !strncmp(name, "user.", 5);
}

/* setxattr (value != NULL) or removexattr, replicated. */
static void front_xattr_change(fuse_req_t req, fuse_ino_t ino, const char *name,
			       const char *value, size_t size, int flags)
{
	struct front *f = front_from_req(req);
	struct front_inode *in = front_inode(f, ino);
	char proc[64], path[PROTO_MAX_PATH + 1];
	struct front_txn t;
	struct proto_msg m;
	int rc = 0, plen = -ENOENT;

	if (front_user_on_link(in, name)) {
		fuse_reply_err(req, EPERM);
		return;
	}
	if (strlen(name) > PROTO_MAX_XATTR_NAME) {
		fuse_reply_err(req, ERANGE);
		return;
	}
	if (size > PROTO_MAX_XATTR_VALUE) {
		fuse_reply_err(req, E2BIG);
		return;
	}
	front_proc_path(proc, sizeof(proc), in->fd);
	front_txn_begin(&t, f);
	if (f->has_repl) {
		plen = front_path(f, in, path, sizeof(path));
		if (plen < 0 && plen != -ENOENT) {
			rc = plen;
			goto out;
		}
	}
	if (value ? setxattr(proc, name, value, size, flags) :
		    removexattr(proc, name)) {
		rc = -errno;
		goto out;
	}
	/* an access ACL may change the mode behind the kernel's cache */
	if (!strncmp(name, "system.posix_acl_", 17))
		fuse_lowlevel_notify_inval_inode(f->se, ino, -1, 0);
	if (plen < 0)
		goto out;
	memset(&m, 0, sizeof(m));
	m.type = value ? PROTO_OP_SETXATTR : PROTO_OP_REMOVEXATTR;
	m.path = path;
	m.name = name;
	if (value) {
		m.flags = (uint16_t)flags;
		m.data = (const uint8_t *)value;
		m.data_len = (uint32_t)size;
	}
	front_txn_submit(&t, &m);
out:
	rc = rc ? rc : front_txn_end(&t);
	if (t.locked)
		front_txn_end(&t);
	fuse_reply_err(req, -rc);
}

static void front_ll_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			      const char *value, size_t size, int flags)
{
	/* a zero-length value still needs a non-NULL pointer here */
	front_xattr_change(req, ino, name, value ? value : "", size, flags);
}

static void front_ll_removexattr(fuse_req_t req, fuse_ino_t ino,
				 const char *name)
{
	front_xattr_change(req, ino, name, NULL, 0, 0);
}

/* getxattr (name != NULL) or listxattr */
static void front_xattr_read(fuse_req_t req, fuse_ino_t ino, const char *name,
			     size_t size)
{
	struct front *f = front_from_req(req);
	struct front_inode *in = front_inode(f, ino);
	char proc[64], *buf = NULL;
	ssize_t n;

	if (name && front_user_on_link(in, name)) {
		fuse_reply_err(req, ENODATA);
		return;
	}
	front_proc_path(proc, sizeof(proc), in->fd);
	if (size) {
		buf = malloc(size);
		if (!buf) {
			fuse_reply_err(req, ENOMEM);
			return;
		}
	}
	n = name ? getxattr(proc, name, buf, size) : listxattr(proc, buf, size);
	if (n < 0)
		fuse_reply_err(req, errno);
	else if (!size)
		fuse_reply_xattr(req, (size_t)n);
	else
		fuse_reply_buf(req, buf, (size_t)n);
	free(buf);
}

static void front_ll_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			      size_t size)
{
	front_xattr_read(req, ino, name, size);
}

static void front_ll_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	front_xattr_read(req, ino, NULL, size);
}

void front_io_ops(struct fuse_lowlevel_ops *ops)
{
	ops->open = front_ll_open;
	ops->create = front_ll_create;
	ops->read = front_ll_read;
	ops->write = front_ll_write;
	ops->flush = front_ll_flush;
	ops->release = front_ll_release;
	ops->fsync = front_ll_fsync;
	ops->fallocate = front_ll_fallocate;
	ops->lseek = front_ll_lseek;
	ops->setxattr = front_ll_setxattr;
	ops->getxattr = front_ll_getxattr;
	ops->listxattr = front_ll_listxattr;
	ops->removexattr = front_ll_removexattr;
	/* no copy_file_range (the kernel copies through read/write), no
	 * getlk/setlk/flock (the kernel keeps locks locally) */
}
