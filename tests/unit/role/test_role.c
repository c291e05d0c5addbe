// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_role.c - the role state machine: one table row per (state, event,
 * situation), every pair covered, refusals included.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "role.h"

/* The six situations a replica can be in. */
enum st { S_STOP, S_WAIT, S_OK, S_SYNC, S_ALONE, S_PRIM, S_MAX };

static const struct {
	enum role_state state;
	bool syncing;
} st_def[S_MAX] = {
	[S_STOP] = { ROLE_STOP, false },   [S_WAIT] = { ROLE_WAIT, false },
	[S_OK] = { ROLE_SECOND, false },   [S_SYNC] = { ROLE_SECOND, true },
	[S_ALONE] = { ROLE_ALONE, false }, [S_PRIM] = { ROLE_PRIM, false },
};

/* view: up-to-date peers, peer primary, quorate */
#define V(p, pp, q)                                                         \
	{                                                                   \
		.peers_uptodate = (p), .peer_primary = (pp), .quorate = (q) \
	}

#define A_OUT	  ROLE_ACT_MARK_OUTDATED
#define A_ABORT	  ROLE_ACT_ABORT_SYNC
#define A_UP	  ROLE_ACT_MARK_UPTODATE
#define A_GEN	  ROLE_ACT_NEW_GENERATION
#define A_SERVE	  ROLE_ACT_SERVE
#define A_UNSERVE ROLE_ACT_UNSERVE
#define A_RESUME  ROLE_ACT_RESUME_WRITES
#define A_SUSPEND ROLE_ACT_SUSPEND_WRITES
#define A_DUAL	  ROLE_ACT_DUAL_PRIMARY
#define A_SEND	  ROLE_ACT_SEND_STATE
#define A_SCORE	  ROLE_ACT_PUBLISH_SCORE

struct role_case {
	enum st from;
	bool fresh; /* the replica's fresh flag before */
	struct role_view before;
	enum role_event_type ev;
	struct role_view after;
	bool ev_uptodate, ev_fresh; /* START */
	int rc;
	enum st to;
	enum role_reason reason;
	unsigned int acts;
};

