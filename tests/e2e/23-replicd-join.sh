#!/bin/bash
# 23-replicd-join: a secondary joins a primary that holds data.
#
# n1 is primary ALONE with over 200 MB (big random files and the many
# small files of /usr/share/doc). n2's replicd starts while a workload
# keeps writing on n1: n2 syncs, becomes SECOND up to date, and once the
# workload stopped both nodes hold the same tree, including every
# acknowledged operation. Then two restarts of n2 where it already holds
# most of the data must not resend everything: after a clean stop while
# a few files changed (dirty tracking), and after n2 lost its replicd
# metadata (checksum comparison). What travels is measured independently
# of replicd: the bytes n2's network interface received.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=replicd.sh
. "$(dirname "$0")/replicd.sh"

BIG_MB=24 # three files of this size, plus /usr/share/doc

# rx_mb_since RX0: megabytes n2 received since its counter was RX0
rx_mb_since() {
	echo $((($(rd_rx_bytes n2) - $1) / 1000000))
}

# change_some N: a few changes on the primary n1, distinct per call
change_some() {
	on n1 sh -c "
		cd '$RD_DIR' &&
		dd if=/dev/urandom of=big1 bs=1M count=1 seek=$((3 + $1)) conv=notrunc status=none &&
		head -c 300000 /dev/urandom >>big2 &&
		mkdir -p new$1 && for i in 1 2 3 4 5 6 7 8 9 10; do echo \"\$i $1\" >new$1/f\$i; done &&
		rm -rf tree/doc/\$(ls tree/doc | sed -n $((10 + $1))p) &&
		chmod 600 big3"
}

scenario_begin 23-replicd-join tar
rd_begin

rd_lab_up 2
rd_start n1
assert_ok -m "n1: mirrorctl force-primary" mctl n1 force-primary
rd_wait_role n1 ALONE 30
assert_ok -m "n1: $RD_DIR is a fuse.replicd mount" rd_is_fuse n1

rd_doc_tar doc
assert_ok -m "n1 (ALONE): three ${BIG_MB} MiB files and /usr/share/doc written" \
	on n1 sh -c "
		cd '$RD_DIR' && for f in big1 big2 big3; do
			head -c ${BIG_MB}M /dev/urandom >\$f || exit 1
		done && mkdir tree && tar -C tree -xf '$RD_TMP/doc.tar'"
rm -f "$RD_TMP/doc.tar"
total_mb=$(($(on n1 du -sb "$RD_DIR" | cut -f1) / 1000000))
assert_ok -m "n1 holds at least 200 MB (${total_mb} MB)" test "$total_mb" -ge 200

# n2 joins while a writer keeps working on n1
rd_bg rd_workload n1 --seed 2301 --ops 10000000 --until-file "$RD_TMP/stop" \
	--log "$RD_TMP/wl.ack" "$RD_DIR/wl" >"$RD_TMP/wl.out" 2>&1
w=$RD_BG_PID
rx0=$(rd_rx_bytes n2)
t0=$(now_ms)
rd_start n2
rd_wait_role n2 SECOND 150
note "n2 synced ${total_mb} MB in $(($(now_ms) - t0)) ms, with the writer running"
touch "$RD_TMP/stop"
rd_wait_bg "$w" "the writer on n1 ran during the sync and stopped cleanly" "$RD_TMP/wl.out"
wait_until 30 "n2 acknowledged everything n1 sent" rd_caught_up n1
rd_wait_role n1 PRIM 10
rx=$(rx_mb_since "$rx0")
note "n2 received $rx MB for its first sync"
assert_ok -m "n2 received at least the ${total_mb} MB (${rx} MB): the counter sees a full sync" \
	test "$rx" -ge "$total_mb"
rd_same_sums "after the join, n1 and n2 hold the same tree" n1 n2
rd_verify n2 "$RD_TMP/wl.ack" "$RD_DIR/wl"

# 1: clean stop of n2, a few changes on n1, n2 comes back
rd_stop n2
rd_wait_role n1 ALONE 30
assert_ok -m "n1 (ALONE): a few files change" change_some 1
status1=$(mctl n1 status | grep replicated)
rx0=$(rd_rx_bytes n2)
rd_start n2
rd_wait_role n2 SECOND 90
wait_until 30 "n2 acknowledged everything n1 sent" rd_caught_up n1
rx=$(rx_mb_since "$rx0")
note "resync after a clean stop: n2 received $rx MB; n1 $status1 -> $(mctl n1 status | grep replicated)"
assert_ok -m "resync after a clean stop sent under a tenth of the data ($rx of ${total_mb} MB)" \
	test "$rx" -lt $((total_mb / 10))
rd_same_sums "after the resync, n1 and n2 hold the same tree" n1 n2

# 2: n2 loses its replicd metadata but keeps its data: checksums decide
rd_stop n2
rd_wait_role n1 ALONE 30
assert_ok -m "n1 (ALONE): a few more files change" change_some 2
assert_ok -m "n2 loses its replicd metadata (/var/lib/replicd/$RD_NAME)" \
	on n2 rm -rf "/var/lib/replicd/$RD_NAME"
status1=$(mctl n1 status | grep replicated)
rx0=$(rd_rx_bytes n2)
rd_start n2
rd_wait_role n2 SECOND 120
wait_until 30 "n2 acknowledged everything n1 sent" rd_caught_up n1
rx=$(rx_mb_since "$rx0")
note "checksum resync: n2 received $rx MB; n1 $status1 -> $(mctl n1 status | grep replicated)"
assert_ok -m "checksum resync sent under a tenth of the data ($rx of ${total_mb} MB)" \
	test "$rx" -lt $((total_mb / 10))
rd_same_sums "after the checksum resync, n1 and n2 hold the same tree" n1 n2

rd_stop n2
rd_stop n1
