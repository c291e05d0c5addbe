#!/bin/bash
# 22-replicd-crash: power cut of the primary in the middle of the writes.
#
# Two writers work on n1 (the primary, which sends every CPG message
# alone: cpg_pack_ms = 0); each appends every operation to a
# log on the host as soon as its system call returned (acknowledged).
# n1 loses power mid-run. The admin promotes n2, which was an up-to-date
# secondary: it must hold every acknowledged operation (and may hold the
# one in flight, whole or, for a write, in part), and nothing else may be
# damaged (workload.py --verify-log). Users keep working on n2. n1 boots
# again, its replicd rejoins as a secondary and ends with n2's tree.
#
# Then the same the other way round, with n2 packing the CPG copies of
# its operations (cpg_pack_ms = 100, the most replicd.conf allows): its
# requests return on n1's acks over the data link while their copies
# wait in the pack, so at n2's power cut the last operations n1 acked
# were never ordered in CPG. n1 must keep them (its log says it kept
# operations CPG never ordered) and hold every acknowledged operation.
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

# both_acked TAG N: both writers of round TAG have N acknowledged
# operations
both_acked() {
	[ "$(acked "$RD_TMP/$1-wl1.ack")" -ge "$2" ] &&
		[ "$(acked "$RD_TMP/$1-wl2.ack")" -ge "$2" ]
}

# crash TAG PRIMARY SURVIVOR SEED: two writers on PRIMARY (seeds SEED and
# SEED+1, files wl1 and wl2 under RD_DIR/TAG), PRIMARY loses power
# mid-run, SURVIVOR is promoted and holds every acknowledged operation
crash() {
	local t=$1 p=$2 s=$3 seed=$4 w1 w2
	assert_ok -m "$p: $RD_DIR/$t for the writers" on "$p" mkdir "$RD_DIR/$t"
	rd_bg rd_workload "$p" --seed "$seed" --ops 10000000 \
		--log "$RD_TMP/$t-wl1.ack" "$RD_DIR/$t/wl1" >"$RD_TMP/$t-wl1.out" 2>&1
	w1=$RD_BG_PID
	rd_bg rd_workload "$p" --seed "$((seed + 1))" --ops 10000000 \
		--log "$RD_TMP/$t-wl2.ack" "$RD_DIR/$t/wl2" >"$RD_TMP/$t-wl2.out" 2>&1
	w2=$RD_BG_PID
	wait_until 120 "both writers on $p have $MIN_ACKED acknowledged operations" \
		both_acked "$t" "$MIN_ACKED"
	assert_ok -m "power cut of $p while both writers run" lab kill "$p"
	wait "$w1" "$w2"
	if grep -q '^# end' "$RD_TMP/$t-wl1.ack" "$RD_TMP/$t-wl2.ack"; then
		fail "the writers were still running at the power cut" \
			"$(tail -n 3 "$RD_TMP/$t-wl1.out" "$RD_TMP/$t-wl2.out")"
	fi
	note "acknowledged before the power cut: $(acked "$RD_TMP/$t-wl1.ack") + $(acked "$RD_TMP/$t-wl2.ack") operations"

	wait_until 30 "$s sees that $p is gone" rd_gone "$s" "${p#n}"
	assert_ok -m "$s is SECOND and up to date after the power cut" rd_is "$s" SECOND
	assert_ok -m "$s: mirrorctl promote (an up-to-date secondary may)" mctl "$s" promote
	rd_wait_role "$s" ALONE 30
	assert_ok -m "$s: $RD_DIR is a fuse.replicd mount" rd_is_fuse "$s"
	rd_verify "$s" "$RD_TMP/$t-wl1.ack" "$RD_DIR/$t/wl1"
	rd_verify "$s" "$RD_TMP/$t-wl2.ack" "$RD_DIR/$t/wl2"
	assert_ok -m "$s: users keep writing after the failover" \
		on "$s" sh -c "echo after > '$RD_DIR/$t/after-failover' && sync '$RD_DIR/$t/after-failover'"
}

scenario_begin 22-replicd-crash
rd_begin

# n1 sends every CPG message alone; n2 packs its CPG messages once it is
# primary (the second power cut)
printf 'cpg_pack_ms = 0\n' >"$RD_TMP/alone.conf"
printf 'cpg_pack_ms = 100\n' >"$RD_TMP/pack.conf"
rd_lab_up 2
rd_start n1 --config "$RD_TMP/alone.conf"
rd_start n2 --config "$RD_TMP/pack.conf"
assert_ok -m "n1: mirrorctl force-primary" mctl n1 force-primary
rd_wait_role n1 PRIM 60
rd_wait_role n2 SECOND 60

crash a n1 n2 2201

assert_ok -m "n1 boots again (corosync)" lab start n1
rd_start n1
# PRIM first: n2 counts n1 as up to date only once the resync is done
rd_wait_role n2 PRIM 120
rd_wait_role n1 SECOND 30
assert_fail -m "n1: $RD_DIR is not a FUSE mount (secondary)" rd_is_fuse n1
rd_same_sums "n1 rejoined: n1 and n2 hold the same tree" n2 n1
rd_verify n1 "$RD_TMP/a-wl1.ack" "$RD_DIR/a/wl1"

# the other way round: n2 packs, its last operations' CPG copies die
# with it (the data link to n1 must be up, or n2 sends each alone)
wait_until 30 "n2's data link to n1 is up" rd_link_to n2 1 true
KEPT='the primary left before CPG ordered its last operations: this replica keeps them'
k=$(rd_log_grep n1 "$KEPT")
crash b n2 n1 2203
assert_ok -m "n1 kept operations whose CPG copies were still in n2's pack (its log says so)" \
	test "$(rd_log_grep n1 "$KEPT")" -gt "$k"
rd_verify n1 "$RD_TMP/a-wl2.ack" "$RD_DIR/a/wl2"

rd_stop n1
