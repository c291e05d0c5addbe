#!/bin/sh
# crm.sh - the same service as pcs.sh, made with the crm shell (crmsh).
# Run it once, as root, on the node whose DIR holds the pages to start
# from. See README.md.
#
#   VIP=192.168.1.80 ./crm.sh
#
# Settings (environment): as pcs.sh, see common.sh.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$here/common.sh"
check_settings

# crm quotes: a parameter value is one word in double quotes
q() {
	printf '"%s"' "$(printf '%s' "$1" | sed 's/["\\]/\\&/g')"
}

crm configure load update - <<CRM
primitive $NAME-data ocf:mirror:mirrorfs \\
	params directory=$(q "$DIR") \\
	op monitor interval=10s role=Promoted \\
	op monitor interval=11s role=Unpromoted
clone $NAME-data-clone $NAME-data \\
	meta promotable=true notify=true
primitive $NAME-ip ocf:mirror:vip-one-side \\
	params ip=$(q "$VIP") cidr_netmask=$(q "$CIDR")${NIC:+ nic=$(q "$NIC")} \\
	op monitor interval=10s
primitive $NAME-ctr ocf:mirror:podman \\
	params image=$(q "$IMAGE") name=$(q "$CTR") \\
	volumes=$(q "$DIR:$CTR_DIR:ro") run_opts="--network host"${CTR_CMD:+ run_cmd=$(q "$CTR_CMD")}${MONITOR_CMD:+ monitor_cmd=$(q "$MONITOR_CMD")} \\
	op monitor interval=10s
group $NAME-svc $NAME-ip $NAME-ctr
colocation $NAME-svc-with-data inf: $NAME-svc $NAME-data-clone:Promoted
order $NAME-data-before-svc Mandatory: $NAME-data-clone:promote $NAME-svc:start
CRM

first_start
echo "http://$VIP:$PORT/ is served from $(promoted_node)"
