/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * repl.h - the primary side of replication: sequencing, flow control,
 * acknowledgements and the struct front_repl hooks of the FUSE front.
 *
 * Locks (see daemon.h for the global order):
 *   order_mtx  held by the front around "apply locally + submit", and by
 *              the sync thread around "read a chunk + send it", so local
 *              apply order == seq order == send order.  mcast happens
 *              under it (CPG keeps one sender's order).
 *   ack_mtx    ack set, acked seqs, inflight bytes; ack_cond signals
 *              any change.  Taken after order_mtx (and sync.mtx),
 *              never before them.
 */
#ifndef REPLICD_REPL_H
#define REPLICD_REPL_H

#include <stddef.h>
#include <stdint.h>

#include "daemon.h"
#include "front.h"
#include "proto.h"

struct repl;

/* configure --enable-bench-nowait: the primary answers each request
 * without waiting for the acks (flow control still bounds what is in
 * flight).  Not synchronous: only bench/run's system primnowait uses it,
 * to measure what the wait itself costs. */
#ifdef REPLICD_BENCH_NOWAIT
#define REPL_BENCH_NOWAIT 1
#else
#define REPL_BENCH_NOWAIT 0
#endif

/* Allocate (inactive).  0 or -errno; free with repl_free(). */
int repl_new(struct repl **out, struct daemon *d);
void repl_free(struct repl *r);

/* The hooks to hand to front_start(); valid while r lives. */
const struct front_repl *repl_hooks(struct repl *r);

/* Become primary: the next seq is first_seq; ids (n) are the up-to-date
 * secondaries that form the initial ack set. */
void repl_activate(struct repl *r, uint64_t first_seq, const uint32_t *ids,
		   size_t n);

/* Stop being primary: waiters and blocked submitters get -EIO. */
void repl_deactivate(struct repl *r);

/* Number of other members in the CPG group (loop thread, on views). */
void repl_set_others(struct repl *r, unsigned int others);

/* CTL_ACK from node (loop thread). */
void repl_on_ack(struct repl *r, uint32_t node, uint64_t seq);

/* Remove node from the ack set (left, NACK, timeout).  1 if it was in
 * it.  Waiters are re-evaluated at once. */
int repl_drop(struct repl *r, uint32_t node);

/* A CTL_STATE from node in the ack set: returns 1 when it says "not up
 * to date" after having said "up to date" since it joined the set (it
 * fell behind: resync it).  States announced before the target saw
 * SYNC_END are stale and ignored. */
int repl_peer_state(struct repl *r, uint32_t node, int up_to_date);

/* Order lock for the sync thread. */
void repl_order_lock(struct repl *r);
void repl_order_unlock(struct repl *r);

/* With the order lock held: add node to the ack set (acked up to the
 * last seq sent) - the sync thread does this when it sends SYNC_END. */
void repl_add_locked(struct repl *r, uint32_t node);

/* With the order lock held: encode msg (its seq as given) and multicast
 * it with the shared buffer.  0 or -errno. */
int repl_send_locked(struct repl *r, const struct proto_msg *msg);

/* Loop thread, DAEMON_EV_RELINK: for each node whose data link went down
 * (link_lost), a thread waiting for acks multicasts a CTL_RELINK with
 * the bytes of every linked write that node has not acked yet, so it
 * need not wait for bytes that died with the link (and be resynced). */
void repl_relink(struct repl *r);

/* Multicast the pending pack of CPG messages now (cpg_pack_ms): before
 * anything the primary multicasts outside the order lock, so that it
 * does not overtake them.  0 or -errno. */
int repl_pack_flush(struct repl *r);

/* The ack set: fills ids/acked (max entries), returns the count. */
size_t repl_ackset(struct repl *r, uint32_t *ids, uint64_t *acked, size_t max);

struct repl_stats {
	uint64_t seq; /* last seq sent */
	uint64_t ops;
	uint64_t bytes;
	int active;
};
void repl_get_stats(struct repl *r, struct repl_stats *out);

#endif /* REPLICD_REPL_H */
