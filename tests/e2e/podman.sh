# shellcheck shell=bash
# podman.sh - containers in lab nodes; source it after lib.sh.
#
#   pm_missing             prints what is missing for podman scenarios
#                          (nothing: all there)
#   pm_image_tar DIR       DIR/rootfs.tar: a root filesystem with Debian's
#                          busybox-static (sh, httpd, wget, ...)
#   pm_node_setup NODE TAR IMAGE  podman config of NODE (its private
#                          /etc/containers, see LAB.md) and TAR imported as
#                          IMAGE; the image runs busybox httpd on port 8080
#                          serving /www unless a command is given
#   pm_remember NODE       note the ids of NODE's containers (before a power
#                          cut: their cgroups outlive them)
#   pm_cleanup NODES...    remove every container on the running NODES
#   pm_cgroups_cleanup     after `lab down`: the cgroups killed containers
#                          left, and podman's parents when this run made them
#
# Nodes need LAB_PRIVATE_DIRS with /etc/containers and /var/lib/containers.

PM_IDS=
PM_CG_BEFORE=no
[ ! -d /sys/fs/cgroup/pids/libpod_parent ] || PM_CG_BEFORE=yes

pm_missing() {
	local c
	for c in podman runc conmon catatonit; do
		command -v "$c" >/dev/null 2>&1 || printf '%s ' "$c"
	done
	# (no grep -q after a pipe: with pipefail, busybox's SIGPIPE counts)
	if [ ! -x /bin/busybox ] ||
		! busybox --list 2>/dev/null | grep -x httpd >/dev/null; then
		printf 'busybox-static '
	fi
}

pm_image_tar() {
	local r=$1/rootfs a
	mkdir -p "$r/bin" "$r/etc" "$r/www" "$r/tmp"
	cp /bin/busybox "$r/bin/busybox"
	for a in sh httpd sleep wget cat ls; do ln -s busybox "$r/bin/$a"; done
	echo 'root:x:0:0:root:/:/bin/sh' >"$r/etc/passwd"
	echo 'root:x:0:' >"$r/etc/group"
	tar -C "$r" -cf "$1/rootfs.tar" .
}

pm_node_setup() {
	local n=$1 tar=$2 image=$3 c hn
	hn=$(ulimit -Hn)
	c=$(lab path "$n" /etc/containers) || return 1
	cp -a /etc/containers/. "$c/"
	# runc: crun refuses this hybrid cgroup layout; no systemd here
	cat >"$c/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$hn:$hn", "nproc=32768:32768"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
EOF
	on "$n" podman import \
		--change 'CMD ["/bin/busybox","httpd","-f","-p","8080","-h","/www"]' \
		"$tar" "$image" >/dev/null
}

pm_remember() {
	PM_IDS="$PM_IDS $(on "$1" podman ps -a -q --no-trunc 2>/dev/null | paste -sd' ')"
}

pm_cleanup() {
	local n
	for n in "$@"; do
		on "$n" true 2>/dev/null || continue
		on "$n" podman rm -f -a -t 2 >/dev/null 2>&1 || true
	done
}

pm_cgroups_cleanup() {
	local id d
	for id in $PM_IDS; do
		for d in /sys/fs/cgroup/*/libpod_parent/libpod-"$id" \
			/sys/fs/cgroup/*/libpod_parent/libpod-"$id".scope; do
			[ -d "$d" ] || continue
			rmdir "$d" 2>/dev/null || note "could not remove cgroup $d"
		done
	done
	if [ "$PM_CG_BEFORE" = no ]; then
		for d in /sys/fs/cgroup/*/libpod_parent/conmon /sys/fs/cgroup/*/libpod_parent; do
			[ ! -d "$d" ] || rmdir "$d" 2>/dev/null || true
		done
	fi
}
