#!/bin/bash
# lab-agents.sh - the agents of provider "mirror" in a real 2-node cluster
# (tests/lab/lab, token 1000 ms, client namespace c = 10.99.0.200).
#
# What the user does and sees:
#   vip-one-side  pcs resource create vip ... ip=10.99.0.50 cidr_netmask=24:
#                 the address is on one node, the client reaches it; power
#                 cut of that node: it moves, the client's ARP entry points
#                 to the other node (gratuitous ARP) and ping works; an
#                 address another host already has (10.99.0.51 on the
#                 client) is refused and crm_mon shows why; ocf-tester
#   podman        an httpd container (local image from busybox-static) with
#                 a VIP in one group: the client fetches the page; power cut:
#                 the group runs on the other node, the client fetches the
#                 page there; ocf-tester
#   mirrorfs      two mirrors side by side (/srv/www, /srv/db) as promotable
#                 clones: Unpromoted (WAIT) until force-primary + demote on
#                 n1, then Promoted on n1, n2 resyncs (SECOND, sync 100) and
#                 crm_mon -1A shows mirror-NAME-role/-sync; a file written on
#                 n1 is on n2; power cut of n1: n2 is promoted (ALONE) with
#                 the file; ocf-tester (needs replicd/replicd and
#                 replicd/mirrorctl built in top_builddir)
#
# The agents are not installed on the host: every node gets its own copy of
# /usr/lib/ocf/resource.d/mirror (LAB_PRIVATE_DIRS) filled from ocf/.
# A power cut here is the lab's kill plus what a real one implies for the
# network: the node's switch port goes down and the addresses the agents
# added vanish (the lab keeps a dead node's network namespace configured).
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=../e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../e2e/cluster.sh
. "$(dirname "$0")/../e2e/cluster.sh"
# shellcheck source-path=SCRIPTDIR source=../e2e/podman.sh
. "$(dirname "$0")/../e2e/podman.sh"

AG_BUILD=${top_builddir:-$E2E_TOP}
REPLICD=$AG_BUILD/replicd/replicd
MIRRORCTL=$AG_BUILD/replicd/mirrorctl
AGENT_DIR=/usr/lib/ocf/resource.d/mirror
VIP=10.99.0.50
DUP=10.99.0.51
WVIP=10.99.0.52
# runtime addresses a power cut takes away
VIPS="$VIP $WVIP"
AG_WORK=

scenario_begin agents-lab arping ocf-tester

export LAB_TOKEN=1000 LAB_CLIENT=1
export LAB_PRIVATE_DIRS="$AGENT_DIR /srv/www /srv/db /srv/ot /srv/web /etc/containers /var/lib/containers"

# ---- helpers ----

# scenario_logs: on failure, what the agents and replicd logged in the
# nodes (their /run is private and goes with the lab)
scenario_logs() {
	local n
	for n in n1 n2; do
		# shellcheck disable=SC2016 # for the shell inside the node
		on "$n" sh -c 'for f in /run/resource-agents/*.log; do
			[ -f "$f" ] || continue
			echo "==== $0: $f (last 40 lines)"; tail -n 40 "$f"; done' "$n"
		echo "==== $n: processes"
		on "$n" ps -eo pid,ppid,stat,etimes,wchan:24,args 2>&1
		for m in mir mir2; do
			echo "==== $n: mirrorctl -r $m --json status"
			on "$n" timeout 10 "$MIRRORCTL" -r "$m" -t 5 --json status 2>&1
			echo "exit $?"
		done
	done
}

# promo_are RSC SCORE1 SCORE2: the promotion scores of RSC on n1 and n2
# (crm_attribute --promotion), "none" for no score
promo_of() {
	local v
	v=$(on n1 crm_attribute -N "$1" --promotion="$2" -G -q 2>/dev/null) || v=
	echo "${v:-none}"
}
promo_are() {
	local got
	got="$(promo_of n1 "$1") $(promo_of n2 "$1")"
	echo "promotion scores of $1 on n1, n2: $got"
	[ "$got" = "$2 $3" ]
}
# promo_settled RSC: 1000 on the node where RSC is Promoted, 100 or 110
# (up to date) on the other
promo_settled() {
	local p o
	p=$(promoted_node n1 "$1-clone") || return 1
	o=$(other "$p")
	echo "promotion scores of $1: $p $(promo_of "$p" "$1"), $o $(promo_of "$o" "$1")"
	[ "$(promo_of "$p" "$1")" = 1000 ] || return 1
	case $(promo_of "$o" "$1") in
	100 | 110) ;;
	*) return 1 ;;
	esac
}

