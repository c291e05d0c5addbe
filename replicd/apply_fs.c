// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * apply_fs.c - the secondary's filesystem side: replicated operations and
 * full-sync messages applied under the node's own copy of a directory.
 *
 * Every path is resolved under the directory's O_PATH root fd with
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
 * the last component is never followed (AT_SYMLINK_NOFOLLOW, O_NOFOLLOW),
 * so a symlink inside the mirror cannot redirect a write outside it.
 * Post-op times from the message are applied so replicas end identical.
 * Runs on the applier thread only.
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
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "apply.h"
#include "log.h"
#include "proto.h"
#include "sync.h"
#include "apply_priv.h"

static int apply_openat2(int base, const char *path, int flags, mode_t mode)
{
	return daemon_open_beneath(base, path, flags, mode);
}

static int apply_root(struct apply *ap, unsigned int dir)
{
	if (dir >= ap->d->cfg->n_dirs)
		return -EINVAL;
	return ap->d->root_fd[dir];
}

/* Resolve the parent of path safely; "" (the root) gives "." in root. */
static int apply_at_get(struct apply *ap, unsigned int dir, const char *path,
			struct apply_at *at)
{
	const char *slash;
	int root = apply_root(ap, dir), fd;
	size_t plen;

	at->own = false;
	if (root < 0)
		return root;
	at->fd = root;
	if (!path[0]) {
		at->name = ".";
		return 0;
	}
	slash = strrchr(path, '/');
	if (!slash) {
		at->name = path;
		return 0;
	}
	plen = (size_t)(slash - path);
	memcpy(at->tmp, path, plen);
	at->tmp[plen] = '\0';
	fd = apply_openat2(root, at->tmp, O_PATH | O_DIRECTORY, 0);
	if (fd < 0)
		return fd;
	at->fd = fd;
	at->own = true;
	at->name = slash + 1;
	return 0;
}

static void apply_at_put(struct apply_at *at)
{
	if (at->own)
		close(at->fd);
	at->own = false;
}

void apply_fds_flush(struct apply *ap)
{
	int i;

	for (i = 0; i < APPLY_FD_CACHE; i++) {
		if (ap->fds[i].fd >= 0)
			close(ap->fds[i].fd);
		ap->fds[i].fd = -1;
		free(ap->fds[i].path);
		ap->fds[i].path = NULL;
	}
}

/* A cached O_WRONLY fd for path (a regular file).  Do not close it. */
static int apply_wfd(struct apply *ap, unsigned int dir, const char *path)
{
	int i, victim = 0, fd, root = apply_root(ap, dir);

	if (root < 0)
		return root;
	for (i = 0; i < APPLY_FD_CACHE; i++) {
		if (ap->fds[i].fd >= 0 && ap->fds[i].dir == dir &&
		    !strcmp(ap->fds[i].path, path)) {
			ap->fds[i].use = ++ap->use_clock;
			return ap->fds[i].fd;
		}
		if (ap->fds[i].fd < 0 || (ap->fds[victim].fd >= 0 &&
					  ap->fds[i].use < ap->fds[victim].use))
			victim = i;
	}
	fd = apply_openat2(root, path, O_WRONLY | O_NOFOLLOW, 0);
	if (fd < 0)
		return fd;
	if (ap->fds[victim].fd >= 0)
		close(ap->fds[victim].fd);
	free(ap->fds[victim].path);
	ap->fds[victim].path = strdup(path);
	if (!ap->fds[victim].path) {
		close(fd);
		ap->fds[victim].fd = -1;
		return -ENOMEM;
	}
	ap->fds[victim].fd = fd;
	ap->fds[victim].dir = dir;
	ap->fds[victim].use = ++ap->use_clock;
	return fd;
}

