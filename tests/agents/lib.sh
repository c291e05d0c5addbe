# shellcheck shell=sh
# lib.sh - TAP helpers shared by the agent tests (tests/agents/*.sh).
#
#   agents_init          finds the tree and ocf-shellfuncs; skips the whole
#                        test when resource-agents is missing
#   ok DESC | not_ok DESC [DETAILS] | skip_one REASON | note TEXT
#   run_agent AGENT ACTION [VAR=VALUE...]
#                        runs ocf/AGENT ACTION with a clean OCF environment
#                        plus the given variables; sets RC, OUT, ERR and
#                        REASON (the ocf-exit-reason text, if any)
#   expect AGENT ACTION RC TEXT [VAR=VALUE...]
#                        one TAP line: the action exits RC and, unless TEXT
#                        is empty, its exit reason contains TEXT (the first
#                        $AG_HIDE variables are left out of the description)
#   finish               prints the plan, exits 1 if anything failed
AG_N=0
AG_FAILED=0
AG_TOP=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
AG_OCF_ROOT=${OCF_ROOT:-/usr/lib/ocf}
AG_TMP=

agents_init() {
	if [ ! -r "$AG_OCF_ROOT/lib/heartbeat/ocf-shellfuncs" ]; then
		echo "1..0 # SKIP $AG_OCF_ROOT/lib/heartbeat/ocf-shellfuncs missing (install resource-agents)"
		exit 0
	fi
	AG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/ham-agents.XXXXXX") || exit 1
	trap 'rm -rf "$AG_TMP"' EXIT
	trap 'trap "" PIPE; exit 130' INT TERM
	trap 'trap "" PIPE; exit 141' PIPE
}

ok() {
	AG_N=$((AG_N + 1))
	echo "ok $AG_N - $*"
}

note() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

not_ok() {
	AG_N=$((AG_N + 1))
	AG_FAILED=$((AG_FAILED + 1))
	echo "not ok $AG_N - $1"
	[ -z "${2:-}" ] || note "$2"
}

skip_one() {
	AG_N=$((AG_N + 1))
	echo "ok $AG_N # SKIP $*"
}

run_agent() {
	ag_agent=$1
	ag_action=$2
	shift 2
	# shellcheck disable=SC2034 # OUT is for the caller
	OUT=$(env -i PATH="${AG_PATH:-/usr/sbin:/usr/bin:/sbin:/bin}" \
		OCF_ROOT="$AG_OCF_ROOT" HA_RSCTMP="$AG_TMP/rsctmp" \
		HA_SBIN_DIR="${AG_SBIN:-/usr/sbin}" \
		OCF_RESOURCE_INSTANCE="${AG_INSTANCE:-t1}" \
		OCF_RESOURCE_TYPE="$ag_agent" OCF_RESOURCE_PROVIDER=mirror \
		OCF_RA_VERSION_MAJOR=1 OCF_RA_VERSION_MINOR=1 \
		HA_LOGFACILITY=none HA_logfacility=none HA_debug=0 \
		"$@" "$AG_TOP/ocf/$ag_agent" "$ag_action" 2>"$AG_TMP/err" </dev/null)
	RC=$?
	ERR=$(cat "$AG_TMP/err")
	REASON=$(sed -n 's/^ocf-exit-reason://p' "$AG_TMP/err" | tail -n 1)
}

expect() {
	ag_a=$1
	ag_act=$2
	ag_rc=$3
	ag_text=$4
	shift 4
	mkdir -p "$AG_TMP/rsctmp"
	run_agent "$ag_a" "$ag_act" "$@"
	# the first AG_HIDE variables are the caller's common setup: not shown
	ag_i=0
	ag_shown=
	for ag_v in "$@"; do
		ag_i=$((ag_i + 1))
		[ "$ag_i" -gt "${AG_HIDE:-0}" ] || continue
		ag_shown="$ag_shown${ag_shown:+ }$ag_v"
	done
	ag_desc="$ag_a $ag_act${ag_shown:+ [$ag_shown]} -> $ag_rc${ag_text:+, reason names \"$ag_text\"}"
	if [ "$RC" != "$ag_rc" ]; then
		not_ok "$ag_desc" "exit $RC; stderr: $ERR"
		return 1
	fi
	case $REASON in
	*"$ag_text"*) ok "$ag_desc" ;;
	*)
		not_ok "$ag_desc" "exit reason: '$REASON'; stderr: $ERR"
		return 1
		;;
	esac
}

finish() {
	echo "1..$AG_N"
	[ "$AG_FAILED" = 0 ]
	exit $?
}
