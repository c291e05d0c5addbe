#!/bin/bash
# 29-replicd-lost-payload: the primary of three nodes dies while the bytes
# of its last large write are still on their way.
#
# A large write travels in two parts: the bytes on the data link (TCP),
# and a token in CPG that orders them. CPG delivers the token to both
# secondaries or to neither; the TCP bytes die with the primary. Here the
# secondaries' data link input is dropped (iptables) during a 1 MiB
# write, so both get the tokens and neither the bytes, and then the
# primary loses power. That write never returned to its application.
#
# A: both secondaries missed the same bytes. They must stay up to date
#    (before, both marked themselves out of date and nothing could be
#    promoted without force-primary), and the one promoted keeps the other
#    in step without a resync; both hold the same tree.
# B: only one of them missed the bytes. The one promoted must not count
#    the other as in step: it resyncs it, and both end with its tree.
#
# The other way round, the bytes arrive and the token never does: an
# up-to-date secondary applies a large write as soon as its bytes come,
# before CPG delivers its token. Here the primary's corosync traffic is
# dropped during a 1 MiB write into an existing file, so the tokens never
# leave it, and then it loses power.
#
# C: both secondaries applied the same bytes. They keep them, stay up to
#    date, and the one promoted keeps the other in step without a resync.
# D: only one of them got the bytes (the other's data link input is
#    dropped too). The one promoted resyncs the other.
#
# Every other operation goes whole in CPG and, a copy, on the data link;
# an up-to-date secondary applies and acks the copy as it arrives.
#
# E: with the primary's corosync traffic dropped, a mkdir, a create and
#    the fsync of a small write still return (the secondaries acked the
#    copies on the link), then the primary loses power. Both secondaries
#    keep what they acked, stay up to date, and the one promoted keeps
#    the other in step.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=replicd.sh
. "$(dirname "$0")/replicd.sh"


# drop_link NODE: NODE silently drops what arrives on its data link
drop_link() {
	local port
	port=$(rd_link_port "$1")
	assert_ok -m "$1: its data link input (TCP port ${port:-?}) is dropped" \
		on "$1" iptables -I INPUT -p tcp --dport "${port:-0}" -j DROP
}

# logged NODE ERE [N]: NODE's replicd log has more than N (0) lines
# matching ERE
logged() {
	[ "$(rd_log_grep "$1" "$2")" -gt "${3:-0}" ]
}

# settled NODE...: each NODE has applied or skipped everything its
# dead primary sent (its applied seq stays the same for 2 s)
settled() {
	local n a b
	for n in "$@"; do
		a=$(rd_get "$n" seq)
		sleep 2
		b=$(rd_get "$n" seq)
		[ -n "$a" ] && [ "$a" = "$b" ] || return 1
	done
}

# logged_all ERE NODE...: every NODE's replicd log has a line matching ERE
logged_all() {
	local ere=$1 n
	shift
	for n in "$@"; do
		logged "$n" "$ere" || return 1
	done
}

# size_is NODE FILE BYTES
size_is() {
	[ "$(on "$1" stat -c %s "$RD_DIR/$2" 2>/dev/null)" = "$3" ]
}

# undrop_link NODE: the data link of NODE works again
undrop_link() {
	assert_ok -m "$1: its data link input works again" \
		on "$1" iptables -F INPUT
}

# cut_during_write WHAT PRIMARY FILE SECONDARIES...: drop the data link
# input of SECONDARIES (WHAT=bytes), and every UDP packet (corosync) of
# PRIMARY too (WHAT=token: FILE exists, it is rewritten in place); start
# a 1 MiB write of FILE on PRIMARY, cut its power
cut_during_write() {
	local what=$1 p=$2 f=$3 n w
	local -a conv=()
	shift 3
	for n in "$@"; do
		drop_link "$n"
	done
	if [ "$what" = token ]; then
		assert_ok -m "$p: its corosync traffic is dropped" \
			on "$p" sh -c 'iptables -I OUTPUT -p udp -j DROP &&
				iptables -I INPUT -p udp -j DROP'
		conv=(conv=notrunc)
	fi
	rd_bg on "$p" dd if=/dev/urandom of="$RD_DIR/$f" bs=1M count=1 \
		"${conv[@]}" status=none >"$RD_TMP/$f.out" 2>&1
	w=$RD_BG_PID
	# the bytes wait on the link, or the tokens with the primary
	sleep 2
	assert_ok -m "power cut of $p during its write of $f" lab kill "$p"
	wait "$w" 2>/dev/null
}

