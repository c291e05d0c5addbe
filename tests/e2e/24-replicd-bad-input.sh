#!/bin/bash
# 24-replicd-bad-input: replicd refuses what is wrong and changes nothing.
#
# 1. The admin makes mistakes on the command line and in the config file
#    (unknown option or key, bad or out-of-range value, missing or wrong
#    directory, bad resource name, state dir inside the mirror, a second
#    replicd for a running resource). Each time replicd exits non-zero
#    with a message naming the culprit, creates no state dir and no
#    socket, and the directory stays as it was (treesum).
# 2. Malformed messages reach the group mirror:NAME (cpginject, from the
#    primary's node and from a third node): truncated, wrong version, a
#    huge length, random bytes, a path escaping the directory, and a
#    well-formed operation from a node that is not the primary. Both
#    replicas log and refuse each of them, keep running, keep their
#    trees unchanged and keep mirroring afterwards.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=replicd.sh
. "$(dirname "$0")/replicd.sh"

# What a log line about a refused message says (case-insensitive).
REFUSED='reject|refus|malformed|invalid|bad (message|header|length|version)|discard|drop|ignor|EBADMSG|EPROTONOSUPPORT|unsupported|not from'

# bad_cli DESC ERE NAME ARGS...: replicd ARGS on n1 must fail with a
# message matching ERE, and leave no state dir or socket for NAME
bad_cli() {
	local desc=$1 ere=$2 name=$3 out rc=0
	shift 3
	out=$(on n1 timeout 10 "$REPLICD" "$@" 2>&1) || rc=$?
	case $rc in
	0) fail "$desc: replicd refuses to start" "it exited 0: $out" ;;
	124) fail "$desc: replicd refuses to start" "it started (killed after 10 s): $out" ;;
	esac
	if ! grep -Eq -- "$ere" <<<"$out"; then
		fail "$desc: the message names the culprit (/$ere/)" "exit $rc: $out"
	fi
	if on n1 test -e "/var/lib/replicd/$name" || on n1 test -e "/run/replicd/$name.sock"; then
		fail "$desc: nothing created" "/var/lib/replicd/$name or /run/replicd/$name.sock exists"
	fi
	pass "$desc: exit $rc, nothing created"
	note "$(head -n 2 <<<"$out")"
}

# conf NAME LINES...: a config file on the host, its path printed
conf() {
	local f=$RD_TMP/$1.conf
	shift
	printf '%s\n' "$@" >"$f"
	echo "$f"
}

