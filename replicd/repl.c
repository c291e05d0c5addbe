// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * repl.c - primary side: sequence numbers, multicast, flow control and
 * acknowledgements; the struct front_repl hooks.
 *
 * A FUSE worker does lock -> apply locally -> submit -> unlock -> wait.
 * submit assigns the next seq, encodes into the one shared buffer (it is
 * only used under order_mtx), blocks while the unacknowledged bytes
 * exceed max_inflight_bytes, multicasts and records the bytes.  wait
 * blocks on ack_cond until every member of the ack set has acked the
 * seq.  Acks are cumulative, so the inflight bytes are a difference of
 * running totals kept in a ring indexed by seq.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "deadline.h"
#include "link.h"
#include "log.h"
#include "repl.h"
#include "sync.h"
#include "transport.h"

#define REPL_RING	   65536u /* max ops in flight, power of two */
#define REPL_TOKEN_MAX	   16u	  /* linked writes one token stands for */
#define REPL_MCAST_WAIT_MS 30000u /* give up on a stuck corosync */
#define REPL_PACK_MAX	   (60u * 1024u) /* bytes of one pack */
/* messages of one pack: a secondary applies at most APPLY_EARLY_MAX (64)
 * ops ahead of CPG's copies, so a pack must not hold back more */
#define REPL_PACK_MSGS	   32u

struct repl_member {
	uint32_t id;
	uint64_t acked;
	uint64_t relinked; /* its linked writes through this were resent */
	bool confirmed;	   /* announced up to date since it joined */
};

/* A write whose bytes went on the data link, kept until its request
 * stops waiting: m points into that request (path, data). */
struct repl_linked {
	struct repl_linked *next;
	struct proto_msg m;
};

struct repl {
	struct daemon *d;
	struct front_repl hooks;

	pthread_mutex_t order_mtx;
	uint8_t *buf;	   /* PROTO_MAX_MSG, order_mtx */
	uint64_t next_seq; /* last seq assigned, order_mtx */
	/* order_mtx: the token of the linked writes sent so far under this
	 * hold of the lock (n of them, the last one seq), multicast before
	 * anything else is sent and before the lock is released */
	struct {
		unsigned int n;
		uint64_t seq;
		uint32_t dir;
		char path[PROTO_MAX_PATH + 1];
		uint8_t sums[REPL_TOKEN_MAX * PROTO_SUM_SIZE];
	} token;

	pthread_mutex_t ack_mtx; /* everything below */
	pthread_cond_t ack_cond;
	bool active;
	unsigned int others; /* other CPG members */
	size_t n_set;
	struct repl_member set[DAEMON_MAX_PEERS];
	uint64_t sent_seq;   /* last seq multicast */
	uint64_t cum_total;  /* bytes multicast this session */
	uint64_t *ring;	     /* cum_total after seq (seq % RING) */
	uint64_t ops, bytes; /* replicated data counters */
	bool relink;	     /* a link went down: resend (repl_relink_due) */

	/* cpg_pack_ms: what the order lock multicasts goes into one pack,
	 * multicast after that long (repl_packer) or when it must */
	pthread_mutex_t pack_mtx; /* the pack; held while it is multicast */
	pthread_cond_t pack_cond; /* a pack started, or quit */
	uint8_t *pack;		  /* REPL_PACK_MAX, NULL: no packing */
	size_t pack_len;
	unsigned int pack_n; /* messages in it */
	bool pack_quit;
	pthread_t pack_thread;

	/* the linked writes whose requests wait, in seq order (repl_relink) */
	pthread_mutex_t linked_mtx; /* leaf, but for transport_mcast */
	struct repl_linked *linked, *linked_tail;
};

static uint64_t repl_min_acked(const struct repl *r)
{
	uint64_t min = r->sent_seq;
	size_t i;

	for (i = 0; i < r->n_set; i++)
		if (r->set[i].acked < min)
			min = r->set[i].acked;
	return min;
}

