#!/bin/bash
# 27-replicd-valgrind: replicd runs valgrind-clean, as primary and as
# secondary.
#
# Both nodes run replicd under valgrind's memcheck. n1 is made primary,
# n2 syncs, a seeded workload runs through n1's FUSE front (large writes
# take the data link), malformed messages reach both decoders, n2
# restarts and resyncs, mirrorctl asks status on both, then both stop on
# SIGTERM; n1 packs its CPG messages (cpg_pack_ms). Every valgrind
# report must be empty:
# no invalid access, no use of uninitialised memory, no definite leak.
# The replicas are compared as in every other scenario.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=replicd.sh
. "$(dirname "$0")/replicd.sh"

scenario_begin 27-replicd-valgrind valgrind
rd_begin

# vg_start NODE [ARGS..]: rd_start NODE under valgrind, one report per run in
# RD_TMP (the same path in the nodes: their /tmp is the host's). Each node
# has its own PIDs, so the name says which node and which run; no vgdb
# (its FIFOs in /tmp are named by PID too).
VG_RUNS=0
vg_start() {
	VG_RUNS=$((VG_RUNS + 1))
	RD_WRAP=(valgrind -q --vgdb=no --error-exitcode=99 --leak-check=full
		--show-leak-kinds=definite --errors-for-leak-kinds=definite
		--num-callers=30 "--log-file=$RD_TMP/valgrind.$1.$VG_RUNS")
	rd_start "$@"
}

# vg_clean: no valgrind report written so far holds an error (its "==PID=="
# lines); valgrind's own "--PID--" remarks, such as that it does not know
# openat2 (replicd then takes its fallback), are not errors
vg_clean() {
	local f bad=0
	for f in "$RD_TMP"/valgrind.*; do
		[ -e "$f" ] || continue
		if grep -q '^==[0-9]*==' "$f"; then
			echo "---- $(basename "$f") ----"
			grep '^==[0-9]*==' "$f" | head -n 80
			bad=1
		fi
	done
	return "$bad"
}

rd_lab_up 2
# n1 packs its CPG messages (cpg_pack_ms, on by default): its packer
# thread, and n2's handling of packs, under valgrind too
vg_start n1
vg_start n2
assert_ok -m "n1: mirrorctl force-primary" mctl n1 force-primary
rd_wait_role n1 PRIM 120
rd_wait_role n2 SECOND 120

assert_ok -m "n1 writes a 16 MiB file in 1 MiB writes" \
	on n1 dd if=/dev/urandom of="$RD_DIR/big" bs=1M count=16 conv=fsync status=none
assert_ok -m "n1 writes a directory of small files" \
	on n1 sh -c "mkdir '$RD_DIR/old' && for i in 1 2 3 4 5; do echo \$i >'$RD_DIR/old/f'\$i; done"
assert_ok -m "a seeded workload runs on n1 (writes, truncates, renames, links, xattrs)" \
	rd_workload n1 --seed 2701 --ops 400 --log "$RD_TMP/wl.ack" "$RD_DIR/wl"
wait_until 60 "n2 acknowledged everything n1 sent" rd_caught_up n1
rd_same_sums "n1 and n2 hold the same tree" n1 n2

# malformed messages through the decoder, under valgrind (24-replicd-bad-
# input checks what the replicas say and keep)
if [ -x "$CPGINJECT" ]; then
	for kind in short truncated version hugelen random badpath; do
		assert_ok -m "n1: cpginject $kind delivered to mirror:$RD_NAME" \
			on n1 "$CPGINJECT" "mirror:$RD_NAME" "$kind" old/f1
	done
	assert_ok -m "replicd on n1 still runs" rd_running n1
	assert_ok -m "replicd on n2 still runs" rd_running n2
	rd_same_sums "after the injections, n1 and n2 hold the same tree" n1 n2
else
	note "cpginject not built ($CPGINJECT): no malformed messages under valgrind"
fi

# a restart of the secondary: it resyncs what changed while it was away
rd_stop n2
rd_wait_role n1 ALONE 60
assert_ok -m "n1 (ALONE) changes a few files" \
	on n1 sh -c "cd '$RD_DIR' && head -c 300000 /dev/urandom >>big &&
		mkdir -p more && for i in 1 2 3 4 5; do echo \$i >more/f\$i; done &&
		rm -r old"
vg_start n2
rd_wait_role n2 SECOND 120
wait_until 60 "n2 acknowledged everything n1 sent" rd_caught_up n1
rd_verify n2 "$RD_TMP/wl.ack" "$RD_DIR/wl"
rd_same_sums "after the resync, n1 and n2 hold the same tree" n1 n2
assert_ok -m "mirrorctl --json status answers on n1" mctl n1 --json status
assert_ok -m "mirrorctl status answers on n2" mctl n2 status

rd_stop n2
rd_stop n1
assert_ok -m "valgrind found no error and no definite leak in replicd ($(find "$RD_TMP" -name 'valgrind.*' | wc -l) processes)" \
	vg_clean
n=$(find "$RD_TMP" -name 'valgrind.*' | wc -l)
assert_ok -m "a valgrind report exists for each of the $VG_RUNS replicd runs ($n)" \
	test "$n" -eq "$VG_RUNS"
