// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * apply.c - the secondary's applier thread (see apply.h).
 *
 * The loop thread decodes each delivery and queues a copy here.  The
 * thread takes the whole queue as one batch, applies it in order and
 * then sends one cumulative CTL_ACK with the last op's seq, so a
 * secondary acks after its fdatasync (OP_FSYNC) and never before.
 *
 * What happens to an op depends on the node's state (d->mtx):
 *   up to date:  apply; a failure is logged, NACKed and the node drops
 *                its up-to-date flag (the primary will resync it);
 *   sync target: apply; a failure (object not synced yet) asks the
 *                primary to SYNC_RESEND the path;
 *   otherwise:   ignored (a full sync will cover it).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apply.h"
#include "deadline.h"
#include "link.h"
#include "log.h"
#include "proto.h"
#include "sync.h"
#include "apply_priv.h"

/*
 * Multicast from the applier.  While it waits for corosync's flow control
 * the loop thread must keep dispatching (that is what lifts it), so
 * apply_push() does not block on a full queue meanwhile: the queue may
 * exceed its limit by what arrives during one send.
 */
int apply_mcast(struct apply *ap, const struct proto_msg *m)
{
	int rc;

	pthread_mutex_lock(&ap->mtx);
	ap->sending = true;
	pthread_cond_broadcast(&ap->cond);
	pthread_mutex_unlock(&ap->mtx);
	rc = daemon_send(ap->d, m);
	pthread_mutex_lock(&ap->mtx);
	ap->sending = false;
	pthread_mutex_unlock(&ap->mtx);
	return rc;
}

/* A sync from primary makes our content its own: so is what we count
 * as missed (its value, so that it keeps us in step).  d->mtx held. */
static void apply_missed_of_locked(struct daemon *d, uint32_t primary)
{
	unsigned int i;

	d->missed_seq = 0;
	d->missed_from = 0;
	for (i = 0; i < d->n_peers; i++)
		if (d->peers[i].node_id == primary && d->peers[i].have_state)
			d->missed_seq = d->peers[i].missed_seq;
}

/* SYNC_BEGIN / SYNC_END / abort: the node's sync state. */
static void apply_sync_state(struct apply *ap, uint32_t from,
			     const struct proto_msg *m, bool abort_sync)
{
	struct daemon *d = ap->d;
	const char *what = NULL;

	pthread_mutex_lock(&d->mtx);
	if (abort_sync) {
		if (d->syncing)
			what = "abandoned (the primary left)";
		d->syncing = false;
		d->synced_from = 0;
		ap->sync_id = 0;
	} else if (m->type == PROTO_SYNC_BEGIN) {
		ap->sync_id = m->sync_id;
		ap->resends = 0;
		d->syncing = true;
		d->synced_from = 0;
		/* what we missed of an older primary no longer matters */
		apply_missed_of_locked(d, from);
		d->sync_permille = 0;
		d->primary_id = from;
		if (d->up_to_date) {
			d->up_to_date = false;
			d->meta.up_to_date = false;
			daemon_store_meta_locked(d);
		}
		what = "started";
	} else if (m->sync_id == ap->sync_id && d->syncing &&
		   m->seq == ap->resends) {
		/* every path we asked for again was sent before this END */
		d->syncing = false;
		d->up_to_date = true;
		d->sync_permille = 1000;
		d->primary_id = from;
		d->meta.up_to_date = true;
		for (unsigned int i = 0; i < d->n_peers; i++)
			if (d->peers[i].node_id == from &&
			    d->peers[i].have_state)
				memcpy(d->meta.gen, d->peers[i].state.gen,
				       META_GEN_SIZE);
		meta_set_peer_sync(&d->meta, from, d->meta.gen);
		/* who holds the reference now: a tie breaker when every
		 * replica is a secondary (mirrorfs prefers the last primary) */
		d->meta.last_primary_id = from;
		d->meta.last_primary_name[0] = '\0';
		daemon_store_meta_locked(d);
		apply_missed_of_locked(d, from);
		d->synced_from = from;
		what = "complete: up to date";
	}
	pthread_mutex_unlock(&d->mtx);
	if (what) {
		log_notice("full sync from node %u %s " QB_XS
			   " sync_id=%" PRIu64,
			   from, what, m ? m->sync_id : 0);
		daemon_post(d, DAEMON_EV_ANNOUNCE | DAEMON_EV_ROLE);
	}
}

