#!/bin/bash
# 20-replicd-two-nodes: a directory mirrored between two nodes.
#
# The admin starts replicd on both nodes and makes n1 primary. Users then
# work in the directory on n1: a seeded random workload (two writers at
# once), a tar extraction of /usr/share/doc, an SQLite database with
# transactions. Because writes are synchronous, the moment each of them
# returns n2 must hold exactly the same tree (treesum: contents, modes,
# owners, mtimes, xattrs, links), every acknowledged workload operation,
# and a database that passes PRAGMA integrity_check. mirrorctl shows PRIM
# and SECOND and counts the replicated operations. A clean stop unmounts
# the FUSE front and leaves n1's disk holding what its users saw.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=replicd.sh
. "$(dirname "$0")/replicd.sh"

OPS=${RD_OPS:-1500} # per writer; two writers
TXNS=200

scenario_begin 20-replicd-two-nodes sqlite3 tar
rd_begin

rd_pair_up
assert_ok -m "n1: $RD_DIR is a fuse.replicd mount" rd_is_fuse n1
assert_fail -m "n2: $RD_DIR is not a FUSE mount (secondary)" rd_is_fuse n2
ops0=$(rd_get n1 ops_replicated)

# Two seeded writers at once, so requests are in flight together.
t0=$(now_ms)
rd_bg rd_workload n1 --seed 2001 --ops "$OPS" --log "$RD_TMP/wl1.ack" \
	"$RD_DIR/wl1" >"$RD_TMP/wl1.out" 2>&1
w1=$RD_BG_PID
rd_bg rd_workload n1 --seed 2002 --ops "$OPS" --log "$RD_TMP/wl2.ack" \
	"$RD_DIR/wl2" >"$RD_TMP/wl2.out" 2>&1
w2=$RD_BG_PID
rd_wait_bg "$w1" "workload 1 ($OPS ops, seed 2001) runs on n1" "$RD_TMP/wl1.out"
rd_wait_bg "$w2" "workload 2 ($OPS ops, seed 2002) runs on n1" "$RD_TMP/wl2.out"
note "workloads: $(($(now_ms) - t0)) ms"
rd_verify n2 "$RD_TMP/wl1.ack" "$RD_DIR/wl1"
rd_verify n2 "$RD_TMP/wl2.ack" "$RD_DIR/wl2"
rd_same_sums "after the workload: n1 and n2 hold the same tree" n1 n2

rd_doc_tar doc
t0=$(now_ms)
assert_ok -m "n1: tar extracts /usr/share/doc ($(du -sh "$RD_TMP/doc.tar" | cut -f1)) into the mirror" \
	on n1 sh -c "mkdir '$RD_DIR/tree' && tar -C '$RD_DIR/tree' -xf '$RD_TMP/doc.tar'"
note "tar: $(($(now_ms) - t0)) ms"
rm -f "$RD_TMP/doc.tar"

t0=$(now_ms)
assert_ok -m "n1: $TXNS SQLite transactions" \
	on n1 sh -c "mkdir '$RD_DIR/db' && sqlite3 '$RD_DIR/db/app.db' >/dev/null" \
	< <(rd_sql "$TXNS")
note "sqlite: $(($(now_ms) - t0)) ms"
assert_eq "$(rd_sql_check n2 "$RD_DIR/db/app.db")" "ok $(rd_sql_rows "$TXNS")" \
	"n2: its copy of the database passes integrity_check and has every row"

rd_same_sums "n1 and n2 hold the same tree" n1 n2
assert_ok -m "n1 is still PRIM" rd_is n1 PRIM
assert_ok -m "n2 is still SECOND, up to date" rd_is n2 SECOND
ops1=$(rd_get n1 ops_replicated)
note "ops_replicated on n1: $ops0 -> $ops1; bytes_replicated $(rd_get n1 bytes_replicated)"
assert_ok -m "n1 counted at least $((2 * OPS)) more replicated operations" \
	test "$ops1" -ge $((ops0 + 2 * OPS))

rd_stop n2
rd_stop n1
assert_fail -m "n1: the FUSE front is unmounted after replicd stopped" rd_is_fuse n1
rd_same_sums "n1's disk, without replicd, holds what its users saw" n1 n2

# Packs (cpg_pack_ms, on by default) pay only when corosync lets its
# token rest between them: the lab sets seqno_unchanged_const 2, as
# replicd.conf(5) advises, so neither node said a word about it. With
# corosync's default of 30, replicd says at start what to set, and how.
assert_ok -m "n1 and n2 did not advise on seqno_unchanged_const (the lab has 2)" \
	test "$(rd_log_grep n1 seqno_unchanged_const)/$(rd_log_grep n2 seqno_unchanged_const)" = 0/0
assert_ok -m "n1: corosync's seqno_unchanged_const set to 30 at run time" \
	on n1 corosync-cmapctl -s totem.seqno_unchanged_const u32 30
rd_start n1
assert_ok -m "n1 advises 'pcs cluster config update totem seqno_unchanged_const=2' at start" \
	test "$(rd_log_grep n1 'passes the token 30 times.*pcs cluster config update totem seqno_unchanged_const=2')" -ge 1
rd_stop n1
