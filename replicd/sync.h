/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sync.h - full sync, primary side: a thread walks each directory and
 * sends SYNC_* messages to one target at a time; the target (apply.c)
 * answers SYNC_NEED for chunks that differ and SYNC_RESEND for paths a
 * live op could not be applied to.  The target joins the ack set when
 * SYNC_END is sent (under the order lock).
 *
 * Locks: sync.mtx protects the target queue, the session and the
 * request queue; it is taken after repl's order lock and before repl's
 * ack lock (SYNC_END and joining the ack set are one critical section).
 */
#ifndef REPLICD_SYNC_H
#define REPLICD_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "daemon.h"
#include "proto.h"

struct sync;

/* Checksum of one chunk as it travels in SYNC_SUMS (XXH3-128,
 * canonical big-endian form).  Pure. */
void sync_sum(const void *buf, size_t len, uint8_t out[PROTO_SUM_SIZE]);

/* Start the (idle) sync thread.  0 or -errno. */
int sync_start(struct sync **out, struct daemon *d);
void sync_stop(struct sync *s);

/* Loop thread: sync node to the current primary state (queued; one
 * target at a time).  No-op when it is queued or syncing already. */
void sync_request(struct sync *s, uint32_t node);

/* Loop thread: node left or must not be synced any more; abort its
 * session.  node 0 = everybody (demote, stop). */
void sync_cancel(struct sync *s, uint32_t node);

/* Loop thread: a SYNC_NEED or SYNC_RESEND addressed to us. */
void sync_on_message(struct sync *s, uint32_t from,
		     const struct proto_msg *msg);

/* With the order lock held (repl submit): follow renames of the paths
 * the walk is working on, so its later messages name them correctly. */
void sync_note_op(struct sync *s, const struct proto_msg *op);

/* Is node queued or being synced?  Progress of the running session in
 * permille (0 when none). */
int sync_busy(struct sync *s, uint32_t node);
uint32_t sync_progress(struct sync *s, uint32_t *node);

#endif /* REPLICD_SYNC_H */
