#!/bin/bash
# sync-under-load.sh - a fault campaign, not part of make check: a secondary
# joins again and again while a seeded workload (hard links, renames,
# writes, ...) runs on the primary, and after each join both replicas must
# hold the same tree (treesum: contents, modes, owners, times, xattrs and
# hard-link structure).
#
#   sudo tests/stress/sync-under-load.sh [ROUNDS] [SEED]
#
# Env: REPLICD / MIRRORCTL (default: ./_build), RD_LOG_LEVEL (default
# debug). Odd rounds start the secondary from an empty directory (first
# join), even rounds keep its copy and drop only its metadata (checksum
# resync). Each round takes 10-30 s. Exits 1 when a round found different
# trees; the logs of the failed rounds stay in KEEP_DIR (default
# /tmp/ham-e2e/stress-failed/DATE-seedS-roundN), also across later runs.
set -uo pipefail
ROUNDS=${1:-10}
SEED=${2:-$RANDOM}
here=$(cd "$(dirname "$0")" && pwd)
export top_srcdir=${top_srcdir:-$here/../..}
export top_builddir=${top_builddir:-$top_srcdir/_build}
export RD_LOG_LEVEL=${RD_LOG_LEVEL:-debug}
export E2E_LAB_PREFIX=${E2E_LAB_PREFIX:-stress}
# shellcheck source-path=SCRIPTDIR source=../e2e/lib.sh
. "$here/../e2e/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../e2e/replicd.sh
. "$here/../e2e/replicd.sh"

failed=0
KEEP_DIR=${KEEP_DIR:-/tmp/ham-e2e/stress-failed}

scenario_begin 90-sync-under-load
rd_begin
note "seed $SEED, $ROUNDS rounds"
rd_lab_up 2
rd_start n1
assert_ok -m "n1: mirrorctl force-primary" mctl n1 force-primary
rd_wait_role n1 ALONE 30
rd_doc_tar 'doc/[a-m]*'
assert_ok -m "n1: a tree of small files to walk" \
	on n1 sh -c "mkdir '$RD_DIR/tree' && tar -C '$RD_DIR/tree' -xf '$RD_TMP/doc.tar'"
rm -f "$RD_TMP/doc.tar"
# big files make each sync last long enough for the writer to race it
assert_ok -m "n1: three 24 MiB files" on n1 sh -c "
	for f in big1 big2 big3; do head -c 24M /dev/urandom >'$RD_DIR/'\$f || exit 1; done"

for r in $(seq "$ROUNDS"); do
	rm -f "$RD_TMP/stop"
	rd_bg rd_workload n1 --seed $((SEED + r)) --ops 10000000 \
		--until-file "$RD_TMP/stop" --log "$RD_TMP/wl$r.ack" \
		"$RD_DIR/wl$r" >"$RD_TMP/wl$r.out" 2>&1
	w=$RD_BG_PID
	sleep 2
	rd_start n2
	rd_wait_role n2 SECOND 150
	sleep 1
	touch "$RD_TMP/stop"
	rd_wait_bg "$w" "round $r: the writer stopped cleanly" "$RD_TMP/wl$r.out"
	wait_until 30 "round $r: n2 acknowledged everything" rd_caught_up n1
	a=$(rd_sum n1) b=$(rd_sum n2)
	if [ "$a" = "$b" ]; then
		pass "round $r: n1 and n2 hold the same tree ($(echo "$a" | wc -l) entries)"
	else
		failed=$((failed + 1))
		TAP_N=$((TAP_N + 1))
		echo "not ok $TAP_N - round $r: n1 and n2 differ"
		diff <(echo "$a") <(echo "$b") | head -10 | cut -c1-300 | note
		# outside RD_TMP, which the next run starts by removing
		keep=$KEEP_DIR/$(date -u +%Y%m%dT%H%M%SZ)-seed$SEED-round$r
		mkdir -p "$keep"
		cp "$RD_TMP"/*.log "$RD_TMP/wl$r.ack" "$keep/"
		echo "$a" >"$keep/sum.n1"
		echo "$b" >"$keep/sum.n2"
		note "logs of round $r kept in $keep"
	fi
	rd_stop n2
	rd_wait_role n1 ALONE 30
	if [ $((r % 2)) = 1 ]; then
		# the next round keeps n2's copy, only its metadata goes
		on n2 rm -rf "/var/lib/replicd/$RD_NAME"
	else
		on n2 sh -c "rm -rf /var/lib/replicd/$RD_NAME '$RD_DIR'/* '$RD_DIR'/.[!.]*"
	fi
	: >"$RD_TMP/n2.log"
done
rd_stop n1
[ "$failed" = 0 ] || TAP_FAILED=$failed