# back NODE PRIMARY: NODE boots again and is resynced by PRIMARY
back() {
	local s
	assert_ok -m "$1 boots again (corosync)" lab start "$1"
	assert_ok -m "$1: no packet filter left" \
		on "$1" sh -c 'iptables -F INPUT && iptables -F OUTPUT'
	s=$(rd_log_grep "$2" "full sync to node ${1#n} done")
	rd_start "$1"
	wait_until 120 "$2 resynced $1" logged "$2" \
		"full sync to node ${1#n} done" "$s"
	rd_wait_role "$1" SECOND 30
	# the cases need the bytes on the link: without it to every member,
	# the primary sends them whole in CPG
	wait_until 30 "$2's data link to $1 is up" rd_link_to "$2" "${1#n}" true
	wait_until 30 "every secondary acknowledged everything $2 sent" \
		rd_caught_up "$2"
}

# content NODE FILE: the sha256 of FILE on NODE
content() {
	on "$1" sha256sum "$RD_DIR/$2" | cut -d' ' -f1
}

# seed PRIMARY FILE: PRIMARY writes 1 MiB into FILE, every secondary
# acknowledges it; OLD is its content
seed() {
	assert_ok -m "$1 writes $2, which the next case rewrites" \
		on "$1" dd if=/dev/urandom of="$RD_DIR/$2" bs=1M count=1 \
		conv=fsync status=none
	wait_until 30 "every secondary acknowledged everything $1 sent" \
		rd_caught_up "$1"
	OLD=$(content "$1" "$2")
}

# rewritten NODE FILE: NODE holds other bytes in FILE than OLD (those of
# the write whose token never came); NEW is its content
rewritten() {
	NEW=$(content "$1" "$2")
	assert_ok -m "$1 applied the bytes of the write whose token never came" \
		[ -n "$NEW" ] && [ "$NEW" != "$OLD" ]
}

scenario_begin 29-replicd-lost-payload iptables ss
rd_begin

rd_trio_up
assert_ok -m "n1 writes 8 MiB of data first" \
	on n1 dd if=/dev/urandom of="$RD_DIR/base" bs=1M count=8 conv=fsync status=none
wait_until 30 "n2 and n3 acknowledged everything n1 sent" rd_caught_up n1

# A: both miss the bytes
cut_during_write bytes n1 lostA n2 n3
wait_until 45 "n2 sees that n1 is gone" rd_gone n2 1
wait_until 45 "n3 sees that n1 is gone" rd_gone n3 1
wait_until 45 "n2 and n3 gave up waiting for the bytes" settled n2 n3
undrop_link n2
undrop_link n3
assert_ok -m "n2 is SECOND and still up to date" rd_is n2 SECOND
assert_ok -m "n3 is SECOND and still up to date" rd_is n3 SECOND
assert_ok -m "n2: mirrorctl promote (an up-to-date secondary may)" mctl n2 promote
rd_wait_role n2 PRIM 10
assert_ok -m "n3 stays SECOND, up to date" rd_is n3 SECOND
assert_eq "$(rd_log_grep n2 'full sync to node 3 started')" 0 \
	"n2 keeps n3 in step without a resync (both missed the same bytes)"
rd_same_sums "A: n2 and n3 hold the same tree" n2 n3
assert_ok -m "n2: users keep writing after the failover" \
	on n2 dd if=/dev/urandom of="$RD_DIR/afterA" bs=1M count=2 conv=fsync status=none

