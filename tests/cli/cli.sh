#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Diff mirrorctl's user-visible output against golden transcripts (TAP).
# Cases are in tests/cli/cases; expected output in tests/cli/expected/.
# REGEN=1 rewrites the expected files instead of comparing.
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
dir="$top_srcdir/tests/cli"
mirrorctl="$top_builddir/replicd/mirrorctl"
REGEN="${REGEN:-}"

if [ ! -x "$mirrorctl" ]; then
	echo "1..0 # SKIP $mirrorctl is not built"
	exit 0
fi

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

n=$(grep -c '^[^#]' "$dir/cases")
echo "1..$n"
i=0
grep '^[^#]' "$dir/cases" | while IFS='|' read -r name args; do
	i=$((i + 1))
	out="$tmp/$name.txt"
	# shellcheck disable=SC2086 # the arguments are meant to be split
	{
		echo "\$ mirrorctl${args:+ $args}"
		"$mirrorctl" $args 2>&1
		echo "[exit $?]"
	} >"$out"
	if [ -n "$REGEN" ]; then
		cp "$out" "$dir/expected/$name.txt"
		echo "ok $i - $name # regenerated"
	elif diff -u "$dir/expected/$name.txt" "$out" >"$tmp/diff" 2>&1; then
		echo "ok $i - $name"
	else
		echo "not ok $i - $name"
		sed 's/^/# /' "$tmp/diff"
	fi
done