/* Would one more message overrun the window?  ack_mtx held. */
static bool repl_window_full(const struct repl *r)
{
	uint64_t min, limit = r->d->cfg->max_inflight_bytes;

	if (!r->n_set)
		return false;
	min = repl_min_acked(r);
	if (r->sent_seq + 1 - min >= REPL_RING)
		return true;
	return r->cum_total - r->ring[min % REPL_RING] > limit;
}

static void repl_hook_lock(void *ctx)
{
	struct repl *r = ctx;

	pthread_mutex_lock(&r->order_mtx);
}

static int repl_flush_token(struct repl *r);
static bool repl_relink_due(struct repl *r, bool order_locked);

static void repl_hook_unlock(void *ctx)
{
	struct repl *r = ctx;

	repl_flush_token(r);
	pthread_mutex_unlock(&r->order_mtx);
}

/* pack_mtx held: multicast the pack.  0 or -errno. */
static int repl_pack_send(struct repl *r)
{
	struct iovec iov = { .iov_base = r->pack, .iov_len = r->pack_len };

	if (!r->pack_len)
		return 0;
	r->pack_len = 0;
	r->pack_n = 0;
	if (!r->d->tr)
		return -ENOTCONN; /* stopping: corosync is gone */
	return transport_mcast(r->d->tr, &iov, 1, REPL_MCAST_WAIT_MS);
}

int repl_pack_flush(struct repl *r)
{
	int rc;

	if (!r || !r->pack)
		return 0;
	pthread_mutex_lock(&r->pack_mtx);
	rc = repl_pack_send(r);
	pthread_mutex_unlock(&r->pack_mtx);
	return rc;
}

/*
 * Multicast r->buf (len): into the pack while every member has a data
 * link (they apply what it brings, and CPG's copy only orders and
 * confirms: no request waits for it), else after the pack, alone.
 * Order lock held.  0 or -errno.
 */
static int repl_mcast(struct repl *r, long len)
{
	struct iovec iov = { .iov_base = r->buf, .iov_len = (size_t)len };
	int rc = 0;

	if (!r->pack)
		return transport_mcast(r->d->tr, &iov, 1, REPL_MCAST_WAIT_MS);
	pthread_mutex_lock(&r->pack_mtx);
	if ((size_t)len <= REPL_PACK_MAX && link_ready(r->d->link)) {
		if (r->pack_len + (size_t)len > REPL_PACK_MAX ||
		    r->pack_n == REPL_PACK_MSGS)
			rc = repl_pack_send(r);
		if (!rc) {
			if (!r->pack_len)
				pthread_cond_signal(&r->pack_cond);
			memcpy(r->pack + r->pack_len, r->buf, (size_t)len);
			r->pack_len += (size_t)len;
			r->pack_n++;
		}
	} else {
		rc = repl_pack_send(r);
		if (!rc)
			rc = transport_mcast(r->d->tr, &iov, 1,
					     REPL_MCAST_WAIT_MS);
	}
	pthread_mutex_unlock(&r->pack_mtx);
	return rc;
}

static void repl_mcast_failed(struct repl *r, unsigned int type, uint64_t seq,
			      int rc);

/* The packer thread: a pack goes out cpg_pack_ms after it started. */
static void *repl_packer(void *arg)
{
	struct repl *r = arg;
	uint32_t ms = r->d->cfg->cpg_pack_ms;
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (long)(ms % 1000) * 1000000L };
	int rc;

	pthread_mutex_lock(&r->pack_mtx);
	while (!r->pack_quit) {
		if (!r->pack_len) {
			pthread_cond_wait(&r->pack_cond, &r->pack_mtx);
			continue;
		}
		pthread_mutex_unlock(&r->pack_mtx);
		nanosleep(&ts, NULL);
		pthread_mutex_lock(&r->pack_mtx);
		if (r->pack_quit)
			break;
		rc = repl_pack_send(r);
		if (rc) {
			pthread_mutex_unlock(&r->pack_mtx);
			repl_mcast_failed(r, PROTO_T_NONE, 0, rc);
			pthread_mutex_lock(&r->pack_mtx);
		}
	}
	pthread_mutex_unlock(&r->pack_mtx);
	return NULL;
}

