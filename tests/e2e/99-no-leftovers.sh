#!/bin/bash
# 99-no-leftovers: the scenario labs left nothing behind.
#
# Runs after every other scenario (tests/e2e/e2e.mk orders it last). No
# network namespace, mount, state directory or process of a scenario lab
# ($E2E_LAB_PREFIX<NN>) may remain. Labs of other names (other engineers'
# labs on the same machine) are not looked at. Then a scenario is
# interrupted (SIGTERM, as make check gets on Ctrl-C or a CI timeout) and
# must leave nothing either.
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

# An interrupted scenario cleans up too: 01-lab-failover as lab
# intr01, its output read through a pipe as the TAP driver reads it,
# gets SIGTERM on its whole process group (the reader dies with it, as
# when make check is interrupted) once its lab is up.
intr=intr
intr_dir=$E2E_LAB_ROOT/${intr}01
intr_left() {
	{
		ip netns list | awk '{print $1}' | grep -E "^${intr}01-"
		for p in /proc/[0-9]*; do
			case $(tr '\0' ' ' 2>/dev/null <"$p/cmdline") in
			*" $intr_dir "*) echo "${p#/proc/}" ;;
			esac
		done
	} | paste -sd' '
}
# group_running PGID: a process of that process group still runs (the
# lab's nodes run in sessions of their own)
group_running() {
	ps -eo pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ {f = 1} END {exit !f}'
}
out=$(mktemp)
pg=
# the exit hook: whatever happens here, lab intr01 goes too
intr_exit() {
	local rc=$?
	if [ -n "$pg" ]; then
		kill -KILL -- "-$pg" 2>/dev/null
		wait "$pg" 2>/dev/null
	fi
	LAB_NAME=${intr}01 LAB_DIR=$intr_dir "$LAB_BIN" down 2>&1 | note
	rm -f "$out"
	(exit "$rc")
	_scenario_exit
}
trap intr_exit EXIT
# shellcheck disable=SC2016 # for the shell in the new session
setsid env E2E_LAB_PREFIX=$intr bash -c '"$0" 2>&1 | cat >"$1"' \
	"$E2E_DIR/01-lab-failover.sh" "$out" </dev/null &
pg=$!
wait_until 90 "lab ${intr}01 of an interrupted 01-lab-failover is up" \
	grep -q '^ok 1 ' "$out"
kill -TERM -- "-$pg"
wait_until 60 "the interrupted scenario and its exit hooks end" \
	not group_running "$pg"
expect_eq "$(intr_left)" "" \
	"the interrupted scenario left no namespace or process of lab ${intr}01"