static bool apply_is_sync_data(unsigned int type)
{
	return type >= PROTO_SYNC_DIR && type <= PROTO_SYNC_XATTRS &&
	       type != PROTO_SYNC_NEED;
}

/*
 * Writes applied before their tokens.  A secondary up to date that has
 * applied every op of its primary before seq N applies the linked write
 * N as soon as its bytes come on the data link: the primary sends them
 * in seq order on a FIFO connection and CPG delivers the token of N
 * after every op before it, so the copy ends up as if N were applied at
 * its token; only the disk work moves ahead, while the token travels.
 * It acks them on the link at once: it holds them, in their order, and
 * the primary's request may return.  The token's sum is checked against
 * what was applied when it comes.  When the token never comes (the
 * primary was cut off from CPG, then left) the replica keeps those
 * writes, acknowledged or not, and announces the first op it does not
 * hold (missed_seq), so that a new primary keeps in step only the
 * secondaries that hold the same writes.  Applier thread only.
 */
static struct apply_early *apply_early_at(struct apply *ap, unsigned int i)
{
	return &ap->early[(ap->early_first + i) % APPLY_EARLY_MAX];
}

static void apply_early_pop(struct apply *ap)
{
	ap->early_first = (ap->early_first + 1) % APPLY_EARLY_MAX;
	ap->n_early--;
}

/* Forget the early writes of from up to seq: no token will confirm
 * them (the op was sent whole, or we no longer follow; a sync covers). */
static void apply_early_retire(struct apply *ap, uint32_t from, uint64_t seq)
{
	while (ap->n_early && apply_early_at(ap, 0)->seq <= seq &&
	       apply_early_at(ap, 0)->from == from)
		apply_early_pop(ap);
}

/* Apply what the link brought for the ops that follow the last one
 * applied, while this node is an up-to-date secondary of a member, and
 * ack them on the link: writes (a token confirms them) and copies of
 * ops CPG brings whole (its copy confirms them, apply_early_whole). */
static void apply_early(struct apply *ap)
{
	struct daemon *d = ap->d;
	struct link_payload *p;
	struct apply_early *e;
	uint64_t next, done = 0;
	uint32_t from = 0;
	bool ok;

	while (ap->n_early < APPLY_EARLY_MAX) {
		pthread_mutex_lock(&d->mtx);
		ok = d->role == PROTO_ROLE_SECOND && d->up_to_date &&
		     !d->syncing;
		from = d->primary_id;
		next = d->applied_seq + 1;
		pthread_mutex_unlock(&d->mtx);
		if (ap->n_early) {
			e = apply_early_at(ap, ap->n_early - 1);
			if (e->rc || e->from != from)
				break;
			next = e->seq + 1;
		}
		if (!ok || !from || from == d->my_id ||
		    !daemon_is_member(d, from) ||
		    link_take_ready(d->link, from, next, &p))
			break;
		e = apply_early_at(ap, ap->n_early);
		e->seq = next;
		e->from = from;
		e->type = p->msg.type;
		e->dir = p->msg.dir;
		e->len = p->msg.data_len;
		snprintf(e->path, sizeof(e->path), "%s", p->msg.path);
		if (e->type == PROTO_OP_WRITE)
			sync_sum(p->msg.data, p->msg.data_len, e->sum);
		else
			sync_sum(p->buf, p->len, e->sum);
		e->rc = p->msg.seq == next ? apply_op(ap, &p->msg) : -EBADMSG;
		ap->n_early++;
		link_payload_free(p);
		if (!e->rc)
			done = next;
	}
	/* this replica holds them, in order: the primary's write may
	 * return (the token confirms them later) */
	if (done)
		link_ack(d->link, from, done);
}

