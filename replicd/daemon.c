// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * daemon.c - the daemon's shared helpers, roles and control handlers.
 *
 * Roles (DESIGN "Roles") are decided in one place, daemon_role_update():
 * a node with its fronts mounted is PRIM (ack set not empty) or ALONE;
 * otherwise SECOND when up to date or being synced, else WAIT.  promote,
 * demote, force-primary and invalidate come from the control socket and
 * run on the loop thread.
 */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <corosync/quorum.h>
#include "apply.h"
#include "daemon.h"
#include "front.h"
#include "link.h"
#include "log.h"
#include "repl.h"
#include "sync.h"
#include "transport.h"

/* promote: how long the applier may take to finish what it has */
#define DAEMON_DRAIN_MS 20000u

#include <linux/openat2.h>
#include <sys/syscall.h>

#define DAEMON_SEND_WAIT_MS 5000u

/* ---- helpers for the other threads ---- */

void daemon_post(struct daemon *d, unsigned int events)
{
	ssize_t n;

	pthread_mutex_lock(&d->mtx);
	d->events |= events;
	pthread_mutex_unlock(&d->mtx);
	n = write(d->wake_fd[1], "x", 1);
	(void)n; /* a full pipe already wakes the loop */
}

void daemon_set_error(struct daemon *d, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&d->mtx);
	va_start(ap, fmt);
	vsnprintf(d->last_error, sizeof(d->last_error), fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&d->mtx);
}

int daemon_store_meta_locked(struct daemon *d)
{
	char err[META_ERR_MAX] = "";
	int rc;

	d->meta.up_to_date = d->up_to_date;
	d->meta.last_role = d->role;
	rc = meta_store(d->cfg->state_dir, &d->meta, err, sizeof(err));
	if (rc)
		log_err("cannot store the metadata in %s " QB_XS " %s",
			d->cfg->state_dir, err[0] ? err : strerror(-rc));
	return rc;
}

int daemon_send(struct daemon *d, const struct proto_msg *msg)
{
	return daemon_send_wait(d, msg, DAEMON_SEND_WAIT_MS);
}

int daemon_send_wait(struct daemon *d, const struct proto_msg *msg,
		     unsigned int max_wait_ms)
{
	long len = proto_encoded_size(msg);
	struct iovec iov;
	uint8_t *buf;
	int rc;

	if (len < 0)
		return (int)len;
	buf = malloc((size_t)len);
	if (!buf)
		return -ENOMEM;
	len = proto_encode(msg, buf, (size_t)len);
	if (len < 0) {
		free(buf);
		return (int)len;
	}
	iov.iov_base = buf;
	iov.iov_len = (size_t)len;
	/* after what the primary packed before it (its CTL_STATE must not
	 * overtake its operations) */
	rc = repl_pack_flush(d->repl);
	if (!rc)
		rc = transport_mcast(d->tr, &iov, 1, max_wait_ms);
	free(buf);
	return rc;
}

struct daemon_peer *daemon_peer_get(struct daemon *d, uint32_t id, bool create)
{
	unsigned int i;

	for (i = 0; i < d->n_peers; i++)
		if (d->peers[i].node_id == id)
			return &d->peers[i];
	if (!create || d->n_peers >= DAEMON_MAX_PEERS)
		return NULL;
	memset(&d->peers[d->n_peers], 0, sizeof(d->peers[0]));
	d->peers[d->n_peers].node_id = id;
	return &d->peers[d->n_peers++];
}

unsigned int daemon_n_members(struct daemon *d)
{
	unsigned int i, n = 0;

	pthread_mutex_lock(&d->mtx);
	for (i = 0; i < d->n_peers; i++)
		n += d->peers[i].member;
	pthread_mutex_unlock(&d->mtx);
	return n;
}