/* A multicast failed: the secondaries miss an op; they leave the ack set
 * (and are resynced).  Order lock held. */
static void repl_mcast_failed(struct repl *r, unsigned int type, uint64_t seq,
			      int rc)
{
	log_err("cannot multicast an operation: the secondaries miss it and will be resynced " QB_XS
		" %s seq=%" PRIu64 ": %s",
		proto_type_name(type), seq, strerror(-rc));
	daemon_set_error(r->d, "multicast failed: %s", strerror(-rc));
	pthread_mutex_lock(&r->ack_mtx);
	r->n_set = 0;
	pthread_cond_broadcast(&r->ack_cond);
	pthread_mutex_unlock(&r->ack_mtx);
	daemon_post(r->d, DAEMON_EV_ROLE | DAEMON_EV_SCHEDULE);
}

/*
 * The pending token goes out: one OP_WRITE_LINKED for the n writes of
 * r->token.path whose bytes the link took.  A member up to date has
 * applied and acked each write as its bytes arrived (apply.c); the token
 * orders them for the others and is checked against them.  Order lock
 * held.  0 or -errno.
 */
static int repl_flush_token(struct repl *r)
{
	struct proto_msg t = { .type = PROTO_OP_WRITE_LINKED };
	unsigned int n = r->token.n;
	long len;
	int rc;

	if (!n)
		return 0;
	r->token.n = 0;
	t.seq = r->token.seq;
	t.dir = r->token.dir;
	t.path = r->token.path;
	t.length = n;
	t.data = r->token.sums;
	t.data_len = n * PROTO_SUM_SIZE;
	len = proto_encode(&t, r->buf, PROTO_MAX_MSG);
	if (len < 0)
		rc = (int)len;
	else
		rc = repl_mcast(r, len);
	if (rc)
		repl_mcast_failed(r, t.type, t.seq, rc);
	return rc;
}

/* A write on the data link (its bytes straight from the request),
 * its sum added to the pending token: true; false when the write must go
 * in CPG whole.  Order lock held. */
static bool repl_link(struct repl *r, const struct proto_msg *m)
{
	struct iovec iov[2];
	struct repl_linked *k;
	size_t plen;
	long head;

	if (m->type != PROTO_OP_WRITE || !m->data_len ||
	    !link_ready(r->d->link))
		return false;
	plen = strlen(m->path);
	if (r->token.n &&
	    (r->token.n == REPL_TOKEN_MAX || r->token.seq + 1 != m->seq ||
	     r->token.dir != m->dir || strcmp(r->token.path, m->path)) &&
	    repl_flush_token(r))
		return false;
	head = proto_encode_head(m, r->buf, PROTO_MAX_MSG);
	if (head < 0 || plen > PROTO_MAX_PATH)
		return false;
	k = malloc(sizeof(*k));
	if (!k)
		return false;
	iov[0].iov_base = r->buf;
	iov[0].iov_len = (size_t)head;
	iov[1].iov_base = (void *)m->data;
	iov[1].iov_len = m->data_len;
	if (link_sendv(r->d->link, iov, 2)) {
		free(k);
		return false; /* this one in CPG; the link comes back later */
	}
	k->next = NULL;
	k->m = *m;
	pthread_mutex_lock(&r->linked_mtx);
	if (r->linked_tail)
		r->linked_tail->next = k;
	else
		r->linked = k;
	r->linked_tail = k;
	pthread_mutex_unlock(&r->linked_mtx);
	if (!r->token.n) {
		r->token.dir = m->dir;
		memcpy(r->token.path, m->path, plen + 1);
	}
	sync_sum(m->data, m->data_len,
		 r->token.sums + r->token.n * PROTO_SUM_SIZE);
	r->token.n++;
	r->token.seq = m->seq;
	return true;
}

