#!/bin/bash
# 26-replicd-link: writes and the copies of every other operation take
# the direct data link, and writes go on when it breaks.
#
# The admin sees in mirrorctl status that the peer's link is "tcp" and
# that the link, not corosync, carried the bytes of a large file. Then the
# link is cut (TCP resets, as when a firewall drops the connection) while
# a writer runs: every write still returns, now through corosync (the
# bytes the link had not delivered go again in corosync, so the peer
# stays up to date without a resync), the link comes back once the cut
# ends, and both replicas hold the same tree. The same after a silent cut
# (the packets vanish, nobody gets a reset): the primary gives the link
# up after TCP_USER_TIMEOUT. With data_link = no in replicd.conf everything travels through
# corosync and the peer shows "cpg".
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=replicd.sh
. "$(dirname "$0")/replicd.sh"

MB=48

scenario_begin 26-replicd-link iptables ss
rd_begin

# link_is NODE true|false: NODE's first peer has the data link up or not
link_is() {
	[ "$(rd_get "$1" peers.0.data_link)" = "$2" ]
}

rd_pair_up
wait_until 10 "mirrorctl status on n1: the data link to n2 is up" link_is n1 true
assert_ok -m "mirrorctl status shows the link as tcp" \
	sh -c "'$LAB_BIN' exec n1 '$MIRRORCTL' -r '$RD_NAME' status | grep -E '^2 +.* tcp '"

s0=$(rd_get n1 link_sent)
assert_ok -m "n1 writes a ${MB} MiB file in 1 MiB writes" \
	on n1 dd if=/dev/urandom of="$RD_DIR/big" bs=1M count=$MB conv=fsync status=none
s1=$(rd_get n1 link_sent)
note "link_sent on n1: $s0 -> $s1"
assert_ok -m "the data link carried the file's bytes ($(((s1 - s0) / 1048576)) MiB)" \
	test $((s1 - s0)) -ge $((MB * 1048576))
rd_same_sums "n1 and n2 hold the same tree" n1 n2

# every other operation goes on the link too; n2 applies that copy as it
# arrives and checks CPG's against it: no mismatch, no resync
f0=$(rd_log_grep n1 'full sync to node 2 started')
s0=$(rd_get n1 link_sent)
# shellcheck disable=SC2016 # the inner shell expands them
assert_ok -m "n1 creates 200 files of 4 KiB, each fsync'ed, in a new directory" \
	on n1 sh -c 'mkdir "$1/small" && for i in $(seq 200); do
		head -c 4096 /dev/urandom |
			dd of="$1/small/$i" conv=fsync status=none || exit 1
	done' sh "$RD_DIR"
wait_until 30 "n2 acknowledged everything n1 sent" rd_caught_up n1
s1=$(rd_get n1 link_sent)
assert_ok -m "the data link carried the small files and the other operations ($((s1 - s0)) bytes)" \
	test $((s1 - s0)) -ge $((200 * 4096))
assert_eq "$(rd_log_grep n2 'other bytes than the primary announced')" 0 \
	"n2 found each operation CPG delivered equal to what the link brought"
assert_eq "$(rd_log_grep n1 'full sync to node 2 started')" "$f0" \
	"n2 stayed in step without a resync"
assert_ok -m "n2 is SECOND, up to date" rd_is n2 SECOND
rd_same_sums "n1 and n2 hold the same tree with the small files" n1 n2

# cut the link while a workload runs: resets on n1's side of it
port=$(rd_link_port n2)
assert_ok -m "n2's replicd listens on TCP port ${port:-?}" test -n "$port"
rd_bg rd_workload n1 --seed 2601 --ops 3000 --max-bytes $((32 * 1048576)) \
	--log "$RD_TMP/wl.ack" "$RD_DIR/wl" >"$RD_TMP/wl.out" 2>&1
w=$RD_BG_PID
sleep 1
# first n1's packets on the link vanish: writes queue in its socket, their
# tokens reach n2 through corosync; then n1's retransmissions get a TCP
# reset: n1 sees its link die, n2 hears nothing and waits for the bytes
assert_ok -m "n1's packets to port $port are dropped" \
	on n1 iptables -I OUTPUT -p tcp --dport "$port" -j DROP
rd_bg on n1 dd if=/dev/urandom of="$RD_DIR/lost" bs=64k count=16 conv=fsync \
	status=none >"$RD_TMP/lost.out" 2>&1
d=$RD_BG_PID
sleep 1
assert_ok -m "the link is cut (n1's packets to port $port get a TCP reset)" \
	on n1 iptables -I OUTPUT -p tcp --dport "$port" -j REJECT --reject-with tcp-reset
wait_until 20 "mirrorctl status on n1: the link is down" link_is n1 false
rd_wait_bg "$d" "the writes the link lost returned" "$RD_TMP/lost.out"
assert_ok -m "n1 writes 16 MiB while the link is cut" \
	on n1 dd if=/dev/urandom of="$RD_DIR/during" bs=1M count=16 status=none
assert_ok -m "n2 is still SECOND, up to date" rd_is n2 SECOND
assert_ok -m "the cut ends" \
	on n1 sh -c "iptables -D OUTPUT -p tcp --dport $port -j REJECT --reject-with tcp-reset &&
		iptables -D OUTPUT -p tcp --dport $port -j DROP"