/* clang-format off */
static const struct role_case cases[] = {
	/* STOP */
	{ S_STOP, 0, V(0,0,0), ROLE_EV_START, V(0,0,1), 0, 1, 0, S_WAIT, 0, A_SEND | A_SCORE },
	{ S_STOP, 0, V(0,0,0), ROLE_EV_START, V(0,0,1), 1, 1, 0, S_WAIT, 0, A_SEND | A_SCORE },
	{ S_STOP, 0, V(0,0,0), ROLE_EV_START, V(0,1,1), 1, 0, 0, S_OK, 0, A_SEND | A_SCORE },
	{ S_STOP, 0, V(0,0,0), ROLE_EV_START, V(0,1,0), 1, 0, 0, S_OK, 0, A_SEND | A_SCORE },
	{ S_STOP, 0, V(0,0,0), ROLE_EV_START, V(0,1,1), 0, 0, 0, S_WAIT, 0, A_SEND | A_SCORE },
	{ S_STOP, 0, V(0,0,0), ROLE_EV_PROMOTE, V(0,0,0), 0, 0, -ESRCH, S_STOP, ROLE_R_NOT_RUNNING, 0 },
	{ S_STOP, 0, V(0,0,0), ROLE_EV_DEMOTE, V(0,0,0), 0, 0, -ESRCH, S_STOP, ROLE_R_NOT_RUNNING, 0 },
	{ S_STOP, 0, V(0,0,0), ROLE_EV_FORCE_PRIMARY, V(0,0,0), 0, 0, -ESRCH, S_STOP, ROLE_R_NOT_RUNNING, 0 },
	{ S_STOP, 0, V(0,0,0), ROLE_EV_PEER_JOINED, V(1,0,0), 0, 0, 0, S_STOP, 0, 0 },
	{ S_STOP, 0, V(0,0,0), ROLE_EV_PEER_UPTODATE, V(1,0,0), 0, 0, 0, S_STOP, 0, 0 },
	{ S_STOP, 0, V(1,0,0), ROLE_EV_PEER_LEFT, V(0,0,0), 0, 0, 0, S_STOP, 0, 0 },
	{ S_STOP, 0, V(0,0,0), ROLE_EV_SYNC_BEGIN, V(0,0,0), 0, 0, -ESRCH, S_STOP, ROLE_R_NOT_RUNNING, 0 },
	{ S_STOP, 0, V(0,0,0), ROLE_EV_SYNC_DONE, V(0,0,0), 0, 0, -ESRCH, S_STOP, ROLE_R_NOT_RUNNING, 0 },
	{ S_STOP, 0, V(0,0,0), ROLE_EV_SYNC_FAILED, V(0,0,0), 0, 0, -ESRCH, S_STOP, ROLE_R_NOT_RUNNING, 0 },
	{ S_STOP, 0, V(0,0,0), ROLE_EV_QUORUM, V(0,0,1), 0, 0, 0, S_STOP, 0, 0 },
	{ S_STOP, 0, V(0,0,0), ROLE_EV_STOP, V(0,0,0), 0, 0, 0, S_STOP, 0, 0 },

	/* WAIT: never promoted, only forced */
	{ S_WAIT, 1, V(0,1,1), ROLE_EV_START, V(0,1,1), 1, 0, -EALREADY, S_WAIT, ROLE_R_RUNNING, 0 },
	{ S_WAIT, 1, V(0,1,1), ROLE_EV_PROMOTE, V(0,1,1), 0, 0, -EPERM, S_WAIT, ROLE_R_FRESH, 0 },
	{ S_WAIT, 0, V(0,1,1), ROLE_EV_PROMOTE, V(0,1,1), 0, 0, -EPERM, S_WAIT, ROLE_R_OUTDATED, 0 },
	{ S_WAIT, 0, V(1,0,1), ROLE_EV_PROMOTE, V(1,0,1), 0, 0, -EPERM, S_WAIT, ROLE_R_OUTDATED, 0 },
	{ S_WAIT, 0, V(0,1,1), ROLE_EV_DEMOTE, V(0,1,1), 0, 0, 0, S_WAIT, 0, 0 },
	{ S_WAIT, 1, V(0,1,1), ROLE_EV_FORCE_PRIMARY, V(0,1,1), 0, 0, -EBUSY, S_WAIT, ROLE_R_PEER_PRIMARY, 0 },
	{ S_WAIT, 1, V(0,0,1), ROLE_EV_FORCE_PRIMARY, V(0,0,1), 0, 0, 0, S_ALONE, 0, A_UP | A_GEN | A_SERVE | A_RESUME | A_SEND | A_SCORE },
	{ S_WAIT, 0, V(0,0,0), ROLE_EV_FORCE_PRIMARY, V(0,0,0), 0, 0, 0, S_ALONE, 0, A_UP | A_GEN | A_SERVE | A_SEND | A_SCORE },
	{ S_WAIT, 0, V(1,0,1), ROLE_EV_FORCE_PRIMARY, V(1,0,1), 0, 0, 0, S_ALONE, 0, A_UP | A_GEN | A_SERVE | A_RESUME | A_SEND | A_SCORE },
	{ S_WAIT, 0, V(0,0,1), ROLE_EV_PEER_JOINED, V(0,1,1), 0, 0, 0, S_WAIT, 0, 0 },
	{ S_WAIT, 0, V(0,1,1), ROLE_EV_PEER_UPTODATE, V(1,1,1), 0, 0, 0, S_WAIT, 0, 0 },
	{ S_WAIT, 0, V(0,1,1), ROLE_EV_PEER_LEFT, V(0,0,1), 0, 0, 0, S_WAIT, 0, 0 },
	{ S_WAIT, 1, V(0,1,1), ROLE_EV_SYNC_BEGIN, V(0,1,1), 0, 0, 0, S_SYNC, 0, A_OUT | A_SEND },
	{ S_WAIT, 0, V(0,1,1), ROLE_EV_SYNC_DONE, V(0,1,1), 0, 0, -EINVAL, S_WAIT, ROLE_R_NOT_SYNCING, 0 },
	{ S_WAIT, 0, V(0,0,1), ROLE_EV_SYNC_FAILED, V(0,0,1), 0, 0, 0, S_WAIT, 0, 0 },
	{ S_WAIT, 0, V(0,1,1), ROLE_EV_QUORUM, V(0,1,0), 0, 0, 0, S_WAIT, 0, 0 },
	{ S_WAIT, 0, V(0,1,1), ROLE_EV_STOP, V(0,1,1), 0, 0, 0, S_STOP, 0, A_SEND },

	/* SECOND up to date */
	{ S_OK, 0, V(0,1,1), ROLE_EV_START, V(0,1,1), 1, 0, -EALREADY, S_OK, ROLE_R_RUNNING, 0 },
	{ S_OK, 0, V(0,1,1), ROLE_EV_PROMOTE, V(0,1,1), 0, 0, -EBUSY, S_OK, ROLE_R_PEER_PRIMARY, 0 },
	{ S_OK, 0, V(0,0,1), ROLE_EV_PROMOTE, V(0,0,1), 0, 0, 0, S_ALONE, 0, A_GEN | A_SERVE | A_RESUME | A_SEND | A_SCORE },
	{ S_OK, 0, V(2,0,1), ROLE_EV_PROMOTE, V(2,0,1), 0, 0, 0, S_PRIM, 0, A_SERVE | A_RESUME | A_SEND | A_SCORE },
	{ S_OK, 0, V(1,0,0), ROLE_EV_PROMOTE, V(1,0,0), 0, 0, 0, S_PRIM, 0, A_SERVE | A_SEND | A_SCORE },
	{ S_OK, 0, V(0,1,1), ROLE_EV_DEMOTE, V(0,1,1), 0, 0, 0, S_OK, 0, 0 },
	{ S_OK, 0, V(0,1,1), ROLE_EV_FORCE_PRIMARY, V(0,1,1), 0, 0, -EBUSY, S_OK, ROLE_R_PEER_PRIMARY, 0 },
	{ S_OK, 0, V(0,0,1), ROLE_EV_FORCE_PRIMARY, V(0,0,1), 0, 0, 0, S_ALONE, 0, A_GEN | A_SERVE | A_RESUME | A_SEND | A_SCORE },
	{ S_OK, 0, V(1,0,1), ROLE_EV_FORCE_PRIMARY, V(1,0,1), 0, 0, 0, S_PRIM, 0, A_SERVE | A_RESUME | A_SEND | A_SCORE },
	{ S_OK, 0, V(0,1,1), ROLE_EV_PEER_JOINED, V(1,1,1), 0, 0, 0, S_OK, 0, 0 },
	{ S_OK, 0, V(0,1,1), ROLE_EV_PEER_UPTODATE, V(1,1,1), 0, 0, 0, S_OK, 0, 0 },
	{ S_OK, 0, V(0,1,1), ROLE_EV_PEER_LEFT, V(0,0,1), 0, 0, 0, S_OK, 0, 0 },
	{ S_OK, 0, V(0,1,1), ROLE_EV_SYNC_BEGIN, V(0,1,1), 0, 0, 0, S_SYNC, 0, A_OUT | A_SEND | A_SCORE },
	{ S_OK, 0, V(0,1,1), ROLE_EV_SYNC_DONE, V(0,1,1), 0, 0, -EINVAL, S_OK, ROLE_R_NOT_SYNCING, 0 },
	{ S_OK, 0, V(0,1,1), ROLE_EV_SYNC_FAILED, V(0,1,1), 0, 0, 0, S_OK, 0, 0 },
	{ S_OK, 0, V(0,1,1), ROLE_EV_QUORUM, V(0,1,0), 0, 0, 0, S_OK, 0, A_SCORE },
	{ S_OK, 0, V(0,1,0), ROLE_EV_QUORUM, V(0,1,1), 0, 0, 0, S_OK, 0, A_SCORE },
	{ S_OK, 0, V(0,1,1), ROLE_EV_STOP, V(0,1,1), 0, 0, 0, S_STOP, 0, A_SEND | A_SCORE },

	/* SECOND syncing */
	{ S_SYNC, 1, V(0,1,1), ROLE_EV_START, V(0,1,1), 0, 0, -EALREADY, S_SYNC, ROLE_R_RUNNING, 0 },
	{ S_SYNC, 0, V(0,1,1), ROLE_EV_PROMOTE, V(0,1,1), 0, 0, -EPERM, S_SYNC, ROLE_R_SYNCING, 0 },
	{ S_SYNC, 0, V(0,1,1), ROLE_EV_DEMOTE, V(0,1,1), 0, 0, 0, S_SYNC, 0, 0 },
	{ S_SYNC, 0, V(0,1,1), ROLE_EV_FORCE_PRIMARY, V(0,1,1), 0, 0, -EBUSY, S_SYNC, ROLE_R_PEER_PRIMARY, 0 },
	{ S_SYNC, 1, V(0,0,1), ROLE_EV_FORCE_PRIMARY, V(0,0,1), 0, 0, 0, S_ALONE, 0, A_ABORT | A_UP | A_GEN | A_SERVE | A_RESUME | A_SEND | A_SCORE },
	{ S_SYNC, 0, V(0,1,1), ROLE_EV_PEER_JOINED, V(1,1,1), 0, 0, 0, S_SYNC, 0, 0 },
	{ S_SYNC, 0, V(0,1,1), ROLE_EV_PEER_UPTODATE, V(1,1,1), 0, 0, 0, S_SYNC, 0, 0 },
	{ S_SYNC, 0, V(1,1,1), ROLE_EV_PEER_LEFT, V(0,1,1), 0, 0, 0, S_SYNC, 0, 0 },
	{ S_SYNC, 0, V(0,1,1), ROLE_EV_PEER_LEFT, V(0,0,1), 0, 0, 0, S_WAIT, 0, A_ABORT | A_SEND },
	{ S_SYNC, 0, V(0,1,1), ROLE_EV_SYNC_BEGIN, V(0,1,1), 0, 0, 0, S_SYNC, 0, 0 },
	{ S_SYNC, 1, V(0,1,1), ROLE_EV_SYNC_DONE, V(0,1,1), 0, 0, 0, S_OK, 0, A_UP | A_SEND | A_SCORE },
	{ S_SYNC, 0, V(0,1,0), ROLE_EV_SYNC_DONE, V(0,1,0), 0, 0, 0, S_OK, 0, A_UP | A_SEND },
	{ S_SYNC, 0, V(0,1,1), ROLE_EV_SYNC_FAILED, V(0,1,1), 0, 0, 0, S_WAIT, 0, A_ABORT | A_SEND },
	{ S_SYNC, 0, V(0,1,1), ROLE_EV_QUORUM, V(0,1,0), 0, 0, 0, S_SYNC, 0, 0 },
	{ S_SYNC, 0, V(0,1,1), ROLE_EV_STOP, V(0,1,1), 0, 0, 0, S_STOP, 0, A_ABORT | A_SEND },

	/* ALONE */
	{ S_ALONE, 0, V(0,0,1), ROLE_EV_START, V(0,0,1), 1, 0, -EALREADY, S_ALONE, ROLE_R_RUNNING, 0 },
	{ S_ALONE, 0, V(1,0,1), ROLE_EV_START, V(1,0,1), 1, 0, -EALREADY, S_ALONE, ROLE_R_RUNNING, 0 },
	{ S_ALONE, 0, V(0,0,1), ROLE_EV_PROMOTE, V(0,0,1), 0, 0, 0, S_ALONE, 0, 0 },
	{ S_ALONE, 0, V(0,0,1), ROLE_EV_DEMOTE, V(0,0,1), 0, 0, 0, S_OK, 0, A_UNSERVE | A_SUSPEND | A_SEND | A_SCORE },
	{ S_ALONE, 0, V(1,0,1), ROLE_EV_DEMOTE, V(1,0,1), 0, 0, 0, S_OK, 0, A_UNSERVE | A_SUSPEND | A_SEND | A_SCORE },
	{ S_ALONE, 0, V(0,0,1), ROLE_EV_FORCE_PRIMARY, V(0,0,1), 0, 0, 0, S_ALONE, 0, 0 },
	{ S_ALONE, 0, V(0,0,1), ROLE_EV_PEER_JOINED, V(0,0,1), 0, 0, 0, S_ALONE, 0, 0 },
	{ S_ALONE, 0, V(0,0,1), ROLE_EV_PEER_JOINED, V(1,0,1), 0, 0, 0, S_PRIM, 0, A_SEND },
	{ S_ALONE, 0, V(0,0,1), ROLE_EV_PEER_JOINED, V(0,1,1), 0, 0, 0, S_ALONE, 0, A_SUSPEND | A_DUAL },
	{ S_ALONE, 0, V(0,0,1), ROLE_EV_PEER_UPTODATE, V(1,0,1), 0, 0, 0, S_PRIM, 0, A_SEND },
	{ S_ALONE, 0, V(0,0,1), ROLE_EV_PEER_LEFT, V(0,0,1), 0, 0, 0, S_ALONE, 0, 0 },
	{ S_ALONE, 0, V(0,1,1), ROLE_EV_PEER_LEFT, V(0,0,1), 0, 0, 0, S_ALONE, 0, A_RESUME },
	{ S_ALONE, 0, V(0,0,1), ROLE_EV_SYNC_BEGIN, V(0,0,1), 0, 0, -EBUSY, S_ALONE, ROLE_R_PRIMARY, 0 },
	{ S_ALONE, 0, V(0,0,1), ROLE_EV_SYNC_DONE, V(0,0,1), 0, 0, -EINVAL, S_ALONE, ROLE_R_NOT_SYNCING, 0 },
	{ S_ALONE, 0, V(0,0,1), ROLE_EV_SYNC_FAILED, V(0,0,1), 0, 0, 0, S_ALONE, 0, 0 },
	{ S_ALONE, 0, V(0,0,1), ROLE_EV_QUORUM, V(0,0,0), 0, 0, 0, S_ALONE, 0, A_SUSPEND },
	{ S_ALONE, 0, V(0,0,0), ROLE_EV_QUORUM, V(0,0,1), 0, 0, 0, S_ALONE, 0, A_RESUME },
	{ S_ALONE, 0, V(0,0,1), ROLE_EV_STOP, V(0,0,1), 0, 0, 0, S_STOP, 0, A_UNSERVE | A_SUSPEND | A_SEND | A_SCORE },

	/* PRIM */
	{ S_PRIM, 0, V(1,0,1), ROLE_EV_START, V(1,0,1), 1, 0, -EALREADY, S_PRIM, ROLE_R_RUNNING, 0 },
	{ S_PRIM, 0, V(1,0,1), ROLE_EV_PROMOTE, V(1,0,1), 0, 0, 0, S_PRIM, 0, 0 },
	{ S_PRIM, 0, V(1,0,1), ROLE_EV_DEMOTE, V(1,0,1), 0, 0, 0, S_OK, 0, A_UNSERVE | A_SUSPEND | A_SEND | A_SCORE },
	{ S_PRIM, 0, V(1,0,1), ROLE_EV_FORCE_PRIMARY, V(1,0,1), 0, 0, 0, S_PRIM, 0, 0 },
	{ S_PRIM, 0, V(1,0,1), ROLE_EV_PEER_JOINED, V(1,0,1), 0, 0, 0, S_PRIM, 0, 0 },
	{ S_PRIM, 0, V(1,0,1), ROLE_EV_PEER_UPTODATE, V(2,0,1), 0, 0, 0, S_PRIM, 0, 0 },
	{ S_PRIM, 0, V(2,0,1), ROLE_EV_PEER_LEFT, V(1,0,1), 0, 0, 0, S_PRIM, 0, 0 },
	{ S_PRIM, 0, V(1,0,1), ROLE_EV_PEER_LEFT, V(0,0,1), 0, 0, 0, S_ALONE, 0, A_GEN | A_SEND },
	{ S_PRIM, 0, V(1,0,1), ROLE_EV_SYNC_BEGIN, V(1,0,1), 0, 0, -EBUSY, S_PRIM, ROLE_R_PRIMARY, 0 },
	{ S_PRIM, 0, V(1,0,1), ROLE_EV_SYNC_BEGIN, V(1,0,0), 0, 0, -EBUSY, S_PRIM, ROLE_R_PRIMARY, A_SUSPEND },
	{ S_PRIM, 0, V(1,0,1), ROLE_EV_SYNC_DONE, V(1,0,1), 0, 0, -EINVAL, S_PRIM, ROLE_R_NOT_SYNCING, 0 },
	{ S_PRIM, 0, V(1,0,1), ROLE_EV_SYNC_FAILED, V(1,0,1), 0, 0, 0, S_PRIM, 0, 0 },
	{ S_PRIM, 0, V(1,0,1), ROLE_EV_QUORUM, V(1,0,0), 0, 0, 0, S_PRIM, 0, A_SUSPEND },
	{ S_PRIM, 0, V(1,0,0), ROLE_EV_QUORUM, V(1,0,1), 0, 0, 0, S_PRIM, 0, A_RESUME },
	{ S_PRIM, 0, V(1,0,1), ROLE_EV_QUORUM, V(0,0,1), 0, 0, 0, S_ALONE, 0, A_GEN | A_SEND },
	{ S_PRIM, 0, V(1,0,1), ROLE_EV_STOP, V(1,0,1), 0, 0, 0, S_STOP, 0, A_UNSERVE | A_SUSPEND | A_SEND | A_SCORE },
};
/* clang-format on */

