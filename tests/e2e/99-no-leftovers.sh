#!/bin/bash
# 99-no-leftovers: the scenario labs left nothing behind.
#
# Runs after every other scenario (tests/e2e/e2e.mk orders it last). No
# network namespace, mount, state directory or process of a scenario lab
# ($E2E_LAB_PREFIX<NN>) may remain. Labs of other names (other engineers'
# labs on the same machine) are not looked at.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

scenario_begin 99-no-leftovers

re="^${E2E_LAB_PREFIX}[0-9]+-"
left=$(ip netns list | awk '{print $1}' | grep -E "$re" | paste -sd' ')
expect_eq "$left" "" "no network namespace $E2E_LAB_PREFIX<NN>-* left (ip netns list)"

left=$(awk -v r="^($E2E_LAB_ROOT/|/run/netns/)${E2E_LAB_PREFIX}[0-9]+" \
	'$2 ~ r {print $2}' /proc/mounts | paste -sd' ')
expect_eq "$left" "" "no mount of a scenario lab left (/proc/mounts)"

left=$(find "$E2E_LAB_ROOT" -maxdepth 1 -regex ".*/${E2E_LAB_PREFIX}[0-9]+" 2>/dev/null | paste -sd' ')
expect_eq "$left" "" "no state directory of a scenario lab left"

# lab_of PID: the LAB_DIR of the lab node PID runs in (its node-init is
# the nearest ancestor named so), empty for a process outside every lab
lab_of() {
	local p=$1 cmd ppid d
	while [ "$p" -gt 1 ]; do
		cmd=$(tr '\0' ' ' 2>/dev/null </proc/"$p"/cmdline) || return 0
		case $cmd in
		*/node-init\ *)
			read -r _ _ d _ <<<"$cmd"
			echo "$d"
			return 0
			;;
		esac
		ppid=$(awk '/^PPid:/ {print $2}' /proc/"$p"/status 2>/dev/null) || return 0
		p=${ppid:-1}
	done
}

ours=
for p in $(pidof corosync corosync-qdevice corosync-qnetd pacemakerd \
	pacemaker-based pacemaker-controld pacemaker-execd 2>/dev/null); do
	d=$(lab_of "$p")
	case $d in
	"$E2E_LAB_ROOT/${E2E_LAB_PREFIX}"[0-9]*) ours="$ours $p($d)" ;;
	"") note "process $p ($(cat /proc/"$p"/comm 2>/dev/null)) runs outside every lab" ;;
	*) note "process $p ($(cat /proc/"$p"/comm 2>/dev/null)) belongs to lab $d, not a scenario lab" ;;
	esac
done
expect_eq "${ours# }" "" "no cluster daemon of a scenario lab still runs"

# the inits and unshares the lab started name their lab directory
ours=
for p in /proc/[0-9]*; do
	p=${p#/proc/}
	case $(tr '\0' ' ' 2>/dev/null </proc/"$p"/cmdline) in
	*" $E2E_LAB_ROOT/$E2E_LAB_PREFIX"[0-9]*) ours="$ours $p" ;;
	esac
done
expect_eq "${ours# }" "" "no process of a scenario lab left (node init, unshare)"