rd_wait_bg "$w" "the workload's writes all returned" "$RD_TMP/wl.out"
wait_until 20 "the data link to n2 comes back" link_is n1 true
wait_until 30 "n2 acknowledged everything n1 sent" rd_caught_up n1
rd_verify n2 "$RD_TMP/wl.ack" "$RD_DIR/wl"
rd_same_sums "after the cut: n1 and n2 hold the same tree" n1 n2
assert_ok -m "n2 is SECOND, up to date" rd_is n2 SECOND
# the bytes the cut link had not delivered went again in CPG: n2 did not
# wait for them, NACK, and get resynced
assert_ok -m "n1 sent again in corosync the writes the cut link lost" \
	test "$(rd_log_grep n1 'go again in CPG')" -ge 1
assert_eq "$(rd_log_grep n2 'no longer up to date')" 0 \
	"n2 stayed up to date through the cut"
assert_eq "$(rd_log_grep n1 'full sync to node 2 started')" "$f0" \
	"n2 was not resynced after the cut"

# a silent cut: n1's packets on the link vanish and nothing tells either
# side; once they stay unacknowledged for TCP_USER_TIMEOUT (10 s), n1
# gives the link up and sends again in corosync what it carried
r0=$(rd_log_grep n1 'go again in CPG')
assert_ok -m "n1's packets to port $port are dropped, silently" \
	on n1 iptables -I OUTPUT -p tcp --dport "$port" -j DROP
assert_ok -m "n1 writes 1 MiB in 64 KiB writes while they vanish" \
	on n1 dd if=/dev/urandom of="$RD_DIR/silent" bs=64k count=16 conv=fsync \
	status=none
assert_ok -m "n1 gave the silent link up and sent its bytes again in corosync" \
	test "$(rd_log_grep n1 'go again in CPG')" -gt "$r0"
assert_ok -m "the silent cut ends" \
	on n1 iptables -D OUTPUT -p tcp --dport "$port" -j DROP
wait_until 20 "the data link to n2 comes back" link_is n1 true
wait_until 30 "n2 acknowledged everything n1 sent" rd_caught_up n1
rd_same_sums "after the silent cut: n1 and n2 hold the same tree" n1 n2
assert_eq "$(rd_log_grep n2 'no longer up to date')" 0 \
	"n2 stayed up to date through the silent cut"
assert_eq "$(rd_log_grep n1 'full sync to node 2 started')" "$f0" \
	"n2 was not resynced after the silent cut"

# n2's replicd restarts again and again while mirrorctl status is asked
# on both nodes: each restart brings a new data link, and status must
# answer throughout (the link once took the daemon's lock under its own
# while status held the daemon's and waited for the link's: replicd hung)
# restarts N: N times stop and start n2's replicd, status on n1 after each
restarts() {
	local i
	for i in $(seq "$1"); do
		on n2 kill -TERM "$(rd_pid n2)" || return 1
		sleep 0.3
		rd_spawn n2 || return 1
		sleep "0.$((RANDOM % 9 + 1))"
		for n in n1 n2; do
			if ! timeout 20 "$LAB_BIN" exec "$n" "$MIRRORCTL" -r "$RD_NAME" \
				-t 10 status >/dev/null 2>&1; then
				echo "restart $i: mirrorctl status on $n gets no answer in 10 s"
				return 1
			fi
		done
	done
	echo "$1 restarts, every status answered"
}
poll_status() {
	while :; do
		mctl "$1" -t 5 status >/dev/null 2>&1
	done
}
rd_bg poll_status n1
p1=$RD_BG_PID
rd_bg poll_status n2
p2=$RD_BG_PID
assert_ok -m "status answers on both nodes through 40 restarts of n2's replicd" \
	restarts 40
kill "$p1" "$p2"
rd_wait_role n2 SECOND 60
wait_until 10 "the data link to n2 is up again" link_is n1 true
rd_same_sums "after the restarts: n1 and n2 hold the same tree" n1 n2

# data_link = no: corosync carries everything
rd_stop n2
rd_stop n1
for n in n1 n2; do
	printf 'name = %s\ndirectory = %s\ndata_link = no\n' "$RD_NAME" "$RD_DIR" \
		>"$RD_TMP/$n.conf"
done
rd_start n1 --config "$RD_TMP/n1.conf"
rd_start n2 --config "$RD_TMP/n2.conf"
rd_wait_role n1 SECOND 60
assert_ok -m "n1: mirrorctl promote (it was primary)" mctl n1 promote
rd_wait_role n1 PRIM 60
rd_wait_role n2 SECOND 60
assert_ok -m "with data_link = no the peer shows cpg" \
	sh -c "'$LAB_BIN' exec n1 '$MIRRORCTL' -r '$RD_NAME' status | grep -E '^2 +.* cpg '"
assert_ok -m "n1 writes 8 MiB through corosync" \
	on n1 dd if=/dev/urandom of="$RD_DIR/cpg" bs=1M count=8 conv=fsync status=none
assert_eq "$(rd_get n1 link_sent)" 0 "nothing went on a data link"
rd_same_sums "n1 and n2 hold the same tree" n1 n2
rd_stop n2
rd_stop n1