static void set_state(struct role *r, enum st s, bool fresh, struct role_view v,
		      bool no_quorum_continue)
{
	role_init(r, no_quorum_continue);
	r->state = st_def[s].state;
	r->syncing = st_def[s].syncing;
	r->fresh = fresh;
	r->view = v;
}

static const char *acts_str(unsigned int acts, char *buf, size_t len)
{
	static const char *const names[] = {
		"OUT",	  "ABORT",   "UP",   "GEN",  "SERVE", "UNSERVE",
		"RESUME", "SUSPEND", "DUAL", "SEND", "SCORE",
	};
	size_t i;

	buf[0] = 0;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (acts & (1u << i)) {
			strncat(buf, names[i], len - strlen(buf) - 1);
			strncat(buf, " ", len - strlen(buf) - 1);
		}
	return buf;
}

static void test_transition_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct role_case *c = &cases[i];
		struct role r;
		struct role_event ev = { 0 };
		struct role_result res;
		char a[128], b[128];
		int rc;

		set_state(&r, c->from, c->fresh, c->before, false);
		ev.type = c->ev;
		ev.view = c->after;
		ev.uptodate = c->ev_uptodate;
		ev.fresh = c->ev_fresh;
		rc = role_step(&r, &ev, &res);
		if (rc != c->rc || r.state != st_def[c->to].state ||
		    r.syncing != st_def[c->to].syncing ||
		    res.reason != c->reason || res.actions != c->acts)
			fail_msg("case %zu (%s %s): rc %d/%d state %s%s/%s "
				 "reason %d/%d acts [%s]/[%s]",
				 i, role_name(st_def[c->from].state),
				 role_event_name(c->ev), rc, c->rc,
				 role_name(r.state), r.syncing ? "(sync)" : "",
				 role_name(st_def[c->to].state), res.reason,
				 c->reason, acts_str(res.actions, a, sizeof(a)),
				 acts_str(c->acts, b, sizeof(b)));
		assert_int_equal(res.prev, st_def[c->from].state);
		assert_int_equal(res.next, r.state);
		/* the view is always taken over, refused or not */
		assert_int_equal(r.view.peers_uptodate,
				 c->after.peers_uptodate);
		assert_int_equal(r.view.quorate, c->after.quorate);
		if (rc) {
			assert_string_not_equal(role_reason_str(res.reason),
						"");
		}
	}
}

