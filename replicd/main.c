// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * main.c - replicd: one process per resource.
 *
 * Startup: settings, directories, the metadata lock (a second replicd
 * for the resource stops here), metadata, the O_PATH root fds, then the
 * loop: CPG, the control socket, signals, a 1 s timer and a wake pipe
 * through which the other threads post events (daemon_post()).
 *
 * The CPG callbacks (deliver, membership) route messages: operations and
 * sync data for us to the applier, acks and sync requests to the primary
 * side; roles and control handlers live in daemon.c.
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

#define DAEMON_TICK_MS 1000u

/*
 * A replicd killed with SIGKILL leaves its mounts behind: a dead FUSE
 * front ("replicd:NAME") or the read-only view (a read-only bind of the
 * directory onto itself).  Remove those, and only those, from the top.
 */
static void daemon_cleanup_mounts(struct daemon *d, const char *dir)
{
	char fsname[CONFIG_NAME_MAX + 16], line[8192];
	char top_root[4096], top_dev[32], top_opts[256], top_type[64],
		top_src[256];
	char prev_root[4096], prev_dev[32];
	int tries;

	snprintf(fsname, sizeof(fsname), "replicd:%s", d->cfg->name);
	for (tries = 0; tries < 8; tries++) {
		FILE *f = fopen("/proc/self/mountinfo", "re");
		int n_at = 0;

		if (!f)
			return;
		top_root[0] = prev_root[0] = top_dev[0] = prev_dev[0] = '\0';
		top_opts[0] = top_type[0] = top_src[0] = '\0';
		while (fgets(line, sizeof(line), f)) {
			char root[4096], mp[4096], dev[32], opts[256], type[64],
				src[256], *sep;

			if (sscanf(line, "%*d %*d %31s %4095s %4095s %255s",
				   dev, root, mp, opts) != 4 ||
			    strcmp(mp, dir))
				continue;
			sep = strstr(line, " - ");
			if (!sep ||
			    sscanf(sep, " - %63s %255s", type, src) != 2)
				continue;
			snprintf(prev_root, sizeof(prev_root), "%s", top_root);
			snprintf(prev_dev, sizeof(prev_dev), "%s", top_dev);
			snprintf(top_root, sizeof(top_root), "%s", root);
			snprintf(top_dev, sizeof(top_dev), "%s", dev);
			snprintf(top_opts, sizeof(top_opts), "%s", opts);
			snprintf(top_type, sizeof(top_type), "%s", type);
			snprintf(top_src, sizeof(top_src), "%s", src);
			n_at++;
		}
		fclose(f);
		if (!n_at)
			return;
		if (!strncmp(top_type, "fuse", 4) && !strcmp(top_src, fsname)) {
			log_notice(
				"removing the FUSE front a previous replicd left on %s",
				dir);
		} else if (!strncmp(top_opts, "ro", 2) &&
			   (top_opts[2] == ',' || !top_opts[2]) &&
			   ((n_at >= 2 && !strcmp(top_root, prev_root) &&
			     !strcmp(top_dev, prev_dev)) ||
			    (n_at == 1 && !strcmp(top_root, dir)))) {
			log_notice(
				"removing the read-only view a previous replicd left on %s",
				dir);
		} else {
			return;
		}
		if (umount2(dir, MNT_DETACH))
			return;
	}
}

/* ---- CPG callbacks (loop thread) ---- */

