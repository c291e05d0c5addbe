/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * apply.h - the secondary's applier: operations and full-sync messages
 * delivered in CPG order are applied under the node's own copy of each
 * directory by a dedicated thread, fed by a bounded queue from the
 * deliver callback (loop thread).
 *
 * Every path is resolved under the directory's O_PATH root fd with
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)
 * and the last component is never followed, so a symlink inside the
 * mirror can't redirect a write outside it.
 *
 * Locks: apply.mtx protects the queue; nothing is taken while it is held.
 */
#ifndef REPLICD_APPLY_H
#define REPLICD_APPLY_H

#include <stddef.h>
#include <stdint.h>

#include "daemon.h"

struct apply;

/* Start the applier thread.  0 or -errno. */
int apply_start(struct apply **out, struct daemon *d);

/* Stop the thread (drops what is queued), close cached fds, free. */
void apply_stop(struct apply *ap);

/* Loop thread: queue a copy of a message that proto_decode() accepted.
 * Blocks while the queue holds more than its byte limit.  0 or -errno. */
int apply_enqueue(struct apply *ap, uint32_t from, const void *buf, size_t len);

/* Loop thread, before this node starts serving: wait until every
 * operation queued so far is applied (they may have been acknowledged
 * already).  0, or -ETIMEDOUT after timeout_ms. */
int apply_drain(struct apply *ap, unsigned int timeout_ms);

/* Link thread: a payload arrived on the data link (the applier may
 * apply it before its token, see apply.c).  Takes apply.mtx. */
void apply_kick(struct apply *ap);

/* Loop thread: the primary left; abandon a sync in progress (ordered
 * after what is already queued). */
void apply_abort_sync(struct apply *ap);

#endif /* REPLICD_APPLY_H */