# n1 comes back as a secondary of n2 (a full sync: it was primary)
assert_ok -m "n1 boots again (corosync)" lab start n1
# n1 was primary when it lost power: n2 must sync it before counting
# it in step
SYNC1='full sync to node 1 done'
s1=$(rd_log_grep n2 "$SYNC1")
rd_start n1
wait_until 120 "n2 resynced n1" logged n2 "$SYNC1" "$s1"
rd_wait_role n1 SECOND 30
wait_until 30 "n1 and n3 acknowledged everything n2 sent" rd_caught_up n2

# B: only n3 misses the bytes; n1 gets them
SYNC3='full sync to node 3 started'
s3=$(rd_log_grep n1 "$SYNC3") # n1 synced n3 once, as the first primary
cut_during_write bytes n2 lostB n3
wait_until 45 "n1 sees that n2 is gone" rd_gone n1 2
wait_until 45 "n3 sees that n2 is gone" rd_gone n3 2
undrop_link n3
wait_until 45 "n1 and n3 gave up waiting for the bytes" settled n1 n3
assert_ok -m "n1 applied the whole 1 MiB write" size_is n1 lostB 1048576
assert_ok -m "n3 is SECOND and still up to date" rd_is n3 SECOND
assert_ok -m "n1: mirrorctl promote" mctl n1 promote
# n3 holds less than n1: it must be resynced, not kept in step
wait_until 60 "n1 resyncs n3" logged n1 "$SYNC3" "$s3"
rd_wait_role n1 PRIM 120
rd_wait_role n3 SECOND 60
wait_until 30 "n3 acknowledged everything n1 sent" rd_caught_up n1
rd_same_sums "B: n1 and n3 hold the same tree" n1 n3

# C: both secondaries get the bytes, neither the token
back n2 n1
seed n1 unordC
cut_during_write token n1 unordC
wait_until 45 "n2 sees that n1 is gone" rd_gone n2 1
wait_until 45 "n3 sees that n1 is gone" rd_gone n3 1
KEPT='the primary left before CPG ordered its last operations'
wait_until 30 "n2 and n3 counted the writes they applied ahead of their tokens" \
	logged_all "$KEPT" n2 n3
wait_until 45 "n2 and n3 announced what they hold" settled n2 n3
assert_ok -m "n2 is SECOND and still up to date" rd_is n2 SECOND
assert_ok -m "n3 is SECOND and still up to date" rd_is n3 SECOND
rewritten n2 unordC
assert_eq "$(content n3 unordC)" "$NEW" "n3 applied the same bytes"
SYNC2='full sync to node 2 started'
s2=$(rd_log_grep n3 "$SYNC2")
assert_ok -m "n3: mirrorctl promote" mctl n3 promote
rd_wait_role n3 PRIM 10
assert_ok -m "n2 stays SECOND, up to date" rd_is n2 SECOND
assert_eq "$(rd_log_grep n3 "$SYNC2")" "$s2" \
	"n3 keeps n2 in step without a resync (both hold the same writes)"
rd_same_sums "C: n2 and n3 hold the same tree" n2 n3
assert_ok -m "n3: users keep writing after the failover" \
	on n3 dd if=/dev/urandom of="$RD_DIR/afterC" bs=1M count=2 conv=fsync status=none
wait_until 30 "n2 acknowledged everything n3 sent" rd_caught_up n3
rd_same_sums "C: n2 and n3 still hold the same tree" n2 n3

# D: n1 gets the bytes, n2 neither them nor the token
back n1 n3
seed n3 unordD
s2=$(rd_log_grep n1 "$SYNC2")
k1=$(rd_log_grep n1 "$KEPT")
cut_during_write token n3 unordD n2
wait_until 45 "n1 sees that n3 is gone" rd_gone n1 3
wait_until 45 "n2 sees that n3 is gone" rd_gone n2 3
undrop_link n2
wait_until 30 "n1 counted the writes it applied ahead of their tokens" \
	logged n1 "$KEPT" "$k1"