/* A linked write's bytes are in the copy: count them. */
static void apply_count_bytes(struct apply *ap, uint32_t len)
{
	pthread_mutex_lock(&ap->d->mtx);
	ap->d->bytes_applied += len;
	pthread_mutex_unlock(&ap->d->mtx);
}

/* The token of seq does not match the bytes the link brought. */
static int apply_mismatch(uint64_t seq, const char *path)
{
	log_err("the data link brought other bytes than the primary announced " QB_XS
		" seq=%" PRIu64 " path=%s",
		seq, path);
	return -EBADMSG;
}

/* The token of seq (from node from, with sum) for a write applied
 * early: the result of that apply, -EBADMSG when the token is not for
 * those bytes, or 1 when seq was not applied early. */
static int apply_early_confirm(struct apply *ap, uint32_t from,
			       const struct proto_msg *t, uint64_t seq,
			       const uint8_t *sum)
{
	struct apply_early *e;
	int rc;

	if (!ap->n_early)
		return 1;
	e = apply_early_at(ap, 0);
	if (e->from == from && e->seq > seq)
		return 1;
	if (e->from != from || e->seq != seq || e->type != PROTO_OP_WRITE ||
	    e->dir != t->dir || strcmp(e->path, t->path) ||
	    memcmp(e->sum, sum, PROTO_SUM_SIZE)) {
		rc = apply_mismatch(seq, t->path);
	} else {
		rc = e->rc;
		if (!rc)
			apply_count_bytes(ap, e->len);
	}
	apply_early_pop(ap);
	return rc;
}

/*
 * An op CPG brought whole (it): the result of its apply when the link
 * brought it first and it was applied then, -EBADMSG when CPG's copy is
 * not the one applied, or 1 when it was not applied early (apply it
 * now).  A write applied early that comes whole (the primary sent it so
 * because another link failed) is applied again.
 */
static int apply_early_whole(struct apply *ap, const struct apply_item *it)
{
	const struct proto_msg *m = &it->msg;
	uint8_t sum[PROTO_SUM_SIZE];
	struct apply_early *e;
	int rc;

	/* a copy we did not apply early is not needed any more */
	link_discard(ap->d->link, it->from, m->seq);
	if (!ap->n_early)
		return 1;
	e = apply_early_at(ap, 0);
	if (e->from != it->from || e->seq != m->seq ||
	    e->type == PROTO_OP_WRITE) {
		apply_early_retire(ap, it->from, m->seq);
		return 1;
	}
	sync_sum(it->buf, it->len, sum);
	if (e->type != m->type || memcmp(sum, e->sum, PROTO_SUM_SIZE))
		rc = apply_mismatch(m->seq, m->path ? m->path : "");
	else
		rc = e->rc;
	apply_early_pop(ap);
	return rc;
}

/* The writes a token stands for (OP_WRITE_LINKED: seqs seq-n+1 .. seq
 * of path): each payload the data link brought, checked against the
 * token, applied as the OP_WRITE it is (or applied already, see
 * apply_early).  0 or -errno (-ETIMEDOUT, -ENOTCONN: the bytes of
 * *missing and after never came; -EBADMSG: they are not the token's). */
static int apply_linked(struct apply *ap, uint32_t from,
			const struct proto_msg *t, uint64_t *missing)
{
	struct link_payload *p = NULL;
	const struct proto_msg *w;
	uint8_t sum[PROTO_SUM_SIZE];
	uint64_t i, n = t->length;
	int rc = 0;

	if (!n || n > t->seq || t->data_len != n * PROTO_SUM_SIZE)
		return -EBADMSG;
	for (i = 0; i < n && !rc; i++) {
		uint64_t seq = t->seq - n + 1 + i;
		const uint8_t *want = t->data + i * PROTO_SUM_SIZE;

		rc = apply_early_confirm(ap, from, t, seq, want);
		if (rc <= 0)
			continue;
		rc = link_take(ap->d->link, from, seq, &p);
		if (rc) {
			log_debug("the bytes of seq %" PRIu64
				  " did not come on the data link: %s",
				  seq, strerror(-rc));
			*missing = seq;
			break;
		}
		w = &p->msg;
		sync_sum(w->data, w->data_len, sum);
		if (w->seq != seq || w->dir != t->dir ||
		    strcmp(w->path, t->path) ||
		    memcmp(sum, want, PROTO_SUM_SIZE)) {
			rc = apply_mismatch(seq, t->path);
		} else {
			rc = apply_op(ap, w);
			if (!rc)
				apply_count_bytes(ap, w->data_len);
		}
		link_payload_free(p);
	}
	return rc;
}

