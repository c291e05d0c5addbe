#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# front.sh - real applications on the FUSE front (TAP).
#
# Mounts tests/front/passthru over a directory that already holds files,
# runs sqlite3, git, tar, cp, rsync, qemu-img and a few system calls on
# it, checks the operation log the front produced (passthru itself checks
# every message against the directory underneath and logs "BAD" lines),
# then unmounts and checks that the directory underneath holds exactly
# what the applications saw.  Last, stopping while files are open.
set -u

: "${top_builddir:=.}"
PASSTHRU=$top_builddir/tests/front/passthru
HELPER=$top_builddir/tests/front/fshelper
PLAN=29

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root to mount FUSE over a directory"
	exit 0
fi
if [ ! -c /dev/fuse ]; then
	echo "1..0 # SKIP /dev/fuse is missing"
	exit 0
fi
if [ ! -x "$PASSTHRU" ] || [ ! -x "$HELPER" ]; then
	echo "1..0 # SKIP $PASSTHRU not built"
	exit 0
fi

n=0
ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}
not_ok() {
	n=$((n + 1))
	echo "not ok $n - $1"
}
skip() {
	n=$((n + 1))
	echo "ok $n # SKIP $1"
}
# result RC DESCRIPTION: report a test run as
#	( set -e; t_something ) >"$T/cmd.out" 2>&1; result $? "what"
# (set -e holds in a subshell that is not part of a condition)
result() {
	if [ "$1" = 0 ]; then
		ok "$2"
	else
		not_ok "$2"
		sed 's/^/# /' "$T/cmd.out" | tail -20
	fi
}
# not COMMAND...: succeeds when the command fails (unlike "!", counts
# for set -e)
not() {
	if "$@"; then
		return 1
	fi
	return 0
}
have() {
	command -v "$1" >/dev/null 2>&1
}

T=$(mktemp -d /tmp/front-test.XXXXXX) || exit 1
chmod 755 "$T" # other users reach data/tmp
D=$T/data      # mounted over
R=$T/ref       # the same work on a plain directory
B=$T/busy      # for the stop tests
LOG=$T/ops.log
PID=