# inject NODE KIND: one message from NODE; both replicas refuse it, log
# it and keep running
inject() {
	local node=$1 kind=$2 n
	local -a seen
	for n in n1 n2; do
		seen[${n#n}]=$(rd_log_grep "$n" "$REFUSED")
	done
	assert_ok -m "$node: cpginject $kind delivered to mirror:$RD_NAME" \
		on "$node" "$CPGINJECT" "mirror:$RD_NAME" "$kind" victim
	for n in n2 n1; do
		logged "$n" "${seen[${n#n}]}" "$n logs that it refused the '$kind' message from $node"
		assert_ok -m "replicd on $n still runs" rd_running "$n"
	done
	assert_ok -m "n2 still has the file the message would remove" \
		on n2 test -e "$RD_DIR/victim"
}

# logged NODE COUNT DESC: within 5 s NODE's log has more than COUNT
# lines about refused messages. A failure is reported, the scenario goes
# on: the data checks after it matter more.
logged() {
	local i
	for i in $(seq 25); do
		if [ "$(rd_log_grep "$1" "$REFUSED")" -gt "$2" ]; then
			pass "$3"
			note "$(grep -Ei -- "$REFUSED" "$RD_TMP/$1.log" | tail -n 1 | cut -c1-200)"
			return 0
		fi
		[ "$i" = 25 ] || sleep 0.2
	done
	expect_eq "no such line" "a line matching /$REFUSED/" "$3"
	note "$(tail -n 3 "$RD_TMP/$1.log")"
}

scenario_begin 24-replicd-bad-input
rd_begin

rd_lab_up 3
assert_ok -m "n1: a file and a directory to be left alone" \
	on n1 sh -c "echo keep >'$RD_DIR/afile' && mkdir '$RD_DIR/sub' && touch -d @1000000000 '$RD_DIR/sub' '$RD_DIR'"
before=$(rd_sum n1)

bad_cli "unknown option" "--frobnicate" bad1 \
	--name bad1 --directory "$RD_DIR" --frobnicate
bad_cli "bad log level" "log.level" bad2 \
	--name bad2 --directory "$RD_DIR" --log-level loud
bad_cli "no directory given" "directory" bad3 --name bad3
bad_cli "missing directory" "$RD_DIR/nope" bad4 \
	--name bad4 --directory "$RD_DIR/nope"
bad_cli "a file instead of a directory" "$RD_DIR/afile" bad5 \
	--name bad5 --directory "$RD_DIR/afile"
bad_cli "bad resource name" "evil" "../evil" \
	--name "../evil" --directory "$RD_DIR"
bad_cli "state dir inside the mirrored directory" "$RD_DIR/state|state.dir" bad6 \
	--name bad6 --directory "$RD_DIR" --state-dir "$RD_DIR/state"
bad_cli "config file: unknown key" "frobnicate" bad7 \
	--config "$(conf bad7 "name = bad7" "directory = $RD_DIR" "frobnicate = 1")"
bad_cli "config file: bad number" "threads" bad8 \
	--config "$(conf bad8 "name = bad8" "directory = $RD_DIR" "threads = many")"
bad_cli "config file: value out of range" "max_inflight_bytes" bad9 \
	--config "$(conf bad9 "name = bad9" "directory = $RD_DIR" "max_inflight_bytes = 1")"
bad_cli "config file: bad on_no_quorum" "on_no_quorum" bad10 \
	--config "$(conf bad10 "name = bad10" "directory = $RD_DIR" "on_no_quorum = maybe")"
bad_cli "config file missing" "$RD_TMP/none.conf" bad11 \
	--config "$RD_TMP/none.conf"
assert_eq "$(rd_sum n1)" "$before" "n1: $RD_DIR is untouched by the refused starts"

rd_start n1
before=$(rd_sum n1)
out=$(on n1 timeout 10 "$REPLICD" --name "$RD_NAME" --directory "$RD_DIR" 2>&1)
rc=$?
case $rc in
0 | 124) fail "a second replicd for $RD_NAME refuses to start" "exit $rc: $out" ;;
esac
if grep -Eq -- "$RD_NAME|already" <<<"$out"; then
	pass "a second replicd for $RD_NAME refuses to start: exit $rc"
	note "$out"
else
	fail "a second replicd for $RD_NAME names the resource" "exit $rc: $out"
fi
assert_ok -m "the first replicd still runs and answers" mctl n1 status
assert_eq "$(rd_sum n1)" "$before" "n1: $RD_DIR is untouched by the second replicd"

# --- malformed messages -------------------------------------------------
[ -x "$CPGINJECT" ] || skip "cpginject not built ($CPGINJECT; make check builds it)"
rd_start n2
assert_ok -m "n1: mirrorctl force-primary" mctl n1 force-primary
rd_wait_role n1 PRIM 60
rd_wait_role n2 SECOND 60
assert_ok -m "n1: users write some data" \
	on n1 sh -c "echo victim >'$RD_DIR/victim' && echo more >'$RD_DIR/sub/more'"
assert_ok -m "n1: a seeded workload" rd_workload n1 --seed 2401 --ops 200 "$RD_DIR/wl"
rd_same_sums "n1 and n2 hold the same tree before the injections" n1 n2
cp "$RD_TMP/sum.n1" "$RD_TMP/sum.before"

# a well-formed operation from a node that is not the primary, first
# while nothing else happened, again once other CPG clients on the
# primary's node came and went
inject n3 foreign
for kind in short truncated version hugelen random badpath; do
	inject n3 "$kind"
	inject n1 "$kind"
done
inject n3 foreign

rd_same_sums "n1 and n2 hold the same tree after the injections" n1 n2
# cpginject on n1 joins and leaves the group from the primary's node
note "n2's log says 'the primary left' $(rd_log_grep n2 'primary left') times; it never did"
if cmp -s "$RD_TMP/sum.before" "$RD_TMP/sum.n2"; then
	pass "n2's copy is unchanged by the injected messages"
else
	fail "n2's copy is unchanged by the injected messages" \
		"$(diff "$RD_TMP/sum.before" "$RD_TMP/sum.n2" | head -n 20)"
fi
assert_ok -m "n1 is still PRIM" rd_is n1 PRIM
assert_ok -m "n2 is still SECOND, up to date" rd_is n2 SECOND
assert_ok -m "n1: users keep writing" \
	on n1 sh -c "echo after >'$RD_DIR/after' && rm '$RD_DIR/victim'"
rd_same_sums "the mirror still works: n1 and n2 hold the same tree" n1 n2

rd_stop n2
rd_stop n1
