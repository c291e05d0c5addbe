// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * role.c - the replica role state machine (see role.h).
 *
 * One table of rules (state, event, guard) -> (next state, actions,
 * refusal); the first matching rule wins.  The actions that follow from
 * the change itself (serve / unserve, write gate, new generation, state
 * announcement, score) are derived by comparing before and after, so the
 * table only carries what is specific to a transition.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "role.h"

/* States as the table sees them: SECOND split by its sub-state. */
enum role_key {
	K_STOP,
	K_WAIT,
	K_SECOND_OK,
	K_SECOND_SYNC,
	K_ALONE,
	K_PRIM,
	K_ANY,	/* rule key: any state */
	K_SAME, /* rule target: stay */
};

#define EV_ANY ROLE_EV_MAX

enum role_guard {
	G_ALWAYS,
	G_EV_FRESH,    /* START: metadata says never synced */
	G_EV_UPTODATE, /* START: metadata says up to date */
	G_FRESH,       /* this replica was never synced */
	G_PEER_PRIMARY,
	G_NO_PEER_PRIMARY,
	G_PEERS,    /* >= 1 connected up-to-date secondary */
	G_NO_PEERS, /* none */
};

struct role_rule {
	unsigned char key;    /* enum role_key */
	unsigned char event;  /* enum role_event_type or EV_ANY */
	unsigned char guard;  /* enum role_guard */
	unsigned char next;   /* enum role_key */
	unsigned short acts;  /* ROLE_ACT_* specific to this transition */
	unsigned char reason; /* enum role_reason: refused when not NONE */
};

#define RUP    ROLE_ACT_MARK_UPTODATE
#define ROUT   ROLE_ACT_MARK_OUTDATED
#define RABORT ROLE_ACT_ABORT_SYNC
#define RSCORE ROLE_ACT_PUBLISH_SCORE

