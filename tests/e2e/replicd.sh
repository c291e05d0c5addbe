# shellcheck shell=bash
# replicd.sh - helpers for replicd scenarios; source it after lib.sh and
# call rd_begin right after scenario_begin.
#
#   rd_begin                skips unless /dev/fuse, python3 and the built
#                           replicd + mirrorctl exist; sets up RD_TMP (host
#                           directory for logs, kept when the scenario fails)
#                           and the exit hook that stops the workloads and
#                           prints the replicd logs of a failed run
#   rd_lab_up N             LAB_NOPCMK=1 lab up N with RD_DIR private per node
#   rd_start NODE [ARGS..]  replicd --name RD_NAME --directory RD_DIR on NODE,
#                           in the background, log in RD_TMP/NODE.log;
#                           run through the command in RD_WRAP when set
#   rd_stop NODE            assertion: SIGTERM to that replicd, gone in 30 s
#   rd_running NODE         that replicd still runs
#   mctl NODE ARGS...       mirrorctl -r RD_NAME ARGS on NODE
#   rd_get NODE KEY         one field of `mirrorctl --json status`; KEY is
#                           role, seq, peers.0.acked_seq, ...
#   rd_state NODE           "ROLE UPTODATE SYNCING PERCENT", e.g.
#                           "SECOND false true 42.5%"
#   rd_is NODE ROLE         state test for wait_until (SECOND: up to date)
#   rd_wait_role NODE ROLE [TIMEOUT]  wait_until the role (and, for SECOND,
#                           up to date and not syncing)
#   rd_caught_up NODE       every peer of the primary NODE acked its seq
#   rd_gone NODE ID         NODE no longer lists node ID as a connected peer
#   rd_is_fuse NODE         RD_DIR is a fuse.replicd mount on NODE
#   rd_sum NODE [DIR]       treesum of DIR (default RD_DIR) seen on NODE
#   rd_same_sums DESC NODE...  assertion: every node shows the same treesum
#   rd_workload NODE ARGS.. workload.py ARGS on NODE
#   rd_verify NODE LOG DIR  assertion: workload.py --verify-log on NODE
#   rd_rx_bytes NODE        bytes received on NODE's eth0 so far
#   rd_log_grep NODE ERE    count of lines of NODE's replicd log matching ERE

RD_NAME=${RD_NAME:-e2edata}
RD_DIR=${RD_DIR:-/srv/mirror}
RD_BUILD=${top_builddir:-$E2E_TOP}
REPLICD=${REPLICD:-$RD_BUILD/replicd/replicd}
MIRRORCTL=${MIRRORCTL:-$RD_BUILD/replicd/mirrorctl}
CPGINJECT=${CPGINJECT:-$RD_BUILD/tests/e2e/cpginject}
PYTHON=${PYTHON:-/usr/bin/python3}
TREESUM=$E2E_DIR/treesum
WORKLOAD=$E2E_DIR/workload.py
RD_LOG_LEVEL=${RD_LOG_LEVEL:-info}
RD_TMP=
RD_BG_PIDS=
# a command rd_start puts before replicd (27-replicd-valgrind: valgrind)
RD_WRAP=()

rd_begin() {
	[ -c /dev/fuse ] || skip "no /dev/fuse (replicd needs FUSE)"
	[ -x "$PYTHON" ] || skip "no $PYTHON (workload and treesum need it)"
	[ -x "$REPLICD" ] || skip "replicd not built ($REPLICD; run make, or set REPLICD)"
	[ -x "$MIRRORCTL" ] || skip "mirrorctl not built ($MIRRORCTL; run make, or set MIRRORCTL)"
	declare -F _scenario_exit >/dev/null ||
		skip "lib.sh has no _scenario_exit (tests/e2e/lib.sh changed)"
	# $LAB_NAME is unique per scenario, so is this directory
	RD_TMP=/tmp/ham-e2e/$LAB_NAME
	rm -rf --one-file-system "$RD_TMP"
	mkdir -p "$RD_TMP"
	trap _rd_exit EXIT
}