/*
 * The bytes of a linked write from seq missing on never came.  When its
 * primary left before they did and no other primary serves yet, the
 * write never completed: we did not ack it, so no application saw it
 * succeed.  The replica stays as it is and remembers the first op it
 * missed (daemon.missed_seq): another secondary may have got those
 * bytes, and a new primary keeps in step only with those that missed the
 * same.  true: skipped; false: a failure like any other.
 */
static bool apply_missed(struct apply *ap, const struct apply_item *it,
			 uint64_t missing)
{
	struct daemon *d = ap->d;
	bool first = false;

	if (daemon_is_member(d, it->from))
		return false;
	pthread_mutex_lock(&d->mtx);
	if (d->primary_id && d->primary_id != it->from) {
		/* a new primary may count us in step already */
		pthread_mutex_unlock(&d->mtx);
		return false;
	}
	if (!d->missed_seq || d->missed_from != it->from) {
		d->missed_seq = missing;
		d->missed_from = it->from;
		first = true;
	}
	pthread_mutex_unlock(&d->mtx);
	if (first) {
		log_warn(
			"the primary left before the bytes of its last write arrived: that write never completed, this replica stays as it is " QB_XS
			" node=%u seq=%" PRIu64 " path=%s",
			it->from, missing, it->msg.path);
		daemon_post(d, DAEMON_EV_ANNOUNCE);
	}
	return true;
}

/* This replica no longer follows its primary: NACK seq (the primary
 * drops us from its ack set and resyncs us), drop the up-to-date flag. */
static void apply_out_of_date(struct apply *ap, uint64_t seq)
{
	struct proto_msg nack = { .type = PROTO_CTL_NACK, .seq = seq };
	struct daemon *d = ap->d;

	apply_mcast(ap, &nack);
	pthread_mutex_lock(&d->mtx);
	d->up_to_date = false;
	d->meta.up_to_date = false;
	daemon_store_meta_locked(d);
	pthread_mutex_unlock(&d->mtx);
	daemon_post(d, DAEMON_EV_ANNOUNCE | DAEMON_EV_ROLE);
}

/*
 * The primary left or stepped down, and every token it sent came before
 * this (CPG order): the writes applied early that are still waiting for
 * one will not get it.  The replica keeps them (their requests may have
 * returned on our ack) and counts the op after
 * the last as its first missed one (see apply_early); when a write of
 * them failed here, or another primary serves already (it may count us
 * in step), it is out of date instead.
 */
static void apply_early_orphans(struct apply *ap)
{
	struct daemon *d = ap->d;
	uint64_t first, last;
	uint32_t from;
	bool failed = false, behind = false;
	unsigned int i;

	if (!ap->n_early)
		return;
	from = apply_early_at(ap, 0)->from;
	first = apply_early_at(ap, 0)->seq;
	last = apply_early_at(ap, ap->n_early - 1)->seq;
	for (i = 0; i < ap->n_early; i++)
		failed |= apply_early_at(ap, i)->rc != 0;
	ap->n_early = 0;
	pthread_mutex_lock(&d->mtx);
	if (failed || (d->primary_id && d->primary_id != from)) {
		behind = d->up_to_date;
	} else if (d->up_to_date &&
		   (!d->missed_seq || d->missed_from != from)) {
		d->missed_seq = last + 1;
		d->missed_from = from;
	}
	pthread_mutex_unlock(&d->mtx);
	if (behind) {
		log_warn(
			"the primary left before it ordered operations this replica applied: it is out of date until it is synced " QB_XS
			" node=%u seqs=%" PRIu64 "..%" PRIu64 "%s",
			from, first, last, failed ? " (one failed here)" : "");
		apply_out_of_date(ap, last);
		return;
	}
	log_warn(
		"the primary left before CPG ordered its last operations: this replica keeps them " QB_XS
		" node=%u seqs=%" PRIu64 "..%" PRIu64,
		from, first, last);
	daemon_post(d, DAEMON_EV_ANNOUNCE);
}

