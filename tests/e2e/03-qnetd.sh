#!/bin/bash
# 03-qnetd: with a qnetd witness only one half of a split cluster runs.
#
# Two nodes, corosync-qdevice (model net, ffsplit, TLS) against
# corosync-qnetd on the witness w. n1 and n2 lose each other but both
# still reach w: exactly one side stays quorate, and the Dummy resource
# runs there and nowhere else. After the network heals both are quorate.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

scenario_begin 03-qnetd corosync-qnetd corosync-qdevice ping

# the quorum view lists the quorum device and counts its vote
quorum_has_qdevice() {
	local out
	out=$(on "$1" corosync-quorumtool -s) || return 1
	echo "$out" | grep -q '^Flags: .*Qdevice' &&
		echo "$out" | grep -Eq '^ +0 +1 +Qdevice$'
}

one_side_quorate() {
	case "$(quorate n1)$(quorate n2)" in
	YesNo | NoYes) return 0 ;;
	*) return 1 ;;
	esac
}

both_quorate() {
	[ "$(quorate n1)$(quorate n2)" = YesYes ]
}

export LAB_TOKEN=1000 LAB_QDEVICE=ffsplit LAB_QTLS=on
assert_ok -m "lab up 2 with qnetd witness (ffsplit, TLS)" lab up 2
assert_eq "$(crm_mon_online n1)" "n1 n2" "crm_mon -1 shows n1 and n2 online"
assert_ok -m "corosync-quorumtool -s on n1 counts the Qdevice vote" \
	quorum_has_qdevice n1
assert_ok -m "corosync-quorumtool -s on n2 counts the Qdevice vote" \
	quorum_has_qdevice n2

assert_ok -m "n1: pcs property set no-quorum-policy=stop" pcs_on n1 property set no-quorum-policy=stop
assert_ok -m "n1: pcs resource create d1 ocf:pacemaker:Dummy" pcs_on n1 resource create d1 ocf:pacemaker:Dummy
# prefer the node that the tie-breaker (lowest node id) does not favour,
# so that the resource has to move when the split happens
assert_ok -m "n1: pcs constraint location d1 prefers n2=100" pcs_on n1 constraint location d1 prefers n2=100
wait_until 20 "d1 runs on n2" resource_on d1 n2 n1

assert_ok -m "partition n1 from n2 (both still reach w)" lab partition n1 n2
assert_ok -m "n1 still reaches the witness" on n1 ping -c1 -W2 "$(lab ip w)"
assert_ok -m "n2 still reaches the witness" on n2 ping -c1 -W2 "$(lab ip w)"
wait_until 15 "exactly one side is quorate" one_side_quorate
q1=$(quorate n1)
q2=$(quorate n2)
note "after the split: n1 quorate=$q1, n2 quorate=$q2"
if [ "$q1" = Yes ]; then
	win=n1 lose=n2
else
	win=n2 lose=n1
fi
assert_eq "$q1$q2" "$(quorate n1)$(quorate n2)" "quorum is stable (n1 $q1, n2 $q2)"
wait_until 15 "d1 runs on the quorate side $win" resource_on d1 "$win" "$win"
wait_until 15 "d1 stopped on the blocked side $lose" not dummy_active "$lose" d1
assert_ok -m "d1 really runs on $win (agent state)" dummy_active "$win" d1
sleep 2
assert_ok -m "2 s later d1 still runs on $win only" \
	only_active d1 "$win" n1 n2

assert_ok -m "heal the network" lab heal
wait_until 20 "both sides quorate again" both_quorate
wait_until 30 "crm_mon -1 shows n1 and n2 online" online_is n1 "n1 n2"
assert_ok -m "cluster settles" settle n1
assert_eq "$(resource_node d1 n1)" n2 "d1 runs on n2 again (location preference)"
assert_ok -m "d1 runs on n2 only (agent state)" only_active d1 n2 n1 n2