mounted() {
	awk -v d="$1" '$2 == d && $3 ~ /^fuse/ { f = 1 } END { exit !f }' \
		/proc/mounts
}
stop_passthru() {
	if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
		kill -TERM "$PID" 2>/dev/null
		i=0
		while kill -0 "$PID" 2>/dev/null && [ "$i" -lt 300 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -KILL "$PID" 2>/dev/null
	fi
	PID=
}
cleanup() {
	cd / || return
	stop_passthru
	for m in "$D" "$B"; do
		if mounted "$m"; then
			umount -l "$m" 2>/dev/null || fusermount3 -u -z "$m"
		fi
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'trap "" PIPE; exit 1' INT TERM HUP
trap 'trap "" PIPE; exit 141' PIPE

# start DIR ARGS...: passthru over DIR in the background, sets PID
start() {
	dir=$1
	shift
	"$PASSTHRU" "$@" "$dir" >"$T/passthru.out" 2>"$T/passthru.err" &
	PID=$!
	i=0
	while ! grep -q ready "$T/passthru.out" && [ "$i" -lt 100 ]; do
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	grep -q ready "$T/passthru.out"
}

# listing of everything but atimes, then the content of every file
snapshot() {
	(
		cd "$1" || exit 1
		find . -printf '%p %y %s %m %U %G %n %T@ %l\n' | LC_ALL=C sort
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
	)
}
sums() {
	(cd "$1" && find . -type f -print0 | LC_ALL=C sort -z |
		xargs -0 -r sha256sum)
}

# ---- the tests, each run in a subshell with set -e ---------------------------------

t_sqlite() {
	db=$D/app.db
	sqlite3 "$db" "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);"
	for _ in 1 2 3 4 5; do
		sqlite3 "$db" "BEGIN; WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<500) INSERT INTO t(v) SELECT hex(randomblob(64)) FROM c; COMMIT;"
	done
	sqlite3 "$db" "BEGIN; DELETE FROM t WHERE id % 3 = 0; ROLLBACK;"
	test "$(sqlite3 "$db" "PRAGMA integrity_check;")" = ok
	test "$(sqlite3 "$db" "SELECT count(*) FROM t;")" = 2500
	wal=$D/wal.db
	sqlite3 "$wal" "PRAGMA journal_mode=WAL; CREATE TABLE t(v); INSERT INTO t VALUES (1),(2),(3);"
	sqlite3 "$wal" "BEGIN; INSERT INTO t SELECT v+10 FROM t; COMMIT; PRAGMA wal_checkpoint(TRUNCATE);"
	test "$(sqlite3 "$wal" "PRAGMA integrity_check;")" = ok
	test "$(sqlite3 "$wal" "SELECT sum(v) FROM t;")" = 42
}

t_git() {
	GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t
	GIT_COMMITTER_EMAIL=t@t
	export GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL
	cd "$D"
	git init -q repo
	cd repo
	for i in 1 2 3; do
		seq $((i * 1000)) >"f$i"
		git add "f$i"
		git commit -q -m "commit $i"
	done
	git mv f1 g1
	git commit -q -m move
	test "$(git log --oneline | wc -l)" = 4
	git gc -q --aggressive
	git fsck --strict
	test -z "$(git status --porcelain)"
}

t_tar() {
	tar -C "$D" -xf "$T/doc.tar"
	tar -C "$R" -xf "$T/doc.tar"
	sums "$D/doc" >"$T/doc.a"
	sums "$R/doc" >"$T/doc.b"
	test -s "$T/doc.a"
	cmp "$T/doc.a" "$T/doc.b"
	(cd "$D/doc" && find . -printf '%p %y %s %m %l\n' | LC_ALL=C sort) >"$T/doc.a"
	(cd "$R/doc" && find . -printf '%p %y %s %m %l\n' | LC_ALL=C sort) >"$T/doc.b"
	cmp "$T/doc.a" "$T/doc.b"
}

t_cp() {
	cp -a "$SRC" "$D/cpa"
	cd "$D/cpa"
	test "$(stat -c %i a/nums)" = "$(stat -c %i a/b/nums.hard)"
	test "$(stat -c %h a/nums)" = 2
	test "$(readlink a/b/nums.sym)" = ../nums
	test "$(readlink dangling)" = /nonexistent
	test "$(stat -c %a a/b)" = 750
	test "$(stat -c %a a/b/small)" = "$(stat -c %a "$SRC/a/b/small")"
	test "$(stat -c %Y a/b/small)" = "$(stat -c %Y "$SRC/a/b/small")"
	diff -r --no-dereference "$SRC" "$D/cpa"
}

t_rsync() {
	rsync -aHAX "$SRC/" "$D/rs/"
	cd "$D/rs"
	test "$(stat -c %i a/nums)" = "$(stat -c %i a/b/nums.hard)"
	diff -r --no-dereference "$SRC" "$D/rs"
	if [ "$XATTR" = yes ]; then
		test "$(getfattr --only-values -n user.color a/nums)" = blue
		getfattr -n user.empty a/b
		setfattr -x user.color a/nums
		not getfattr -n user.color a/nums
		# any name of the inode will do
		grep -Eq "^OP_REMOVEXATTR	rs/a/(nums|b/nums.hard)	" "$LOG"
	fi
	rsync -aHAX --delete "$SRC/" "$D/rs/"
	test -z "$(rsync -aHAXc --dry-run --itemize-changes "$SRC/" "$D/rs/")"
}

t_qemu() {
	cd "$D"
	dd if=/dev/urandom of=raw.img bs=1M count=8 2>/dev/null
	qemu-img create -q -f qcow2 empty.qcow2 64M
	qemu-img convert -O qcow2 raw.img disk.qcow2
	qemu-img check -q disk.qcow2
	qemu-img convert -O raw disk.qcow2 back.img
	cmp raw.img back.img
	qemu-img info disk.qcow2 | grep -q "file format: qcow2"
}

t_exchange() {
	echo one >"$D/x1"
	mkdir "$D/x2"
	"$HELPER" exchange "$D/x1" "$D/x2"
	test -d "$D/x1"
	test "$(cat "$D/x2")" = one
	grep -q "^OP_RENAME	x1	x2	0	0	0x2$" "$LOG"
}

t_noreplace() {
	echo a >"$D/n1"
	echo b >"$D/n2"
	rc=0
	"$HELPER" noreplace "$D/n1" "$D/n2" || rc=$?
	test $rc = 3
	test "$(cat "$D/n2")" = b
	"$HELPER" noreplace "$D/n1" "$D/n3"
	test "$(cat "$D/n3")" = a
	grep -q "^OP_RENAME	n1	n3	0	0	0x1$" "$LOG"
}

t_fallocate() {
	cd "$D"
	fallocate -l 1M fa
	test "$(stat -c %s fa)" = 1048576
	fallocate -n -o 1M -l 1M fa
	test "$(stat -c %s fa)" = 1048576
	printf '%4096s' '' | tr ' ' z | dd of=fa bs=4096 seek=2 conv=notrunc 2>/dev/null
	fallocate --punch-hole -o 8192 -l 4096 fa
	test "$(dd if=fa bs=4096 skip=2 count=1 2>/dev/null | tr -d '\0' | wc -c)" = 0
	grep -q "^OP_FALLOCATE	fa		0	1048576	0$" "$LOG"
	grep -q "^OP_FALLOCATE	fa		1048576	1048576	0x1$" "$LOG"
	grep -q "^OP_FALLOCATE	fa		8192	4096	0x3$" "$LOG"
}

t_attrs() {
	cd "$D"
	echo attrs >attrf
	chmod 4751 attrf
	test "$(stat -c %a attrf)" = 4751
	chown 1234:5678 attrf
	test "$(stat -c %u:%g attrf)" = 1234:5678
	chmod 640 attrf
	touch -d "2001-02-03 04:05:06.789" attrf
	test "$(stat -c %Y attrf)" = "$(date -d "2001-02-03 04:05:06" +%s)"
	touch -m -d @1000000000 attrf
	test "$(stat -c %Y attrf)" = 1000000000
	truncate -s 3 attrf
	test "$(cat attrf)" = att
	touch -a attrf
	grep -q "^OP_SETATTR	attrf	" "$LOG"
	grep -q "^OP_TRUNCATE	attrf		0	3	" "$LOG"
}

t_special() {
	cd "$D"
	mkfifo fifo
	test -p fifo
	mknod null c 1 3
	test -c null
	echo data >null
	echo linked >l1
	ln l1 l2
	test "$(stat -c %h l1)" = 2
	ln -s l1 sym
	test "$(cat sym)" = linked
	test "$(readlink sym)" = l1
	grep -q "^OP_MKNOD	fifo	" "$LOG"
	grep -q "^OP_MKNOD	null	" "$LOG"
	grep -q "^OP_LINK	l1	l2	" "$LOG"
	grep -q "^OP_SYMLINK	sym	l1	" "$LOG"
}

t_flock() {
	cd "$D"
	flock lk sleep 2 &
	sleep 0.5
	not flock -n lk true
	wait
	flock -n lk true
}

t_statfs() {
	df -P "$D" | tail -1 | grep -q "^replicd:passthru "
	test "$(stat -f -c %b "$D")" -gt 0
}

t_user() {
	mkdir -m 1777 "$D/tmp"
	setpriv --reuid=4321 --regid=4321 --clear-groups sh -c \
		"echo mine >$D/tmp/u && mkdir $D/tmp/ud && ln -s u $D/tmp/us"
	test "$(stat -c %u:%g "$D/tmp/u")" = 4321:4321
	test "$(stat -c %u:%g "$D/tmp/ud")" = 4321:4321
	test "$(stat -c %u:%g "$D/tmp/us")" = 4321:4321
	not setpriv --reuid=4321 --regid=4321 --clear-groups \
		sh -c "echo x >$D/old/file"
	not setpriv --reuid=4321 --regid=4321 --clear-groups rm -f "$D/old/file"
	test -f "$D/old/file"
}

t_setgid() {
	mkdir "$D/sg"
	chgrp 777 "$D/sg"
	chmod 2775 "$D/sg"
	touch "$D/sg/f"
	mkdir "$D/sg/d"
	test "$(stat -c %g "$D/sg/f")" = 777
	test "$(stat -c %g:%a "$D/sg/d")" = 777:2755
}

t_unlinked() {
	"$HELPER" unlinked "$D/gone"
	test ! -e "$D/gone"
	test "$(grep -c "^OP_WRITE	gone	" "$LOG")" = 1
	grep -q "^OP_UNLINK	gone	" "$LOG"
	not grep -q "^OP_FSYNC	gone	" "$LOG"
}

t_relink() {
	"$HELPER" relink "$D/ra" "$D/rb"
	test "$(cat "$D/rb")" = relinked
	grep -q "^OP_WRITE	rb		0	9	" "$LOG"
	grep -q "^OP_FSYNC	rb	" "$LOG"
}

t_moved_parent() {
	mkdir -p "$D/p1/p2"
	exec 3>"$D/p1/p2/open"
	mv "$D/p1" "$D/q1"
	echo after >&3
	exec 3>&-
	grep -q "^OP_WRITE	q1/p2/open		0	6	" "$LOG"
}

t_root() {
	chmod 751 "$D"
	touch -d @1234567890 "$D"
	setfattr -n user.root -v r "$D"
	grep -q "^OP_SETATTR		" "$LOG"
	grep -q "^OP_SETXATTR		" "$LOG"
}

t_underneath() {
	test "$(tr -d M <"$D/mapped.bin" | wc -c)" = 0
	test "$(stat -c %s "$D/mapped.bin")" = 1048576
	if have sqlite3; then
		test "$(sqlite3 "$D/app.db" "PRAGMA integrity_check;")" = ok
	fi
	if have git; then
		git -C "$D/repo" fsck --strict
	fi
	test "$(cat "$D/old/file")" = "before the mount"
}

# ---- run ------------------------------------------------------------------

echo "1..$PLAN"

# what the directory holds before the mount
mkdir -p "$D/old/deep" "$R" "$B"
echo "before the mount" >"$D/old/file"
ln -s file "$D/old/link"
dd if=/dev/urandom of="$D/old/deep/blob" bs=64k count=4 2>/dev/null

# 1
if start "$D" -i 3 -l "$LOG" && mounted "$D" &&
	grep -q "^replicd:passthru $D fuse.replicd " /proc/mounts &&
	[ "$(cat "$D/old/file")" = "before the mount" ]; then
	ok "mounted over a directory with content (fsname, fuse.replicd)"
else
	not_ok "mounted over a directory with content (fsname, fuse.replicd)"
	sed 's/^/# /' "$T/passthru.err"
	echo "Bail out! passthru did not mount"
	exit 1
fi

# 2-3: sqlite3, rollback journal and WAL (its -shm file is mmapped)
if have sqlite3; then
	(
		set -e
		t_sqlite
	) >"$T/cmd.out" 2>&1
	result $? "sqlite3: transactions, integrity_check, WAL"
	(
		set -e
		grep -q "^OP_FSYNC	app.db	" "$LOG"
	) >"$T/cmd.out" 2>&1
	result $? "sqlite3 fsyncs replicated (OP_FSYNC app.db)"
else
	skip "sqlite3 not installed"
	skip "sqlite3 not installed"
fi

# 4
if have git; then
	(
		set -e
		t_git
	) >"$T/cmd.out" 2>&1
	result $? "git: init, add, commit, mv, log, gc, fsck"
else
	skip "git not installed"
fi

# 5: tar of /usr/share/doc, compared file by file with a plain extraction
if [ -d /usr/share/doc ] && tar -C /usr/share -cf "$T/doc.tar" doc 2>/dev/null; then
	(
		set -e
		t_tar
	) >"$T/cmd.out" 2>&1
	result $? "tar: extraction of /usr/share/doc identical to a plain directory"
	rm -f "$T/doc.tar"
else
	skip "no /usr/share/doc to archive"
fi

# 6-7: cp -a and rsync -aHAX of a tree with symlinks, hard links, xattrs
SRC=$T/src
mkdir -p "$SRC/a/b"
seq 10000 >"$SRC/a/nums"
printf 'x%.0s' $(seq 300) >"$SRC/a/b/small"
ln "$SRC/a/nums" "$SRC/a/b/nums.hard"
ln -s ../nums "$SRC/a/b/nums.sym"
ln -s /nonexistent "$SRC/dangling"
chmod 750 "$SRC/a/b"
touch -d '2010-10-10 10:10:10' "$SRC/a/b/small"
XATTR=no
if have setfattr && setfattr -n user.color -v blue "$SRC/a/nums" 2>/dev/null &&
	setfattr -n user.empty "$SRC/a/b" 2>/dev/null; then
	XATTR=yes
fi
(
	set -e
	t_cp
) >"$T/cmd.out" 2>&1
result $? "cp -a of a tree (symlinks, hard links, times, modes)"
if have rsync; then
	(
		set -e
		t_rsync
	) >"$T/cmd.out" 2>&1
	result $? "rsync -aHAX of a tree (xattrs: $XATTR)"
else
	skip "rsync not installed"
fi

# 8
if have qemu-img; then
	(
		set -e
		t_qemu
	) >"$T/cmd.out" 2>&1
	result $? "qemu-img: create, convert, check a qcow2"
else
	skip "qemu-img not installed"
fi

# 9-10: MAP_SHARED writes come back as OP_WRITE
(
	set -e
	"$HELPER" mmap "$D/mapped.bin" 1048576 M
) >"$T/cmd.out" 2>&1
result $? "MAP_SHARED mmap write"
(
	set -e
	grep -q "^OP_WRITE	mapped.bin	" "$LOG"
) >"$T/cmd.out" 2>&1
result $? "mmap write replicated (OP_WRITE mapped.bin)"

# 11-23
(
	set -e
	t_exchange
) >"$T/cmd.out" 2>&1
result $? "RENAME_EXCHANGE swaps two names"
(
	set -e
	t_noreplace
) >"$T/cmd.out" 2>&1
result $? "RENAME_NOREPLACE refuses an existing target"
(
	set -e
	t_fallocate
) >"$T/cmd.out" 2>&1
result $? "fallocate: allocate, keep size, punch hole"
(
	set -e
	t_attrs
) >"$T/cmd.out" 2>&1
result $? "chmod, chown, touch -d, truncate"
(
	set -e
	t_special
) >"$T/cmd.out" 2>&1
result $? "mkfifo, mknod, ln, ln -s"
(
	set -e
	t_flock
) >"$T/cmd.out" 2>&1
result $? "flock: exclusive lock held, a second one refused"
(
	set -e
	t_statfs
) >"$T/cmd.out" 2>&1
result $? "df on the mount"
if have setpriv; then
	(
		set -e
		t_user
	) >"$T/cmd.out" 2>&1
	result $? "a user's files are created as that user"
else
	skip "setpriv not installed"
fi
(
	set -e
	t_setgid
) >"$T/cmd.out" 2>&1
result $? "setgid directory: group and setgid inherited"
(
	set -e
	t_unlinked
) >"$T/cmd.out" 2>&1
result $? "writes to an unlinked open file are not replicated"
(
	set -e
	t_relink
) >"$T/cmd.out" 2>&1
result $? "write after the opened name was unlinked goes to the other link"
(
	set -e
	t_moved_parent
) >"$T/cmd.out" 2>&1
result $? "paths follow renames of parent directories"
(
	set -e
	t_root
) >"$T/cmd.out" 2>&1
result $? "operations on the root directory"

# 24: every message was consistent with the directory underneath
(
	set -e
	not grep "^BAD" "$LOG"
) >"$T/cmd.out" 2>&1
result $? "no inconsistent message in the op log"

snapshot "$D" >"$T/through.lst"

# 25: passthru stops cleanly
kill -TERM "$PID"
rc=0
wait "$PID" || rc=$?
PID=
if [ $rc = 0 ] && ! mounted "$D"; then
	ok "passthru unmounts and exits 0"
else
	not_ok "passthru unmounts and exits 0 (exit $rc)"
	sed 's/^/# /' "$T/passthru.err"
	grep "^BAD" "$LOG" | head -20 | sed 's/^/# /'
fi

# 26: the directory underneath holds exactly what the applications saw
snapshot "$D" >"$T/under.lst"
if cmp -s "$T/through.lst" "$T/under.lst"; then
	ok "the directory underneath holds what the applications wrote"
else
	not_ok "the directory underneath holds what the applications wrote"
	diff "$T/through.lst" "$T/under.lst" | head -20 | sed 's/^/# /'
fi

# 27
(
	set -e
	t_underneath
) >"$T/cmd.out" 2>&1
result $? "underneath: mmap content, sqlite and git still fine"

# 28: front_stop() says EBUSY while a file is open, and stays mounted
echo busy >"$B/f"
if start "$B" -w 20; then
	(
		exec 4<"$B/f"
		sleep 1.5
		cat <&4 >"$T/busy.read"
	) &
	holder=$!
	sleep 0.3
	kill -TERM "$PID"
	sleep 0.5
	still=no
	if mounted "$B"; then
		still=yes
	fi
	wait "$holder"
	rc=0
	wait "$PID" || rc=$?
	PID=
	if [ $still = yes ] && [ $rc = 0 ] && ! mounted "$B" &&
		grep -q busy "$T/passthru.err" &&
		[ "$(cat "$T/busy.read")" = busy ]; then
		ok "stop while a file is open: busy, unmounted once closed"
	else
		not_ok "stop while a file is open: busy, unmounted once closed"
		sed 's/^/# /' "$T/passthru.err"
	fi
else
	not_ok "stop while a file is open: passthru did not start"
fi

# 29: forced stop detaches and cuts the open files off, without hanging
if start "$B" -w 0; then
	exec 4<"$B/f"
	kill -TERM "$PID"
	rc=0
	wait "$PID" || rc=$?
	PID=
	if [ $rc = 0 ] && ! mounted "$B" && ! cat <&4 >/dev/null 2>&1 &&
		[ "$(cat "$B/f")" = busy ]; then
		ok "forced stop: detached, open files cut off"
	else
		not_ok "forced stop: detached, open files cut off (exit $rc)"
		sed 's/^/# /' "$T/passthru.err"
	fi
	exec 4<&-
else
	not_ok "forced stop: passthru did not start"
fi

[ $n = $PLAN ] || echo "# planned $PLAN tests, ran $n"
trap - EXIT
cleanup
exit 0
