/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * transport.h - how replicd reaches the other members of its group.
 *
 * The only implementation today is corosync CPG (transport_cpg.c): one
 * totally ordered (AGREED) multicast, deliveries and membership views in
 * that same order, dispatched from the daemon's qb_loop.  The interface is
 * kept small so a direct peer data channel can be added beside it.
 *
 * Threads: transport_mcast() may be called from any thread.  The
 * callbacks run on the loop thread only.
 */
#ifndef REPLICD_TRANSPORT_H
#define REPLICD_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <qb/qbloop.h>

struct transport;

struct transport_cb {
	void *ctx;
	/* One message from node_id (our own included), in total order.
	 * buf is valid only during the call. */
	void (*deliver)(void *ctx, uint32_t node_id, const void *buf,
			size_t len);
	/* A new membership view, ordered with the deliveries. */
	void (*view)(void *ctx, const uint32_t *members, size_t n_members,
		     const uint32_t *left, size_t n_left,
		     const uint32_t *joined, size_t n_joined);
	/* The transport failed (corosync went away): the daemon must stop. */
	void (*lost)(void *ctx);
};

/* Connect and join group `name` (CPG: "mirror:NAME"), retrying while
 * corosync says TRY_AGAIN at startup; add the fd to loop.  0 or -errno. */
int transport_open(struct transport **out, const char *group, qb_loop_t *loop,
		   const struct transport_cb *cb);

/* Our node id. */
uint32_t transport_local_id(const struct transport *t);

/*
 * Multicast iov (total order).  Back-off on flow control: short sleeps,
 * at most max_wait_ms in total, then -EAGAIN.  -ENOTCONN after the
 * transport is lost.  Any thread; the loop thread must pass 0 (it is
 * the one that dispatches: waiting there would starve the deliveries
 * that end the flow control).
 */
int transport_mcast(struct transport *t, const struct iovec *iov, int n_iov,
		    unsigned int max_wait_ms);

/* corosync's totem seqno_unchanged_const, as it runs (cmap
 * runtime.config.totem.seqno_unchanged_const): how many token rounds
 * without a message pass before the token rests.  0 or -errno. */
int transport_quiet_rounds(uint32_t *out);

/* Leave the group, remove the fd from the loop, free t.  NULL is fine. */
void transport_close(struct transport *t);

#endif /* REPLICD_TRANSPORT_H */