/* Every (state, event) pair has at least one row above. */
static void test_every_pair_covered(void **state)
{
	bool seen[S_MAX][ROLE_EV_MAX] = { { false } };
	size_t i;
	int s, e;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		seen[cases[i].from][cases[i].ev] = true;
	for (s = 0; s < S_MAX; s++)
		for (e = 0; e < ROLE_EV_MAX; e++)
			if (!seen[s][e])
				fail_msg("no case for %s%s + %s",
					 role_name(st_def[s].state),
					 st_def[s].syncing ? "(sync)" : "",
					 role_event_name(e));
}

static int step(struct role *r, enum role_event_type type, struct role_view v,
		unsigned int *acts)
{
	struct role_event ev = { 0 };
	struct role_result res;
	int rc;

	ev.type = type;
	ev.view = v;
	rc = role_step(r, &ev, &res);
	if (acts)
		*acts = res.actions;
	return rc;
}

/* The life of a node started fresh, as an admin would see it. */
static void test_fresh_node_story(void **state)
{
	struct role r;
	struct role_event ev = { 0 };
	struct role_result res;
	unsigned int acts;

	(void)state;
	role_init(&r, false);
	assert_int_equal(r.state, ROLE_STOP);
	ev.type = ROLE_EV_START;
	ev.fresh = true;
	ev.view = (struct role_view)V(0, 0, 1);
	assert_int_equal(role_step(&r, &ev, &res), 0);
	assert_int_equal(r.state, ROLE_WAIT);
	assert_true(r.fresh);
	assert_int_equal(role_score(&r), ROLE_SCORE_NONE);
	assert_int_equal(step(&r, ROLE_EV_PROMOTE, (struct role_view)V(0, 0, 1),
			      NULL),
			 -EPERM);
	/* a primary appears and syncs us, then goes away mid-sync */
	assert_int_equal(step(&r, ROLE_EV_PEER_JOINED,
			      (struct role_view)V(0, 1, 1), NULL),
			 0);
	assert_int_equal(step(&r, ROLE_EV_SYNC_BEGIN,
			      (struct role_view)V(0, 1, 1), NULL),
			 0);
	assert_int_equal(role_proto_flags(&r), PROTO_ST_SYNCING);
	assert_int_equal(step(&r, ROLE_EV_PEER_LEFT,
			      (struct role_view)V(0, 0, 1), NULL),
			 0);
	assert_int_equal(r.state, ROLE_WAIT);
	/* still fresh: the refusal tells the admin about force-primary */
	ev.type = ROLE_EV_PROMOTE;
	ev.fresh = false;
	assert_int_equal(role_step(&r, &ev, &res), -EPERM);
	assert_int_equal(res.reason, ROLE_R_FRESH);
	assert_non_null(strstr(role_reason_str(res.reason), "force-primary"));
	/* the admin makes it the first primary */
	assert_int_equal(step(&r, ROLE_EV_FORCE_PRIMARY,
			      (struct role_view)V(0, 0, 1), &acts),
			 0);
	assert_int_equal(r.state, ROLE_ALONE);
	assert_false(r.fresh);
	assert_true(acts & ROLE_ACT_NEW_GENERATION);
	assert_true(role_writes_allowed(&r));
	/* a peer joins outdated, gets synced */
	assert_int_equal(step(&r, ROLE_EV_PEER_JOINED,
			      (struct role_view)V(0, 0, 1), NULL),
			 0);
	assert_int_equal(r.state, ROLE_ALONE);
	assert_int_equal(step(&r, ROLE_EV_PEER_UPTODATE,
			      (struct role_view)V(1, 0, 1), NULL),
			 0);
	assert_int_equal(r.state, ROLE_PRIM);
	/* quorum lost: still PRIM, writes suspended, score kept */
	assert_int_equal(step(&r, ROLE_EV_QUORUM, (struct role_view)V(1, 0, 0),
			      &acts),
			 0);
	assert_int_equal(r.state, ROLE_PRIM);
	assert_int_equal(acts, ROLE_ACT_SUSPEND_WRITES);
	assert_false(role_writes_allowed(&r));
	assert_int_equal(role_score(&r), ROLE_SCORE_PRIMARY);
	assert_int_equal(step(&r, ROLE_EV_QUORUM, (struct role_view)V(1, 0, 1),
			      &acts),
			 0);
	assert_int_equal(acts, ROLE_ACT_RESUME_WRITES);
	/* the secondary leaves: ALONE, new generation */
	assert_int_equal(step(&r, ROLE_EV_PEER_LEFT,
			      (struct role_view)V(0, 0, 1), &acts),
			 0);
	assert_int_equal(r.state, ROLE_ALONE);
	assert_int_equal(acts, ROLE_ACT_NEW_GENERATION | ROLE_ACT_SEND_STATE);
	/* demote, then the old primary elsewhere keeps us up to date */
	assert_int_equal(step(&r, ROLE_EV_DEMOTE, (struct role_view)V(0, 0, 1),
			      NULL),
			 0);
	assert_int_equal(r.state, ROLE_SECOND);
	assert_false(r.syncing);
	assert_int_equal(role_score(&r), ROLE_SCORE_SECOND);
	assert_int_equal(
		step(&r, ROLE_EV_STOP, (struct role_view)V(0, 0, 1), NULL), 0);
	assert_int_equal(r.state, ROLE_STOP);
	/* a restart with up-to-date metadata */
	ev.type = ROLE_EV_START;
	ev.uptodate = true;
	ev.fresh = false;
	assert_int_equal(role_step(&r, &ev, &res), 0);
	assert_int_equal(r.state, ROLE_SECOND);
	assert_false(r.fresh);
}