/* clang-format off */
static const struct role_rule role_rules[] = {
	/* STOP: only START does something */
	{ K_STOP, ROLE_EV_START, G_EV_FRESH, K_WAIT, RSCORE, 0 },
	{ K_STOP, ROLE_EV_START, G_EV_UPTODATE, K_SECOND_OK, RSCORE, 0 },
	{ K_STOP, ROLE_EV_START, G_ALWAYS, K_WAIT, RSCORE, 0 },
	{ K_STOP, ROLE_EV_STOP, G_ALWAYS, K_SAME, 0, 0 },
	{ K_STOP, ROLE_EV_PEER_JOINED, G_ALWAYS, K_SAME, 0, 0 },
	{ K_STOP, ROLE_EV_PEER_UPTODATE, G_ALWAYS, K_SAME, 0, 0 },
	{ K_STOP, ROLE_EV_PEER_LEFT, G_ALWAYS, K_SAME, 0, 0 },
	{ K_STOP, ROLE_EV_QUORUM, G_ALWAYS, K_SAME, 0, 0 },
	{ K_STOP, EV_ANY, G_ALWAYS, K_SAME, 0, ROLE_R_NOT_RUNNING },
	/* running, any state */
	{ K_ANY, ROLE_EV_START, G_ALWAYS, K_SAME, 0, ROLE_R_RUNNING },

	/* WAIT: outdated or never synced, may not be promoted */
	{ K_WAIT, ROLE_EV_PROMOTE, G_FRESH, K_SAME, 0, ROLE_R_FRESH },
	{ K_WAIT, ROLE_EV_PROMOTE, G_ALWAYS, K_SAME, 0, ROLE_R_OUTDATED },
	{ K_WAIT, ROLE_EV_FORCE_PRIMARY, G_PEER_PRIMARY, K_SAME, 0,
	  ROLE_R_PEER_PRIMARY },
	{ K_WAIT, ROLE_EV_FORCE_PRIMARY, G_ALWAYS, K_ALONE, RUP, 0 },
	{ K_WAIT, ROLE_EV_SYNC_BEGIN, G_ALWAYS, K_SECOND_SYNC, ROUT, 0 },
	{ K_WAIT, ROLE_EV_SYNC_DONE, G_ALWAYS, K_SAME, 0, ROLE_R_NOT_SYNCING },

	/* SECOND up to date: may be promoted, keeps its data when the
	 * primary leaves */
	{ K_SECOND_OK, ROLE_EV_PROMOTE, G_PEER_PRIMARY, K_SAME, 0,
	  ROLE_R_PEER_PRIMARY },
	{ K_SECOND_OK, ROLE_EV_PROMOTE, G_PEERS, K_PRIM, 0, 0 },
	{ K_SECOND_OK, ROLE_EV_PROMOTE, G_ALWAYS, K_ALONE, 0, 0 },
	{ K_SECOND_OK, ROLE_EV_FORCE_PRIMARY, G_PEER_PRIMARY, K_SAME, 0,
	  ROLE_R_PEER_PRIMARY },
	{ K_SECOND_OK, ROLE_EV_FORCE_PRIMARY, G_PEERS, K_PRIM, 0, 0 },
	{ K_SECOND_OK, ROLE_EV_FORCE_PRIMARY, G_ALWAYS, K_ALONE, 0, 0 },
	{ K_SECOND_OK, ROLE_EV_SYNC_BEGIN, G_ALWAYS, K_SECOND_SYNC, ROUT, 0 },
	{ K_SECOND_OK, ROLE_EV_SYNC_DONE, G_ALWAYS, K_SAME, 0,
	  ROLE_R_NOT_SYNCING },

	/* SECOND syncing: data inconsistent until SYNC_DONE */
	{ K_SECOND_SYNC, ROLE_EV_PROMOTE, G_ALWAYS, K_SAME, 0, ROLE_R_SYNCING },
	{ K_SECOND_SYNC, ROLE_EV_FORCE_PRIMARY, G_PEER_PRIMARY, K_SAME, 0,
	  ROLE_R_PEER_PRIMARY },
	{ K_SECOND_SYNC, ROLE_EV_FORCE_PRIMARY, G_ALWAYS, K_ALONE,
	  RABORT | RUP, 0 },
	{ K_SECOND_SYNC, ROLE_EV_PEER_LEFT, G_NO_PEER_PRIMARY, K_WAIT, RABORT,
	  0 },
	{ K_SECOND_SYNC, ROLE_EV_SYNC_DONE, G_ALWAYS, K_SECOND_OK, RUP, 0 },
	{ K_SECOND_SYNC, ROLE_EV_SYNC_FAILED, G_ALWAYS, K_WAIT, RABORT, 0 },
	{ K_SECOND_SYNC, ROLE_EV_STOP, G_ALWAYS, K_STOP, RABORT, 0 },

	/* ALONE and PRIM: serving */
	{ K_ALONE, ROLE_EV_DEMOTE, G_ALWAYS, K_SECOND_OK, 0, 0 },
	{ K_PRIM, ROLE_EV_DEMOTE, G_ALWAYS, K_SECOND_OK, 0, 0 },
	{ K_ALONE, ROLE_EV_SYNC_BEGIN, G_ALWAYS, K_SAME, 0, ROLE_R_PRIMARY },
	{ K_PRIM, ROLE_EV_SYNC_BEGIN, G_ALWAYS, K_SAME, 0, ROLE_R_PRIMARY },
	{ K_ALONE, ROLE_EV_SYNC_DONE, G_ALWAYS, K_SAME, 0, ROLE_R_NOT_SYNCING },
	{ K_PRIM, ROLE_EV_SYNC_DONE, G_ALWAYS, K_SAME, 0, ROLE_R_NOT_SYNCING },
	/* whatever the event, the view decides between the two: a peer
	 * became up to date, or the last up-to-date secondary left */
	{ K_ALONE, ROLE_EV_STOP, G_ALWAYS, K_STOP, 0, 0 },
	{ K_PRIM, ROLE_EV_STOP, G_ALWAYS, K_STOP, 0, 0 },
	{ K_ALONE, EV_ANY, G_PEERS, K_PRIM, 0, 0 },
	{ K_PRIM, EV_ANY, G_NO_PEERS, K_ALONE, 0, 0 },

	{ K_ANY, ROLE_EV_STOP, G_ALWAYS, K_STOP, 0, 0 },
	/* the rest changes nothing: PROMOTE / FORCE_PRIMARY of a primary,
	 * DEMOTE of a non-primary, peer events and quorum (the derived
	 * actions still follow the view), SYNC_FAILED after the sync was
	 * already given up */
	{ K_ANY, EV_ANY, G_ALWAYS, K_SAME, 0, 0 },
};
/* clang-format on */

static const struct {
	const char *text;
	int err;
} role_reasons[ROLE_R_MAX] = {
	[ROLE_R_NONE] = { "", 0 },
	[ROLE_R_FRESH] = { "this replica was never synchronised: let it sync from the primary, or make it the first primary with mirrorctl force-primary",
			   -EPERM },
	[ROLE_R_OUTDATED] = { "local data is outdated: it must be resynchronised from the primary before promotion (mirrorctl force-primary would discard the newer data elsewhere)",
			      -EPERM },
	[ROLE_R_SYNCING] = { "local data is still being resynchronised: wait until mirrorctl status shows it up to date",
			     -EPERM },
	[ROLE_R_PEER_PRIMARY] = { "another node is primary for this resource: demote it first",
				  -EBUSY },
	[ROLE_R_NOT_RUNNING] = { "replicd is not running for this resource: start it first",
				 -ESRCH },
	[ROLE_R_RUNNING] = { "replicd is already running for this resource",
			     -EALREADY },
	[ROLE_R_PRIMARY] = { "this node is primary and cannot be a sync target: demote it first",
			     -EBUSY },
	[ROLE_R_NOT_SYNCING] = { "no sync to this node is running", -EINVAL },
};