static void daemon_on_state(struct daemon *d, uint32_t from,
			    const struct proto_msg *m)
{
	struct daemon_peer *p;
	bool drop = false, announce = false, abort_sync = false, nack = false;
	char theirs[META_GEN_HEX], ours[META_GEN_HEX];
	bool missed;

	pthread_mutex_lock(&d->mtx);
	p = daemon_peer_get(d, from, true);
	if (p) {
		p->have_state = true;
		p->state = m->state;
		p->missed_seq = m->seq;
	}
	if (!daemon_is_primary(d) && from == d->primary_id &&
	    m->state.role != PROTO_ROLE_PRIM &&
	    m->state.role != PROTO_ROLE_ALONE) {
		/* our primary stepped down: a sync from it is over */
		d->primary_id = 0;
		abort_sync = d->syncing;
	}
	if (!daemon_is_primary(d) && (m->state.role == PROTO_ROLE_PRIM ||
				      m->state.role == PROTO_ROLE_ALONE)) {
		d->primary_id = from;
		if (d->syncing)
			d->sync_permille = m->state.sync_permille;
		if (d->up_to_date && !d->syncing &&
		    memcmp(d->meta.gen, m->state.gen, META_GEN_SIZE)) {
			/*
			 * A primary keeps in step only replicas of its own
			 * generation, and starts a new one when it has none
			 * left: we are not in step with it (we came back,
			 * it went on alone, or it was forced).  Out of date
			 * until its sync; before, a power cut of it could
			 * promote this stale copy.
			 */
			meta_gen_to_hex(m->state.gen, theirs);
			meta_gen_to_hex(d->meta.gen, ours);
			log_warn(
				"node %u is primary with another data generation: this replica is out of date until it is synced from it " QB_XS
				" theirs=%s ours=%s",
				from, theirs, ours);
			d->up_to_date = false;
			d->meta.up_to_date = false;
			daemon_store_meta_locked(d);
			/* it counted us in step after our sync, and the new
			 * generation raced our SYNC_END: tell it */
			nack = d->synced_from == from;
			d->synced_from = 0;
			announce = true;
		} else if (d->up_to_date && !d->syncing &&
			   d->meta.last_primary_id != from) {
			/* the same generation, served by another node now
			 * (a demote here, a promote there) */
			d->meta.last_primary_id = from;
			d->meta.last_primary_name[0] = '\0';
			daemon_store_meta_locked(d);
		}
	}
	pthread_mutex_unlock(&d->mtx);
	if (abort_sync)
		apply_abort_sync(d->apply);
	if (nack) {
		struct proto_msg n = { .type = PROTO_CTL_NACK };

		daemon_send_wait(d, &n, 0);
	}
	if (announce)
		daemon_announce(d);
	if (!daemon_is_primary(d))
		return;
	if (m->state.role == PROTO_ROLE_PRIM ||
	    m->state.role == PROTO_ROLE_ALONE) {
		log_err("node %u is primary too: split brain, writes continue here only " QB_XS
			" resource %s",
			from, d->cfg->name);
		daemon_set_error(d, "node %u is primary too", from);
		return;
	}
	/* one that missed other bytes of the last primary than we did,
	 * said so after we counted it in step (daemon_promote) */
	pthread_mutex_lock(&d->mtx);
	missed = m->seq != d->missed_seq;
	pthread_mutex_unlock(&d->mtx);
	drop = repl_peer_state(d->repl, from,
			       (m->state.flags & PROTO_ST_UPTODATE) && !missed);
	if (drop)
		daemon_resync(
			d, from,
			missed ?
				"it did not get the same last writes of the previous primary" :
				"not up to date any more");
	else
		daemon_schedule(d);
}

/* Operations and sync data are taken from the primary only. */
static bool daemon_from_primary(struct daemon *d, uint32_t from,
				const struct proto_msg *m)
{
	uint32_t primary;

	pthread_mutex_lock(&d->mtx);
	primary = d->primary_id;
	pthread_mutex_unlock(&d->mtx);
	if (from == primary)
		return true;
	log_warn("refusing %s from node %u: not from the primary " QB_XS
		 " primary=%u seq=%" PRIu64,
		 proto_type_name(m->type), from, primary, m->seq);
	return false;
}

static void daemon_deliver_one(void *ctx, uint32_t from, const void *buf,
			       size_t len);

/* A CPG message: one message, or a pack of them from the primary, each
 * handled in turn once all of them decode (a pack with a bad one is
 * refused whole, as a bad single message is). */