bool daemon_is_member(struct daemon *d, uint32_t node_id)
{
	struct daemon_peer *p;
	bool m;

	pthread_mutex_lock(&d->mtx);
	p = daemon_peer_get(d, node_id, false);
	m = p && p->member;
	pthread_mutex_unlock(&d->mtx);
	return m;
}

bool daemon_is_primary(const struct daemon *d)
{
	return d->role == PROTO_ROLE_PRIM || d->role == PROTO_ROLE_ALONE;
}

static void daemon_new_generation_locked(struct daemon *d)
{
	uint8_t rnd[META_GEN_SIZE];
	char hex[META_GEN_HEX];

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		memcpy(rnd, &ts,
		       sizeof(ts) < sizeof(rnd) ? sizeof(ts) : sizeof(rnd));
		rnd[15] ^= (uint8_t)d->my_id;
	}
	meta_new_generation(&d->meta, rnd);
	meta_gen_to_hex(d->meta.gen, hex);
	log_notice("new data generation %s", hex);
}

/* ---- read-only view of the secondary ---- */

static int daemon_ro_on(struct daemon *d, unsigned int i)
{
	const char *dir = d->cfg->dirs[i];

	if (d->ro_view[i])
		return 0;
	if (mount(dir, dir, "none", MS_BIND, NULL))
		return -errno;
	if (mount("none", dir, "none", MS_REMOUNT | MS_BIND | MS_RDONLY,
		  NULL)) {
		int rc = -errno;

		umount2(dir, MNT_DETACH);
		return rc;
	}
	d->ro_view[i] = true;
	return 0;
}

static void daemon_ro_off(struct daemon *d, unsigned int i)
{
	if (!d->ro_view[i])
		return;
	if (umount2(d->cfg->dirs[i], 0) && umount2(d->cfg->dirs[i], MNT_DETACH))
		log_warn("cannot remove the read-only view of %s " QB_XS
			 " umount: %s",
			 d->cfg->dirs[i], strerror(errno));
	d->ro_view[i] = false;
}

void daemon_ro_all(struct daemon *d, bool on)
{
	unsigned int i;
	int rc;

	for (i = 0; i < d->cfg->n_dirs; i++) {
		if (!on) {
			daemon_ro_off(d, i);
			continue;
		}
		rc = daemon_ro_on(d, i);
		if (rc)
			log_warn(
				"cannot make %s read-only for applications " QB_XS
				" bind mount: %s",
				d->cfg->dirs[i], strerror(-rc));
	}
}

/* ---- roles ---- */

/*
 * The one place that decides the role (to be replaced by role.h's
 * state machine).  Stores the metadata and announces on any change.
 */
void daemon_role_update(struct daemon *d)
{
	uint32_t ids[DAEMON_MAX_PEERS];
	enum proto_role old, role;
	size_t n = 0;

	if (d->front[0])
		n = repl_ackset(d->repl, ids, NULL, DAEMON_MAX_PEERS);
	pthread_mutex_lock(&d->mtx);
	old = d->role;
	if (d->front[0])
		role = n ? PROTO_ROLE_PRIM : PROTO_ROLE_ALONE;
	else if (d->stopping)
		role = PROTO_ROLE_STOP;
	else
		role = d->up_to_date || d->syncing ? PROTO_ROLE_SECOND :
						     PROTO_ROLE_WAIT;
	if (role != old) {
		d->role = role;
		if (role == PROTO_ROLE_ALONE && old == PROTO_ROLE_PRIM)
			daemon_new_generation_locked(d);
		if (role != PROTO_ROLE_STOP)
			daemon_store_meta_locked(d);
	}
	pthread_mutex_unlock(&d->mtx);
	if (role != old) {
		log_notice("role %s -> %s", ctl_role_name(old),
			   ctl_role_name(role));
		daemon_announce(d);
	}
}

