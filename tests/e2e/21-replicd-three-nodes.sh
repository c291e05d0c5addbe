#!/bin/bash
# 21-replicd-three-nodes: one primary mirroring to two secondaries.
#
# As 20-replicd-two-nodes with a third node: every write returns only when
# both secondaries have it, so right after the users' work (a seeded
# random workload, a tar extraction, SQLite transactions) n2 and n3 both
# hold exactly n1's tree and every acknowledged operation; mirrorctl on
# n1 shows PRIM with two connected, up-to-date peers. A data link that
# dies with bytes in it (to n3 only) costs neither secondary a resync.
# The primary packs its CPG messages (cpg_pack_ms = 5, the default).
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=replicd.sh
. "$(dirname "$0")/replicd.sh"

OPS=${RD_OPS:-600} # per writer; two writers
TXNS=50

scenario_begin 21-replicd-three-nodes sqlite3 tar iptables ss
rd_begin

# the primary packs its CPG messages (cpg_pack_ms, 5 ms by default):
# what follows must hold all the same, the link cut included
rd_trio_up
assert_ok -m "n1 packs its CPG messages (its log says so)" \
	test "$(rd_log_grep n1 'packed for up to 5 ms')" -ge 1
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

# n1's link to n3 loses what it carries (its packets vanish, then get a
# TCP reset): n1 sends n3, and only n3, those bytes again in corosync;
# writes go on whole in corosync until the link is back, and neither
# secondary is resynced
f0=$(rd_log_grep n1 'full sync to node [23] started')
port=$(rd_link_port n3)
ip3=$("$LAB_BIN" ip n3)
assert_ok -m "n1's packets to n3's link (port ${port:-?}) are dropped" \
	on n1 iptables -I OUTPUT -p tcp -d "$ip3" --dport "${port:-0}" -j DROP
rd_bg on n1 dd if=/dev/urandom of="$RD_DIR/lost" bs=64k count=16 conv=fsync \
	status=none >"$RD_TMP/lost.out" 2>&1
d=$RD_BG_PID
sleep 1
assert_ok -m "n1's packets to n3's link get a TCP reset" \
	on n1 iptables -I OUTPUT -p tcp -d "$ip3" --dport "${port:-0}" \
	-j REJECT --reject-with tcp-reset
wait_until 20 "mirrorctl status on n1: the link to n3 is down" rd_link_to n1 3 false
rd_wait_bg "$d" "the writes the link to n3 lost returned" "$RD_TMP/lost.out"
assert_ok -m "n1 writes 8 MiB while the link to n3 is down" \
	on n1 dd if=/dev/urandom of="$RD_DIR/during" bs=1M count=8 conv=fsync status=none
assert_ok -m "the cut ends" on n1 sh -c "iptables -D OUTPUT -p tcp -d $ip3 --dport $port -j REJECT --reject-with tcp-reset &&
	iptables -D OUTPUT -p tcp -d $ip3 --dport $port -j DROP"
wait_until 20 "the data link to n3 comes back" rd_link_to n1 3 true
assert_ok -m "n1 sent n3 again what its link lost" \
	test "$(rd_log_grep n1 'link to node 3 went down: .* go again in CPG')" -ge 1
assert_eq "$(rd_log_grep n1 'link to node 2 went down')" 0 \
	"n1 sent n2 nothing again (its link never went down)"
assert_eq "$(rd_log_grep n1 'full sync to node [23] started')" "$f0" \
	"neither secondary was resynced"
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
