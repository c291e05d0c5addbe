#!/bin/bash
# 22-replicd-crash: power cut of the primary in the middle of the writes.
#
# Two writers work on n1 (the primary); each appends every operation to a
# log on the host as soon as its system call returned (acknowledged).
# n1 loses power mid-run. The admin promotes n2, which was an up-to-date
# secondary: it must hold every acknowledged operation (and may hold the
# one in flight, whole or, for a write, in part), and nothing else may be
# damaged (workload.py --verify-log). Users keep working on n2. n1 boots
# again, its replicd rejoins as a secondary and ends with n2's tree.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=replicd.sh
. "$(dirname "$0")/replicd.sh"

MIN_ACKED=${RD_MIN_ACKED:-400} # per writer, before the power cut

# acked LOG: number of acknowledged operations in a workload log
acked() {
	local n
	n=$(grep -c '^\[' "$1" 2>/dev/null)
	echo "${n:-0}"
}

both_acked() {
	[ "$(acked "$RD_TMP/wl1.ack")" -ge "$1" ] &&
		[ "$(acked "$RD_TMP/wl2.ack")" -ge "$1" ]
}

# n1_gone: n2 no longer lists n1 (node id 1) as a connected peer
n1_gone() {
	[ "$(mctl n2 --json status 2>/dev/null | _rd_field peers | "$PYTHON" -c '
import json, sys
print(sum(1 for p in json.load(sys.stdin) if p["node_id"] == 1 and p["connected"]))')" = 0 ]
}

scenario_begin 22-replicd-crash
rd_begin

rd_pair_up

rd_bg rd_workload n1 --seed 2201 --ops 10000000 --log "$RD_TMP/wl1.ack" \
	"$RD_DIR/wl1" >"$RD_TMP/wl1.out" 2>&1
w1=$RD_BG_PID
rd_bg rd_workload n1 --seed 2202 --ops 10000000 --log "$RD_TMP/wl2.ack" \
	"$RD_DIR/wl2" >"$RD_TMP/wl2.out" 2>&1
w2=$RD_BG_PID
wait_until 120 "both writers on n1 have $MIN_ACKED acknowledged operations" \
	both_acked "$MIN_ACKED"
assert_ok -m "power cut of n1 while both writers run" lab kill n1
wait "$w1" "$w2"
if grep -q '^# end' "$RD_TMP/wl1.ack" "$RD_TMP/wl2.ack"; then
	fail "the writers were still running at the power cut" \
		"$(tail -n 3 "$RD_TMP/wl1.out" "$RD_TMP/wl2.out")"
fi
note "acknowledged before the power cut: $(acked "$RD_TMP/wl1.ack") + $(acked "$RD_TMP/wl2.ack") operations"

wait_until 30 "n2 sees that n1 is gone" n1_gone
assert_ok -m "n2 is SECOND and up to date after the power cut" rd_is n2 SECOND
assert_ok -m "n2: mirrorctl promote (an up-to-date secondary may)" mctl n2 promote
rd_wait_role n2 ALONE 30
assert_ok -m "n2: $RD_DIR is a fuse.replicd mount" rd_is_fuse n2
rd_verify n2 "$RD_TMP/wl1.ack" "$RD_DIR/wl1"
rd_verify n2 "$RD_TMP/wl2.ack" "$RD_DIR/wl2"
assert_ok -m "n2: users keep writing after the failover" \
	on n2 sh -c "echo after > '$RD_DIR/after-failover' && sync '$RD_DIR/after-failover'"

assert_ok -m "n1 boots again (corosync)" lab start n1
rd_start n1
# PRIM first: n2 counts n1 as up to date only once the resync is done
rd_wait_role n2 PRIM 120
rd_wait_role n1 SECOND 30
assert_fail -m "n1: $RD_DIR is not a FUSE mount (secondary)" rd_is_fuse n1
rd_same_sums "n1 rejoined: n1 and n2 hold the same tree" n2 n1
rd_verify n1 "$RD_TMP/wl1.ack" "$RD_DIR/wl1"

rd_stop n1
rd_stop n2