void daemon_state_msg(struct daemon *d, struct proto_msg *m)
{
	bool primary;

	memset(m, 0, sizeof(*m));
	m->type = PROTO_CTL_STATE;
	pthread_mutex_lock(&d->mtx);
	m->state.role = d->role;
	m->state.flags = (d->up_to_date ? PROTO_ST_UPTODATE : 0) |
			 (d->syncing ? PROTO_ST_SYNCING : 0);
	memcpy(m->state.gen, d->meta.gen, sizeof(m->state.gen));
	m->state.sync_permille = d->syncing ? d->sync_permille : 0;
	m->seq = d->missed_seq;
	primary = d->role == PROTO_ROLE_PRIM || d->role == PROTO_ROLE_ALONE;
	pthread_mutex_unlock(&d->mtx);
	if (primary) {
		uint32_t node = 0, p = sync_progress(d->sync, &node);

		if (node && p < 1000) {
			m->state.flags |= PROTO_ST_SYNCING;
			m->state.sync_permille = p;
		}
	}
}

void daemon_announce(struct daemon *d)
{
	struct proto_msg m;
	int rc;

	if (!d->tr)
		return;
	daemon_state_msg(d, &m);
	/* loop thread: never wait for flow control here (the tick retries) */
	rc = daemon_send_wait(d, &m, 0);
	d->announce_again = rc == -EAGAIN;
	if (rc && rc != -EAGAIN)
		log_warn("cannot announce our state " QB_XS " %s",
			 strerror(-rc));
}

/* Our data link, to every member (after each membership change). */
void daemon_announce_link(struct daemon *d)
{
	struct proto_msg m;
	int rc;

	if (!d->tr || !d->link)
		return;
	link_announce_msg(d->link, &m);
	rc = daemon_send_wait(d, &m, 0);
	d->link_again = rc == -EAGAIN;
	if (rc && rc != -EAGAIN)
		log_warn("cannot announce our data link " QB_XS " %s",
			 strerror(-rc));
}

/* Primary: every other member that announced itself and is neither in
 * the ack set nor being synced gets a full sync. */
void daemon_schedule(struct daemon *d)
{
	uint32_t want[DAEMON_MAX_PEERS], ids[DAEMON_MAX_PEERS];
	size_t n_ids, i, j, n_want = 0;

	if (!daemon_is_primary(d) || d->stopping)
		return;
	n_ids = repl_ackset(d->repl, ids, NULL, DAEMON_MAX_PEERS);
	pthread_mutex_lock(&d->mtx);
	for (i = 0; i < d->n_peers; i++) {
		const struct daemon_peer *p = &d->peers[i];

		if (!p->member || !p->have_state ||
		    p->state.role == PROTO_ROLE_PRIM ||
		    p->state.role == PROTO_ROLE_ALONE)
			continue;
		for (j = 0; j < n_ids; j++)
			if (ids[j] == p->node_id)
				break;
		if (j == n_ids)
			want[n_want++] = p->node_id;
	}
	pthread_mutex_unlock(&d->mtx);
	for (i = 0; i < n_want; i++)
		if (!sync_busy(d->sync, want[i]))
			sync_request(d->sync, want[i]);
}

/* A member of the ack set fell behind (NACK, invalidated, timed out). */
void daemon_resync(struct daemon *d, uint32_t node, const char *why)
{
	if (!daemon_is_primary(d))
		return;
	sync_cancel(d->sync, node);
	if (repl_drop(d->repl, node))
		log_warn("node %u leaves the ack set (%s): it will be resynced",
			 node, why);
	sync_request(d->sync, node);
	daemon_role_update(d);
}

int daemon_fronts_stop(struct daemon *d, int force, char *err, size_t errlen)
{
	unsigned int i;
	int rc;

	for (i = 0; i < d->cfg->n_dirs; i++) {
		if (!d->front[i])
			continue;
		rc = front_stop(d->front[i], force);
		if (rc) {
			snprintf(err, errlen,
				 "cannot unmount the mirror of %s: %s%s",
				 d->cfg->dirs[i], strerror(-rc),
				 rc == -EBUSY ? " (files are open on it)" : "");
			return rc;
		}
		d->front[i] = NULL;
	}
	return 0;
}

