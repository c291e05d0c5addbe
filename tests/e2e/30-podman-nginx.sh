#!/bin/bash
# 30-podman-nginx: the crm-samples/podman-nginx sample as an admin runs it,
# every check made from the client's side where a client would see it.
#
# Lab: 2 nodes (token 1000 ms) and a client c, ha-mirror installed in every
# node by `make install` (LAB_INSTALL), a busybox httpd image standing in
# for nginx (port 8080, pages in /www).
#   1. pcs.sh on n1, whose /srv/www holds index.html: the client fetches
#      http://VIP:8080/index.html
#   2. page.html added on the primary
#   3. power cut of the primary: the client fetches page.html through the
#      VIP from the survivor; the seconds it took are noted
#   4. crm_mon -1A on the survivor: container, VIP and mirror (ALONE) there
#   5. the old primary boots: SECOND, synced, same tree (sha256 of all)
#   6. pcs resource move --promoted back, no data lost, constraint cleared
#   7. a second instance (crm.sh, /srv/blog, another VIP and port) runs
#      beside the first without touching it
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=cluster.sh
. "$(dirname "$0")/cluster.sh"
# shellcheck source-path=SCRIPTDIR source=podman.sh
. "$(dirname "$0")/podman.sh"

SAMPLE=$E2E_TOP/crm-samples/podman-nginx
BUILD=${top_builddir:-$E2E_TOP}
PYTHON=/usr/bin/python3
IMAGE=localhost/bbhttpd
VIP=10.99.0.80
VIP2=10.99.0.81
VIPS="$VIP $VIP2"
URL=http://$VIP:8080
URL2=http://$VIP2:8081
WORK=

scenario_begin 30-podman-nginx xmllint make "$PYTHON"
missing=$(pm_missing)
[ -z "$missing" ] || skip "needs $missing"
[ -x "$BUILD/replicd/replicd" ] || skip "replicd is not built in $BUILD (run make)"

# the containers go while the lab still runs; their cgroups after it
sample_exit() {
	local rc=$?
	trap - EXIT
	pm_cleanup n1 n2
	(
		(exit "$rc")
		_scenario_exit
	)
	rc=$?
	pm_cgroups_cleanup
	[ -z "$WORK" ] || rm -rf "$WORK"
	exit "$rc"
}
trap sample_exit EXIT

WORK=$(mktemp -d /tmp/ham-e2e30.XXXXXX)
assert_ok -m "make install DESTDIR=... (replicd, mirrorctl, the agents)" \
	make -s -C "$BUILD" install DESTDIR="$WORK/inst"
[ -x "$WORK/inst/usr/local/sbin/replicd" ] ||
	skip "the build is not configured with prefix /usr/local (the lab installs from there)"

export LAB_TOKEN=1000 LAB_CLIENT=1 LAB_INSTALL=$WORK/inst
export LAB_PRIVATE_DIRS="/srv/www /srv/blog /etc/containers /var/lib/containers"
assert_ok -m "lab up 2 (token 1000 ms, client c, ha-mirror installed)" lab up 2
pm_image_tar "$WORK"
for n in n1 n2; do
	assert_ok -m "$n: the busybox httpd image ($IMAGE)" \
		pm_node_setup "$n" "$WORK/rootfs.tar" "$IMAGE"
done

# tree_is_same DESC: sha256 (and modes, owners, times) of every file of
# /srv/www are the same on n1 and n2
tree_is_same() {
	local a b
	a=$(on n1 "$PYTHON" "$E2E_DIR/treesum" /srv/www) || fail "$1" "treesum on n1"
	b=$(on n2 "$PYTHON" "$E2E_DIR/treesum" /srv/www) || fail "$1" "treesum on n2"
	if [ "$a" != "$b" ]; then
		fail "$1" "$(diff <(echo "$a") <(echo "$b") | head -20)"
	fi
	pass "$1 ($(echo "$a" | wc -l) entries)"
}

# serves URL NODE TEXT: the client gets TEXT from URL, and NODE runs the
# container
serves() {
	page_is "$1" "$3" && resource_on www-ctr "$2" "$2"
}

# ---- 1. the sample ----
echo "the index of the mirror" >"$(lab path n1 /srv/www)/index.html"
assert_ok -m "pcs.sh on n1 creates the service and promotes n1's copy" \
	on n1 env VIP=$VIP IMAGE=$IMAGE CTR_DIR=/www PORT=8080 \
	"MONITOR_CMD=wget -q -O /dev/null http://127.0.0.1:8080/" "$SAMPLE/pcs.sh"
wait_until 30 "the client fetches $URL/index.html" \
	page_is "$URL/index.html" "the index of the mirror"
assert_ok -m "the mirror is Promoted on n1" promoted_on n1 www-data-clone n1
assert_ok -m "the container runs on n1" resource_on www-ctr n1 n1
wait_until 60 "crm_mon -1A: n2 is an up-to-date secondary (SECOND, 100)" \
	second_synced n1 n2 www-data
assert_ok -m "crm_mon -1A: mirror-www-data-role=PRIM on n1" \
	attr_is n1 n1 mirror-www-data-role PRIM