/*
 * An op that goes whole in CPG (r->buf, len) goes on the data link too,
 * the same bytes: a member up to date applies it as it arrives, once it
 * applied every op before it, and acks it at once (a TCP round trip, not
 * a CPG one); CPG's copy orders it for everyone and is checked against
 * the one applied (apply.c).  A member the link does not reach waits for
 * CPG's copy, so a failed send changes nothing.  Writes never: on the
 * link, an OP_WRITE is always one whose token follows.  Order lock held.
 */
static void repl_hint(struct repl *r, const struct proto_msg *m, long len)
{
	struct iovec iov = { .iov_base = r->buf, .iov_len = (size_t)len };

	if (!proto_is_op(m->type) || m->type == PROTO_OP_WRITE ||
	    m->type == PROTO_OP_WRITE_LINKED || !link_ready(r->d->link))
		return;
	(void)link_sendv(r->d->link, &iov, 1);
}

/*
 * Send m on its way: a write on the data link, its token
 * (OP_WRITE_LINKED) in CPG later (repl_flush_token); anything else, or
 * when the link cannot take it, in CPG whole (encoded here in r->buf),
 * after the pending token, and on the link as well (repl_hint).  Order
 * lock held.  0 or -errno.
 */
static int repl_send_op(struct repl *r, const struct proto_msg *m)
{
	long len;
	int rc;

	if (repl_link(r, m))
		return 0;
	rc = repl_flush_token(r);
	if (rc)
		return rc;
	len = proto_encode(m, r->buf, PROTO_MAX_MSG);
	if (len < 0) {
		log_err("cannot encode a %s for replication " QB_XS
			" path=%s: %s",
			proto_type_name(m->type), m->path ? m->path : "",
			strerror((int)-len));
		return (int)len;
	}
	repl_hint(r, m, len);
	rc = repl_mcast(r, len);
	if (rc)
		repl_mcast_failed(r, m->type, m->seq, rc);
	return rc;
}

static int64_t repl_hook_submit(void *ctx, const struct proto_msg *msg)
{
	struct repl *r = ctx;
	struct proto_msg m = *msg;
	uint64_t seq;
	long len;
	int rc;

	pthread_mutex_lock(&r->ack_mtx);
	if (!r->active) {
		pthread_mutex_unlock(&r->ack_mtx);
		return -EIO;
	}
	if (!r->others) {
		/* alone in the group: nobody to tell, nothing to wait for */
		r->ops++;
		if (m.type == PROTO_OP_WRITE)
			r->bytes += m.data_len;
		pthread_mutex_unlock(&r->ack_mtx);
		return 0;
	}
	pthread_mutex_unlock(&r->ack_mtx);

	seq = r->next_seq + 1;
	m.seq = seq;
	/* its size counts in the window, whichever way it travels */
	len = proto_encoded_size(&m);
	if (len < 0) {
		log_err("cannot encode a %s for replication " QB_XS
			" path=%s: %s",
			proto_type_name(m.type), m.path ? m.path : "",
			strerror((int)-len));
		return len;
	}

	pthread_mutex_lock(&r->ack_mtx);
	if (r->active && repl_window_full(r)) {
		/* the acks we wait for need the pending token */
		pthread_mutex_unlock(&r->ack_mtx);
		if (repl_flush_token(r) || repl_pack_flush(r))
			return -EIO;
		pthread_mutex_lock(&r->ack_mtx);
	}
	while (r->active && repl_window_full(r))
		if (!repl_relink_due(r, true))
			pthread_cond_wait(&r->ack_cond, &r->ack_mtx);
	if (!r->active) {
		pthread_mutex_unlock(&r->ack_mtx);
		return -EIO;
	}
	pthread_mutex_unlock(&r->ack_mtx);

	rc = repl_send_op(r, &m);
	if (rc < 0)
		return -EIO;
	r->next_seq = seq;
	sync_note_op(r->d->sync, &m);

	pthread_mutex_lock(&r->ack_mtx);
	r->sent_seq = seq;
	r->cum_total += (uint64_t)len;
	r->ring[seq % REPL_RING] = r->cum_total;
	r->ops++;
	if (m.type == PROTO_OP_WRITE)
		r->bytes += m.data_len;
	pthread_mutex_unlock(&r->ack_mtx);
	return (int64_t)seq;
}

