/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * role.h - the replica role state machine (pure: no I/O, no globals).
 *
 * The daemon feeds every event it sees (Pacemaker actions, mirrorctl,
 * group membership and peer states, sync progress, quorum) into
 * role_step() together with its current view of the group, and executes
 * the actions it gets back.  The machine decides; the daemon acts.
 *
 *	STOP --START--> WAIT    (fresh or outdated data)
 *	            \-> SECOND  (up-to-date data)
 *	WAIT --SYNC_BEGIN--> SECOND syncing --SYNC_DONE--> SECOND up to date
 *	     \--FORCE_PRIMARY--> ALONE
 *	SECOND syncing --SYNC_FAILED / primary left--> WAIT
 *	SECOND up to date --PROMOTE--> ALONE (no up-to-date peer) / PRIM
 *	ALONE <--last up-to-date secondary left / a peer became up to date--> PRIM
 *	PRIM, ALONE --DEMOTE--> SECOND up to date
 *	any --STOP--> STOP
 *
 * See DESIGN.md "Roles" and doc/protocol.md (CTL_STATE).
 */
#ifndef REPLICD_ROLE_H
#define REPLICD_ROLE_H

#include <stdbool.h>
#include <stdint.h>

#include "proto.h"

enum role_state {
	ROLE_STOP = 0,
	ROLE_WAIT,   /* must not serve: outdated or never synced */
	ROLE_SECOND, /* receiving: up to date, or syncing (role.syncing) */
	ROLE_ALONE,  /* serving without an up-to-date secondary */
	ROLE_PRIM,   /* serving, mirroring to >= 1 up-to-date secondary */
	ROLE_STATE_MAX
};

enum role_event_type {
	ROLE_EV_START = 0, /* daemon started: uptodate, fresh from metadata */
	ROLE_EV_PROMOTE,   /* Pacemaker promote */
	ROLE_EV_DEMOTE,	   /* Pacemaker demote */
	ROLE_EV_FORCE_PRIMARY, /* mirrorctl force-primary */
	ROLE_EV_PEER_JOINED, /* a peer joined (view says whether up to date) */
	ROLE_EV_PEER_UPTODATE, /* the sync of a peer finished */
	ROLE_EV_PEER_LEFT,     /* a peer left the group */
	ROLE_EV_SYNC_BEGIN,    /* a sync to this node (as target) starts */
	ROLE_EV_SYNC_DONE,     /* ... finished: local data is up to date */
	ROLE_EV_SYNC_FAILED,   /* ... failed or was aborted */
	ROLE_EV_QUORUM,	       /* quorum changed (view.quorate) */
	ROLE_EV_STOP,	       /* daemon stops */
	ROLE_EV_MAX
};

/* The group as the daemon sees it after the event; every event carries
 * it, so the machine never keeps counts of its own that could drift. */
struct role_view {
	unsigned int peers_uptodate; /* connected up-to-date secondaries */
	bool peer_primary;	     /* another member is PRIM or ALONE */
	bool quorate;
};

struct role_event {
	enum role_event_type type;
	struct role_view view;
	/* ROLE_EV_START only, from the metadata store: */
	bool uptodate; /* local data is up to date */
	bool fresh;    /* no metadata at all: never synced */
};

/* Actions for the daemon, to execute in this order. */
#define ROLE_ACT_MARK_OUTDATED	0x001u /* persist: local data not up to date */
#define ROLE_ACT_ABORT_SYNC	0x002u /* drop the running sync as target */
#define ROLE_ACT_MARK_UPTODATE	0x004u /* persist: up to date, not fresh */
#define ROLE_ACT_NEW_GENERATION 0x008u /* writing without a peer: new gen */
#define ROLE_ACT_SERVE		0x010u /* mount the front over the dir */
#define ROLE_ACT_UNSERVE	0x020u /* unmount it (reads stop too) */
#define ROLE_ACT_RESUME_WRITES	0x040u /* writes_allowed became true */
#define ROLE_ACT_SUSPEND_WRITES 0x080u /* ... became false: block, no ack */
#define ROLE_ACT_DUAL_PRIMARY	0x100u /* another primary while we are one */
#define ROLE_ACT_SEND_STATE	0x200u /* multicast CTL_STATE */
#define ROLE_ACT_PUBLISH_SCORE	0x400u /* promotion score changed */