mctl() {
	local n=$1
	shift
	on "$n" "$MIRRORCTL" "$@"
}

agents_cleanup() {
	# stop the containers cleanly while the lab still runs (podman then
	# removes their cgroups); the node logs stay for _scenario_exit
	pm_cleanup n1 n2
	[ -z "$AG_WORK" ] || rm -rf "$AG_WORK"
}

# the lab goes down in _scenario_exit; cgroups of killed containers can be
# removed only after that
agents_exit() {
	local rc=$?
	trap - EXIT
	agents_cleanup
	# _scenario_exit (logs on failure, lab down, plan) ends with exit:
	# run it in a subshell, with our status, to go on after it
	(
		(exit "$rc")
		_scenario_exit
	)
	rc=$?
	pm_cgroups_cleanup
	exit "$rc"
}
trap agents_exit EXIT

# ---- the cluster ----

assert_ok -m "lab up 2 (token 1000 ms, client c)" lab up 2
for n in n1 n2; do
	d=$(lab path "$n" "$AGENT_DIR") || fail "lab path $n $AGENT_DIR"
	install -m 755 "$E2E_TOP/ocf/mirrorfs" "$E2E_TOP/ocf/vip-one-side" \
		"$E2E_TOP/ocf/podman" "$d/" || fail "install the agents on $n"
done
pass "agents installed in each node's $AGENT_DIR"

# phase NAME: how long the previous phase took (the scenario should stay
# under ~3 minutes)
PHASE_T0=0
PHASE_NAME="lab up"
phase() {
	note "phase '$PHASE_NAME' took $((SECONDS - PHASE_T0)) s"
	PHASE_T0=$SECONDS
	PHASE_NAME=$1
}

# ---- vip-one-side ----
phase vip-one-side

assert_ok pcs_on n1 resource create vip ocf:mirror:vip-one-side \
	ip=$VIP cidr_netmask=24 op monitor interval=5s
assert_ok -m "the cluster settles" settle n1
wait_until 20 "vip is started" resource_in vip "n1 n2" n1
A=$(resource_node vip n1)
B=$(other "$A")
assert_ok -m "$VIP/24 is on $A's eth0" has_addr "$A" "$VIP/24"
assert_fail -m "$VIP is not on $B" has_addr "$B" "$VIP"
wait_until 10 "the client pings $VIP" on c ping -c 1 -W 1 $VIP
MAC_A=$(mac_of "$A")
MAC_B=$(mac_of "$B")
assert_ok -m "the client's ARP entry for $VIP is $A's MAC ($MAC_A)" client_mac_is $VIP "$MAC_A"

assert_ok -m "power cut of $A" power_cut "$A"
wait_until 20 "vip runs on $B after the power cut of $A" resource_on vip "$B" "$B"
note "vip failover: $WAIT_S s"
assert_ok -m "$VIP/24 is on $B's eth0" has_addr "$B" "$VIP/24"
wait_until 5 "gratuitous ARP: the client's entry for $VIP is now $B's MAC ($MAC_B)" \
	client_mac_is $VIP "$MAC_B"
wait_until 10 "the client pings $VIP on $B" on c ping -c 1 -W 1 $VIP

assert_ok -m "the client takes $DUP" on c ip addr add "$DUP/24" dev eth0
assert_ok pcs_on "$B" resource create vipdup ocf:mirror:vip-one-side \
	ip=$DUP cidr_netmask=24
wait_until 20 "vipdup fails: crm_mon shows 'already in use by another host'" \
	failed_with "$B" vipdup "$DUP is already in use by another host"
assert_fail -m "$DUP was not added on $B" has_addr "$B" "$DUP"
assert_ok -m "the client still owns $DUP (ping from $B)" on "$B" ping -c 1 -W 2 $DUP
assert_ok pcs_on "$B" resource delete vipdup --force
assert_ok on c ip addr del "$DUP/24" dev eth0

assert_ok -m "ocf-tester vip-one-side on $B" on "$B" ocf-tester -n vtest \
	-o ip=10.99.0.60 "$AGENT_DIR/vip-one-side"
assert_fail -m "ocf-tester left no address behind" has_addr "$B" 10.99.0.60

