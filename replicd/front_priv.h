/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * front_priv.h - internals shared by front.c, front_ns.c and front_io.c.
 *
 * Locks, outermost first:
 *   1. the daemon's replication lock (repl.lock / repl.unlock): taken by
 *      every mutating request around "apply locally + submit", so the
 *      local order of changes is the order of their sequence numbers;
 *   2. front.itab_lock: the inode table and lookup counts;
 *   3. front.prefix_lock: the cached absolute path of the root.
 * A thread never takes a lock of a lower number while it holds a higher
 * one, and never waits for the peers (repl.wait) while it holds any.
 */
#ifndef REPLICD_FRONT_PRIV_H
#define REPLICD_FRONT_PRIV_H

#define FUSE_USE_VERSION 314

#include <fuse_lowlevel.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>

#include "front.h"
#include "proto.h"

/* Largest write the kernel sends us (libfuse caps it to its buffer). */
#define FRONT_MAX_WRITE (1024u * 1024u)
/* How long the kernel may cache attributes and names (seconds). */
#ifndef FRONT_TIMEOUT
#define FRONT_TIMEOUT 1.0
#endif
/* Room for an absolute path as /proc/self/fd/N shows it. */
#define FRONT_ABS_MAX (PATH_MAX + 64)

/*
 * One inode the kernel knows (fuse_ino_t is its address; the root is
 * front.root).  fd, dev, ino and type never change after creation.
 */
struct front_inode {
	int fd;	     /* O_PATH|O_NOFOLLOW, owned */
	int alt_fd;  /* repl lock: O_PATH fd of another link, found by
		      * front_path() once fd's name was removed; or -1 */
	mode_t type; /* S_IFMT bits */
	dev_t dev;
	ino_t ino;
	uint64_t nlookup;	  /* itab_lock: kernel references */
	struct front_inode *next; /* itab_lock: hash chain */
};

struct front {
	struct fuse_session *se;
	struct fuse_loop_config *loop_cfg;
	char *mountpoint;
	int root_fd; /* the caller's; not closed here */
	struct front_repl repl;
	int has_repl;
	double timeout;
	uint16_t dir;  /* proto_msg.dir of our messages */
	dev_t mnt_dev; /* st_dev of our mount, set once mounted */
	int mounted;
	pthread_t thread;
	int thread_started;
	int loop_rc; /* written by the loop thread before it ends */

	struct front_inode root; /* fd = root_fd, never forgotten */

	pthread_mutex_t itab_lock;
	struct front_inode **itab; /* itab_lock */
	size_t itab_size;	   /* itab_lock: buckets, power of two */
	size_t itab_count;	   /* itab_lock */

	pthread_mutex_t prefix_lock;
	char prefix[FRONT_ABS_MAX]; /* prefix_lock: readlink of root_fd */
	size_t prefix_len;	    /* prefix_lock */

	/* statistics: atomic (__atomic builtins), no lock */
	uint64_t st_ops;
	uint64_t st_bytes;
	uint64_t st_errors;
};

/* A message being built for one request (all fields from the stack). */
struct front_txn {
	struct front *f;
	int locked;
	int64_t last_seq; /* highest sequence number to wait for */
	int err;	  /* first submit error */
	int submitted;
};

/* front.c */
struct front *front_from_req(fuse_req_t req);
struct front_inode *front_inode(struct front *f, fuse_ino_t ino);
int front_inode_get(struct front *f, int fd, const struct stat *st,
		    struct front_inode **out);
void front_inode_unref(struct front *f, struct front_inode *in, uint64_t n);
int front_lookup(struct front *f, struct front_inode *parent, const char *name,
		 struct fuse_entry_param *e);
int front_path(struct front *f, struct front_inode *in, char *buf, size_t size);
int front_child_path(struct front *f, struct front_inode *parent,
		     const char *name, char *buf, size_t size);
void front_proc_path(char *buf, size_t size, int fd);
void front_attr_set(struct proto_attr *a, const struct stat *st, uint32_t mask);
int front_parent_times(int dirfd, struct proto_attr *a);

void front_txn_begin(struct front_txn *t, struct front *f);
void front_txn_submit(struct front_txn *t, const struct proto_msg *m);
/* Unlock early: what was submitted is on its way; front_txn_end waits. */
void front_txn_unlock(struct front_txn *t);
int front_txn_end(struct front_txn *t);

/* front_ns.c: fsync a file (fd) or directory, then replicate */
int front_fsync_common(struct front *f, struct front_inode *in, int fd,
		       int datasync);

/* front_ns.c / front_io.c: fill in the operations table */
void front_ns_ops(struct fuse_lowlevel_ops *ops);
void front_io_ops(struct fuse_lowlevel_ops *ops);

#endif /* REPLICD_FRONT_PRIV_H */
