#!/bin/sh
# style.sh - house style checks, TAP output:
#   every C file is clang-format clean against the committed .clang-format;
#   every shell script (by extension or shebang) is shellcheck clean.
# Runs from the source tree ($top_srcdir, else this script's ../..).
set -u

top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top" || exit 1

for tool in clang-format shellcheck; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "1..0 # SKIP $tool not installed (run scripts/install-deps)"
		exit 0
	fi
done

# Files the project owns: git knows them in a checkout; a dist tree has no
# .git, and then the source folders count, less build output.
SRC_DIRS="replicd agents ocf stonith tests scripts bench crm-samples .ci"
list_files() {
	if [ -d .git ] && command -v git >/dev/null 2>&1; then
		git ls-files --cached --others --exclude-standard
	else
		ls autogen.sh 2>/dev/null
		for d in $SRC_DIRS; do
			[ -d "$d" ] && find "$d" -type f ! -name '*~' ! -name '*.o' \
				! -name '*.log' ! -name '*.trs' ! -path '*/.deps/*'
		done
	fi
}

is_shell() {
	case "$1" in
	*.sh) return 0 ;;
	*.c | *.h | *.md | *.am | *.mk | *.ac | *.txt | *.xml | *.py | *.in | *.8 | *.5) return 1 ;;
	esac
	head -n 1 "$1" 2>/dev/null | grep -Eq '^#! */(usr/)?bin/(env +)?(ba|da)?sh( |$)'
}

files=$(list_files | LC_ALL=C sort)
n=0
fail=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

for f in $files; do
	[ -f "$f" ] || continue
	case "$f" in
	configure | config.status | libtool | build-aux/* | m4/*) continue ;;
	*.c | *.h)
		[ "$f" = config.h ] && continue
		n=$((n + 1))
		if clang-format --style=file --dry-run --Werror "$f" >"$out" 2>&1; then
			echo "ok $n - clang-format $f"
		else
			echo "not ok $n - clang-format $f"
			sed 's/^/# /' "$out" | head -n 20
			fail=1
		fi
		;;
	*)
		is_shell "$f" || continue
		n=$((n + 1))
		if shellcheck -x "$f" >"$out" 2>&1; then
			echo "ok $n - shellcheck $f"
		else
			echo "not ok $n - shellcheck $f"
			sed 's/^/# /' "$out" | head -n 40
			fail=1
		fi
		;;
	esac
done
echo "1..$n"
exit "$fail"
