#!/bin/bash
# 02-lab-three-nodes: the majority keeps quorum and takes over.
#
# Three nodes, no-quorum-policy=stop. n3 runs a Dummy resource and is cut
# off from n1 and n2: n1 and n2 stay quorate, n3 loses quorum and stops the
# resource, which starts on n1 or n2. After the network heals n3 rejoins.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

scenario_begin 02-lab-three-nodes

export LAB_TOKEN=1000
assert_ok -m "lab up 3" lab up 3
assert_eq "$(crm_mon_online n1)" "n1 n2 n3" "crm_mon -1 shows n1, n2 and n3 online"
assert_eq "$(quorate n3)" Yes "corosync-quorumtool -s on n3: quorate"

assert_ok -m "n1: pcs property set no-quorum-policy=stop" pcs_on n1 property set no-quorum-policy=stop
assert_ok -m "n1: pcs resource create d1 ocf:pacemaker:Dummy" pcs_on n1 resource create d1 ocf:pacemaker:Dummy
assert_ok -m "n1: pcs constraint location d1 prefers n3=100" pcs_on n1 constraint location d1 prefers n3=100
wait_until 20 "d1 runs on n3" resource_on d1 n3 n1
assert_ok -m "d1 really runs on n3 (agent state)" dummy_active n3 d1

assert_ok -m "partition n3 from n1 and n2" lab partition n3 n1,n2
wait_until 15 "n3 loses quorum" test_quorate n3 No
assert_eq "$(quorate n1)" Yes "corosync-quorumtool -s on n1: quorate"
assert_eq "$(quorate n2)" Yes "corosync-quorumtool -s on n2: quorate"
wait_until 15 "d1 stops on n3 (no quorum)" not dummy_active n3 d1
wait_until 15 "d1 runs on n1 or n2" resource_in d1 "n1 n2" n1
where=$(resource_node d1 n1)
assert_ok -m "d1 really runs on $where (agent state)" dummy_active "$where" d1
assert_eq "$(crm_mon_online n1)" "n1 n2" "crm_mon -1 on n1 shows n1 and n2 online"

assert_ok -m "heal the network" lab heal
wait_until 30 "n3 rejoins: crm_mon -1 shows n1, n2 and n3 online" \
	online_is n1 "n1 n2 n3"
wait_until 10 "n3 is quorate again" test_quorate n3 Yes
assert_ok -m "cluster settles" settle n1
wait_until 10 "d1 runs on one node" resource_node d1 n1
assert_eq "$(resource_node d1 n1 | wc -w)" 1 "crm_resource --locate names one node for d1"
