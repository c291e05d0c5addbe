# shellcheck shell=bash
# lib.sh - assertions for end-to-end scenarios, TAP output.
#
# A scenario sources this file, calls `scenario_begin NAME`, brings up its
# own lab with `lab up N` and asserts what a user would check. Every
# assertion prints one TAP line ("ok N - ..." or "not ok N - ..."); the
# first failed assertion ends the scenario. The plan "1..N" comes last.
# Whatever happens, the EXIT trap prints the node logs when something
# failed and takes the lab down.
#
#   scenario_begin NAME [CMD...]  LAB_NAME=${E2E_LAB_PREFIX:-e2e}NN (NN from
#                          NAME "NN-..."), LAB_DIR=${E2E_LAB_ROOT:-/tmp/ham-lab}/
#                          LAB_NAME; skips unless root, HAM_E2E!=0 and
#                          every CMD (plus the cluster tools) exists; then
#                          waits for any other scenario to finish (a lock
#                          in E2E_LAB_ROOT; E2E_NO_LOCK=1 to run side by side)
#   lab VERB ...           tests/lab/lab for this scenario's lab
#   on NODE CMD...         run CMD inside NODE (alias crm_on)
#   pcs_on NODE ARGS...    pcs ARGS inside NODE
#   assert_eq ACTUAL EXPECTED DESC
#   expect_eq ACTUAL EXPECTED DESC  the same, but the scenario goes on
#   assert_ok [-m DESC] CMD...     CMD must succeed (its output is noted)
#   assert_fail [-m DESC] CMD...   CMD must fail
#   wait_until TIMEOUT_S DESC CMD...  poll CMD every 0.2 s until it
#                          succeeds; sets WAIT_S to the seconds it took
#   resource_node RSC [VIA]  node(s) crm_resource --locate names for RSC
#   resource_on RSC NODE [VIA]  RSC runs on NODE and nowhere else
#   resource_in RSC "N1 N2" [VIA]  RSC runs on exactly one of these
#   dummy_active NODE RSC  the Dummy agent's state file exists on NODE
#   only_active RSC NODE ALL...  Dummy RSC active on NODE, no other of ALL
#   crm_mon_online VIA     nodes `crm_mon -1` on VIA lists as Online
#   online_is VIA "N1 N2"  exactly these nodes are Online on VIA
#   quorate NODE           "Yes"/"No" from corosync-quorumtool -s on NODE
#   test_quorate NODE Yes|No   the same as a condition
#   not CMD...             CMD fails (for wait_until)
#   settle VIA [TIMEOUT_S] crm_resource --wait: no pending actions
#   pass DESC | fail DESC | skip REASON | note TEXT...

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Makefile exports top_srcdir; run by hand, the script's own location counts
E2E_TOP=${top_srcdir:-$E2E_DIR/../..}
LAB_BIN=$E2E_TOP/tests/lab/lab
# scenario labs: LAB_NAME=$E2E_LAB_PREFIX<NN>, state in $E2E_LAB_ROOT/LAB_NAME
E2E_LAB_PREFIX=${E2E_LAB_PREFIX:-e2e}
E2E_LAB_ROOT=${E2E_LAB_ROOT:-/tmp/ham-lab}
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

# the scenario's own arguments (sourced without any, lib.sh sees them): the
# lock below runs the scenario again with them
E2E_ARGS=("$@")
TAP_N=0
TAP_FAILED=0
TAP_DONE=0
WAIT_S=0
SCENARIO=

