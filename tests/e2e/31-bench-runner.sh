#!/bin/bash
# 31-bench-runner: bench/run measures what it says, and refuses to
# measure the wrong build.
#
# bench/run is what doc/PERFORMANCE.md's numbers come from, so its
# --quick mode runs here on a real lab: ext4, ALONE, PRIM and PRIM no
# wait (a replicd configured with --enable-bench-nowait, built here in a
# scratch tree), seq and files, one counted repetition after one warm-up.
# Every system and workload must be measured (the runner compares n2's
# copy with n1's after each repetition and fails the run if they differ),
# the warm-up must not be counted, and the ratios against the no-wait
# ceiling must be in the report. Then the refusals: the no-wait build
# given as the build to measure (it is not synchronous), a normal build
# given as the no-wait one, a replicd system from a build without replicd,
# and a bad --warmup.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

BUILD=${top_builddir:-$E2E_TOP/_build}
PYTHON=${PYTHON:-/usr/bin/python3}
BENCH=$E2E_TOP/bench/run
# the runner's own lab, named like a scenario's: our exit hook takes it
# down too if the runner could not
export BENCH_LAB_NAME=${E2E_LAB_PREFIX}31
scenario_begin 31-bench-runner make
BUILD=$(cd "$BUILD" && pwd)
if [ ! -x "$BUILD/replicd/replicd" ] || [ ! -x "$BUILD/bench/fsyncbench" ]; then
	skip "replicd or bench/fsyncbench not built in $BUILD (make)"
fi
[ -c /dev/fuse ] || skip "no /dev/fuse"
[ -x "$PYTHON" ] || skip "no $PYTHON"
# a second build tree from the same sources needs them unconfigured
[ ! -f "$E2E_TOP/config.status" ] ||
	skip "the source tree is configured in place: a --enable-bench-nowait build beside it needs a VPATH build (mkdir _build && cd _build && ../configure)"

T=$(mktemp -d /tmp/ham-bench-runner.XXXXXX)
scenario_logs() {
	tail -n 30 "$T/bench.log" "$T/build.log" "$BENCH_WORK"/replicd-n*.log 2>/dev/null
}
BENCH_WORK=/tmp/ham-bench/$BENCH_LAB_NAME
trap 'rc=$?; rm -rf --one-file-system "$T" "$BENCH_WORK"; rmdir /tmp/ham-bench 2>/dev/null; (exit $rc); _scenario_exit' EXIT

NOWAIT=$T/build-nowait
mkdir -p "$NOWAIT"
# shellcheck disable=SC2016 # expanded by the inner sh
assert_ok -m "a replicd configured with --enable-bench-nowait builds" \
	sh -c 'cd "$1" && "$2/configure" -q --enable-bench-nowait >"$3" 2>&1 &&
		make -j2 replicd/replicd replicd/mirrorctl bench/fsyncbench >>"$3" 2>&1' \
	sh "$NOWAIT" "$E2E_TOP" "$T/build.log"
# shellcheck disable=SC2016 # expanded by the inner sh
assert_ok -m "its --version says it is not synchronous" \
	sh -c '"$1" --version | grep -q "bench-nowait: not synchronous"' sh "$NOWAIT/replicd/replicd"

rc=0
HAM_BUILD=$BUILD HAM_BUILD_NOWAIT=$NOWAIT "$BENCH" --quick --warmup 1 --keep \
	--systems ext4,alone,prim,primnowait --workloads seq,files \
	--out "$T/r" >"$T/bench.log" 2>&1 || rc=$?
assert_eq "$rc" 0 "bench/run --quick of ext4, ALONE, PRIM and PRIM no wait exits 0"

# shellcheck disable=SC2016 # Python, not shell
check() {
	"$PYTHON" -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$T/r.json" "$1" 2>&1
}
assert_eq "$(check '"%s %s" % (d["complete"], d["failures"])')" "True []" \
	"the report is complete, no failures"
assert_eq "$(check 'sorted((s, w, r["repetitions"]) for s in d["results"] for w, r in d["results"][s].items())')" \
	"[('alone', 'files', 1), ('alone', 'seq', 1), ('ext4', 'files', 1), ('ext4', 'seq', 1), ('prim', 'files', 1), ('prim', 'seq', 1), ('primnowait', 'files', 1), ('primnowait', 'seq', 1)]" \
	"every system and workload measured, once: the warm-up is not counted"