/* Forget the linked writes through seq. */
static void repl_linked_release(struct repl *r, uint64_t seq)
{
	struct repl_linked *k;

	pthread_mutex_lock(&r->linked_mtx);
	while ((k = r->linked) && k->m.seq <= seq) {
		r->linked = k->next;
		free(k);
	}
	if (!r->linked)
		r->linked_tail = NULL;
	pthread_mutex_unlock(&r->linked_mtx);
}

static bool repl_all_acked(const struct repl *r, uint64_t seq)
{
	size_t i;

	for (i = 0; i < r->n_set; i++)
		if (r->set[i].acked < seq)
			return false;
	return true;
}

/* ack_timeout_ms, ack_mtx held: drop members that did not ack seq in
 * time.  true: some were dropped (the caller tells the loop, unlocked). */
static bool repl_drop_laggards(struct repl *r, uint64_t seq)
{
	size_t i = 0, n = r->n_set;

	while (i < r->n_set) {
		if (r->set[i].acked >= seq) {
			i++;
			continue;
		}
		log_warn(
			"node %u did not acknowledge in time: it leaves the ack set and will be resynced " QB_XS
			" seq=%" PRIu64 " acked=%" PRIu64,
			r->set[i].id, seq, r->set[i].acked);
		r->set[i] = r->set[--r->n_set];
	}
	pthread_cond_broadcast(&r->ack_cond);
	return r->n_set != n;
}

static int repl_hook_wait(void *ctx, uint64_t seq)
{
	struct repl *r = ctx;
	uint32_t tmo = r->d->cfg->ack_timeout_ms;
	struct timespec until;
	bool dropped = false;
	int rc = 0;

	if (REPL_BENCH_NOWAIT) {
		uint64_t done = seq;
		size_t i;

		/* free what every member has acked so far, wait for nothing */
		pthread_mutex_lock(&r->ack_mtx);
		for (i = 0; i < r->n_set; i++)
			if (r->set[i].acked < done)
				done = r->set[i].acked;
		pthread_mutex_unlock(&r->ack_mtx);
		repl_linked_release(r, done);
		return 0;
	}
	deadline_in_ms(&until, tmo);
	pthread_mutex_lock(&r->ack_mtx);
	for (;;) {
		if (!r->active) {
			rc = -EIO;
			break;
		}
		if (repl_all_acked(r, seq))
			break;
		if (repl_relink_due(r, false))
			continue;
		if (!tmo) {
			pthread_cond_wait(&r->ack_cond, &r->ack_mtx);
		} else if (pthread_cond_timedwait(&r->ack_cond, &r->ack_mtx,
						  &until) == ETIMEDOUT) {
			dropped |= repl_drop_laggards(r, seq);
		}
	}
	pthread_mutex_unlock(&r->ack_mtx);
	/* the request's bytes go away: nobody needs those through seq now
	 * (all acked, or dropped from the set, or we are not primary) */
	repl_linked_release(r, seq);
	/* the loop takes d->mtx for meta writes (fsync): not under ack_mtx */
	if (dropped)
		daemon_post(r->d, DAEMON_EV_ROLE | DAEMON_EV_SCHEDULE);
	return rc;
}

