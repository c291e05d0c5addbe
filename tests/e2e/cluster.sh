# shellcheck shell=bash
# cluster.sh - what a user checks of a 2-node lab cluster with a client;
# source it after lib.sh. Nodes are n1 and n2, the client is c.
#
#   other NODE             the other node of n1 / n2
#   mac_of NODE            MAC of NODE's eth0
#   has_addr NODE IP       IP is on NODE's eth0
#   client_mac_is IP MAC   the client's neighbour entry for IP has MAC
#   fetch URL              the page as the client sees it
#   page_is URL TEXT
#   power_cut NODE         the lab's kill, the node's switch port down and
#                          the addresses in $VIPS gone from it (as after a
#                          real power cut)
#   power_on NODE          port up, boot
#   failed_with VIA RSC TEXT   crm_mon lists a failed action of RSC with TEXT
#   role_of VIA CLONE NODE Promoted / Unpromoted / nothing (crm_mon)
#   roles_are VIA CLONE R1/R2, promoted_on VIA CLONE NODE,
#   one_promoted VIA CLONE, promoted_node VIA CLONE
#   attr_is VIA NODE NAME VALUE  crm_mon -1A on VIA shows NAME=VALUE for NODE
#   second_synced VIA NODE MIRROR  NODE is an up-to-date secondary of MIRROR
#   file_is NODE PATH TEXT, mounts_at NODE PATH
#   skip_part REASON       a skipped part, the scenario goes on

VIPS=${VIPS:-}

other() {
	case $1 in
	n1) echo n2 ;;
	*) echo n1 ;;
	esac
}

# mac_of NODE: the MAC of NODE's eth0 (not from /sys: the nodes share the
# host's sysfs, which shows the host's interfaces)
mac_of() {
	on "$1" ip -o link show dev eth0 | sed -n 's|.* link/ether \([0-9a-f:]*\) .*|\1|p'
}

# has_addr NODE IP: IP is on NODE's eth0
has_addr() {
	[ -n "$(on "$1" ip -o -4 addr show dev eth0 to "$2" 2>/dev/null)" ]
}

# client_mac_is IP MAC: the client's neighbour entry for IP has MAC
client_mac_is() {
	on c ip neigh show "$1" | grep -i "lladdr $2" >/dev/null
}

# fetch URL: the page as the client sees it
fetch() {
	if command -v curl >/dev/null 2>&1; then
		on c curl -s --max-time 2 "$1"
	else
		on c busybox wget -q -T 2 -O - "$1"
	fi
}

# page_is URL TEXT
page_is() {
	[ "$(fetch "$1" 2>/dev/null)" = "$2" ]
}

# power_cut NODE: the lab's power cut, the node's port down, its runtime
# addresses gone (as after a real reboot)
power_cut() {
	local a
	ip -n "$LAB_NAME-sw" link set "$1-p" down
	lab kill "$1" || return 1
	for a in $VIPS; do
		ip -n "$LAB_NAME-$1" addr del "$a/24" dev eth0 2>/dev/null || true
	done
}

power_on() {
	ip -n "$LAB_NAME-sw" link set "$1-p" up && lab start "$1"
}

# failed_with VIA RSC TEXT: crm_mon on VIA lists a failed action of RSC
# whose reason contains TEXT
failed_with() {
	on "$1" crm_mon -1 2>/dev/null | grep -F "$2 " | grep -F "$3" >/dev/null
}

# role_of VIA CLONE NODE: Promoted / Unpromoted / nothing
role_of() {
	on "$1" crm_mon -1 --output-as=xml 2>/dev/null |
		xmllint --xpath "string(//clone[@id='$2']/resource[node/@name='$3']/@role)" - 2>/dev/null
}

roles_are() {
	[ "$(role_of "$1" "$2" n1)/$(role_of "$1" "$2" n2)" = "$3" ]
}

# attr_is VIA NODE NAME VALUE: crm_mon -1A on VIA shows NAME=VALUE for NODE
attr_is() {
	on "$1" crm_mon -1A 2>/dev/null |
		awk -v n="$2" -v a="$3" '
			/^ *\* Node: / { node = $3; sub(/:$/, "", node) }
			node == n && $2 == a { print $4 }' | grep -x -- "$4" >/dev/null
}

# file_is NODE PATH TEXT: NODE sees TEXT in PATH
file_is() {
	[ "$(on "$1" cat "$2" 2>/dev/null)" = "$3" ]
}

# promoted_on VIA CLONE NODE
promoted_on() {
	[ "$(role_of "$1" "$2" "$3")" = Promoted ]
}

# mounts_at NODE PATH: how many mounts NODE has at PATH
mounts_at() {
	on "$1" cat /proc/self/mountinfo | awk -v p="$2" '$5 == p' | wc -l
}

# one_promoted VIA CLONE: Promoted on one node, Unpromoted on the other
one_promoted() {
	case $(role_of "$1" "$2" n1)/$(role_of "$1" "$2" n2) in
	Promoted/Unpromoted | Unpromoted/Promoted) return 0 ;;
	esac
	return 1
}

promoted_node() {
	if promoted_on "$1" "$2" n1; then
		echo n1
	else
		echo n2
	fi
}

# second_synced VIA NODE MIRROR: crm_mon -1A shows NODE as an up-to-date
# secondary of MIRROR
second_synced() {
	attr_is "$1" "$2" "mirror-$3-role" SECOND && attr_is "$1" "$2" "mirror-$3-sync" 100
}

# skip_part REASON: a skipped part, the scenario goes on
skip_part() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N # SKIP $*"
}

