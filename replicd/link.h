/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * link.h - the direct data link: write payloads from the primary to each
 * other member over TCP, beside CPG, and acknowledgements back.
 *
 * CPG stays the authority for membership and order.  A write travels
 * twice: its bytes as a complete OP_WRITE on the link to every other
 * member, then, in CPG, an OP_WRITE_LINKED with the same seq, path,
 * offset and length and the XXH3-128 of the bytes (one token for the
 * consecutive writes of one request).  A member applies it when CPG
 * delivers the token, with the bytes the link brought (waiting for them
 * if needed), and acks it then; or, up to date and with every op before
 * it applied, as soon as the bytes arrive, and acks it at once (apply.c).
 * Every other op goes whole in CPG and, the same bytes, on the link too:
 * a member up to date applies and acks that copy the same way, and
 * checks CPG's copy against it when it comes.
 * The primary uses the link only while it has one
 * to every other member of the group; otherwise everything goes in CPG
 * as before.  When a link goes down, the primary sends the member the
 * bytes of every linked write it has not acked again, in CPG
 * (CTL_RELINK, repl_relink); they join the inbox (link_inject).  A
 * member that gets a token without its bytes in LINK_TAKE_TIMEOUT_MS
 * cannot apply it and is resynced, like for any operation it cannot
 * apply.
 *
 * Every member listens on an ephemeral TCP port and announces it in CPG
 * (CTL_LINK) with a random token; the primary connects to each member's
 * corosync address (cmap nodelist) and presents the token in its first
 * message, so only a member of the cluster can feed a link.  The bytes
 * are not encrypted: put the corosync ring on a trusted network (knet
 * crypto protects CPG, not this link).  Frames are proto messages
 * (proto_encode), checked by proto_decode on receipt.
 *
 * Threads: one link thread accepts, connects and reads (payloads on a
 * member, acks on the primary); link_send() runs on FUSE workers under
 * the order lock; link_take() and link_ack() on the applier.  l->mtx
 * protects the peers and the inbox; it is a leaf lock.  The link thread
 * copies a payload out of its socket without it (only that thread reads
 * or closes an incoming link; others shut one down and mark it), and
 * asks to be woken once the whole frame is there (SO_RCVLOWAT).
 */
#ifndef REPLICD_LINK_H
#define REPLICD_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "daemon.h"
#include "proto.h"

/* payloads a member keeps waiting for their tokens, at most */
#define LINK_INBOX_MAX	     (256u * 1024u * 1024u)
/* how long the applier waits for the bytes of a delivered token */
#define LINK_TAKE_TIMEOUT_MS 30000u
/* a send that cannot go on for this long takes the link down */
#define LINK_SEND_TIMEOUT_MS 10000u

struct link;

/* A payload taken from the inbox: msg points into buf.  Caller frees
 * with link_payload_free(). */
struct link_payload {
	struct link_payload *next;
	uint32_t from;
	size_t len;
	struct proto_msg msg;
	uint8_t buf[];
};

/* Listen, start the link thread.  0 or -errno (the daemon then runs
 * without a link: everything goes in CPG). */
int link_start(struct link **out, struct daemon *d);
void link_stop(struct link *l);

/* Our CTL_LINK for CPG (loop thread, daemon_announce). */
void link_announce_msg(struct link *l, struct proto_msg *m);

/* Loop thread: a member announced its link (CTL_LINK in CPG).  The link
 * thread connects to it while we are primary. */
void link_on_announce(struct link *l, uint32_t node, const struct proto_msg *m);

/* Loop thread: the membership (every member, self included).  Links to
 * and from nodes that left are closed. */
void link_set_members(struct link *l, const uint32_t *members, size_t n);

/* Loop thread: we became primary (connect to every announced member) or
 * stopped being one (close the outgoing links). */
void link_set_primary(struct link *l, bool primary);

/* Order lock held: is there an up link to every other member? */
bool link_ready(struct link *l);

/* Order lock held: send the encoded message (iov: its head and its bytes,
 * at most LINK_MAX_IOV pieces) to every other member.  0, or -errno when
 * one of them could not take it (that link goes down; the caller sends
 * the operation in CPG instead). */
#define LINK_MAX_IOV 4
int link_sendv(struct link *l, const struct iovec *iov, int n_iov);

/* Applier: the payload of seq from node (the primary), waiting up to
 * LINK_TAKE_TIMEOUT_MS, from its link or resent in CPG (link_inject);
 * older payloads from it are dropped.  0 with *out, -ETIMEDOUT,
 * -ENOTCONN (node left the membership without sending it). */
int link_take(struct link *l, uint32_t node, uint64_t seq,
	      struct link_payload **out);

/* Applier: the payload of seq from node if it is here already (older
 * ones from it are dropped).  0 with *out, -EAGAIN, -ENOTCONN. */
int link_take_ready(struct link *l, uint32_t node, uint64_t seq,
		    struct link_payload **out);

/* Loop thread: a CTL_RELINK for us from the primary (from), delivered by
 * CPG (buf, len): its write goes into the inbox as if the link had
 * brought it.  0, -EBADMSG, -ENOMEM. */
int link_inject(struct link *l, uint32_t from, const void *buf, size_t len);

/* Loop thread, primary: the nodes (at most max) whose outgoing link went
 * down since the last call (DAEMON_EV_RELINK): what it carried may not
 * have arrived, repl_relink() sends it again in CPG. */
size_t link_lost(struct link *l, uint32_t *nodes, size_t max);

/* Applier: a token we do not apply (not up to date): drop its payload. */
void link_discard(struct link *l, uint32_t node, uint64_t seq);

void link_payload_free(struct link_payload *p);

/* Applier: acknowledge seq to node over its link.  0, or -ENOTCONN (the
 * caller acks in CPG). */
int link_ack(struct link *l, uint32_t node, uint64_t seq);

/* Is our link to node up?  (any thread) */
bool link_up(struct link *l, uint32_t node);

struct link_stats {
	unsigned int out_up; /* links we send on */
	unsigned int in_up;  /* links we receive on */
	uint64_t bytes_sent, bytes_received;
};
void link_get_stats(struct link *l, struct link_stats *out);

#endif /* REPLICD_LINK_H */