int repl_new(struct repl **out, struct daemon *d)
{
	struct repl *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->buf = malloc(PROTO_MAX_MSG);
	r->ring = calloc(REPL_RING, sizeof(*r->ring));
	if (!r->buf || !r->ring) {
		free(r->buf);
		free(r->ring);
		free(r);
		return -ENOMEM;
	}
	r->d = d;
	pthread_mutex_init(&r->order_mtx, NULL);
	pthread_mutex_init(&r->ack_mtx, NULL);
	pthread_mutex_init(&r->linked_mtx, NULL);
	pthread_mutex_init(&r->pack_mtx, NULL);
	pthread_cond_init(&r->pack_cond, NULL);
	if (d->cfg->cpg_pack_ms) {
		r->pack = malloc(REPL_PACK_MAX);
		if (!r->pack ||
		    pthread_create(&r->pack_thread, NULL, repl_packer, r)) {
			free(r->pack);
			r->pack = NULL;
			log_warn(
				"cannot start packing CPG messages: each goes alone");
		} else {
			pthread_setname_np(r->pack_thread, "rd-pack");
			log_notice(
				"the CPG copies of operations are packed for up to %u ms while every member has a data link",
				d->cfg->cpg_pack_ms);
		}
	}
	pthread_cond_init(&r->ack_cond, NULL);
	r->hooks.ctx = r;
	r->hooks.lock = repl_hook_lock;
	r->hooks.unlock = repl_hook_unlock;
	r->hooks.submit = repl_hook_submit;
	r->hooks.wait = repl_hook_wait;
	*out = r;
	return 0;
}

void repl_free(struct repl *r)
{
	if (!r)
		return;
	repl_linked_release(r, UINT64_MAX);
	if (r->pack) {
		pthread_mutex_lock(&r->pack_mtx);
		r->pack_quit = true;
		pthread_cond_signal(&r->pack_cond);
		pthread_mutex_unlock(&r->pack_mtx);
		pthread_join(r->pack_thread, NULL);
		free(r->pack);
	}
	pthread_cond_destroy(&r->pack_cond);
	pthread_mutex_destroy(&r->pack_mtx);
	pthread_cond_destroy(&r->ack_cond);
	pthread_mutex_destroy(&r->linked_mtx);
	pthread_mutex_destroy(&r->ack_mtx);
	pthread_mutex_destroy(&r->order_mtx);
	free(r->ring);
	free(r->buf);
	free(r);
}

const struct front_repl *repl_hooks(struct repl *r)
{
	return &r->hooks;
}

void repl_activate(struct repl *r, uint64_t first_seq, const uint32_t *ids,
		   size_t n)
{
	size_t i;

	pthread_mutex_lock(&r->order_mtx);
	r->next_seq = first_seq - 1;
	pthread_mutex_lock(&r->ack_mtx);
	r->active = true;
	r->sent_seq = first_seq - 1;
	r->cum_total = 0;
	r->ring[r->sent_seq % REPL_RING] = 0;
	r->n_set = 0;
	for (i = 0; i < n && r->n_set < DAEMON_MAX_PEERS; i++) {
		r->set[r->n_set].id = ids[i];
		r->set[r->n_set].acked = r->sent_seq;
		r->set[r->n_set].relinked = r->sent_seq;
		r->set[r->n_set].confirmed = true;
		r->n_set++;
	}
	pthread_mutex_unlock(&r->ack_mtx);
	pthread_mutex_unlock(&r->order_mtx);
}

void repl_deactivate(struct repl *r)
{
	/* what we applied and packed reaches the others */
	(void)repl_pack_flush(r);
	pthread_mutex_lock(&r->ack_mtx);
	r->active = false;
	r->n_set = 0;
	pthread_cond_broadcast(&r->ack_cond);
	pthread_mutex_unlock(&r->ack_mtx);
}

void repl_set_others(struct repl *r, unsigned int others)
{
	pthread_mutex_lock(&r->ack_mtx);
	r->others = others;
	pthread_mutex_unlock(&r->ack_mtx);
}