static void test_no_quorum_continue(void **state)
{
	struct role r;
	unsigned int acts;

	(void)state;
	set_state(&r, S_PRIM, false, (struct role_view)V(1, 0, 1), true);
	assert_int_equal(step(&r, ROLE_EV_QUORUM, (struct role_view)V(1, 0, 0),
			      &acts),
			 0);
	assert_int_equal(acts, 0);
	assert_true(role_writes_allowed(&r));

	set_state(&r, S_OK, false, (struct role_view)V(0, 1, 1), true);
	assert_int_equal(step(&r, ROLE_EV_QUORUM, (struct role_view)V(0, 1, 0),
			      &acts),
			 0);
	assert_int_equal(acts, 0);
	assert_int_equal(role_score(&r), ROLE_SCORE_SECOND);
	/* another primary still blocks writes */
	set_state(&r, S_PRIM, false, (struct role_view)V(1, 1, 0), true);
	assert_false(role_writes_allowed(&r));
}

static void test_scores_and_flags(void **state)
{
	static const struct {
		enum st s;
		bool quorate;
		int score;
		uint32_t flags;
		enum proto_role wire;
		const char *name;
	} t[] = {
		{ S_STOP, 1, ROLE_SCORE_NONE, 0, PROTO_ROLE_STOP, "STOP" },
		{ S_WAIT, 1, ROLE_SCORE_NONE, 0, PROTO_ROLE_WAIT, "WAIT" },
		{ S_OK, 1, ROLE_SCORE_SECOND, PROTO_ST_UPTODATE,
		  PROTO_ROLE_SECOND, "SECOND" },
		{ S_OK, 0, ROLE_SCORE_NONE, PROTO_ST_UPTODATE,
		  PROTO_ROLE_SECOND, "SECOND" },
		{ S_SYNC, 1, ROLE_SCORE_NONE, PROTO_ST_SYNCING,
		  PROTO_ROLE_SECOND, "SECOND" },
		{ S_ALONE, 1, ROLE_SCORE_PRIMARY, PROTO_ST_UPTODATE,
		  PROTO_ROLE_ALONE, "ALONE" },
		{ S_PRIM, 0, ROLE_SCORE_PRIMARY, PROTO_ST_UPTODATE,
		  PROTO_ROLE_PRIM, "PRIM" },
	};
	size_t i;

	(void)state;
	assert_true(ROLE_SCORE_PRIMARY > ROLE_SCORE_SECOND);
	assert_int_equal(ROLE_SCORE_NONE, -1000000);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct role r;
		enum role_state back;

		set_state(&r, t[i].s, false,
			  (struct role_view)V(0, 0, t[i].quorate), false);
		assert_int_equal(role_score(&r), t[i].score);
		assert_int_equal(role_proto_flags(&r), t[i].flags);
		assert_int_equal(role_to_proto(r.state), t[i].wire);
		assert_string_equal(role_name(r.state), t[i].name);
		assert_int_equal(role_from_proto(t[i].wire, &back), 0);
		assert_int_equal(back, r.state);
		assert_int_equal(role_writes_allowed(&r),
				 (t[i].s == S_ALONE || t[i].s == S_PRIM) &&
					 t[i].quorate);
	}
	assert_int_equal(role_from_proto(PROTO_ROLE_MAX,
					 &(enum role_state){ 0 }),
			 -EINVAL);
	assert_string_equal(role_name(ROLE_STATE_MAX), "?");
	assert_string_equal(role_event_name(ROLE_EV_MAX), "?");
	assert_string_equal(role_event_name(ROLE_EV_FORCE_PRIMARY),
			    "FORCE_PRIMARY");
	assert_string_equal(role_reason_str(ROLE_R_NONE), "");
	assert_string_equal(role_reason_str(ROLE_R_MAX), "?");
}