assert_eq "$(grep -c 'warm-up 1 of 1 (not counted)' "$T/bench.log")" 8 \
	"each of the 8 measured pairs ran one warm-up first"
assert_eq "$(check 'all(v > 0 for s in d["results"] for w in d["results"][s].values() for m in w["metrics"].values() for v in m["values"])')" \
	True "every measured value is positive"
assert_eq "$(check 'sorted(r["label"] for r in d["ratios"] if "no wait" in r["label"] and r["workload"] == "seq")')" \
	"['PRIM no wait/ALONE', 'PRIM/PRIM no wait']" \
	"the report holds the ratios against the no-wait ceiling"
assert_ok -m "the report says which replicd measured the ceiling" \
	grep -q "replicd_nowait: replicd .*bench-nowait: not synchronous" "$T/r.md"
assert_eq "$(grep -c "built with --enable-bench-nowait" "$BENCH_WORK/replicd-n1.log")" 1 \
	"n1 ran the no-wait build once (PRIM no wait) and logged that it is a benchmark build"
assert_eq "$(grep -c "built with --enable-bench-nowait" "$BENCH_WORK/replicd-n2.log")" 0 \
	"n2 ran the normal build"
rm -rf --one-file-system "$BENCH_WORK"

# the bare second copy beside ALONE: it must move every byte, or the
# repetition fails
rc=0
HAM_BUILD=$BUILD "$BENCH" --quick --keep --systems alone,alonecopy --workloads seq \
	--out "$T/c" >"$T/copy.log" 2>&1 || rc=$?
assert_eq "$rc" 0 "bench/run --quick of ALONE and ALONE + bare copy exits 0"
assert_eq "$("$PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(d["complete"], sorted(d["results"]), [r["label"] for r in d["ratios"] if "bare" in r["label"]])' "$T/c.json" 2>&1)" \
	"True ['alone', 'alonecopy'] ['ALONE + bare copy/ALONE']" \
	"both measured, and the report holds the ratio to ALONE"
assert_ok -m "the bare copy put all 32 MiB into n2's file" \
	grep -q 'bare copy: {"bytes": 33554432,' "$BENCH_WORK/tool.log"
rm -rf --one-file-system "$BENCH_WORK"

# refusals: usage errors (2), before any lab is brought up
refused() {
	local desc=$1 want=$2 rc=0
	shift 2
	"$@" >"$T/refused.log" 2>&1 || rc=$?
	assert_eq "$rc" 2 "$desc: exit 2"
	assert_ok -m "$desc: the error says '$want'" grep -q -- "$want" "$T/refused.log"
}
refused "the no-wait build as the build to measure" "it is not synchronous" \
	env HAM_BUILD="$NOWAIT" "$BENCH" --quick --systems alone --workloads seq --out "$T/x"
refused "a normal build as the no-wait one" "waits for acks" \
	env HAM_BUILD="$BUILD" HAM_BUILD_NOWAIT="$BUILD" "$BENCH" --quick \
	--systems primnowait --workloads seq --out "$T/x"
refused "no no-wait build at all" "enable-bench-nowait" \
	env HAM_BUILD="$BUILD" HAM_BUILD_NOWAIT="$T/none" "$BENCH" --quick \
	--systems primnowait --workloads seq --out "$T/x"
# a build with the benchmark tool but no replicd: every replicd system
# needs one, not only alone and prim
mkdir -p "$T/noreplicd/bench"
cp "$BUILD/bench/fsyncbench" "$T/noreplicd/bench/"
refused "prim2 from a build without replicd" "replicd is not built" \
	env HAM_BUILD="$T/noreplicd" "$BENCH" --quick --systems prim2 --workloads seq --out "$T/x"
refused "alonecopy with files" "alonecopy measures seq only" \
	env HAM_BUILD="$BUILD" "$BENCH" --quick --systems alonecopy --workloads seq,files --out "$T/x"
refused "--warmup x" "--warmup must be a number" \
	env HAM_BUILD="$BUILD" "$BENCH" --quick --warmup x --systems ext4 --out "$T/x"
assert_eq "$(find "$T" -maxdepth 1 -name 'x.*' | wc -l)" 0 "no refused run wrote a report"