void repl_on_ack(struct repl *r, uint32_t node, uint64_t seq)
{
	size_t i;

	pthread_mutex_lock(&r->ack_mtx);
	for (i = 0; i < r->n_set; i++) {
		if (r->set[i].id != node)
			continue;
		if (seq > r->set[i].acked) {
			r->set[i].acked = seq;
			pthread_cond_broadcast(&r->ack_cond);
		}
		break;
	}
	pthread_mutex_unlock(&r->ack_mtx);
}

int repl_drop(struct repl *r, uint32_t node)
{
	size_t i;
	int found = 0;

	pthread_mutex_lock(&r->ack_mtx);
	for (i = 0; i < r->n_set; i++) {
		if (r->set[i].id == node) {
			r->set[i] = r->set[--r->n_set];
			found = 1;
			break;
		}
	}
	pthread_cond_broadcast(&r->ack_cond);
	pthread_mutex_unlock(&r->ack_mtx);
	return found;
}

int repl_peer_state(struct repl *r, uint32_t node, int up_to_date)
{
	size_t i;
	int stale = 0;

	pthread_mutex_lock(&r->ack_mtx);
	for (i = 0; i < r->n_set; i++) {
		if (r->set[i].id != node)
			continue;
		if (up_to_date)
			r->set[i].confirmed = true;
		else
			stale = r->set[i].confirmed;
	}
	pthread_mutex_unlock(&r->ack_mtx);
	return stale;
}

void repl_order_lock(struct repl *r)
{
	pthread_mutex_lock(&r->order_mtx);
}

void repl_order_unlock(struct repl *r)
{
	pthread_mutex_unlock(&r->order_mtx);
}

void repl_add_locked(struct repl *r, uint32_t node)
{
	size_t i;

	pthread_mutex_lock(&r->ack_mtx);
	for (i = 0; i < r->n_set; i++)
		if (r->set[i].id == node)
			break;
	if (i == r->n_set && r->n_set < DAEMON_MAX_PEERS) {
		r->set[r->n_set].id = node;
		r->n_set++;
	}
	if (i < DAEMON_MAX_PEERS) {
		r->set[i].acked = r->sent_seq;
		r->set[i].relinked = r->sent_seq;
		r->set[i].confirmed = false;
	}
	pthread_cond_broadcast(&r->ack_cond);
	pthread_mutex_unlock(&r->ack_mtx);
}

int repl_send_locked(struct repl *r, const struct proto_msg *msg)
{
	long len = proto_encode(msg, r->buf, PROTO_MAX_MSG);

	if (len < 0)
		return (int)len;
	return repl_mcast(r, len);
}

/* Order lock held: multicast CTL_RELINKs to node for its linked writes
 * after seq.  The last seq resent. */
static uint64_t repl_relink_node(struct repl *r, uint32_t node, uint64_t seq)
{
	struct proto_msg m;
	struct repl_linked *k;
	struct iovec iov[2];
	uint64_t last = seq;
	unsigned int n = 0;
	long head;
	int rc = 0;

	pthread_mutex_lock(&r->linked_mtx);
	for (k = r->linked; k && !rc; k = k->next) {
		if (k->m.seq <= seq)
			continue;
		m = k->m;
		m.type = PROTO_CTL_RELINK;
		m.target = node;
		head = proto_encode_head(&m, r->buf, PROTO_MAX_MSG);
		if (head < 0) {
			rc = (int)head;
			break;
		}
		iov[0].iov_base = r->buf;
		iov[0].iov_len = (size_t)head;
		iov[1].iov_base = (void *)m.data;
		iov[1].iov_len = m.data_len;
		rc = transport_mcast(r->d->tr, iov, 2, REPL_MCAST_WAIT_MS);
		if (!rc) {
			last = m.seq;
			n++;
		}
	}
	pthread_mutex_unlock(&r->linked_mtx);
	if (rc)
		log_warn(
			"cannot send node %u the bytes its data link lost: it waits for them, then is resynced " QB_XS
			" %s",
			node, strerror(-rc));
	else if (n)
		log_notice(
			"the data link to node %u went down: the %u write(s) it had not acknowledged go again in CPG " QB_XS
			" seq=%" PRIu64 "..%" PRIu64,
			node, n, seq + 1, last);
	return last;
}