static void daemon_deliver(void *ctx, uint32_t from, const void *buf,
			   size_t len)
{
	const uint8_t *b = buf;
	long f = proto_frame_len(b, len);
	size_t off = 0;

	/* the common case, one message, is decoded once (there) */
	if (f < 0 || (size_t)f == len || proto_pack_check(b, len) <= 1) {
		daemon_deliver_one(ctx, from, buf, len);
		return;
	}
	while (off < len) {
		f = proto_frame_len(b + off, len - off);
		daemon_deliver_one(ctx, from, b + off, (size_t)f);
		off += (size_t)f;
	}
}

static void daemon_deliver_one(void *ctx, uint32_t from, const void *buf,
			       size_t len)
{
	struct daemon *d = ctx;
	struct proto_msg m;
	unsigned int type = 0;
	int rc;

	rc = proto_decode(buf, len, &m);
	if (rc) {
		if (len >= 8)
			type = ((const uint8_t *)buf)[6] |
			       (unsigned int)((const uint8_t *)buf)[7] << 8;
		log_err("refusing a malformed message from node %u " QB_XS
			" type=%s(%u) len=%zu: %s",
			from, proto_type_name(type), type, len, strerror(-rc));
		daemon_set_error(d, "malformed message from node %u: %s", from,
				 strerror(-rc));
		return;
	}
	if (proto_is_op(m.type)) {
		if (m.seq > d->max_op_seq)
			d->max_op_seq = m.seq;
		if (from == d->my_id)
			return;
		if (daemon_is_primary(d)) {
			log_warn(
				"refusing an operation from node %u: we are primary " QB_XS
				" %s seq=%" PRIu64,
				from, proto_type_name(m.type), m.seq);
			return;
		}
		if (!daemon_from_primary(d, from, &m))
			return;
		apply_enqueue(d->apply, from, buf, len);
		return;
	}
	if (from == d->my_id)
		return;
	switch (m.type) {
	case PROTO_CTL_ACK:
		if (daemon_is_primary(d))
			repl_on_ack(d->repl, from, m.seq);
		break;
	case PROTO_CTL_NACK:
		daemon_resync(
			d, from,
			"it is out of date: it could not apply an operation, or missed our generation");
		break;
	case PROTO_CTL_STATE:
		daemon_on_state(d, from, &m);
		break;
	case PROTO_CTL_LINK:
		link_on_announce(d->link, from, &m);
		break;
	case PROTO_CTL_RELINK:
		if (m.target == d->my_id && !daemon_is_primary(d) &&
		    daemon_from_primary(d, from, &m) &&
		    link_inject(d->link, from, buf, len))
			log_warn(
				"cannot keep the bytes the primary sent again " QB_XS
				" seq=%" PRIu64 " path=%s",
				m.seq, m.path);
		break;
	case PROTO_SYNC_NEED:
	case PROTO_SYNC_RESEND:
		if (m.target == d->my_id && daemon_is_primary(d))
			sync_on_message(d->sync, from, &m);
		break;
	default:
		if (m.target == d->my_id && !daemon_is_primary(d) &&
		    daemon_from_primary(d, from, &m))
			apply_enqueue(d->apply, from, buf, len);
		break;
	}
}

static void daemon_view(void *ctx, const uint32_t *members, size_t n_members,
			const uint32_t *left, size_t n_left,
			const uint32_t *joined, size_t n_joined)
{
	struct daemon *d = ctx;
	struct daemon_peer *p;
	bool primary_left = false;
	size_t i, j;

	pthread_mutex_lock(&d->mtx);
	for (i = 0; i < d->n_peers; i++) {
		p = &d->peers[i];
		p->member = false;
		for (j = 0; j < n_members; j++)
			if (members[j] == p->node_id)
				p->member = true;
		if (!p->member)
			p->have_state = false;
	}
	for (j = 0; j < n_members; j++) {
		if (members[j] == d->my_id)
			continue;
		p = daemon_peer_get(d, members[j], true);
		if (p)
			p->member = true;
	}
	for (j = 0; j < n_left; j++)
		if (left[j] == d->primary_id && d->primary_id != d->my_id)
			primary_left = true;
	if (primary_left)
		d->primary_id = 0;
	pthread_mutex_unlock(&d->mtx);

	log_info("membership: %zu member(s), %zu left, %zu joined", n_members,
		 n_left, n_joined);
	link_set_members(d->link, members, n_members);
	repl_set_others(d->repl, n_members ? (unsigned int)n_members - 1 : 0);
	if (daemon_is_primary(d)) {
		for (j = 0; j < n_left; j++) {
			sync_cancel(d->sync, left[j]);
			if (repl_drop(d->repl, left[j]))
				log_warn(
					"node %u left: writes continue without it",
					left[j]);
		}
		daemon_role_update(d);
	} else if (primary_left) {
		log_warn("the primary left the group");
		apply_abort_sync(d->apply);
	}
	daemon_announce(d);
	if (n_joined)
		daemon_announce_link(d);
}