/* One queued item.  Returns 1 when an op was applied (ack it). */
static int apply_item(struct apply *ap, struct apply_item *it)
{
	const struct proto_msg *m = &it->msg;
	struct daemon *d = ap->d;
	bool up, syncing;
	uint64_t missing;
	int rc;

	if (it->abort_sync || m->type == PROTO_SYNC_BEGIN ||
	    m->type == PROTO_SYNC_END) {
		if (it->abort_sync)
			apply_early_orphans(ap);
		apply_sync_state(ap, it->from, it->abort_sync ? NULL : m,
				 it->abort_sync);
		/* before anything of the session is applied: our hard links
		 * may not be the primary's, the sync makes its own */
		if (!it->abort_sync && m->type == PROTO_SYNC_BEGIN) {
			rc = apply_unshare_all(ap);
			if (rc) {
				log_err("full sync: cannot separate the hard-linked files of this replica, the sync is refused " QB_XS
					" %s",
					strerror(-rc));
				daemon_set_error(
					d, "sync: separating hard links: %s",
					strerror(-rc));
				apply_sync_state(ap, it->from, NULL, true);
			}
		}
		return 0;
	}
	pthread_mutex_lock(&d->mtx);
	up = d->up_to_date;
	syncing = d->syncing;
	pthread_mutex_unlock(&d->mtx);

	if (apply_is_sync_data(m->type)) {
		if (!syncing || m->sync_id != ap->sync_id)
			return 0;
		rc = apply_sync_msg(ap, it->from, m);
		if ((rc == -ENOENT || rc == -ENOTDIR) &&
		    m->type == PROTO_SYNC_HARDLINK) {
			/* we lack the other name: both again (the primary
			 * then forgets that we hold them) */
			apply_resend(ap, it->from, m->dir, m->path);
			apply_resend(ap, it->from, m->dir, m->path2);
		} else if (rc == -ENOENT || rc == -ENOTDIR) {
			apply_resend_parent(ap, it->from, m->dir, m->path);
		} else if (rc) {
			log_warn("full sync: cannot apply %s to %s " QB_XS
				 " %s",
				 proto_type_name(m->type), m->path,
				 strerror(-rc));
			daemon_set_error(d, "sync %s %s: %s",
					 proto_type_name(m->type), m->path,
					 strerror(-rc));
		}
		return 0;
	}
	if (!proto_is_op(m->type))
		return 0;
	if (!up && !syncing) {
		/* a full sync will cover it; its bytes are not needed */
		link_discard(d->link, it->from, m->seq);
		apply_early_retire(ap, it->from, m->seq);
		return 0;
	}
	missing = m->seq;
	if (m->type == PROTO_OP_WRITE_LINKED) {
		rc = apply_linked(ap, it->from, m, &missing);
	} else {
		rc = apply_early_whole(ap, it);
		if (rc == 1)
			rc = apply_op(ap, m);
	}
	if ((rc == -ENOTCONN || rc == -ETIMEDOUT) &&
	    m->type == PROTO_OP_WRITE_LINKED && apply_missed(ap, it, missing))
		return 0;
	if (!rc && syncing &&
	    (m->type == PROTO_OP_RENAME || m->type == PROTO_OP_LINK)) {
		/* the source may not be synced yet (stale here): have the
		 * destination sent again after the walk */
		apply_resend(ap, it->from, m->dir, m->path2);
		if (m->flags & RENAME_EXCHANGE)
			apply_resend(ap, it->from, m->dir, m->path);
	}
	if (!rc) {
		pthread_mutex_lock(&d->mtx);
		d->applied_seq = m->seq;
		d->ops_applied++;
		if (m->type == PROTO_OP_WRITE)
			d->bytes_applied += m->data_len;
		pthread_mutex_unlock(&d->mtx);
		return 1;
	}
	if (syncing) {
		/* not synced yet: get it again, whole */
		log_debug("op not applicable yet, asking for a resend " QB_XS
			  " %s %s: %s",
			  proto_type_name(m->type), m->path, strerror(-rc));
		apply_resend(ap, it->from, m->dir, m->path);
		if (m->type == PROTO_OP_RENAME || m->type == PROTO_OP_LINK) {
			apply_drop_stale(ap, m);
			apply_resend(ap, it->from, m->dir, m->path2);
		}
		return 1;
	}
	log_err("cannot apply a replicated operation: this replica is no longer up to date " QB_XS
		" %s path=%s seq=%" PRIu64 ": %s",
		proto_type_name(m->type), m->path ? m->path : "", m->seq,
		strerror(-rc));
	daemon_set_error(d, "%s %s failed: %s", proto_type_name(m->type),
			 m->path ? m->path : "", strerror(-rc));
	apply_out_of_date(ap, m->seq);
	return 0;
}