static enum role_key role_key_of(const struct role *r)
{
	switch (r->state) {
	case ROLE_STOP:
		return K_STOP;
	case ROLE_WAIT:
		return K_WAIT;
	case ROLE_SECOND:
		return r->syncing ? K_SECOND_SYNC : K_SECOND_OK;
	case ROLE_ALONE:
		return K_ALONE;
	case ROLE_PRIM:
		return K_PRIM;
	default:
		return K_STOP; /* not a state: treat as not running */
	}
}

static void role_set_key(struct role *r, enum role_key k)
{
	static const enum role_state states[] = {
		[K_STOP] = ROLE_STOP,	     [K_WAIT] = ROLE_WAIT,
		[K_SECOND_OK] = ROLE_SECOND, [K_SECOND_SYNC] = ROLE_SECOND,
		[K_ALONE] = ROLE_ALONE,	     [K_PRIM] = ROLE_PRIM,
	};

	r->state = states[k];
	r->syncing = k == K_SECOND_SYNC;
}

static bool role_guard_ok(enum role_guard g, const struct role *r,
			  const struct role_event *ev)
{
	switch (g) {
	case G_ALWAYS:
		return true;
	case G_EV_FRESH:
		return ev->fresh;
	case G_EV_UPTODATE:
		return ev->uptodate && !ev->fresh;
	case G_FRESH:
		return r->fresh;
	case G_PEER_PRIMARY:
		return r->view.peer_primary;
	case G_NO_PEER_PRIMARY:
		return !r->view.peer_primary;
	case G_PEERS:
		return r->view.peers_uptodate > 0;
	case G_NO_PEERS:
		return r->view.peers_uptodate == 0;
	}
	return false;
}

static const struct role_rule *role_match(const struct role *r,
					  const struct role_event *ev)
{
	enum role_key k = role_key_of(r);
	size_t i;

	for (i = 0; i < sizeof(role_rules) / sizeof(role_rules[0]); i++) {
		const struct role_rule *rule = &role_rules[i];

		if (rule->key != k && rule->key != K_ANY)
			continue;
		if (rule->event != ev->type && rule->event != EV_ANY)
			continue;
		if (role_guard_ok(rule->guard, r, ev))
			return rule;
	}
	return NULL; /* unreachable: the last rule matches everything */
}

void role_init(struct role *r, bool no_quorum_continue)
{
	r->state = ROLE_STOP;
	r->syncing = false;
	r->fresh = false;
	r->no_quorum_continue = no_quorum_continue;
	r->view.peers_uptodate = 0;
	r->view.peer_primary = false;
	r->view.quorate = false;
}

bool role_is_primary(const struct role *r)
{
	return r->state == ROLE_PRIM || r->state == ROLE_ALONE;
}

bool role_uptodate(const struct role *r)
{
	return role_is_primary(r) || (r->state == ROLE_SECOND && !r->syncing);
}

static bool role_quorate(const struct role *r)
{
	return r->view.quorate || r->no_quorum_continue;
}

bool role_writes_allowed(const struct role *r)
{
	return role_is_primary(r) && role_quorate(r) && !r->view.peer_primary;
}

int role_score(const struct role *r)
{
	if (role_is_primary(r))
		return ROLE_SCORE_PRIMARY;
	if (r->state == ROLE_SECOND && !r->syncing && role_quorate(r))
		return ROLE_SCORE_SECOND;
	return ROLE_SCORE_NONE;
}

/* What follows from the change itself, whichever rule made it. */
static unsigned int role_derived(const struct role *old, const struct role *r)
{
	unsigned int acts = 0;
	bool was_prim = role_is_primary(old), is_prim = role_is_primary(r);
	bool was_w = role_writes_allowed(old), is_w = role_writes_allowed(r);

	if (r->state == ROLE_ALONE && old->state != ROLE_ALONE)
		acts |= ROLE_ACT_NEW_GENERATION;
	if (is_prim && !was_prim)
		acts |= ROLE_ACT_SERVE;
	if (was_prim && !is_prim)
		acts |= ROLE_ACT_UNSERVE;
	if (is_w && !was_w)
		acts |= ROLE_ACT_RESUME_WRITES;
	if (was_w && !is_w)
		acts |= ROLE_ACT_SUSPEND_WRITES;
	if (is_prim && r->view.peer_primary &&
	    !(was_prim && old->view.peer_primary))
		acts |= ROLE_ACT_DUAL_PRIMARY;
	if (old->state != r->state ||
	    role_proto_flags(old) != role_proto_flags(r))
		acts |= ROLE_ACT_SEND_STATE;
	if (role_score(old) != role_score(r))
		acts |= ROLE_ACT_PUBLISH_SCORE;
	return acts;
}