# The exit hook: stop what we started in the background, show the replicd
# logs of a failed run, then lib.sh's own exit (lab down, plan line).
_rd_exit() {
	local rc=$? p f
	# nsenter does not pass signals on: kill it, and `lab down` ends
	# what it ran inside the node
	for p in $RD_BG_PIDS; do
		kill -KILL "$p" 2>/dev/null || true
	done
	for p in $RD_BG_PIDS; do
		wait "$p" 2>/dev/null || true
	done
	rm -f "$RD_TMP"/*.tar
	if [ "$rc" != 0 ] || [ "$TAP_FAILED" != 0 ]; then
		for f in "$RD_TMP"/*.log; do
			[ -s "$f" ] || continue
			note "---- $(basename "$f") (last 30 lines; all in $RD_TMP) ----"
			tail -n 30 "$f" | note
		done
	else
		rm -rf --one-file-system "$RD_TMP"
	fi
	(exit "$rc")
	_scenario_exit
}

# rd_bg CMD...: run CMD in the background, remembered for the exit hook;
# its PID in RD_BG_PID
rd_bg() {
	"$@" &
	RD_BG_PID=$!
	RD_BG_PIDS="$RD_BG_PIDS $RD_BG_PID"
}

rd_lab_up() {
	assert_ok -m "lab up $1 (corosync only, $RD_DIR private per node)" \
		env LAB_NOPCMK=1 LAB_PRIVATE_DIRS="$RD_DIR" "$LAB_BIN" up "$1"
}

# rd_spawn NODE [ARGS..]: start replicd on NODE in the background, its
# PID in RD_TMP/NODE.pid; 1 when it could not be started
rd_spawn() {
	local n=$1 pid
	shift
	# shellcheck disable=SC2016 # $! belongs to the shell inside the node
	pid=$(on "$n" sh -c '"$@" </dev/null >>"$0" 2>&1 & echo $!' \
		"$RD_TMP/$n.log" "${RD_WRAP[@]}" "$REPLICD" --name "$RD_NAME" \
		--directory "$RD_DIR" --log-level "$RD_LOG_LEVEL" --foreground "$@")
	[ -n "$pid" ] || return 1
	echo "$pid" >"$RD_TMP/$n.pid"
}

rd_start() {
	local n=$1
	rd_spawn "$@" || fail "start replicd on $n"
	# it answers on its control socket once it is set up
	wait_until 30 "replicd runs on $n and answers mirrorctl status" \
		mctl "$n" status
}

rd_pid() {
	cat "$RD_TMP/$1.pid" 2>/dev/null
}

rd_running() {
	local pid
	pid=$(rd_pid "$1") || return 1
	# under valgrind (RD_WRAP) the process is the tool's
	case $(on "$1" cat "/proc/$pid/comm" 2>/dev/null) in
	replicd | memcheck-*) return 0 ;;
	esac
	return 1
}

rd_stop() {
	local n=$1 pid _
	pid=$(rd_pid "$n") || return 0
	if rd_running "$n"; then
		on "$n" kill -TERM "$pid"
		for _ in $(seq 150); do
			rd_running "$n" || break
			sleep 0.2
		done
	fi
	if rd_running "$n"; then
		fail "replicd on $n stops within 30 s of SIGTERM"
	fi
	pass "replicd on $n stopped on SIGTERM"
	rm -f "$RD_TMP/$n.pid"
}

mctl() {
	local n=$1
	shift
	on "$n" "$MIRRORCTL" -r "$RD_NAME" "$@"
}

# _rd_field KEY: read JSON on stdin, print KEY (dots index into it)
_rd_field() {
	"$PYTHON" -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
	v = v[int(k)] if isinstance(v, list) else v[k]
print(json.dumps(v) if isinstance(v, (bool, dict, list)) else v)
' "$1"
}

rd_get() {
	mctl "$1" --json status 2>/dev/null | _rd_field "$2"
}

rd_state() {
	mctl "$1" --json status 2>/dev/null | "$PYTHON" -c '
import json, sys
v = json.load(sys.stdin)
print(v["role"], json.dumps(v["up_to_date"]), json.dumps(v["syncing"]),
      "%d.%d%%" % divmod(v["sync_permille"], 10))' 2>/dev/null
}

# rd_is NODE ROLE: prints the state, so that a failed wait shows it
rd_is() {
	local s
	s=$(rd_state "$1") || return 1
	echo "$1: $s"
	case $2 in
	SECOND) [ "${s% *}" = "SECOND true false" ] ;;
	*) [ "${s%% *}" = "$2" ] ;;
	esac
}

rd_wait_role() {
	local what=$2
	[ "$2" != SECOND ] || what="SECOND, up to date"
	wait_until "${3:-60}" "$1 is $what (mirrorctl status)" rd_is "$1" "$2"
}

# rd_pair_up: a 2-node lab, replicd on both, n1 made primary, n2 an
# up-to-date secondary
rd_pair_up() {
	rd_lab_up 2
	rd_start n1
	rd_start n2
	assert_ok -m "n1: mirrorctl force-primary" mctl n1 force-primary
	rd_wait_role n1 PRIM 60
	rd_wait_role n2 SECOND 60
}

# rd_trio_up: a 3-node lab, replicd on each, n1 made primary, n2 and n3
# up-to-date secondaries
rd_trio_up() {
	rd_lab_up 3
	rd_start n1
	rd_start n2
	rd_start n3
	assert_ok -m "n1: mirrorctl force-primary" mctl n1 force-primary
	rd_wait_role n1 PRIM 60
	rd_wait_role n2 SECOND 60
	rd_wait_role n3 SECOND 60
}

# rd_link_port NODE: the TCP port NODE's replicd listens on for its
# data link
rd_link_port() {
	# shellcheck disable=SC2016 # an awk program
	on "$1" ss -Hltnp 2>/dev/null |
		awk '/"replicd"/ {n = split($4, a, ":"); print a[n]; exit}'
}

# rd_link_to NODE ID true|false: NODE's data link to node ID is up or not
rd_link_to() {
	[ "$(mctl "$1" --json status 2>/dev/null | "$PYTHON" -c '
import json, sys
print(next((str(p["data_link"]).lower() for p in json.load(sys.stdin)["peers"]
            if p["node_id"] == int(sys.argv[1])), "none"))' "$2")" = "$3" ]
}

rd_gone() {
	[ "$(mctl "$1" --json status 2>/dev/null | _rd_field peers | "$PYTHON" -c '
import json, sys
print(sum(1 for p in json.load(sys.stdin) if p["node_id"] == int(sys.argv[1]) and p["connected"]))' "$2")" = 0 ]
}

rd_caught_up() {
	mctl "$1" --json status 2>/dev/null | "$PYTHON" -c '
import json, sys
v = json.load(sys.stdin)
peers = [p for p in v["peers"] if p["connected"]]
sys.exit(0 if peers and all(p["acked_seq"] >= v["seq"] for p in peers) else 1)'
}

rd_is_fuse() {
	# shellcheck disable=SC2016 # an awk program
	on "$1" awk -v d="$RD_DIR" '$2 == d && $3 == "fuse.replicd" {f = 1}
		END {exit !f}' /proc/mounts
}

rd_sum() {
	on "$1" "$PYTHON" "$TREESUM" "${2:-$RD_DIR}"
}

rd_same_sums() {
	local desc=$1 first=$2 n
	shift 2
	rd_sum "$first" >"$RD_TMP/sum.$first" 2>&1 ||
		fail "$desc" "treesum on $first: $(tail -3 "$RD_TMP/sum.$first")"
	for n in "$@"; do
		rd_sum "$n" >"$RD_TMP/sum.$n" 2>&1 ||
			fail "$desc" "treesum on $n: $(tail -3 "$RD_TMP/sum.$n")"
		if ! cmp -s "$RD_TMP/sum.$first" "$RD_TMP/sum.$n"; then
			fail "$desc" "treesum $first vs $n ($(wc -l <"$RD_TMP/sum.$first") entries):
$(diff "$RD_TMP/sum.$first" "$RD_TMP/sum.$n" | head -20 | cut -c1-300)"
		fi
	done
	pass "$desc ($(wc -l <"$RD_TMP/sum.$first") entries)"
}

rd_workload() {
	local n=$1
	shift
	on "$n" "$PYTHON" "$WORKLOAD" "$@"
}

rd_verify() {
	local out
	if out=$(on "$1" "$PYTHON" "$WORKLOAD" --verify-log "$2" "$3" 2>&1); then
		pass "$1: $out"
	else
		fail "$1 holds every acknowledged operation of $(basename "$2")" "$out"
	fi
}

rd_rx_bytes() {
	# /proc/net is per network namespace (/sys would show the host's)
	# shellcheck disable=SC2016 # an awk program
	on "$1" awk '$1 == "eth0:" {print $2}' /proc/net/dev
}

rd_log_grep() {
	grep -Eci -- "$2" "$RD_TMP/$1.log" 2>/dev/null || true
}

# rd_wait_bg PID DESC OUT: wait for a background job; assertion on its
# exit status, with the tail of its output file OUT
rd_wait_bg() {
	local rc=0
	wait "$1" || rc=$?
	if [ "$rc" = 0 ]; then
		pass "$2"
		note "$(tail -n 2 "$3")"
	else
		fail "$2" "exit $rc: $(tail -n 10 "$3")"
	fi
}

# rd_sql N: SQL for N transactions on table t: each inserts 20 rows and
# updates 5; every 10th also deletes the rows whose id is a multiple of 7
rd_sql() {
	local i
	echo "PRAGMA journal_mode=DELETE;"
	echo "CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY AUTOINCREMENT, k TEXT, v BLOB);"
	for i in $(seq "$1"); do
		echo "BEGIN;"
		echo "INSERT INTO t(k, v) SELECT 'tx$i-' || value, randomblob(50 + value * 37)"
		echo "  FROM generate_series(1, 20);"
		echo "UPDATE t SET v = randomblob(300) WHERE id IN (SELECT id FROM t ORDER BY random() LIMIT 5);"
		[ $((i % 10)) != 0 ] || echo "DELETE FROM t WHERE id % 7 = 0;"
		echo "COMMIT;"
	done
}

# rd_sql_rows N: rows left after rd_sql N
rd_sql_rows() {
	echo $((20 * $1 - 200 * ($1 / 10) / 7))
}

# rd_sql_check NODE DB: integrity check and row count of a database that
# is read-only on NODE (a secondary's copy): "ok ROWS"
rd_sql_check() {
	on "$1" sqlite3 "file:$2?immutable=1" \
		'PRAGMA integrity_check; SELECT count(*) FROM t;' | paste -sd' '
}

# rd_doc_tar PATTERN...: $RD_TMP/doc.tar of these paths below /usr/share
# (globs expand there), e.g. rd_doc_tar 'doc/[a-g]*'
rd_doc_tar() {
	# shellcheck disable=SC2068 # the patterns are globs, expanded here
	(cd /usr/share && tar -cf "$RD_TMP/doc.tar" $@) ||
		fail "tar of /usr/share/$* for the users' data"
}