static uint64_t apply_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void apply_cpg_ack(struct apply *ap, uint64_t seq)
{
	struct proto_msg ack = { .type = PROTO_CTL_ACK, .seq = seq };
	int rc = apply_mcast(ap, &ack);

	if (rc)
		log_warn("cannot send an acknowledgement " QB_XS " seq=%" PRIu64
			 ": %s",
			 seq, strerror(-rc));
}

/*
 * Acknowledgements go on the data link when there is one (a CPG round
 * trip less), and at most APPLY_CPG_ACK_MS later in CPG too: a link can
 * break silently, with acks still in its buffers, and CPG is the channel
 * that does not lose them.
 */
static void *apply_thread(void *arg)
{
	struct apply *ap = arg;
	struct apply_item *batch, *it;
	uint32_t ack_to = 0;
	uint64_t ack_seq, applied = 0, cpg_acked = 0, cpg_at = 0, now;
	struct timespec until;

	for (;;) {
		pthread_mutex_lock(&ap->mtx);
		while (!ap->head && !ap->quit && !ap->kicked &&
		       applied == cpg_acked)
			pthread_cond_wait(&ap->cond, &ap->mtx);
		if (!ap->head && !ap->quit && !ap->kicked) {
			/* acked on the link only: in CPG too, a bit later */
			deadline_in_ms(&until, APPLY_CPG_ACK_MS);
			pthread_cond_timedwait(&ap->cond, &ap->mtx, &until);
		}
		if (ap->quit) {
			pthread_mutex_unlock(&ap->mtx);
			break;
		}
		batch = ap->head;
		ap->head = ap->tail = NULL;
		ap->queued = 0;
		ap->kicked = false;
		ap->busy = true; /* apply_drain() waits for early writes too */
		pthread_cond_broadcast(&ap->cond);
		pthread_mutex_unlock(&ap->mtx);

		ack_seq = 0;
		while ((it = batch)) {
			batch = it->next;
			if (apply_item(ap, it) == 1) {
				ack_seq = it->msg.seq;
				ack_to = it->from;
			}
			free(it);
		}
		if (ack_seq) {
			applied = ack_seq;
			if (link_ack(ap->d->link, ack_to, ack_seq) == 0)
				ack_seq = 0;
		}
		apply_early(ap);
		pthread_mutex_lock(&ap->mtx);
		ap->busy = false;
		pthread_cond_broadcast(&ap->cond);
		pthread_mutex_unlock(&ap->mtx);
		now = apply_now_ms();
		if (ack_seq || (applied != cpg_acked &&
				now - cpg_at >= APPLY_CPG_ACK_MS)) {
			apply_cpg_ack(ap, applied);
			cpg_acked = applied;
			cpg_at = now;
		}
	}
	return NULL;
}