assert_ok -m "$A boots again" power_on "$A"
wait_until 30 "$A is back: n1 and n2 online" online_is "$B" "n1 n2"
wait_until 30 "the cluster settled (DC idle)" cluster_idle "$B"
assert_ok -m "vip stays on $B" resource_on vip "$B" "$B"
assert_fail -m "$VIP is not on $A" has_addr "$A" "$VIP"

# ---- podman ----
phase podman

missing=$(pm_missing)
if [ -n "$missing" ]; then
	skip_part "podman: needs $missing"
else
	AG_WORK=$(mktemp -d /tmp/ham-agents-img.XXXXXX)
	pm_image_tar "$AG_WORK"
	for n in n1 n2; do
		assert_ok -m "$n: podman import of the busybox httpd image" \
			pm_node_setup "$n" "$AG_WORK/rootfs.tar" localhost/bbhttpd
		echo "served by $n" >"$(lab path "$n" /srv/web)/index.html"
	done
	assert_ok pcs_on n1 resource create wvip ocf:mirror:vip-one-side \
		ip=$WVIP cidr_netmask=24 --group webgrp
	assert_ok pcs_on n1 resource create web ocf:mirror:podman \
		image=localhost/bbhttpd name=web volumes=/srv/web:/www:ro \
		"run_opts=--network host" \
		"monitor_cmd=wget -q -O /dev/null http://127.0.0.1:8080/" \
		op monitor interval=5s --group webgrp
	wait_until 40 "the web container is started" resource_in web "n1 n2" n1
	W=$(resource_node web n1)
	O=$(other "$W")
	wait_until 10 "the client fetches 'served by $W' from $WVIP:8080" \
		page_is "http://$WVIP:8080/" "served by $W"
	assert_eq "$(on "$W" podman inspect --format '{{.State.Running}}' web 2>/dev/null)" \
		true "podman on $W shows the container web running"
	pm_remember "$W"
	assert_ok -m "power cut of $W" power_cut "$W"
	wait_until 40 "web runs on $O after the power cut of $W" resource_on web "$O" "$O"
	note "web failover: $WAIT_S s"
	wait_until 10 "the client fetches 'served by $O'" \
		page_is "http://$WVIP:8080/" "served by $O"
	assert_ok -m "ocf-tester podman on $O" on "$O" ocf-tester -n ptest \
		-o image=localhost/bbhttpd -o name=ptest -o "run_opts=--network host" \
		-o "run_cmd=/bin/busybox httpd -f -p 8081 -h /www" \
		-o volumes=/srv/web:/www:ro \
		-o "monitor_cmd=wget -q -O /dev/null http://127.0.0.1:8081/" \
		"$AGENT_DIR/podman"
	assert_fail -m "ocf-tester left no container ptest" on "$O" podman container exists ptest
	assert_ok -m "$W boots again" power_on "$W"
	wait_until 30 "$W is back: n1 and n2 online" online_is "$O" "n1 n2"
	assert_ok pcs_on "$O" resource disable webgrp --wait=30
fi

# ---- mirrorfs ----
phase mirrorfs

if [ ! -x "$REPLICD" ] || [ ! -x "$MIRRORCTL" ]; then
	skip_part "mirrorfs: replicd is not built ($REPLICD, $MIRRORCTL missing; run make)"
	exit 0
fi
for m in mir:/srv/www mir2:/srv/db; do
	assert_ok pcs_on n1 resource create "${m%%:*}" ocf:mirror:mirrorfs \
		"directory=${m#*:}" "replicd=$REPLICD" "mirrorctl=$MIRRORCTL" \
		op monitor interval=3s role=Promoted op monitor interval=4s role=Unpromoted \
		promotable notify=true
done
for m in mir mir2; do
	wait_until 30 "$m: both instances Unpromoted (fresh replicas)" \
		roles_are n1 "$m-clone" Unpromoted/Unpromoted
	wait_until 10 "$m: crm_mon -1A shows mirror-$m-role=WAIT on n2" \
		attr_is n1 n2 "mirror-$m-role" WAIT
	wait_until 10 "$m: promotion score -INFINITY on n1 and n2 (WAIT)" \
		promo_are "$m" -INFINITY -INFINITY
done
# the reference data: written on n1's disk before the first start
echo "seed www" >"$(lab path n1 /srv/www)/seed.html"
for m in mir mir2; do
	assert_ok -m "$m: mirrorctl force-primary on n1" mctl n1 -r "$m" force-primary
	assert_ok -m "$m: mirrorctl demote on n1 (up to date, Pacemaker decides)" mctl n1 -r "$m" demote