static void daemon_lost(void *ctx)
{
	struct daemon *d = ctx;

	log_err("corosync is gone: stopping");
	daemon_set_error(d, "lost the connection to corosync");
	d->stopping = true;
	qb_loop_stop(d->loop);
}

/* ---- loop plumbing ---- */

static int32_t daemon_wake(int32_t fd, int32_t revents, void *data)
{
	struct daemon *d = data;
	char buf[64];
	unsigned int ev;

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&d->mtx);
	ev = d->events;
	d->events = 0;
	pthread_mutex_unlock(&d->mtx);
	if (ev & DAEMON_EV_ROLE)
		daemon_role_update(d);
	if (ev & DAEMON_EV_SCHEDULE)
		daemon_schedule(d);
	if (ev & DAEMON_EV_ANNOUNCE)
		daemon_announce(d);
	if (ev & DAEMON_EV_RELINK)
		repl_relink(d->repl);
	return 0;
}

static void daemon_tick(void *data)
{
	struct daemon *d = data;
	uint32_t node = 0;

	/* progress of a running sync shows in the primary's STATE */
	if ((daemon_is_primary(d) && sync_progress(d->sync, &node) < 1000 &&
	     node) ||
	    d->announce_again)
		daemon_announce(d);
	if (d->link_again)
		daemon_announce_link(d);
	/* a sync given up (timeout) is retried */
	daemon_schedule(d);
	qb_loop_timer_add(d->loop, QB_LOOP_LOW,
			  DAEMON_TICK_MS * QB_TIME_NS_IN_MSEC, d, daemon_tick,
			  &d->timer);
}

static int32_t daemon_signal(int32_t sig, void *data)
{
	struct daemon *d = data;

	log_notice("signal %d: stopping", sig);
	d->stopping = true;
	qb_loop_stop(d->loop);
	return 0;
}

/* ---- startup and shutdown ---- */

/* Role at start: SECOND only when this node held the newest data (it
 * was primary when it stopped or crashed); else WAIT. */
static void daemon_initial_role(struct daemon *d, bool fresh)
{
	bool newest = !fresh && d->meta.up_to_date &&
		      (d->meta.last_role == PROTO_ROLE_PRIM ||
		       d->meta.last_role == PROTO_ROLE_ALONE);

	d->up_to_date = newest;
	d->role = newest ? PROTO_ROLE_SECOND : PROTO_ROLE_WAIT;
	log_notice("starting as %s%s", ctl_role_name(d->role),
		   fresh  ? " (no metadata: a fresh replica)" :
		   newest ? " (this replica was primary)" :
			    " (this replica may have missed writes)");
}