static int daemon_fronts_start(struct daemon *d, char *err, size_t errlen)
{
	char fsname[CONFIG_NAME_MAX + 16];
	struct front_config fc = { 0 };
	char ignore[8];
	unsigned int i;
	int rc;

	snprintf(fsname, sizeof(fsname), "replicd:%s", d->cfg->name);
	for (i = 0; i < d->cfg->n_dirs; i++) {
		if (d->front[i])
			continue;
		daemon_ro_off(d, i);
		fc.mountpoint = d->cfg->dirs[i];
		fc.root_fd = d->root_fd[i];
		fc.fsname = fsname;
		fc.max_threads = d->cfg->threads;
		fc.dir = (uint16_t)i;
		rc = front_start(&d->front[i], &fc, repl_hooks(d->repl));
		if (rc) {
			snprintf(err, errlen,
				 "cannot mount the mirror over %s: %s",
				 d->cfg->dirs[i], strerror(-rc));
			d->front[i] = NULL;
			daemon_fronts_stop(d, 1, ignore, sizeof(ignore));
			daemon_ro_all(d, true);
			return rc;
		}
	}
	return 0;
}

static bool daemon_other_primary(struct daemon *d, uint32_t *who)
{
	unsigned int i;
	bool found = false;

	pthread_mutex_lock(&d->mtx);
	for (i = 0; i < d->n_peers; i++) {
		const struct daemon_peer *p = &d->peers[i];

		if (p->member && p->have_state &&
		    (p->state.role == PROTO_ROLE_PRIM ||
		     p->state.role == PROTO_ROLE_ALONE)) {
			*who = p->node_id;
			found = true;
		}
	}
	pthread_mutex_unlock(&d->mtx);
	return found;
}

static int daemon_promote(struct daemon *d, bool force, char *err,
			  size_t errlen)
{
	uint32_t ids[DAEMON_MAX_PEERS], who = 0;
	size_t n = 0;
	unsigned int i;
	int rc;

	if (daemon_is_primary(d))
		return 0;
	if (daemon_other_primary(d, &who)) {
		snprintf(err, errlen, "node %u is primary: demote it first",
			 who);
		return -EBUSY;
	}
	/* what the old primary sent is applied (maybe acknowledged) before
	 * anything new is served, and before we look at what we missed */
	if (apply_drain(d->apply, DAEMON_DRAIN_MS)) {
		snprintf(
			err, errlen,
			"operations of the previous primary are still being applied: try again");
		return -EBUSY;
	}
	pthread_mutex_lock(&d->mtx);
	if (!d->up_to_date && !force) {
		pthread_mutex_unlock(&d->mtx);
		snprintf(
			err, errlen,
			"this replica is not up to date%s: it needs a full sync (or force-primary)",
			d->syncing ? " (sync in progress)" : "");
		return -EAGAIN;
	}
	if (force && !d->up_to_date) {
		log_warn(
			"forced primary: this replica becomes the reference data");
		d->up_to_date = true;
		d->syncing = false;
	}
	/* up-to-date secondaries of our generation stay in sync with us */
	for (i = 0; i < d->n_peers; i++) {
		const struct daemon_peer *p = &d->peers[i];

		if (!p->member || !p->have_state ||
		    p->state.role != PROTO_ROLE_SECOND ||
		    !(p->state.flags & PROTO_ST_UPTODATE) ||
		    (p->state.flags & PROTO_ST_SYNCING) ||
		    memcmp(p->state.gen, d->meta.gen, META_GEN_SIZE) || force)
			continue;
		if (p->missed_seq != d->missed_seq) {
			log_notice(
				"node %u did not get the same last writes of the previous primary as this node: it will be resynced " QB_XS
				" its first missed seq=%" PRIu64
				", ours=%" PRIu64,
				p->node_id, p->missed_seq, d->missed_seq);
			continue;
		}
		ids[n++] = p->node_id;
	}
	pthread_mutex_unlock(&d->mtx);

	repl_activate(d->repl, d->max_op_seq + 1, ids, n);
	rc = daemon_fronts_start(d, err, errlen);
	if (rc) {
		repl_deactivate(d->repl);
		return rc;
	}
	pthread_mutex_lock(&d->mtx);
	if (!n)
		daemon_new_generation_locked(d);
	d->meta.last_primary_id = d->my_id;
	d->primary_id = d->my_id;
	pthread_mutex_unlock(&d->mtx);
	log_notice(
		"promoted: serving %u director%s with %zu up-to-date secondar%s",
		d->cfg->n_dirs, d->cfg->n_dirs == 1 ? "y" : "ies", n,
		n == 1 ? "y" : "ies");
	daemon_role_update(d);
	pthread_mutex_lock(&d->mtx);
	daemon_store_meta_locked(d);
	pthread_mutex_unlock(&d->mtx);
	daemon_schedule(d);
	return 0;
}

