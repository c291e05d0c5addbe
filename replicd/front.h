/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * front.h - the FUSE front of the primary (libfuse3 low-level API).
 *
 * The front is mounted over the replicated directory itself.  The daemon
 * opens the directory (O_PATH) before the mount and hands the fd over; the
 * front does every real I/O with *at() calls relative to it, so it sees
 * the directory underneath its own mount.
 *
 * Each mutating request is applied locally and described as one
 * struct proto_msg; the front then waits until the daemon says every
 * up-to-date secondary has it, and only then answers the kernel.
 * FUSE worker threads block only in front_repl.wait().
 */
#ifndef REPLICD_FRONT_H
#define REPLICD_FRONT_H

#include <stdint.h>

#include "proto.h"

/*
 * Replication hooks, provided by the daemon.  For each mutating request
 * the front does:
 *
 *	repl->lock(ctx);
 *	apply the operation locally with *at() calls;
 *	if it succeeded: seq = repl->submit(ctx, &msg);
 *	repl->unlock(ctx);
 *	if seq > 0: rc = repl->wait(ctx, seq);
 *
 * so the local order of operations is the order of their sequence
 * numbers, which is the order in which the secondaries apply them.
 * Reads and other non-mutating requests call none of the hooks.
 */
struct front_repl {
	void *ctx;
	void (*lock)(void *ctx);
	void (*unlock)(void *ctx);
	/* Queue msg for multicast (msg and what it points to are valid only
	 * during the call).  Returns its sequence number (> 0), 0 when
	 * nothing has to be waited for, or -errno (the request then fails
	 * with that error; the local change stays). */
	int64_t (*submit)(void *ctx, const struct proto_msg *msg);
	/* Block until seq is acknowledged by every connected, up-to-date
	 * secondary.  0, or -errno to return to the application. */
	int (*wait)(void *ctx, uint64_t seq);
};

struct front_config {
	const char *mountpoint; /* the replicated directory */
	int root_fd;	    /* O_PATH fd of mountpoint, opened before mount */
	const char *fsname; /* shown in /proc/mounts, e.g. "replicd:www" */
	unsigned int max_threads; /* FUSE worker threads, 0 = libfuse default */
	int debug;		  /* libfuse debug output */
	uint16_t dir; /* index of this directory in the resource: the front
		       * puts it in proto_msg.dir of every message */
};

struct front;

/* Mount the front over cfg->mountpoint and serve it from its own threads.
 * repl may be NULL: the front is then a plain passthrough (no hooks
 * called), which is how the unit/standalone tests run it.  The caller
 * keeps root_fd open until front_stop().  Returns 0 or -errno; on error
 * nothing is mounted. */
int front_start(struct front **out, const struct front_config *cfg,
		const struct front_repl *repl);

/* Unmount and stop serving.  Fails with -EBUSY (and stays mounted) when
 * files are still open on the mount, unless force is set, in which case
 * the mount is detached lazily.  Frees f on success. */
int front_stop(struct front *f, int force);
/* Details of front_stop() (front.c): it never asks the mount itself (it
 * reads /proc/self/mountinfo), so the daemon may call it from any thread.
 * A forced stop of a busy mount detaches it and aborts the FUSE
 * connection: open files then fail with ENOTCONN.  Requests blocked in
 * repl->wait() must return (e.g. the daemon fails them once it stops
 * serving) or front_stop() gives up after 10 s with -ETIMEDOUT, keeping
 * f; call it again later. */

/* Counters for `mirrorctl status`. */
struct front_stats {
	uint64_t ops;	 /* mutating requests replicated */
	uint64_t bytes;	 /* data bytes written through the front */
	uint64_t errors; /* requests that failed in submit or wait */
};
void front_get_stats(struct front *f, struct front_stats *out);

#endif /* REPLICD_FRONT_H */
