/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * daemon.h - the replicd context shared by main.c, daemon.c, repl.c,
 * apply*.c and sync*.c.  There are no globals: everything hangs off one struct daemon
 * allocated by main().
 *
 * Threads:
 *   main      the qb_loop: CPG dispatch (deliver + membership), control
 *             socket, signals, a 1 s timer and the wake pipe.
 *   FUSE      front workers (primary only): call the repl hooks.
 *   applier   applies delivered ops and sync messages (apply.c).
 *   sync      walks the directories for a full sync (sync.c, primary).
 *
 * Locks, in the order they may be taken (never the other way round):
 *   repl.order_mtx  (repl.c)  local apply order == seq order == send order
 *   sync.mtx        (sync.c)  sync sessions and the request queue
 *   repl.ack_mtx    (repl.c)  ack set, acked seqs, inflight accounting
 *   d->mtx          role, up_to_date, meta, peers, counters, last_error
 * apply.mtx (the applier's queue), the data link's mutex (link.c) and
 * the transport's send mutex are leaves: nothing else is taken while
 * they are held.  d->mtx is the innermost of the chain; the only I/O
 * under it is meta_store() (a small atomic file write) so metadata and
 * state change together.  The link's mutex is not taken under d->mtx
 * either: a link's hello is sent under it.
 * The loop thread never waits for flow control (transport.h) and only
 * blocks on a full applier queue while the applier is not sending.
 */
#ifndef REPLICD_DAEMON_H
#define REPLICD_DAEMON_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <qb/qbloop.h>

#include "config.h"
#include "ctl.h"
#include "meta.h"
#include "proto.h"

struct transport;
struct repl;
struct apply;
struct sync;
struct front;
struct ctl_server;
struct link;

#define DAEMON_MAX_PEERS 32

/* What we know about another member of the group (from CTL_STATE). */
struct daemon_peer {
	uint32_t node_id;
	bool member;	 /* in the current CPG membership */
	bool have_state; /* a CTL_STATE arrived since it joined */
	struct proto_state state;
	uint64_t missed_seq; /* its CTL_STATE's seq: see daemon.missed_seq */
};

/* Events other threads post to the main loop (bit mask, d->events). */
enum {
	DAEMON_EV_ANNOUNCE = 1u << 0, /* multicast our CTL_STATE */
	DAEMON_EV_SCHEDULE = 1u << 1, /* primary: look for sync targets */
	DAEMON_EV_ROLE = 1u << 2,     /* re-evaluate ALONE / PRIM */
	DAEMON_EV_RELINK = 1u << 3,   /* primary: a data link went down */
};

struct daemon {
	struct config *cfg; /* owned, read-only after start */
	qb_loop_t *loop;
	int lock_fd;			     /* meta_lock(); released at exit */
	int root_fd[PROTO_MAX_DIRS];	     /* O_PATH of each directory, opened
					 * before any mount over it */
	struct front *front[PROTO_MAX_DIRS]; /* primary only, main thread */
	bool ro_view[PROTO_MAX_DIRS];	     /* read-only bind mounted, main */
	uint32_t my_id;			     /* corosync node id */

	struct transport *tr;
	struct repl *repl;
	struct apply *apply;
	struct sync *sync;
	struct link *link; /* NULL: everything goes in CPG */
	struct ctl_server *ctl;

	int wake_fd[2]; /* pipe: threads -> loop */
	qb_loop_timer_handle timer;

	/* Main thread only. */
	uint64_t max_op_seq; /* highest op seq ever delivered */
	bool stopping;
	bool announce_again; /* CTL_STATE hit flow control: retry */
	bool link_again;     /* CTL_LINK hit flow control: retry */

	pthread_mutex_t mtx; /* protects what follows */
	enum proto_role role;
	bool up_to_date;
	bool syncing;	     /* we are a sync target right now */
	uint32_t primary_id; /* node we follow, 0 = none */
	struct meta meta;    /* as last stored */
	unsigned int n_peers;
	struct daemon_peer peers[DAEMON_MAX_PEERS];
	uint32_t sync_permille; /* progress (primary or target) */
	uint64_t applied_seq;	/* secondary: last op applied */
	/*
	 * Secondary: the first op of the primary missed_from that we do
	 * not hold because that primary left first: its bytes never came
	 * on the data link, or we applied writes ahead of tokens that never
	 * came and this is the op after them (0: none since our last
	 * sync).  The link is FIFO, so two secondaries that name the same
	 * op applied the same writes of it; a new
	 * primary keeps in its ack set only secondaries whose value is its
	 * own, and has the others resynced.  Announced as CTL_STATE's seq.
	 */
	uint64_t missed_seq;
	uint32_t missed_from;
	/* secondary: the primary whose SYNC_END made us up to date, 0 once
	 * a sync began or we fell out of date since */
	uint32_t synced_from;
	uint64_t ops_applied;
	uint64_t bytes_applied;
	char last_error[CTL_MSG_MAX];
	unsigned int events; /* DAEMON_EV_* pending for the loop */
};

/* main.c: thread-safe helpers for the other modules. */

/* Post events to the loop (any thread). */
void daemon_post(struct daemon *d, unsigned int events);

/* Remember an error for `mirrorctl status` (any thread; does not log). */
void daemon_set_error(struct daemon *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Store d->meta with the given changes; caller holds d->mtx.  0/-errno. */
int daemon_store_meta_locked(struct daemon *d);

/* Encode msg and multicast it (any thread but the loop's; retries
 * TRY_AGAIN with a bounded back-off).  0 or -errno. */
int daemon_send(struct daemon *d, const struct proto_msg *msg);

/* The same with an explicit bound; the loop thread passes 0. */
int daemon_send_wait(struct daemon *d, const struct proto_msg *msg,
		     unsigned int max_wait_ms);

/*
 * Open path (relative, validated by the decoder; "" = base itself) under
 * base with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_MAGICLINKS), or a component-by-component O_NOFOLLOW walk
 * where openat2 does not exist.  fd or -errno.  Any thread.
 */
int daemon_open_beneath(int base, const char *path, int flags, mode_t mode);

/* Our CTL_STATE as of now (any thread, no lock held). */
void daemon_state_msg(struct daemon *d, struct proto_msg *m);

/* Is node_id in the current membership?  (any thread) */
bool daemon_is_member(struct daemon *d, uint32_t node_id);
/* Other members of the group now (any thread). */
unsigned int daemon_n_members(struct daemon *d);

/* daemon.c: for main.c, loop thread only. */
struct daemon_peer *daemon_peer_get(struct daemon *d, uint32_t id,
				    bool create); /* d->mtx held */
bool daemon_is_primary(const struct daemon *d);
void daemon_ro_all(struct daemon *d, bool on);
void daemon_role_update(struct daemon *d);
void daemon_announce(struct daemon *d);
void daemon_announce_link(struct daemon *d);
void daemon_schedule(struct daemon *d);
void daemon_resync(struct daemon *d, uint32_t node, const char *why);
int daemon_fronts_stop(struct daemon *d, int force, char *err, size_t errlen);
void daemon_ctl_handlers(struct daemon *d, struct ctl_handlers *h);

#endif /* REPLICD_DAEMON_H */