static int apply_times_at(int fd, const char *name, const struct proto_attr *a)
{
	struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT },
				  { .tv_nsec = UTIME_OMIT } };

	if (!(a->mask & (PROTO_A_ATIME | PROTO_A_MTIME)))
		return 0;
	if (a->mask & PROTO_A_ATIME) {
		ts[0].tv_sec = a->atime_sec;
		ts[0].tv_nsec = a->atime_nsec;
	}
	if (a->mask & PROTO_A_MTIME) {
		ts[1].tv_sec = a->mtime_sec;
		ts[1].tv_nsec = a->mtime_nsec;
	}
	return utimensat(fd, name, ts, AT_SYMLINK_NOFOLLOW) ? -errno : 0;
}

/* Times of the parent directory of path (ptimes / ptimes2). */
static int apply_ptimes(struct apply *ap, unsigned int dir, const char *path,
			const struct proto_attr *a)
{
	struct apply_at at;
	int rc;

	if (!(a->mask & (PROTO_A_ATIME | PROTO_A_MTIME)))
		return 0;
	rc = apply_at_get(ap, dir, path, &at);
	if (rc)
		return rc;
	rc = apply_times_at(at.fd, ".", a);
	apply_at_put(&at);
	return rc;
}

/* mode / owner / size / times of the object at (at.fd, at.name). */
static int apply_attr_at(struct apply *ap, unsigned int dir, const char *path,
			 struct apply_at *at, const struct proto_attr *a)
{
	struct stat st;
	int fd;

	if (fstatat(at->fd, at->name, &st, AT_SYMLINK_NOFOLLOW))
		return -errno;
	if (a->mask & (PROTO_A_UID | PROTO_A_GID)) {
		if (fchownat(at->fd, at->name,
			     (a->mask & PROTO_A_UID) ? a->uid : (uid_t)-1,
			     (a->mask & PROTO_A_GID) ? a->gid : (gid_t)-1,
			     AT_SYMLINK_NOFOLLOW))
			return -errno;
	}
	/* fchmodat follows a last symlink: the mode of a link means nothing,
	 * and nobody but this thread changes the tree, so check first */
	if ((a->mask & PROTO_A_MODE) && !S_ISLNK(st.st_mode) &&
	    fchmodat(at->fd, at->name, a->mode & 07777, 0))
		return -errno;
	if ((a->mask & PROTO_A_SIZE) && S_ISREG(st.st_mode)) {
		fd = apply_wfd(ap, dir, path);
		if (fd < 0)
			return fd;
		if (ftruncate(fd, (off_t)a->size))
			return -errno;
	}
	return apply_times_at(at->fd, at->name, a);
}

static int apply_owner_mode(int fd, const char *name, uint32_t uid,
			    uint32_t gid, uint32_t mode, bool is_link)
{
	if (fchownat(fd, name, uid, gid, AT_SYMLINK_NOFOLLOW))
		return -errno;
	if (!is_link && fchmodat(fd, name, mode & 07777, 0))
		return -errno;
	return 0;
}

/*
 * Large writes start their writeback at once.  A secondary's copy is
 * read by nobody, so its dirty pages only wait for the fdatasync that
 * ends a large write (or for the kernel's flusher): started here, the
 * disk works while the next pieces arrive instead of after the last,
 * and the ack of that fdatasync comes sooner (doc/PERFORMANCE.md: seq
 * +18-28% in A/B runs).  Without SYNC_FILE_RANGE_WAIT_* it does not
 * wait for the writeback, and skips pages already under it.
 */
#define APPLY_WRITEBACK_MIN (64u * 1024u)