int role_step(struct role *r, const struct role_event *ev,
	      struct role_result *res)
{
	const struct role_rule *rule;
	struct role old = *r;

	res->prev = r->state;
	res->next = r->state;
	res->actions = 0;
	res->reason = ROLE_R_NONE;
	if ((unsigned int)ev->type >= ROLE_EV_MAX)
		return -EINVAL;

	r->view = ev->view;
	rule = role_match(r, ev);
	if (!rule)
		return -EINVAL;
	if (rule->reason != ROLE_R_NONE) {
		res->reason = (enum role_reason)rule->reason;
		res->actions = role_derived(&old, r);
		return role_reasons[rule->reason].err;
	}
	if (ev->type == ROLE_EV_START)
		r->fresh = ev->fresh;
	if (rule->acts & ROLE_ACT_MARK_UPTODATE)
		r->fresh = false;
	if (rule->next != K_SAME)
		role_set_key(r, (enum role_key)rule->next);
	res->next = r->state;
	res->actions = rule->acts | role_derived(&old, r);
	return 0;
}

const char *role_name(enum role_state state)
{
	static const char *const names[ROLE_STATE_MAX] = {
		[ROLE_STOP] = "STOP",	  [ROLE_WAIT] = "WAIT",
		[ROLE_SECOND] = "SECOND", [ROLE_ALONE] = "ALONE",
		[ROLE_PRIM] = "PRIM",
	};

	return (unsigned int)state < ROLE_STATE_MAX ? names[state] : "?";
}

const char *role_event_name(enum role_event_type type)
{
	static const char *const names[ROLE_EV_MAX] = {
		[ROLE_EV_START] = "START",
		[ROLE_EV_PROMOTE] = "PROMOTE",
		[ROLE_EV_DEMOTE] = "DEMOTE",
		[ROLE_EV_FORCE_PRIMARY] = "FORCE_PRIMARY",
		[ROLE_EV_PEER_JOINED] = "PEER_JOINED",
		[ROLE_EV_PEER_UPTODATE] = "PEER_UPTODATE",
		[ROLE_EV_PEER_LEFT] = "PEER_LEFT",
		[ROLE_EV_SYNC_BEGIN] = "SYNC_BEGIN",
		[ROLE_EV_SYNC_DONE] = "SYNC_DONE",
		[ROLE_EV_SYNC_FAILED] = "SYNC_FAILED",
		[ROLE_EV_QUORUM] = "QUORUM",
		[ROLE_EV_STOP] = "STOP",
	};

	return (unsigned int)type < ROLE_EV_MAX ? names[type] : "?";
}

const char *role_reason_str(enum role_reason reason)
{
	return (unsigned int)reason < ROLE_R_MAX ? role_reasons[reason].text :
						   "?";
}

enum proto_role role_to_proto(enum role_state state)
{
	switch (state) {
	case ROLE_WAIT:
		return PROTO_ROLE_WAIT;
	case ROLE_SECOND:
		return PROTO_ROLE_SECOND;
	case ROLE_ALONE:
		return PROTO_ROLE_ALONE;
	case ROLE_PRIM:
		return PROTO_ROLE_PRIM;
	case ROLE_STOP:
	default:
		return PROTO_ROLE_STOP;
	}
}

int role_from_proto(uint32_t proto_role, enum role_state *state)
{
	switch (proto_role) {
	case PROTO_ROLE_STOP:
		*state = ROLE_STOP;
		return 0;
	case PROTO_ROLE_WAIT:
		*state = ROLE_WAIT;
		return 0;
	case PROTO_ROLE_SECOND:
		*state = ROLE_SECOND;
		return 0;
	case PROTO_ROLE_ALONE:
		*state = ROLE_ALONE;
		return 0;
	case PROTO_ROLE_PRIM:
		*state = ROLE_PRIM;
		return 0;
	}
	return -EINVAL;
}

uint32_t role_proto_flags(const struct role *r)
{
	uint32_t flags = 0;

	if (role_uptodate(r))
		flags |= PROTO_ST_UPTODATE;
	if (r->state == ROLE_SECOND && r->syncing)
		flags |= PROTO_ST_SYNCING;
	return flags;
}
