#!/bin/bash
# 25-replicd-checkers: the replicd scenarios' own checkers can fail.
#
# No cluster: plain directories on the host. treesum must see every kind
# of difference a replica could have, and workload.py --verify-log must
# accept a replica holding every acknowledged operation (plus, after a
# kill, the one in flight, even a half-done write) and refuse one that
# lost an acknowledged operation, holds two unacknowledged ones, or is
# damaged anywhere.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

PYTHON=${PYTHON:-/usr/bin/python3}
# the helpers below import workload.py: no __pycache__ in the source tree
export PYTHONDONTWRITEBYTECODE=1
TREESUM=$E2E_DIR/treesum
WORKLOAD=$E2E_DIR/workload.py

[ "${HAM_E2E:-1}" != 0 ] || skip "e2e disabled (HAM_E2E=0)"
[ "$(id -u)" = 0 ] || skip "needs root (the workload chowns files)"
[ -x "$PYTHON" ] || skip "no $PYTHON"
T=$(mktemp -d /tmp/ham-checkers.XXXXXX)
trap 'rm -rf --one-file-system "$T"; [ "$TAP_DONE" = 1 ] || echo "1..$TAP_N"' EXIT

sum() {
	"$PYTHON" "$TREESUM" "$1"
}

verify() {
	"$PYTHON" "$WORKLOAD" --verify-log "$1" "$2"
}

# differs DESC CMD: on a fresh copy B of A, CMD (run in B) must change
# treesum; with --verify also make verify-log fail
differs() {
	local desc=$1 also=
	shift
	if [ "$1" = --verify ]; then
		also=1
		shift
	fi
	rm -rf "$T/B"
	cp -a "$T/A" "$T/B"
	(cd "$T/B" && "$@") || fail "$desc: set up" "$*"
	if [ "$(sum "$T/B")" = "$SUM_A" ]; then
		fail "treesum sees: $desc"
	fi
	pass "treesum sees: $desc"
	[ -n "$also" ] || return 0
	assert_fail -m "verify-log sees: $desc" verify "$T/a.log" "$T/B"
}

# first PATTERN: first path in A (relative) that find matches
first() {
	(cd "$T/A" && find . "$@" -print | sed -n 's|^\./||; 2p')
}

assert_ok -m "workload: 1500 ops, seed 2501" \
	"$PYTHON" "$WORKLOAD" --seed 2501 --ops 1500 --log "$T/a.log" "$T/A"
assert_ok -m "verify-log accepts the directory it ran in" verify "$T/a.log" "$T/A"
SUM_A=$(sum "$T/A")
assert_eq "$(wc -l <<<"$SUM_A")" "$(find "$T/A" | wc -l)" "treesum prints one line per entry"
rm -rf "$T/B"
cp -a "$T/A" "$T/B"
assert_eq "$(sum "$T/B")" "$SUM_A" "cp -a copy: same treesum"
assert_ok -m "verify-log accepts the cp -a copy" verify "$T/a.log" "$T/B"

f=$(first -type f -size +1k)
l=$(first -type f -links +1)
d=$(first -mindepth 1 -type d)
s=$(first -type l)
differs "one byte changed" --verify \
	"$PYTHON" -c 'import sys; f = open(sys.argv[1], "r+b"); b = f.read(1); f.seek(0); f.write(bytes([b[0] ^ 1]))' "$f"
differs "mode changed" --verify chmod 0123 "$f"
differs "owner changed" --verify chown 7:7 "$f"
differs "file mtime changed" touch -m -d @1234567890 "$f"
differs "directory mtime changed" touch -m -d @1234567890 "$d"
differs "xattr added" --verify setfattr -n user.extra -v 1 "$f"
differs "hard link broken" --verify sh -c "cp -p '$l' x.tmp && mv x.tmp '$l'"
differs "symlink target changed" --verify sh -c "rm '$s' && ln -s elsewhere '$s'"
differs "file added" --verify sh -c "echo x >extra"
differs "file removed" --verify rm "$f"
differs "file truncated" --verify truncate -s 0 "$f"