note() {
	local line
	if [ $# -gt 0 ]; then
		printf '%s\n' "$*"
	else
		cat
	fi | while IFS= read -r line; do
		printf '# %s\n' "$line"
	done
}

_tap() {
	TAP_N=$((TAP_N + 1))
	echo "$1 $TAP_N - $2"
}

pass() {
	_tap ok "$*"
}

# fail DESC [DETAILS]: a failed assertion ends the scenario
fail() {
	TAP_FAILED=$((TAP_FAILED + 1))
	_tap "not ok" "$1"
	[ -z "${2:-}" ] || note "$2"
	exit 1
}

# skip REASON: skip the whole scenario (or the rest of it)
skip() {
	if [ "$TAP_N" = 0 ]; then
		echo "1..0 # SKIP $*"
		TAP_DONE=1
	else
		TAP_N=$((TAP_N + 1))
		echo "ok $TAP_N # SKIP $*"
	fi
	exit 0
}

now_ms() {
	local t=${EPOCHREALTIME/./}
	echo $((t / 1000))
}

lab() {
	"$LAB_BIN" "$@"
}

on() {
	"$LAB_BIN" exec "$@"
}

crm_on() {
	"$LAB_BIN" exec "$@"
}

pcs_on() {
	local n=$1
	shift
	"$LAB_BIN" exec "$n" pcs "$@"
}

_scenario_exit() {
	local rc=$?
	trap - EXIT INT TERM
	if [ "$TAP_DONE" = 0 ] && { [ "$rc" != 0 ] || [ "$TAP_FAILED" != 0 ]; }; then
		[ "$TAP_FAILED" != 0 ] || _tap "not ok" "$SCENARIO ended early (exit $rc)"
		[ "$rc" != 0 ] || rc=1
		if [ -d "$LAB_DIR" ]; then
			note "---- node logs of lab $LAB_NAME ----"
			"$LAB_BIN" status 2>&1 | note
			"$LAB_BIN" logs "" 25 2>&1 | note
			# a scenario's own logs (inside the nodes, gone after down)
			! declare -F scenario_logs >/dev/null || scenario_logs 2>&1 | note
		fi
	fi
	"$LAB_BIN" down 2>&1 | note
	[ "$TAP_DONE" = 1 ] || echo "1..$TAP_N"
	exit "$rc"
}

# _missing CMD...: names of the commands not found
_missing() {
	local c out=
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || out="$out $c"
	done
	echo "${out# }"
}

scenario_begin() {
	local m num
	SCENARIO=$1
	shift
	num=${SCENARIO%%-*}
	export LAB_NAME=$E2E_LAB_PREFIX$num
	export LAB_DIR=$E2E_LAB_ROOT/$LAB_NAME
	[ "${HAM_E2E:-1}" != 0 ] || skip "e2e disabled (HAM_E2E=0)"
	[ "$(id -u)" = 0 ] || skip "needs root (network, mount and pid namespaces)"
	[ -x "$LAB_BIN" ] || skip "no lab harness at $LAB_BIN"
	m=$(_missing ip nsenter unshare setsid flock xmllint corosync corosync-cfgtool \
		corosync-quorumtool pacemakerd crm_mon crm_resource cibadmin \
		crm_attribute pcs "$@")
	[ -z "$m" ] || skip "missing: $m (scripts/install-deps)"
	id hacluster >/dev/null 2>&1 || skip "no hacluster user (install pacemaker)"
	unshare --net --mount --pid --fork true 2>/dev/null ||
		skip "cannot create namespaces here"
	# one scenario at a time, whatever make -j says: timings are asserted
	# and the machine is small. flock -o: no lab process keeps the lock.
	if [ -z "${E2E_LOCKED:-}" ] && [ "${E2E_NO_LOCK:-0}" != 1 ]; then
		mkdir -p "$E2E_LAB_ROOT"
		export E2E_LOCKED=1
		exec flock -o "$E2E_LAB_ROOT/.$E2E_LAB_PREFIX.lock" bash "$0" "${E2E_ARGS[@]}"
	fi
	note "scenario $SCENARIO (lab $LAB_NAME) $(date -u +%FT%TZ)"
	trap _scenario_exit EXIT
	# interrupted, the reader of our output (the TAP driver) may be gone
	# too: the exit hooks must still take the lab down, so a write into
	# a broken pipe fails instead of killing the script
	trap 'trap "" PIPE; exit 130' INT TERM
	trap 'trap "" PIPE; exit 141' PIPE
	# the remains of an interrupted earlier run of this very scenario
	"$LAB_BIN" down 2>&1 | note
}

# expect_eq ACTUAL EXPECTED DESC: like assert_eq, but a failure lets the
# scenario go on (it still fails in the end)
expect_eq() {
	if [ "$1" = "$2" ]; then
		pass "$3"
	else
		TAP_FAILED=$((TAP_FAILED + 1))
		_tap "not ok" "$3"
		note "expected '$2', got '$1'"
	fi
}

assert_eq() {
	if [ "$1" = "$2" ]; then
		pass "$3"
	else
		fail "$3" "expected '$2', got '$1'"
	fi
}

# _run CMD...: run CMD, output into _OUT, status returned
_run() {
	_OUT=$("$@" 2>&1)
}

assert_ok() {
	local desc
	if [ "${1:-}" = -m ]; then
		desc=$2
		shift 2
	else
		desc=$*
	fi
	if _run "$@"; then
		pass "$desc"
		[ -z "$_OUT" ] || note "$_OUT"
	else
		fail "$desc" "command failed ($*): $_OUT"
	fi
}

assert_fail() {
	local desc
	if [ "${1:-}" = -m ]; then
		desc=$2
		shift 2
	else
		desc="fails: $*"
	fi
	if _run "$@"; then
		fail "$desc" "command succeeded ($*): $_OUT"
	else
		pass "$desc"
	fi
}

wait_until() {
	local timeout=$1 desc=$2 t0 d
	shift 2
	t0=$(now_ms)
	while :; do
		if _run "$@"; then
			d=$(($(now_ms) - t0))
			WAIT_S=$(printf '%d.%d' $((d / 1000)) $((d % 1000 / 100)))
			pass "$desc (${WAIT_S} s)"
			return 0
		fi
		if [ $(($(now_ms) - t0)) -ge $((timeout * 1000)) ]; then
			fail "$desc" "not within $timeout s; last try ($*): $_OUT"
		fi
		sleep 0.2
	done
}

# first_up: the first cluster node that is running
first_up() {
	"$LAB_BIN" nodes --running 2>/dev/null | grep -m1 '^n'
}

# cluster_idle NODE: seen from NODE, a DC is elected and its controller is
# idle (S_IDLE), so resource placement has settled after a node came back.
cluster_idle() {
	local dc
	dc=$("$LAB_BIN" exec "$1" crmadmin -D 2>/dev/null | sed -n 's/.*is: *//p')
	[ -n "$dc" ] || return 1
	"$LAB_BIN" exec "$1" crmadmin -S "$dc" 2>/dev/null | grep -q 'S_IDLE'
}

resource_node() {
	local via=${2:-} out
	[ -n "$via" ] || via=$(first_up) || return 1
	out=$("$LAB_BIN" exec "$via" crm_resource --locate -r "$1" -Q 2>/dev/null) || return 1
	[ -n "$out" ] || return 1
	echo "$out" | sort | paste -sd' '
}

resource_on() {
	[ "$(resource_node "$1" "${3:-$2}")" = "$2" ]
}

# resource_in RSC "N1 N2.." [VIA]: RSC runs on exactly one of the nodes
resource_in() {
	local where
	where=$(resource_node "$1" "${3:-}") || return 1
	case " $2 " in
	*" $where "*) [ "$(echo "$where" | wc -w)" = 1 ] ;;
	*) return 1 ;;
	esac
}

