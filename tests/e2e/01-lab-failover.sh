#!/bin/bash
# 01-lab-failover: a Dummy resource survives the power cut of its node.
#
# Two nodes, token 1000 ms. The user creates a resource, pulls the plug of
# the node running it, and sees it running on the other node within the
# token timeout plus a few seconds; the node boots again and rejoins.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

scenario_begin 01-lab-failover

export LAB_TOKEN=1000
assert_ok -m "lab up 2" lab up 2
assert_eq "$(crm_mon_online n1)" "n1 n2" "crm_mon -1 on n1 shows n1 and n2 online"
assert_eq "$(crm_mon_online n2)" "n1 n2" "crm_mon -1 on n2 shows n1 and n2 online"

assert_ok -m "n1: pcs resource create d1 ocf:pacemaker:Dummy" pcs_on n1 resource create d1 ocf:pacemaker:Dummy
wait_until 20 "d1 is started" resource_node d1 n1
active=$(resource_node d1 n1)
case $active in
n1) standby=n2 ;;
n2) standby=n1 ;;
*) fail "d1 runs on exactly one node" "crm_resource --locate: '$active'" ;;
esac
assert_ok -m "d1 really runs on $active (agent state)" dummy_active "$active" d1
assert_fail -m "d1 does not run on $standby" dummy_active "$standby" d1

assert_ok -m "power cut of $active" lab kill "$active"
wait_until 11 "d1 runs on $standby after the power cut of $active" \
	resource_on d1 "$standby"
note "failover after power cut: $WAIT_S s (token 1000 ms)"
assert_ok -m "d1 really runs on $standby (agent state)" dummy_active "$standby" d1
assert_eq "$(crm_mon_online "$standby")" "$standby" "crm_mon -1 on $standby shows only $standby online"

assert_ok -m "lab start $active (boot again)" lab start "$active"
wait_until 30 "$active is back: crm_mon -1 shows n1 and n2 online" \
	online_is "$standby" "n1 n2"
assert_ok -m "cluster settles" settle "$standby"
wait_until 10 "d1 runs on exactly one node" resource_node d1 "$standby"
assert_eq "$(resource_node d1 "$standby" | wc -w)" 1 "crm_resource --locate names one node for d1"