/* Order lock held, ack_mtx not: resend what the links that went down
 * since the last time carried (repl_relink). */
static void repl_relink_locked(struct repl *r)
{
	uint32_t nodes[DAEMON_MAX_PEERS];
	uint64_t from, upto;
	size_t n, i, j;
	bool found;

	n = link_lost(r->d->link, nodes, DAEMON_MAX_PEERS);
	if (n)
		(void)repl_pack_flush(r); /* what went before goes first */
	for (i = 0; i < n; i++) {
		pthread_mutex_lock(&r->ack_mtx);
		for (j = 0; j < r->n_set && r->set[j].id != nodes[i]; j++)
			;
		found = r->active && j < r->n_set;
		from = found && r->set[j].acked > r->set[j].relinked ?
			       r->set[j].acked :
		       found ? r->set[j].relinked :
			       0;
		pthread_mutex_unlock(&r->ack_mtx);
		if (!found)
			continue; /* not in the ack set: a sync covers it */
		upto = repl_relink_node(r, nodes[i], from);
		pthread_mutex_lock(&r->ack_mtx);
		for (j = 0; j < r->n_set; j++)
			if (r->set[j].id == nodes[i] &&
			    upto > r->set[j].relinked)
				r->set[j].relinked = upto;
		pthread_mutex_unlock(&r->ack_mtx);
	}
}

/*
 * ack_mtx held: a link went down, and the acks some request waits for
 * may need what it carried.  The resend runs on a thread that waits for
 * acks (the loop thread must go on dispatching CPG, or corosync stops
 * taking our messages): a waiter takes the order lock for it, a
 * submitter waiting for room in the window holds it already.  true when
 * it ran (ack_mtx was dropped meanwhile).
 */
static bool repl_relink_due(struct repl *r, bool order_locked)
{
	if (!r->relink)
		return false;
	r->relink = false;
	pthread_mutex_unlock(&r->ack_mtx);
	if (!order_locked)
		pthread_mutex_lock(&r->order_mtx);
	repl_relink_locked(r);
	if (!order_locked)
		pthread_mutex_unlock(&r->order_mtx);
	pthread_mutex_lock(&r->ack_mtx);
	return true;
}

void repl_relink(struct repl *r)
{
	bool waiting;

	pthread_mutex_lock(&r->linked_mtx);
	waiting = r->linked != NULL;
	pthread_mutex_unlock(&r->linked_mtx);
	if (!waiting) {
		/* no linked write waits: nothing to resend */
		uint32_t nodes[DAEMON_MAX_PEERS];

		(void)link_lost(r->d->link, nodes, DAEMON_MAX_PEERS);
		return;
	}
	pthread_mutex_lock(&r->ack_mtx);
	r->relink = true;
	pthread_cond_broadcast(&r->ack_cond);
	pthread_mutex_unlock(&r->ack_mtx);
}

size_t repl_ackset(struct repl *r, uint32_t *ids, uint64_t *acked, size_t max)
{
	size_t i, n;

	pthread_mutex_lock(&r->ack_mtx);
	n = r->n_set < max ? r->n_set : max;
	for (i = 0; i < n; i++) {
		ids[i] = r->set[i].id;
		if (acked)
			acked[i] = r->set[i].acked;
	}
	pthread_mutex_unlock(&r->ack_mtx);
	return n;
}

void repl_get_stats(struct repl *r, struct repl_stats *out)
{
	pthread_mutex_lock(&r->ack_mtx);
	out->seq = r->sent_seq;
	out->ops = r->ops;
	out->bytes = r->bytes;
	out->active = r->active;
	pthread_mutex_unlock(&r->ack_mtx);
}
