#!/bin/sh
# pcs.sh - a web server in a Podman container that serves a mirrored
# directory on a virtual IP, made with pcs. Run it once, as root, on the
# node whose DIR holds the pages to start from. See README.md.
#
#   VIP=192.168.1.80 ./pcs.sh
#
# Settings (environment): NAME DIR VIP CIDR NIC IMAGE CTR CTR_DIR CTR_CMD
# MONITOR_CMD PORT WAIT, see common.sh.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$here/common.sh"
check_settings

cib=$(mktemp /tmp/podman-nginx-cib.XXXXXX)
trap 'rm -f "$cib"' EXIT
pcs cluster cib "$cib"

# The mirror: replicd on every node, Promoted where the service runs.
pcs -f "$cib" resource create "$NAME-data" ocf:mirror:mirrorfs \
	directory="$DIR" \
	op monitor interval=10s role=Promoted \
	op monitor interval=11s role=Unpromoted \
	promotable notify=true

# The address and the container, started in this order, stopped in reverse.
pcs -f "$cib" resource create "$NAME-ip" ocf:mirror:vip-one-side \
	ip="$VIP" cidr_netmask="$CIDR" ${NIC:+"nic=$NIC"} \
	op monitor interval=10s --group "$NAME-svc"
pcs -f "$cib" resource create "$NAME-ctr" ocf:mirror:podman \
	image="$IMAGE" name="$CTR" \
	volumes="$DIR:$CTR_DIR:ro" \
	run_opts="--network host" \
	${CTR_CMD:+"run_cmd=$CTR_CMD"} \
	${MONITOR_CMD:+"monitor_cmd=$MONITOR_CMD"} \
	op monitor interval=10s --group "$NAME-svc"

# The service runs where the mirror is Promoted, once it is.
pcs -f "$cib" constraint colocation add "$NAME-svc" with Promoted \
	"$NAME-data-clone" INFINITY
pcs -f "$cib" constraint order promote "$NAME-data-clone" "then" start "$NAME-svc"

# All at once: Pacemaker never sees half of it.
pcs cluster cib-push "$cib" --config

first_start
echo "http://$VIP:$PORT/ is served from $(promoted_node)"
