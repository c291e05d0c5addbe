#!/bin/bash
# 21-replicd-three-nodes: one primary mirroring to two secondaries.
#
# As 20-replicd-two-nodes with a third node: every write returns only when
# both secondaries have it, so right after the users' work (a seeded
# random workload, a tar extraction, SQLite transactions) n2 and n3 both
# hold exactly n1's tree and every acknowledged operation; mirrorctl on
# n1 shows PRIM with two connected, up-to-date peers.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=replicd.sh
. "$(dirname "$0")/replicd.sh"

OPS=${RD_OPS:-600} # per writer; two writers
TXNS=50

scenario_begin 21-replicd-three-nodes sqlite3 tar
rd_begin

rd_trio_up
assert_ok -m "n1: $RD_DIR is a fuse.replicd mount" rd_is_fuse n1

rd_bg rd_workload n1 --seed 2101 --ops "$OPS" --log "$RD_TMP/wl1.ack" \
	"$RD_DIR/wl1" >"$RD_TMP/wl1.out" 2>&1
w1=$RD_BG_PID
rd_bg rd_workload n1 --seed 2102 --ops "$OPS" --log "$RD_TMP/wl2.ack" \
	"$RD_DIR/wl2" >"$RD_TMP/wl2.out" 2>&1
w2=$RD_BG_PID
rd_wait_bg "$w1" "workload 1 ($OPS ops, seed 2101) runs on n1" "$RD_TMP/wl1.out"
rd_wait_bg "$w2" "workload 2 ($OPS ops, seed 2102) runs on n1" "$RD_TMP/wl2.out"
for n in n2 n3; do
	rd_verify "$n" "$RD_TMP/wl1.ack" "$RD_DIR/wl1"
	rd_verify "$n" "$RD_TMP/wl2.ack" "$RD_DIR/wl2"
done

# a third of /usr/share/doc keeps this scenario short
rd_doc_tar 'doc/[a-g]*'
assert_ok -m "n1: tar extracts part of /usr/share/doc ($(du -sh "$RD_TMP/doc.tar" | cut -f1)) into the mirror" \
	on n1 sh -c "mkdir '$RD_DIR/tree' && tar -C '$RD_DIR/tree' -xf '$RD_TMP/doc.tar'"
rm -f "$RD_TMP/doc.tar"

assert_ok -m "n1: $TXNS SQLite transactions" \
	on n1 sh -c "mkdir '$RD_DIR/db' && sqlite3 '$RD_DIR/db/app.db' >/dev/null" \
	< <(rd_sql "$TXNS")
for n in n2 n3; do
	assert_eq "$(rd_sql_check "$n" "$RD_DIR/db/app.db")" "ok $(rd_sql_rows "$TXNS")" \
		"$n: its copy of the database passes integrity_check and has every row"
done

rd_same_sums "n1, n2 and n3 hold the same tree" n1 n2 n3
assert_ok -m "n1 is still PRIM" rd_is n1 PRIM
assert_ok -m "n2 is still SECOND, up to date" rd_is n2 SECOND
assert_ok -m "n3 is still SECOND, up to date" rd_is n3 SECOND
assert_eq "$(mctl n1 --json status | _rd_field peers | "$PYTHON" -c '
import json, sys
print(sum(1 for p in json.load(sys.stdin) if p["connected"] and p["up_to_date"]))')" 2 \
	"n1 reports two connected, up-to-date peers"

rd_stop n3
rd_stop n2
rd_stop n1
assert_fail -m "n1: the FUSE front is unmounted after replicd stopped" rd_is_fuse n1