# only_active RSC NODE ALL...: the Dummy RSC is active on NODE and on no
# other node of ALL (nodes that are down count as inactive)
only_active() {
	local rsc=$1 node=$2 n
	shift 2
	dummy_active "$node" "$rsc" || return 1
	for n in "$@"; do
		[ "$n" = "$node" ] && continue
		if dummy_active "$n" "$rsc" 2>/dev/null; then
			echo "$rsc is active on $n too"
			return 1
		fi
	done
}

dummy_active() {
	"$LAB_BIN" exec "$1" test -e "/run/Dummy-$2.state"
}

# online_is VIA "N1 N2..": crm_mon -1 on VIA lists exactly these online
online_is() {
	[ "$(crm_mon_online "$1")" = "$2" ]
}

crm_mon_online() {
	"$LAB_BIN" exec "$1" crm_mon -1 2>/dev/null |
		sed -n 's/^ *\* Online: \[ \(.*\) \]$/\1/p'
}

quorate() {
	"$LAB_BIN" exec "$1" corosync-quorumtool -s 2>/dev/null |
		awk '/^Quorate:/ {print $2}'
}

# test_quorate NODE Yes|No
test_quorate() {
	[ "$(quorate "$1")" = "$2" ]
}

# not CMD...: CMD fails
not() {
	! "$@"
}

settle() {
	"$LAB_BIN" exec "$1" crm_resource --wait --timeout="${2:-30}s"
}