# ---- 2. a new page ----
assert_ok -m "n1 writes page.html and a subtree into /srv/www" on n1 sh -c '
	echo "a page written on n1" >/srv/www/page.html &&
	mkdir -p /srv/www/img && head -c 3000000 /dev/urandom >/srv/www/img/big.bin &&
	ln -s ../page.html /srv/www/img/link.html && chmod 640 /srv/www/img/big.bin'
wait_until 10 "the client fetches page.html" \
	page_is "$URL/page.html" "a page written on n1"
tree_is_same "n1 and n2 hold the same /srv/www"

# ---- 3. power cut ----
pm_remember n1
t0=$(now_ms)
assert_ok -m "power cut of n1 (primary)" power_cut n1
wait_until 60 "the client fetches page.html through $VIP again" \
	serves "$URL/page.html" n2 "a page written on n1"
secs=$((($(now_ms) - t0) / 100))
note "failover: the client had page.html back $((secs / 10)).$((secs % 10)) s after the power cut (token 1000 ms)"
assert_ok -m "failover took under 30 s ($((secs / 10)).$((secs % 10)) s)" test "$secs" -lt 300

# ---- 4. the survivor ----
assert_ok -m "crm_mon -1A on n2: the container runs on n2" resource_on www-ctr n2 n2
assert_ok -m "crm_mon -1A on n2: the VIP runs on n2" resource_on www-ip n2 n2
assert_ok -m "$VIP is on n2's eth0" has_addr n2 "$VIP/24"
assert_ok -m "crm_mon -1A on n2: the mirror is Promoted on n2" promoted_on n2 www-data-clone n2
wait_until 10 "crm_mon -1A on n2: mirror-www-data-role=ALONE" \
	attr_is n2 n2 mirror-www-data-role ALONE
note "$(on n2 crm_mon -1A 2>/dev/null)"

# ---- 5. the old primary comes back ----
assert_ok -m "while n1 is off, n2 adds after.html" \
	on n2 sh -c 'echo "written while n1 was off" >/srv/www/after.html'
assert_ok -m "n1 boots again" power_on n1
wait_until 40 "n1 is back: n1 and n2 online" online_is n2 "n1 n2"
wait_until 90 "crm_mon -1A: n1 rejoined as an up-to-date secondary (SECOND, 100)" \
	second_synced n2 n1 www-data
assert_ok -m "crm_mon: Promoted on n2, Unpromoted on n1" \
	roles_are n2 www-data-clone Unpromoted/Promoted
tree_is_same "after the resync n1's copy equals n2's"
assert_ok -m "no failback: the service stays on n2" resource_on www-ctr n2 n2

# ---- 6. move it back by hand ----
assert_ok -m "pcs resource move www-data-clone n1 --promoted" \
	pcs_on n2 resource move www-data-clone n1 --promoted --wait=60
wait_until 60 "the client fetches page.html from n1" \
	serves "$URL/page.html" n1 "a page written on n1"
assert_ok -m "the client fetches after.html from n1 (nothing lost)" \
	page_is "$URL/after.html" "written while n1 was off"
assert_ok -m "the mirror is Promoted on n1" promoted_on n1 www-data-clone n1
wait_until 60 "n2 is an up-to-date secondary again" second_synced n1 n2 www-data
assert_ok -m "pcs resource clear www-data-clone" pcs_on n1 resource clear www-data-clone
assert_eq "$(on n1 cibadmin --query --scope constraints 2>/dev/null | grep -c 'id="cli-')" 0 \
	"no location constraint of the move is left"
assert_ok -m "the cluster settles" settle n1
assert_ok -m "the service stays on n1 once the constraint is gone" resource_on www-ctr n1 n1
tree_is_same "after the move n1 and n2 hold the same /srv/www"

# ---- 7. a second service beside the first ----
echo "the blog" >"$(lab path n2 /srv/blog)/index.html"
assert_ok -m "crm.sh on n2 creates a second service (blog: /srv/blog, $VIP2:8081)" \
	on n2 env NAME=blog DIR=/srv/blog VIP=$VIP2 IMAGE=$IMAGE CTR_DIR=/www \
	"CTR_CMD=/bin/busybox httpd -f -p 8081 -h /www" PORT=8081 "$SAMPLE/crm.sh"
wait_until 30 "the client fetches $URL2/index.html" page_is "$URL2/index.html" "the blog"
assert_ok -m "blog's mirror is Promoted on n2" promoted_on n1 blog-data-clone n2
assert_ok -m "blog's container runs on n2" resource_on blog-ctr n2 n2
assert_ok -m "www still runs on n1 and serves page.html" \
	serves "$URL/page.html" n1 "a page written on n1"
assert_ok -m "n2 writes a blog post" on n2 sh -c 'echo "post 1" >/srv/blog/post.html'
wait_until 10 "the client fetches the post" page_is "$URL2/post.html" "post 1"
wait_until 60 "crm_mon -1A: n1 is an up-to-date secondary of blog" \
	second_synced n1 n1 blog-data
assert_eq "$(on n1 cat /srv/blog/post.html 2>/dev/null)" "post 1" \
	"n1's copy of /srv/blog has the post"
assert_fail -m "the post is not in /srv/www" on n1 test -e /srv/www/post.html
assert_fail -m "page.html is not in /srv/blog" on n2 test -e /srv/blog/page.html
tree_is_same "www's copies are still the same"