static void test_bad_event(void **state)
{
	struct role r;
	struct role_event ev = { 0 };
	struct role_result res;

	(void)state;
	set_state(&r, S_PRIM, false, (struct role_view)V(1, 0, 1), false);
	ev.type = ROLE_EV_MAX;
	assert_int_equal(role_step(&r, &ev, &res), -EINVAL);
	assert_int_equal(r.state, ROLE_PRIM);
	assert_int_equal(res.actions, 0);
}

/* Whatever happens, a replica that is not up to date never serves. */
static void test_never_serves_outdated(void **state)
{
	static const struct role_view views[] = {
		V(0, 0, 0), V(0, 0, 1), V(1, 0, 1), V(0, 1, 1), V(2, 1, 0),
	};
	int s, e;
	size_t v;

	(void)state;
	for (s = S_WAIT; s <= S_SYNC; s++) {
		if (s == S_OK)
			continue;
		for (e = 0; e < ROLE_EV_MAX; e++) {
			for (v = 0; v < sizeof(views) / sizeof(views[0]); v++) {
				struct role r;

				if (e == ROLE_EV_FORCE_PRIMARY ||
				    e == ROLE_EV_SYNC_DONE)
					continue;
				set_state(&r, (enum st)s, true, views[v],
					  false);
				step(&r, (enum role_event_type)e, views[v],
				     NULL);
				assert_false(role_is_primary(&r));
				assert_int_not_equal(role_score(&r),
						     ROLE_SCORE_SECOND);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transition_table),
		cmocka_unit_test(test_every_pair_covered),
		cmocka_unit_test(test_fresh_node_story),
		cmocka_unit_test(test_no_quorum_continue),
		cmocka_unit_test(test_scores_and_flags),
		cmocka_unit_test(test_bad_event),
		cmocka_unit_test(test_never_serves_outdated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