static int daemon_demote(struct daemon *d, char *err, size_t errlen)
{
	int rc;

	if (!daemon_is_primary(d))
		return 0;
	rc = daemon_fronts_stop(d, 0, err, errlen);
	if (rc) {
		/* leave every directory served as before */
		char e2[CTL_MSG_MAX];

		if (daemon_fronts_start(d, e2, sizeof(e2)))
			log_err("%s", e2);
		return rc;
	}
	repl_deactivate(d->repl);
	sync_cancel(d->sync, 0);
	daemon_ro_all(d, true);
	pthread_mutex_lock(&d->mtx);
	d->primary_id = 0;
	pthread_mutex_unlock(&d->mtx);
	log_notice("demoted");
	daemon_role_update(d);
	return 0;
}

/* ---- control socket ---- */

static int daemon_ctl_status(void *ctx, struct ctl_status *st)
{
	struct daemon *d = ctx;
	uint32_t ids[DAEMON_MAX_PEERS], sync_node = 0, permille;
	uint64_t acked[DAEMON_MAX_PEERS];
	struct repl_stats rs;
	struct link_stats ls;
	quorum_handle_t qh;
	uint32_t qtype;
	int quorate = 0;
	size_t n_ids, j;
	unsigned int i;

	/* the link's lock is not taken under d->mtx (daemon.h) */
	link_get_stats(d->link, &ls);
	st->link_sent = ls.bytes_sent;
	st->link_received = ls.bytes_received;
	repl_get_stats(d->repl, &rs);
	n_ids = repl_ackset(d->repl, ids, acked, DAEMON_MAX_PEERS);
	permille = sync_progress(d->sync, &sync_node);
	if (quorum_initialize(&qh, NULL, &qtype) == CS_OK) {
		if (quorum_getquorate(qh, &quorate) != CS_OK)
			quorate = 0;
		quorum_finalize(qh);
	}
	snprintf(st->name, sizeof(st->name), "%s", d->cfg->name);
	st->node_id = d->my_id;
	st->quorate = quorate;
	pthread_mutex_lock(&d->mtx);
	st->role = d->role;
	st->up_to_date = d->up_to_date;
	st->syncing = d->syncing;
	st->sync_permille = d->syncing ? d->sync_permille : 0;
	memcpy(st->gen, d->meta.gen, sizeof(st->gen));
	st->last_primary = d->meta.last_primary_id;
	if (daemon_is_primary(d)) {
		st->ops_replicated = rs.ops;
		st->bytes_replicated = rs.bytes;
		st->seq = rs.seq;
	} else {
		st->ops_replicated = d->ops_applied;
		st->bytes_replicated = d->bytes_applied;
		st->seq = d->applied_seq;
	}
	snprintf(st->last_error, sizeof(st->last_error), "%s", d->last_error);
	for (i = 0; i < d->n_peers && st->n_peers < CTL_MAX_PEERS; i++) {
		const struct daemon_peer *p = &d->peers[i];
		struct ctl_peer *cp = &st->peers[st->n_peers];

		if (!p->member)
			continue;
		cp->node_id = p->node_id;
		cp->connected = true;
		cp->role = p->have_state ? p->state.role : PROTO_ROLE_WAIT;
		cp->up_to_date = p->state.flags & PROTO_ST_UPTODATE;
		cp->sync_permille = p->state.sync_permille;
		if (sync_node == p->node_id)
			cp->sync_permille = permille;
		for (j = 0; j < n_ids; j++)
			if (ids[j] == p->node_id)
				cp->acked_seq = acked[j];
		st->n_peers++;
	}
	pthread_mutex_unlock(&d->mtx);
	for (i = 0; i < st->n_peers; i++)
		st->peers[i].data_link = link_up(d->link, st->peers[i].node_id);
	st->n_dirs = d->cfg->n_dirs;
	for (i = 0; i < d->cfg->n_dirs; i++)
		snprintf(st->dirs[i], sizeof(st->dirs[i]), "%s",
			 d->cfg->dirs[i]);
	return 0;
}