done
# n2 resyncs from n1 while n1 is primary: both may end up up to date, and
# Pacemaker promotes either
wait_until 30 "mir: Promoted on one node, Unpromoted on the other" \
	one_promoted n1 mir-clone
P=$(promoted_node n1 mir-clone)
S=$(other "$P")
note "mir is promoted on $P"
for m in mir mir2; do
	wait_until 30 "$m: one Promoted, one Unpromoted" one_promoted n1 "$m-clone"
	wait_until 30 "$m: crm_mon -1A shows mirror-$m-role=PRIM on $(promoted_node n1 "$m-clone")" \
		attr_is n1 "$(promoted_node n1 "$m-clone")" "mirror-$m-role" PRIM
	wait_until 30 "$m: crm_mon -1A shows mirror-$m-role=SECOND, mirror-$m-sync=100 on the other" \
		second_synced n1 "$(other "$(promoted_node n1 "$m-clone")")" "$m"
	wait_until 10 "$m: promotion score 1000 where Promoted, 100 or 110 on the up-to-date other" \
		promo_settled "$m"
done
wait_until 10 "$S has n1's seed.html (initial sync)" file_is "$S" /srv/www/seed.html "seed www"
M2=$(promoted_node n1 mir2-clone)
assert_ok -m "$P writes /srv/www/index.html through the mirror" \
	on "$P" sh -c 'echo "mirrored www" >/srv/www/index.html'
assert_ok -m "$M2 writes /srv/db/db.txt through the mirror" \
	on "$M2" sh -c 'echo "mirrored db" >/srv/db/db.txt'
wait_until 10 "$S's copy of /srv/www/index.html matches" \
	file_is "$S" /srv/www/index.html "mirrored www"
wait_until 10 "$(other "$M2")'s copy of /srv/db/db.txt matches" \
	file_is "$(other "$M2")" /srv/db/db.txt "mirrored db"

assert_ok -m "power cut of $P (Promoted)" power_cut "$P"
wait_until 20 "mir: $S is promoted after the power cut of $P" promoted_on "$S" mir-clone "$S"
note "mirrorfs promotion after power cut: $WAIT_S s"
wait_until 20 "mir2: $S is promoted" promoted_on "$S" mir2-clone "$S"
wait_until 10 "crm_mon -1A on $S shows mirror-mir-role=ALONE" attr_is "$S" "$S" mirror-mir-role ALONE
assert_eq "$(mctl "$S" -r mir status --json | sed 's/,"last_error".*//' |
	sed -n 's/.*"role":"\([A-Z]*\)","up_to_date":\([a-z]*\).*/\1 \2/p')" \
	"ALONE true" "mirrorctl on $S: ALONE, up to date"
assert_eq "$(on "$S" cat /srv/www/index.html 2>/dev/null)" "mirrored www" \
	"$S serves /srv/www/index.html as written on $P"
assert_ok -m "$S writes to the promoted mirror" on "$S" sh -c 'echo after >/srv/www/after.txt'

phase "mirrorfs ocf-tester"
# ocf-tester: a third mirror on $S that was primary when it stopped, so
# that the agent's promote can succeed (an up-to-date replica)
E="OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=otest OCF_RESKEY_directory=/srv/ot"
E="$E OCF_RESKEY_replicd=$REPLICD OCF_RESKEY_mirrorctl=$MIRRORCTL"
# shellcheck disable=SC2086 # E is a list of VAR=VALUE words
assert_ok -m "otest: agent start on $S" on "$S" env $E "$AGENT_DIR/mirrorfs" start
assert_ok -m "otest: force-primary" mctl "$S" -r otest force-primary
# shellcheck disable=SC2086 # E is a list of VAR=VALUE words
assert_ok -m "otest: agent stop on $S (as primary)" on "$S" env $E "$AGENT_DIR/mirrorfs" stop
assert_ok -m "ocf-tester mirrorfs on $S" on "$S" ocf-tester -n otest \
	-o directory=/srv/ot -o "replicd=$REPLICD" -o "mirrorctl=$MIRRORCTL" \
	"$AGENT_DIR/mirrorfs"
assert_eq "$(mounts_at "$S" /srv/ot)" 1 \
	"ocf-tester left no mount on /srv/ot"
phase end