/* Why an event was refused; role_reason_str() says what to do. */
enum role_reason {
	ROLE_R_NONE = 0,
	ROLE_R_FRESH,	     /* never synced: sync or force-primary */
	ROLE_R_OUTDATED,     /* local data outdated */
	ROLE_R_SYNCING,	     /* still resyncing */
	ROLE_R_PEER_PRIMARY, /* another node is primary */
	ROLE_R_NOT_RUNNING,  /* event needs a started daemon */
	ROLE_R_RUNNING,	     /* START while running */
	ROLE_R_PRIMARY,	     /* a primary cannot be a sync target */
	ROLE_R_NOT_SYNCING,  /* SYNC_DONE without a sync */
	ROLE_R_MAX
};

/* Pacemaker's INFINITY is 1000000: this is "-INFINITY", never promote. */
#define ROLE_SCORE_NONE	   (-1000000)
#define ROLE_SCORE_PRIMARY 100 /* the current primary is preferred */
#define ROLE_SCORE_SECOND  10  /* an up-to-date secondary may be promoted */

struct role {
	enum role_state state;
	bool syncing; /* ROLE_SECOND: a sync to us runs, data not up to date */
	bool fresh;   /* never synced (until SYNC_DONE or FORCE_PRIMARY) */
	bool no_quorum_continue; /* on_no_quorum=continue: ignore quorum */
	struct role_view view;	 /* as of the last event */
};

struct role_result {
	enum role_state prev;
	enum role_state next;
	unsigned int actions;	 /* ROLE_ACT_* */
	enum role_reason reason; /* ROLE_R_NONE unless refused */
};

/* Start in STOP.  no_quorum_continue: on_no_quorum=continue. */
void role_init(struct role *r, bool no_quorum_continue);

/*
 * Apply ev to r.  Fills res (the actions to take) and returns 0, or
 * -errno when the event is refused: r->state is then unchanged and
 * res->reason says why.  The view is taken over in both cases, so a
 * refused event can still carry actions that follow from the view (say
 * SUSPEND_WRITES when it also reports lost quorum); execute res->actions
 * whatever the return value.  Errors:
 *   -EPERM   promote of data that is not up to date (FRESH, OUTDATED,
 *            SYNCING)
 *   -EBUSY   another primary exists (PEER_PRIMARY), or sync as target
 *            while primary (PRIMARY)
 *   -ESRCH   not running (NOT_RUNNING)
 *   -EALREADY  START while running (RUNNING)
 *   -EINVAL  unknown event, or SYNC_DONE without a sync (NOT_SYNCING)
 *
 * After FORCE_PRIMARY this replica starts a new generation: the daemon's
 * next views must not count peers as up to date until they resynced.
 */
int role_step(struct role *r, const struct role_event *ev,
	      struct role_result *res);

/* Serving (PRIM or ALONE). */
bool role_is_primary(const struct role *r);

/* Local data is up to date (SECOND not syncing, ALONE, PRIM). */
bool role_uptodate(const struct role *r);

/* A primary may acknowledge writes: it has quorum (or ignores it) and no
 * other primary is in the group. */
bool role_writes_allowed(const struct role *r);

/* The promotion score the agent publishes: ROLE_SCORE_PRIMARY for PRIM
 * and ALONE, ROLE_SCORE_SECOND for an up-to-date SECOND with quorum,
 * ROLE_SCORE_NONE otherwise. */
int role_score(const struct role *r);

/* "PRIM", "ALONE", "SECOND", "WAIT", "STOP"; "?" when unknown. */
const char *role_name(enum role_state state);

/* "START", "PROMOTE", ...; "?" when unknown. */
const char *role_event_name(enum role_event_type type);

/* A sentence for the admin ("" for ROLE_R_NONE). */
const char *role_reason_str(enum role_reason reason);

/* The wire role of a state, and back (0 or -EINVAL). */
enum proto_role role_to_proto(enum role_state state);
int role_from_proto(uint32_t proto_role, enum role_state *state);

/* PROTO_ST_* flags for CTL_STATE. */
uint32_t role_proto_flags(const struct role *r);

#endif /* REPLICD_ROLE_H */