static int daemon_ctl_promote(void *ctx, char *err, size_t errlen)
{
	return daemon_promote(ctx, false, err, errlen);
}

static int daemon_ctl_force(void *ctx, char *err, size_t errlen)
{
	return daemon_promote(ctx, true, err, errlen);
}

static int daemon_ctl_demote(void *ctx, char *err, size_t errlen)
{
	return daemon_demote(ctx, err, errlen);
}

static int daemon_ctl_invalidate(void *ctx, char *err, size_t errlen)
{
	struct daemon *d = ctx;

	if (daemon_is_primary(d)) {
		snprintf(
			err, errlen,
			"the primary holds the reference data: demote it first");
		return -EBUSY;
	}
	pthread_mutex_lock(&d->mtx);
	d->up_to_date = false;
	daemon_store_meta_locked(d);
	pthread_mutex_unlock(&d->mtx);
	log_notice("invalidated: this replica will get a full sync");
	daemon_role_update(d);
	daemon_announce(d);
	return 0;
}

void daemon_ctl_handlers(struct daemon *d, struct ctl_handlers *h)
{
	h->ctx = d;
	h->status = daemon_ctl_status;
	h->promote = daemon_ctl_promote;
	h->demote = daemon_ctl_demote;
	h->force_primary = daemon_ctl_force;
	h->invalidate = daemon_ctl_invalidate;
}

/* Without openat2 (valgrind, kernels before 5.6): one component at a
 * time, never following a symlink; the decoder already refused "." and
 * ".." components, so this stays beneath base too. */
static int daemon_open_walk(int base, const char *path, int flags, mode_t mode)
{
	char comp[PROTO_MAX_NAME + 1];
	const char *p = path, *slash;
	int cur = base, fd;
	size_t n;

	for (;;) {
		slash = strchr(p, '/');
		if (!slash)
			break;
		n = (size_t)(slash - p);
		if (!n || n > PROTO_MAX_NAME) {
			fd = -EINVAL;
			goto out;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		fd = openat(cur, comp,
			    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			fd = -errno;
			goto out;
		}
		if (cur != base)
			close(cur);
		cur = fd;
		p = slash + 1;
	}
	fd = openat(cur, p[0] ? p : ".", flags | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		fd = -errno;
out:
	if (cur != base)
		close(cur);
	return fd;
}

int daemon_open_beneath(int base, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
			   RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	fd = syscall(SYS_openat2, base, path[0] ? path : ".", &how,
		     sizeof(how));
	if (fd < 0 && errno == ENOSYS)
		return daemon_open_walk(base, path, flags, mode);
	return fd < 0 ? -errno : (int)fd;
}