static int apply_pwrite(int fd, const uint8_t *data, size_t len, off_t off)
{
	const off_t start = off;
	const size_t total = len;
	ssize_t n;

	while (len) {
		n = pwrite(fd, data, len, off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		data += n;
		len -= (size_t)n;
		off += n;
	}
	if (total >= APPLY_WRITEBACK_MIN)
		(void)sync_file_range(fd, start, (off_t)total,
				      SYNC_FILE_RANGE_WRITE);
	return 0;
}

/* The directory name under dfd, opened for readdir without following a
 * symlink; NULL with errno set. */
static DIR *apply_opendir(int dfd, const char *name)
{
	int fd = openat(dfd, name,
			O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *dp;

	if (fd < 0)
		return NULL;
	dp = fdopendir(fd);
	if (!dp) {
		int e = errno;

		close(fd);
		errno = e;
	}
	return dp;
}

static bool apply_is_dot(const struct dirent *de)
{
	return !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
}

/* Remove name under dirfd, recursively for a directory. */
static int apply_remove(int pfd, const char *name, int depth)
{
	struct stat st;
	struct dirent *de;
	DIR *dp;
	int rc = 0;

	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(pfd, name, 0) ? -errno : 0;
	if (depth > 256)
		return -ELOOP;
	dp = apply_opendir(pfd, name);
	if (!dp)
		return -errno;
	while ((de = readdir(dp))) {
		if (apply_is_dot(de))
			continue;
		rc = apply_remove(dirfd(dp), de->d_name, depth + 1);
		if (rc)
			break;
	}
	closedir(dp);
	if (rc)
		return rc;
	return unlinkat(pfd, name, AT_REMOVEDIR) ? -errno : 0;
}

/* /proc/self/fd/PFD/NAME: for the l*xattr calls, which have no *at(). */
static int apply_procpath(const struct apply_at *at, char *buf, size_t len)
{
	int n = snprintf(buf, len, "/proc/self/fd/%d/%s", at->fd, at->name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int apply_op_write(struct apply *ap, const struct proto_msg *m)
{
	int fd = apply_wfd(ap, m->dir, m->path), rc;
	struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT },
				  { .tv_nsec = UTIME_OMIT } };

	if (fd < 0)
		return fd;
	switch (m->type) {
	case PROTO_OP_WRITE:
		rc = apply_pwrite(fd, m->data, m->data_len, (off_t)m->offset);
		break;
	case PROTO_OP_TRUNCATE:
		rc = ftruncate(fd, (off_t)m->length) ? -errno : 0;
		break;
	default: /* PROTO_OP_FALLOCATE */
		rc = fallocate(fd, m->flags, (off_t)m->offset,
			       (off_t)m->length) ?
			     -errno :
			     0;
		break;
	}
	if (rc)
		return rc;
	if (m->attr.mask & PROTO_A_ATIME) {
		ts[0].tv_sec = m->attr.atime_sec;
		ts[0].tv_nsec = m->attr.atime_nsec;
	}
	if (m->attr.mask & PROTO_A_MTIME) {
		ts[1].tv_sec = m->attr.mtime_sec;
		ts[1].tv_nsec = m->attr.mtime_nsec;
	}
	if ((m->attr.mask & (PROTO_A_ATIME | PROTO_A_MTIME)) &&
	    futimens(fd, ts))
		return -errno;
	return 0;
}

static int apply_op_create(struct apply *ap, const struct proto_msg *m,
			   struct apply_at *at)
{
	mode_t mode = m->mode & 07777;
	int fd, rc = 0;

	switch (m->type) {
	case PROTO_OP_CREATE:
		fd = openat(at->fd, at->name,
			    O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd < 0)
			return -errno;
		close(fd);
		break;
	case PROTO_OP_MKNOD:
		if (mknodat(at->fd, at->name, (mode_t)m->mode, (dev_t)m->rdev))
			return -errno;
		break;
	case PROTO_OP_MKDIR:
		if (mkdirat(at->fd, at->name, mode))
			return -errno;
		break;
	default: /* PROTO_OP_SYMLINK */
		if (symlinkat(m->path2, at->fd, at->name))
			return -errno;
		break;
	}
	rc = apply_owner_mode(at->fd, at->name, m->uid, m->gid, m->mode,
			      m->type == PROTO_OP_SYMLINK);
	if (!rc)
		rc = apply_times_at(at->fd, at->name, &m->attr);
	if (!rc)
		rc = apply_ptimes(ap, m->dir, m->path, &m->ptimes);
	return rc;
}

static int apply_op_fsync(struct apply *ap, const struct proto_msg *m)
{
	int root = apply_root(ap, m->dir), fd, rc;

	if (root < 0)
		return root;
	fd = apply_openat2(root, m->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK,
			   0);
	if (fd < 0)
		return fd;
	if (m->flags & PROTO_F_DATASYNC)
		rc = fdatasync(fd) ? -errno : 0;
	else
		rc = fsync(fd) ? -errno : 0;
	close(fd);
	return rc;
}

static int apply_op_xattr(struct apply *ap, const struct proto_msg *m,
			  struct apply_at *at)
{
	char p[PROTO_MAX_PATH + 64];
	int rc = apply_procpath(at, p, sizeof(p));

	if (rc)
		return rc;
	if (m->type == PROTO_OP_SETXATTR)
		rc = lsetxattr(p, m->name, m->data, m->data_len, (int)m->flags);
	else
		rc = lremovexattr(p, m->name);
	return rc ? -errno : 0;
}

static int apply_op_twopath(struct apply *ap, const struct proto_msg *m)
{
	struct apply_at a1, a2;
	int rc;

	rc = apply_at_get(ap, m->dir, m->path, &a1);
	if (rc)
		return rc;
	rc = apply_at_get(ap, m->dir, m->path2, &a2);
	if (rc)
		goto out_put1;
	if (m->type == PROTO_OP_RENAME) {
		apply_fds_flush(ap);
		rc = renameat2(a1.fd, a1.name, a2.fd, a2.name, m->flags) ?
			     -errno :
			     0;
		if (!rc)
			rc = apply_ptimes(ap, m->dir, m->path, &m->ptimes);
	} else { /* PROTO_OP_LINK */
		rc = linkat(a1.fd, a1.name, a2.fd, a2.name, 0) ? -errno : 0;
		if (!rc)
			rc = apply_times_at(a2.fd, a2.name, &m->attr);
	}
	if (!rc)
		rc = apply_ptimes(ap, m->dir, m->path2, &m->ptimes2);
	apply_at_put(&a2);
out_put1:
	apply_at_put(&a1);
	return rc;
}

/* Apply one replicated operation.  0 or -errno. */
int apply_op(struct apply *ap, const struct proto_msg *m)
{
	struct apply_at at;
	int rc;

	switch (m->type) {
	case PROTO_OP_WRITE:
	case PROTO_OP_TRUNCATE:
	case PROTO_OP_FALLOCATE:
		return apply_op_write(ap, m);
	case PROTO_OP_FSYNC:
		return apply_op_fsync(ap, m);
	case PROTO_OP_RENAME:
	case PROTO_OP_LINK:
		return apply_op_twopath(ap, m);
	default:
		break;
	}
	rc = apply_at_get(ap, m->dir, m->path, &at);
	if (rc)
		return rc;
	switch (m->type) {
	case PROTO_OP_CREATE:
	case PROTO_OP_MKNOD:
	case PROTO_OP_MKDIR:
	case PROTO_OP_SYMLINK:
		rc = apply_op_create(ap, m, &at);
		break;
	case PROTO_OP_UNLINK:
	case PROTO_OP_RMDIR:
		apply_fds_flush(ap);
		rc = unlinkat(at.fd, at.name,
			      m->type == PROTO_OP_RMDIR ? AT_REMOVEDIR : 0) ?
			     -errno :
			     0;
		if (!rc)
			rc = apply_ptimes(ap, m->dir, m->path, &m->ptimes);
		break;
	case PROTO_OP_SETATTR:
		rc = apply_attr_at(ap, m->dir, m->path, &at, &m->attr);
		break;
	case PROTO_OP_SETXATTR:
	case PROTO_OP_REMOVEXATTR:
		rc = apply_op_xattr(ap, m, &at);
		break;
	default:
		rc = -EOPNOTSUPP;
		break;
	}
	apply_at_put(&at);
	return rc;
}

/* ---- full sync, target side ---- */

static int apply_send(struct apply *ap, uint16_t type, uint32_t to,
		      unsigned int dir, const char *path, uint64_t offset,
		      const uint8_t *data, uint32_t data_len)
{
	struct proto_msg m = {
		.type = type,
		.dir = (uint16_t)dir,
		.target = to,
		.sync_id = ap->sync_id,
		.path = path,
		.offset = offset,
		.data = data,
		.data_len = data_len,
	};

	return apply_mcast(ap, &m);
}

/* Ask the primary to send path again (whole); its parent when the
 * parent itself is what is missing. */
void apply_resend(struct apply *ap, uint32_t primary, unsigned int dir,
		  const char *path)
{
	int rc;

	rc = apply_send(ap, PROTO_SYNC_RESEND, primary, dir, path, 0, NULL, 0);
	if (rc)
		log_warn("cannot ask the primary to resend %s " QB_XS " %s",
			 path, strerror(-rc));
	else
		ap->resends++;
}

void apply_drop_stale(struct apply *ap, const struct proto_msg *m)
{
	const char *paths[2] = { m->path2, NULL };
	struct apply_at at;
	struct stat st;
	unsigned int i;

	if (m->type == PROTO_OP_RENAME && (m->flags & RENAME_EXCHANGE))
		paths[1] = m->path;
	for (i = 0; i < 2; i++) {
		if (!paths[i] || apply_at_get(ap, m->dir, paths[i], &at))
			continue;
		if (!fstatat(at.fd, at.name, &st, AT_SYMLINK_NOFOLLOW) &&
		    !S_ISDIR(st.st_mode)) {
			apply_fds_flush(ap);
			if (!unlinkat(at.fd, at.name, 0))
				log_debug(
					"full sync: stale %s dropped until it is sent again",
					paths[i]);
		}
		apply_at_put(&at);
	}
}

void apply_resend_parent(struct apply *ap, uint32_t primary, unsigned int dir,
			 const char *path)
{
	char parent[PROTO_MAX_PATH + 1];
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;

	memcpy(parent, path, n);
	parent[n] = '\0';
	apply_resend(ap, primary, dir, parent);
}

static int apply_name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Drop every xattr of fd: SYNC_XATTRS follows only when the primary
 * has some. */
static void apply_clear_xattrs(int fd)
{
	char names[16384];
	ssize_t len = flistxattr(fd, names, sizeof(names)), i;

	for (i = 0; len > 0 && i < len; i += (ssize_t)strlen(names + i) + 1)
		fremovexattr(fd, names + i);
}

/* Ensure at.name is a directory; drop what it holds that the primary
 * does not have. */
static int apply_sync_dir(struct apply *ap, const struct proto_msg *m,
			  struct apply_at *at)
{
	const char **names = NULL, *n;
	size_t count = 0, cap = 0;
	uint32_t pos = 0;
	struct stat st;
	struct dirent *de;
	DIR *dp;
	int fd, rc = 0;

	if (m->path[0]) {
		if (!fstatat(at->fd, at->name, &st, AT_SYMLINK_NOFOLLOW) &&
		    !S_ISDIR(st.st_mode)) {
			apply_fds_flush(ap);
			rc = apply_remove(at->fd, at->name, 0);
			if (rc)
				return rc;
		}
		if (mkdirat(at->fd, at->name, 0700) && errno != EEXIST)
			return -errno;
	}
	rc = apply_owner_mode(at->fd, at->name, m->uid, m->gid, m->attr.mode,
			      false);
	if (rc)
		return rc;
	while ((n = proto_dir_next(m, &pos))) {
		if (count == cap) {
			const char **nn;

			cap = cap ? 2 * cap : 64;
			nn = realloc(names, cap * sizeof(*names));
			if (!nn) {
				free(names);
				return -ENOMEM;
			}
			names = nn;
		}
		names[count++] = n;
	}
	if (count)
		qsort(names, count, sizeof(*names), apply_name_cmp);
	fd = openat(at->fd, at->name,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		goto out_free;
	}
	apply_clear_xattrs(fd);
	dp = fdopendir(fd);
	if (!dp) {
		rc = -errno;
		close(fd);
		goto out_free;
	}
	while ((de = readdir(dp))) {
		const char *key = de->d_name;

		if (!strcmp(key, ".") || !strcmp(key, ".."))
			continue;
		if (count &&
		    bsearch(&key, names, count, sizeof(*names), apply_name_cmp))
			continue;
		apply_fds_flush(ap);
		rc = apply_remove(dirfd(dp), key, 0);
		if (rc)
			break;
	}
	closedir(dp);
out_free:
	free(names);
	return rc;
}

/*
 * Give name (under dfd) an inode of its own holding the same bytes, owner,
 * mode, times and xattrs are left to the sync.  The name is briefly
 * missing; a crash then leaves it to the next sync.  0 or -errno.
 */
static int apply_unshare(struct apply *ap, int dfd, const char *name)
{
	int src, dst, rc = 0;
	ssize_t n;
	off_t off = 0;

	src = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (src < 0)
		return -errno;
	dst = openat(dfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (dst < 0) {
		rc = -errno;
		goto out_src;
	}
	for (;;) {
		loff_t in = off, out = off;

		n = copy_file_range(src, &in, dst, &out, 1u << 30, 0);
		if (n < 0 && (errno == EXDEV || errno == EOPNOTSUPP ||
			      errno == ENOSYS || errno == EINVAL)) {
			/* no in-kernel copy here: through our buffer */
			n = pread(src, ap->buf, PROTO_CHUNK_SIZE, off);
			if (n > 0)
				rc = apply_pwrite(dst, ap->buf, (size_t)n, off);
		}
		if (n < 0)
			rc = -errno;
		if (n <= 0 || rc)
			break;
		off += n;
	}
	if (rc)
		goto out_dst;
	apply_fds_flush(ap);
	if (unlinkat(dfd, name, 0) || linkat(dst, "", dfd, name, AT_EMPTY_PATH))
		rc = -errno;
out_dst:
	close(dst);
out_src:
	close(src);
	return rc;
}

/* Every regular file below the directory name (under dfd) with several
 * names gets one inode per name (the bytes are kept).  0 or the first
 * -errno. */
static int apply_unshare_tree(struct apply *ap, int dfd, const char *name,
			      int depth, uint64_t *count)
{
	struct dirent *de;
	struct stat st;
	DIR *dp;
	int rc = 0, rc2;

	if (depth > 256)
		return -ELOOP;
	dp = apply_opendir(dfd, name);
	if (!dp)
		return -errno;
	while ((de = readdir(dp))) {
		if (apply_is_dot(de) ||
		    fstatat(dirfd(dp), de->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		rc2 = 0;
		if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
			rc2 = apply_unshare(ap, dirfd(dp), de->d_name);
			if (!rc2)
				(*count)++;
		} else if (S_ISDIR(st.st_mode)) {
			rc2 = apply_unshare_tree(ap, dirfd(dp), de->d_name,
						 depth + 1, count);
		}
		if (rc2 && !rc)
			rc = rc2;
	}
	closedir(dp);
	return rc;
}

int apply_unshare_all(struct apply *ap)
{
	uint64_t count = 0;
	unsigned int i;
	int rc = 0, rc2;

	for (i = 0; i < ap->d->cfg->n_dirs; i++) {
		rc2 = apply_unshare_tree(ap, ap->d->root_fd[i], ".", 0, &count);
		if (rc2 && !rc)
			rc = rc2;
	}
	if (count)
		log_info(
			"full sync: %" PRIu64
			" hard-linked names of this replica made separate files; the sync links them again as the primary has them",
			count);
	return rc;
}

static int apply_sync_file(struct apply *ap, const struct proto_msg *m,
			   struct apply_at *at)
{
	struct stat st;
	int fd, rc = 0;

	if (!fstatat(at->fd, at->name, &st, AT_SYMLINK_NOFOLLOW)) {
		if (!S_ISREG(st.st_mode)) {
			apply_fds_flush(ap);
			rc = apply_remove(at->fd, at->name, 0);
		} else if (st.st_nlink > 1 && (m->attr.mask & PROTO_A_SIZE)) {
			/* the primary's file has one name (A_SIZE set): our
			 * other names were linked in this session by an op
			 * that did not reach the primary's result */
			rc = apply_unshare(ap, at->fd, at->name);
		}
		if (rc)
			return rc;
	}
	fd = openat(at->fd, at->name,
		    O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) ||
	    (st.st_size != (off_t)m->length && ftruncate(fd, (off_t)m->length)))
		rc = -errno;
	apply_clear_xattrs(fd);
	close(fd);
	if (!rc)
		rc = apply_owner_mode(at->fd, at->name, m->uid, m->gid,
				      m->attr.mode, false);
	return rc;
}

static int apply_sync_sums(struct apply *ap, uint32_t from,
			   const struct proto_msg *m)
{
	uint32_t n = m->data_len / PROTO_SUM_SIZE, i;
	uint8_t *bitmap, sum[PROTO_SUM_SIZE];
	int fd, rc;
	ssize_t got;

	bitmap = calloc(1, (n + 7) / 8 + 1);
	if (!bitmap)
		return -ENOMEM;
	fd = apply_openat2(apply_root(ap, m->dir), m->path,
			   O_RDONLY | O_NOFOLLOW | O_NONBLOCK, 0);
	for (i = 0; i < n; i++) {
		off_t off = (off_t)((m->offset + i) * PROTO_CHUNK_SIZE);

		got = fd >= 0 ? pread(fd, ap->buf, PROTO_CHUNK_SIZE, off) : -1;
		if (got >= 0)
			sync_sum(ap->buf, (size_t)got, sum);
		if (got < 0 || memcmp(sum, m->data + (size_t)i * PROTO_SUM_SIZE,
				      PROTO_SUM_SIZE))
			bitmap[i / 8] |= (uint8_t)(1u << (i % 8));
	}
	if (fd >= 0)
		close(fd);
	rc = apply_send(ap, PROTO_SYNC_NEED, from, m->dir, m->path, m->offset,
			bitmap, (n + 7) / 8);
	free(bitmap);
	return rc;
}

static int apply_sync_link(struct apply *ap, const struct proto_msg *m,
			   struct apply_at *at)
{
	char cur[PROTO_MAX_PATH + 1];
	struct stat st;
	ssize_t n;
	int rc;

	if (!fstatat(at->fd, at->name, &st, AT_SYMLINK_NOFOLLOW)) {
		bool same = false;

		if (m->type == PROTO_SYNC_SYMLINK && S_ISLNK(st.st_mode)) {
			n = readlinkat(at->fd, at->name, cur, sizeof(cur) - 1);
			same = n >= 0 &&
			       (cur[n] = '\0', !strcmp(cur, m->path2));
		} else if (m->type == PROTO_SYNC_SPECIAL) {
			same = (st.st_mode & S_IFMT) == (m->mode & S_IFMT) &&
			       st.st_rdev == (dev_t)m->rdev;
		}
		if (!same) {
			apply_fds_flush(ap);
			rc = apply_remove(at->fd, at->name, 0);
			if (rc)
				return rc;
		} else {
			goto out_attrs;
		}
	}
	if (m->type == PROTO_SYNC_SYMLINK) {
		if (symlinkat(m->path2, at->fd, at->name))
			return -errno;
	} else if (mknodat(at->fd, at->name, (mode_t)m->mode, (dev_t)m->rdev)) {
		return -errno;
	}
out_attrs:
	rc = apply_owner_mode(at->fd, at->name, m->uid, m->gid, m->mode,
			      m->type == PROTO_SYNC_SYMLINK);
	if (!rc)
		rc = apply_times_at(at->fd, at->name, &m->attr);
	return rc;
}

static int apply_sync_hardlink(struct apply *ap, const struct proto_msg *m)
{
	struct apply_at a1, a2;
	struct stat s1, s2;
	int rc;

	rc = apply_at_get(ap, m->dir, m->path, &a1);
	if (rc)
		return rc;
	rc = apply_at_get(ap, m->dir, m->path2, &a2);
	if (rc)
		goto out_put1;
	if (fstatat(a1.fd, a1.name, &s1, AT_SYMLINK_NOFOLLOW)) {
		rc = -errno;
		goto out_put2;
	}
	if (!fstatat(a2.fd, a2.name, &s2, AT_SYMLINK_NOFOLLOW)) {
		if (s1.st_ino == s2.st_ino && s1.st_dev == s2.st_dev)
			goto out_put2;
		apply_fds_flush(ap);
		rc = apply_remove(a2.fd, a2.name, 0);
		if (rc)
			goto out_put2;
	}
	rc = linkat(a1.fd, a1.name, a2.fd, a2.name, 0) ? -errno : 0;
out_put2:
	apply_at_put(&a2);
out_put1:
	apply_at_put(&a1);
	return rc;
}

static int apply_sync_xattrs(struct apply *ap, const struct proto_msg *m,
			     struct apply_at *at)
{
	char p[PROTO_MAX_PATH + 64], *list = NULL;
	const char *name;
	const uint8_t *value;
	uint32_t pos = 0, vlen;
	ssize_t len;
	int rc = apply_procpath(at, p, sizeof(p));

	if (rc)
		return rc;
	len = llistxattr(p, NULL, 0);
	if (len > 0) {
		list = malloc((size_t)len);
		if (!list)
			return -ENOMEM;
		len = llistxattr(p, list, (size_t)len);
	}
	for (ssize_t i = 0; list && len > 0 && i < len;
	     i += (ssize_t)strlen(list + i) + 1) {
		bool keep = false;
		uint32_t q = 0;

		while (proto_xattrs_next(m, &q, &name, &value, &vlen))
			if (!strcmp(name, list + i))
				keep = true;
		if (!keep)
			lremovexattr(p, list + i);
	}
	free(list);
	while (proto_xattrs_next(m, &pos, &name, &value, &vlen))
		if (lsetxattr(p, name, value, vlen, 0))
			rc = -errno;
	return rc;
}

int apply_sync_msg(struct apply *ap, uint32_t from, const struct proto_msg *m)
{
	struct apply_at at;
	int rc, fd;

	switch (m->type) {
	case PROTO_SYNC_SUMS:
		return apply_sync_sums(ap, from, m);
	case PROTO_SYNC_HARDLINK:
		return apply_sync_hardlink(ap, m);
	case PROTO_SYNC_DATA:
		fd = apply_wfd(ap, m->dir, m->path);
		if (fd < 0)
			return fd;
		return apply_pwrite(fd, m->data, m->data_len, (off_t)m->offset);
	default:
		break;
	}
	rc = apply_at_get(ap, m->dir, m->path, &at);
	if (rc)
		return rc;
	switch (m->type) {
	case PROTO_SYNC_DIR:
		rc = apply_sync_dir(ap, m, &at);
		break;
	case PROTO_SYNC_FILE:
		rc = apply_sync_file(ap, m, &at);
		break;
	case PROTO_SYNC_ATTR:
		rc = apply_attr_at(ap, m->dir, m->path, &at, &m->attr);
		break;
	case PROTO_SYNC_SYMLINK:
	case PROTO_SYNC_SPECIAL:
		rc = apply_sync_link(ap, m, &at);
		break;
	case PROTO_SYNC_XATTRS:
		rc = apply_sync_xattrs(ap, m, &at);
		break;
	default:
		rc = -EOPNOTSUPP;
		break;
	}
	apply_at_put(&at);
	return rc;
}