wait_until 45 "n1 and n2 announced what they hold" settled n1 n2
rewritten n1 unordD
assert_eq "$(content n2 unordD)" "$OLD" "n2 holds the old bytes"
assert_ok -m "n1 is SECOND and still up to date" rd_is n1 SECOND
assert_ok -m "n1: mirrorctl promote" mctl n1 promote
# n2 does not hold what n1 holds: it must be resynced, not kept in step
wait_until 60 "n1 resyncs n2" logged n1 "$SYNC2" "$s2"
rd_wait_role n1 PRIM 120
rd_wait_role n2 SECOND 60
wait_until 30 "n2 acknowledged everything n1 sent" rd_caught_up n1
rd_same_sums "D: n1 and n2 hold the same tree" n1 n2
assert_eq "$(content n2 unordD)" "$NEW" "n2 got n1's bytes of the write"

# E: CPG carries nothing from n1; the link still acks its operations
back n3 n1
# a member applies ahead only once CPG delivered an op after its sync
assert_ok -m "n1 writes seedE, so CPG delivers ops to n3 after its sync" \
	on n1 dd if=/dev/urandom of="$RD_DIR/seedE" bs=1M count=1 \
	conv=fsync status=none
wait_until 30 "every secondary acknowledged everything n1 sent" \
	rd_caught_up n1
k2=$(rd_log_grep n2 "$KEPT")
k3=$(rd_log_grep n3 "$KEPT")
s3=$(rd_log_grep n2 "$SYNC3")
assert_ok -m "n1: its corosync traffic is dropped" \
	on n1 sh -c 'iptables -I OUTPUT -p udp -j DROP &&
		iptables -I INPUT -p udp -j DROP'
# shellcheck disable=SC2016 # the inner shell expands them
assert_ok -m "n1: mkdir, a create and an fsync'ed write return while CPG carries nothing" \
	on n1 timeout 3 sh -c 'mkdir "$1/dirE" &&
		printf "acked on the link\n" | dd of="$1/dirE/f" conv=fsync status=none' \
	sh "$RD_DIR"
# not because it lost n2 and n3 and went on alone
assert_eq "$(rd_get n1 role)" PRIM "n1 was still PRIM when they returned"
assert_ok -m "power cut of n1 after those operations returned" lab kill n1
wait_until 45 "n2 sees that n1 is gone" rd_gone n2 1
wait_until 45 "n3 sees that n1 is gone" rd_gone n3 1
wait_until 30 "n2 counted the operations it applied ahead of CPG" \
	logged n2 "$KEPT" "$k2"
wait_until 30 "n3 counted the operations it applied ahead of CPG" \
	logged n3 "$KEPT" "$k3"
wait_until 45 "n2 and n3 announced what they hold" settled n2 n3
assert_ok -m "n2 is SECOND and still up to date" rd_is n2 SECOND
assert_ok -m "n3 is SECOND and still up to date" rd_is n3 SECOND
for n in n2 n3; do
	assert_eq "$(on "$n" cat "$RD_DIR/dirE/f" 2>&1)" "acked on the link" \
		"$n holds the directory and the file n1's application saw succeed"
done
assert_ok -m "n2: mirrorctl promote" mctl n2 promote
rd_wait_role n2 PRIM 10
assert_ok -m "n3 stays SECOND, up to date" rd_is n3 SECOND
assert_eq "$(rd_log_grep n2 "$SYNC3")" "$s3" \
	"n2 keeps n3 in step without a resync (both hold the same operations)"
rd_same_sums "E: n2 and n3 hold the same tree" n2 n3
assert_ok -m "n2: users keep writing after the failover" \
	on n2 dd if=/dev/urandom of="$RD_DIR/afterE" bs=1M count=2 conv=fsync status=none
wait_until 30 "n3 acknowledged everything n2 sent" rd_caught_up n2
rd_same_sums "E: n2 and n3 still hold the same tree" n2 n3

rd_stop n3
rd_stop n2