# gen_find SEED PYEXPR: first op number k > 300 of SEED's sequence for
# which PYEXPR holds (ops: the list of ops 1..k, op = ops[-1])
gen_find() {
	E2E_DIR=$E2E_DIR "$PYTHON" - "$@" <<'EOF'
import os, sys
sys.path.insert(0, os.environ["E2E_DIR"])
import workload
gen = workload.Generator(int(sys.argv[1]), 64 << 20, True)
ops = []
while True:
	op = gen.next()
	gen.model.apply(op)
	ops.append(op)
	if gen.k > 300 and eval(sys.argv[2]):
		print(gen.k)
		break
EOF
}

# The state after op N, and logs that acknowledge N-2, N-1, N and N+2.
# Ops N-1 and N both change the tree visibly (no fsync, no same mode).
N=$(gen_find 2502 'all(o[0] in ("write", "create", "mkdir", "symlink", "unlink", "link") for o in ops[-2:])')
assert_ok -m "workload: $N ops, seed 2502" \
	"$PYTHON" "$WORKLOAD" --seed 2502 --ops "$N" "$T/C"
assert_ok -m "workload: $((N + 2)) ops, seed 2502, logged" \
	"$PYTHON" "$WORKLOAD" --seed 2502 --ops $((N + 2)) --log "$T/c.log" "$T/C2"
acked_log() { # acked_log K: the log of a writer killed after op K
	sed -n "1,$(($1 + 1))p" "$T/c.log" >"$T/c$1.log"
	echo "$T/c$1.log"
}
assert_ok -m "verify-log: all $N acknowledged ops there" verify "$(acked_log "$N")" "$T/C"
assert_ok -m "verify-log: $((N - 1)) acknowledged + the one in flight" \
	verify "$(acked_log $((N - 1)))" "$T/C"
assert_fail -m "verify-log: two unacknowledged ops there is an error" \
	verify "$(acked_log $((N - 2)))" "$T/C"
assert_fail -m "verify-log: a lost acknowledged op is an error" \
	verify "$(acked_log $((N + 2)))" "$T/C"
assert_fail -m "verify-log: a log that is not this seed's is an error" \
	verify "$T/a.log" "$T/C"

# A write in flight that is half done: accepted; with a foreign byte: not.
half_write() { # half_write DIR K CORRUPT: ops 1..K-1, then half of write K
	"$PYTHON" - "$@" <<'EOF'
import os, sys
sys.path.insert(0, os.environ["E2E_DIR"])
import workload
root, k, corrupt = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
gen = workload.Generator(2503, 64 << 20, True)
os.umask(0)
os.makedirs(root)
for i in range(1, k):
	op = gen.next()
	workload.do_op(root, op)
	gen.model.apply(op)
op = gen.next()
assert op[0] == "write" and op[3] >= 4, op
data = bytearray(op[4][: op[3] // 2])
if corrupt:
	data[-1] ^= 0xFF
	data[-1] = data[-1] if data[-1] else 1
fd = os.open(os.path.join(root, op[1]), os.O_WRONLY)
os.pwrite(fd, data, op[2])
os.close(fd)
EOF
}
K=$(gen_find 2503 'op[0] == "write" and op[3] >= 4096')
assert_ok -m "workload: $K ops, seed 2503, logged" \
	"$PYTHON" "$WORKLOAD" --seed 2503 --ops "$K" --log "$T/d.log" "$T/D0"
sed -n "1,${K}p" "$T/d.log" >"$T/d-1.log"
export E2E_DIR
assert_ok -m "ops 1..$((K - 1)) and half of write $K" half_write "$T/D" "$K" 0
assert_ok -m "verify-log: a half-done write in flight is accepted" verify "$T/d-1.log" "$T/D"
assert_ok -m "ops 1..$((K - 1)) and half of write $K, one byte foreign" half_write "$T/E" "$K" 1
assert_fail -m "verify-log: a foreign byte in the write in flight is an error" \
	verify "$T/d-1.log" "$T/E"

# A writer killed for real, at a random moment.
"$PYTHON" "$WORKLOAD" --seed 2504 --ops 10000000 --log "$T/k.log" "$T/K" >/dev/null 2>&1 &
w=$!
acked() {
	local n
	n=$(grep -c '^\[' "$1" 2>/dev/null)
	echo "${n:-0}"
}
for _ in $(seq 100); do
	[ "$(acked "$T/k.log")" -lt 300 ] || break
	sleep 0.1
done
kill -KILL "$w"
wait "$w" 2>/dev/null
assert_ok -m "verify-log after kill -9 of the writer ($(acked "$T/k.log") acked)" \
	verify "$T/k.log" "$T/K"