void apply_kick(struct apply *ap)
{
	if (!ap)
		return;
	pthread_mutex_lock(&ap->mtx);
	ap->kicked = true;
	pthread_cond_broadcast(&ap->cond);
	pthread_mutex_unlock(&ap->mtx);
}

static int apply_push(struct apply *ap, struct apply_item *it)
{
	pthread_mutex_lock(&ap->mtx);
	while (ap->queued > APPLY_QUEUE_MAX && !ap->sending && !ap->quit)
		pthread_cond_wait(&ap->cond, &ap->mtx);
	if (ap->quit) {
		pthread_mutex_unlock(&ap->mtx);
		free(it);
		return -ESHUTDOWN;
	}
	if (ap->tail)
		ap->tail->next = it;
	else
		ap->head = it;
	ap->tail = it;
	ap->queued += it->len + sizeof(*it);
	pthread_cond_broadcast(&ap->cond);
	pthread_mutex_unlock(&ap->mtx);
	return 0;
}

int apply_enqueue(struct apply *ap, uint32_t from, const void *buf, size_t len)
{
	struct apply_item *it = calloc(1, sizeof(*it) + len);
	int rc;

	if (!it)
		return -ENOMEM;
	it->from = from;
	it->len = len;
	memcpy(it->buf, buf, len);
	rc = proto_decode(it->buf, len, &it->msg);
	if (rc) {
		free(it);
		return rc;
	}
	return apply_push(ap, it);
}

int apply_drain(struct apply *ap, unsigned int timeout_ms)
{
	struct timespec until;
	int rc = 0;

	deadline_in_ms(&until, timeout_ms);
	pthread_mutex_lock(&ap->mtx);
	while ((ap->head || ap->busy) && !ap->quit && !rc)
		if (pthread_cond_timedwait(&ap->cond, &ap->mtx, &until) ==
		    ETIMEDOUT)
			rc = -ETIMEDOUT;
	pthread_mutex_unlock(&ap->mtx);
	return rc;
}

void apply_abort_sync(struct apply *ap)
{
	struct apply_item *it = calloc(1, sizeof(*it));

	if (!it)
		return;
	it->abort_sync = true;
	apply_push(ap, it);
}

int apply_start(struct apply **out, struct daemon *d)
{
	struct apply *ap = calloc(1, sizeof(*ap));
	int i, rc;

	if (!ap)
		return -ENOMEM;
	ap->d = d;
	for (i = 0; i < APPLY_FD_CACHE; i++)
		ap->fds[i].fd = -1;
	ap->buf = malloc(PROTO_CHUNK_SIZE);
	if (!ap->buf) {
		rc = -ENOMEM;
		goto out_free;
	}
	pthread_mutex_init(&ap->mtx, NULL);
	pthread_cond_init(&ap->cond, NULL);
	rc = -pthread_create(&ap->thread, NULL, apply_thread, ap);
	if (!rc) /* top -H, ps -L, perf show which thread is which */
		pthread_setname_np(ap->thread, "rd-apply");
	if (rc)
		goto out_destroy;
	*out = ap;
	return 0;

out_destroy:
	pthread_cond_destroy(&ap->cond);
	pthread_mutex_destroy(&ap->mtx);
out_free:
	free(ap->buf);
	free(ap);
	return rc;
}

void apply_stop(struct apply *ap)
{
	struct apply_item *it;

	if (!ap)
		return;
	pthread_mutex_lock(&ap->mtx);
	ap->quit = true;
	pthread_cond_broadcast(&ap->cond);
	pthread_mutex_unlock(&ap->mtx);
	pthread_join(ap->thread, NULL);
	while ((it = ap->head)) {
		ap->head = it->next;
		free(it);
	}
	apply_fds_flush(ap);
	pthread_cond_destroy(&ap->cond);
	pthread_mutex_destroy(&ap->mtx);
	free(ap->buf);
	free(ap);
}