static int daemon_open_dirs(struct daemon *d)
{
	unsigned int i;

	for (i = 0; i < d->cfg->n_dirs; i++) {
		daemon_cleanup_mounts(d, d->cfg->dirs[i]);
		d->root_fd[i] =
			open(d->cfg->dirs[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (d->root_fd[i] < 0) {
			int rc = -errno;

			log_err("cannot open %s " QB_XS " %s", d->cfg->dirs[i],
				strerror(-rc));
			return rc;
		}
		if (i < PROTO_MAX_DIRS &&
		    meta_fsid_probe(d->cfg->dirs[i], &d->meta.dirs[i]) == 0)
			d->meta.n_dirs = i + 1;
	}
	return 0;
}

static int daemon_load_meta(struct daemon *d, bool *fresh)
{
	char err[META_ERR_MAX] = "";
	int rc;

	rc = meta_load(d->cfg->state_dir, &d->meta, err, sizeof(err));
	*fresh = rc == -ENOENT;
	if (rc == -ENOENT) {
		meta_init(&d->meta, d->cfg->name);
		return 0;
	}
	if (rc)
		log_err("cannot use the metadata in %s: %s", d->cfg->state_dir,
			err[0] ? err : strerror(-rc));
	return rc;
}

/* Packs only pay when corosync lets the token rest between them. */
#define DAEMON_QUIET_ROUNDS_HINT 10u

static void daemon_advise_totem(const struct daemon *d)
{
	uint32_t rounds;

	if (!d->cfg->cpg_pack_ms || !d->cfg->data_link ||
	    transport_quiet_rounds(&rounds) ||
	    rounds < DAEMON_QUIET_ROUNDS_HINT)
		return;
	log_notice(
		"corosync passes the token %u times after the last message before it rests, so packing CPG messages (cpg_pack_ms) saves little: set totem seqno_unchanged_const to 2 (pcs cluster config update totem seqno_unchanged_const=2)",
		rounds);
}

static int daemon_run(struct daemon *d)
{
	struct transport_cb cb = { .ctx = d,
				   .deliver = daemon_deliver,
				   .view = daemon_view,
				   .lost = daemon_lost };
	struct ctl_handlers h = { 0 };
	qb_loop_signal_handle sig_term, sig_int;
	char group[CONFIG_NAME_MAX + 16], err[CTL_MSG_MAX];
	int rc;

	d->loop = qb_loop_create();
	if (!d->loop)
		return -ENOMEM;
	if (pipe2(d->wake_fd, O_CLOEXEC | O_NONBLOCK)) {
		rc = -errno;
		goto out_loop;
	}
	qb_loop_poll_add(d->loop, QB_LOOP_HIGH, d->wake_fd[0], POLLIN, d,
			 daemon_wake);
	qb_loop_signal_add(d->loop, QB_LOOP_HIGH, SIGTERM, d, daemon_signal,
			   &sig_term);
	qb_loop_signal_add(d->loop, QB_LOOP_HIGH, SIGINT, d, daemon_signal,
			   &sig_int);

	rc = repl_new(&d->repl, d);
	if (rc)
		goto out_pipe;
	rc = apply_start(&d->apply, d);
	if (rc)
		goto out_repl;
	rc = sync_start(&d->sync, d);
	if (rc)
		goto out_apply;
	snprintf(group, sizeof(group), "mirror:%s", d->cfg->name);
	rc = transport_open(&d->tr, group, d->loop, &cb);
	if (rc)
		goto out_sync;
	d->my_id = transport_local_id(d->tr);
	daemon_advise_totem(d);
	if (d->cfg->data_link) {
		rc = link_start(&d->link, d);
		if (rc)
			log_warn(
				"no data link, every write goes through corosync " QB_XS
				" %s",
				strerror(-rc));
	}
	daemon_ctl_handlers(d, &h);
	daemon_ro_all(d, true);
	rc = ctl_server_start(d->loop, d->cfg->socket_path, &h, &d->ctl);
	if (rc) {
		log_err("cannot listen on %s " QB_XS " %s", d->cfg->socket_path,
			strerror(-rc));
		goto out_ro;
	}
	qb_loop_timer_add(d->loop, QB_LOOP_LOW,
			  DAEMON_TICK_MS * QB_TIME_NS_IN_MSEC, d, daemon_tick,
			  &d->timer);
	log_notice("replicd %s ready: node %u, group %s", d->cfg->name,
		   d->my_id, group);

	qb_loop_run(d->loop);

	/* clean stop */
	d->stopping = true;
	sync_cancel(d->sync, 0);
	repl_deactivate(d->repl);
	if (daemon_fronts_stop(d, 1, err, sizeof(err)))
		log_err("%s", err);
	qb_loop_timer_del(d->loop, d->timer);
	ctl_server_stop(d->ctl);
	rc = 0;
out_ro:
	daemon_ro_all(d, false);
	link_stop(d->link);
	d->link = NULL;
	transport_close(d->tr);
	d->tr = NULL;
out_sync:
	sync_stop(d->sync);
out_apply:
	apply_stop(d->apply);
out_repl:
	repl_free(d->repl);
out_pipe:
	qb_loop_poll_del(d->loop, d->wake_fd[0]);
	close(d->wake_fd[0]);
	close(d->wake_fd[1]);
out_loop:
	qb_loop_destroy(d->loop);
	return rc;
}

int main(int argc, char *argv[])
{
	struct config_cli *cli = calloc(1, sizeof(*cli));
	struct config *cfg = calloc(1, sizeof(*cfg));
	struct daemon *d = calloc(1, sizeof(*d));
	char err[CONFIG_ERR_MAX];
	bool fresh = false;
	unsigned int i;
	int rc, status = 1;

	if (!cli || !cfg || !d) {
		fprintf(stderr, "replicd: out of memory\n");
		goto out_free;
	}
	for (i = 0; i < PROTO_MAX_DIRS; i++)
		d->root_fd[i] = -1;
	d->lock_fd = -1;
	if (config_parse_args(cli, argc, argv, err, sizeof(err)) < 0) {
		fprintf(stderr, "replicd: %s\nTry 'replicd --help'.\n", err);
		status = 2;
		goto out_free;
	}
	if (cli->help) {
		config_usage(stdout, argv[0]);
		status = 0;
		goto out_free;
	}
	if (cli->version) {
		printf("replicd %s%s\n", PACKAGE_VERSION,
		       REPL_BENCH_NOWAIT ? " (bench-nowait: not synchronous)" :
					   "");
		status = 0;
		goto out_free;
	}
	if (config_resolve(cfg, cli, err, sizeof(err)) < 0) {
		fprintf(stderr, "replicd: %s\n", err);
		status = 2;
		goto out_free;
	}
	if (log_init("replicd", cfg->log_level, 1) < 0) {
		fprintf(stderr, "replicd: cannot start logging\n");
		goto out_free;
	}
	if (REPL_BENCH_NOWAIT)
		log_warn(
			"built with --enable-bench-nowait: writes return before the secondaries acknowledge them; a benchmark build, never for data");
	if (config_check_dirs(cfg, err, sizeof(err)) < 0) {
		log_err("%s", err);
		goto out_log;
	}
	d->cfg = cfg;
	pthread_mutex_init(&d->mtx, NULL);
	rc = meta_lock(cfg->state_dir, err, sizeof(err));
	if (rc < 0) {
		log_err("%s", err[0] ? err : strerror(-rc));
		goto out_mutex;
	}
	d->lock_fd = rc;
	if (daemon_load_meta(d, &fresh))
		goto out_unlock;
	umask(0);
	signal(SIGPIPE, SIG_IGN);
	if (daemon_open_dirs(d))
		goto out_close;
	daemon_initial_role(d, fresh);
	d->meta.clean = false;
	if (daemon_store_meta_locked(d))
		goto out_close;

	rc = daemon_run(d);
	status = rc ? 1 : 0;

	d->meta.clean = true;
	daemon_store_meta_locked(d);
	log_notice("stopped%s", rc ? " after an error" : "");
out_close:
	for (i = 0; i < PROTO_MAX_DIRS; i++)
		if (d->root_fd[i] >= 0)
			close(d->root_fd[i]);
out_unlock:
	close(d->lock_fd);
out_mutex:
	pthread_mutex_destroy(&d->mtx);
out_log:
	log_fini();
out_free:
	free(d);
	free(cfg);
	free(cli);
	return status;
}
