# shellcheck shell=sh
# common.sh - settings and the first start, shared by pcs.sh and crm.sh.
# Sourced, not run. Every setting can be given in the environment.

# What to call the resources: NAME-data (the mirror, a promotable clone
# NAME-data-clone), NAME-ip, NAME-ctr, in the group NAME-svc.
: "${NAME:=www}"
# The replicated directory: it must exist on every node, on a local disk.
: "${DIR:=/srv/www}"
# The service address: a free address of the nodes' LAN (required).
: "${VIP:=}"
: "${CIDR:=24}"
# The interface for the address; empty: the one the routing table picks.
: "${NIC:=}"
# The container: a local image on every node (never pulled), its name, where
# the mirrored directory appears inside it, and its command (empty: the
# image's own). It shares the node's network, so it listens on the VIP too.
: "${IMAGE:=localhost/nginx:latest}"
: "${CTR:=$NAME}"
: "${CTR_DIR:=/usr/share/nginx/html}"
: "${CTR_CMD:=}"
# A command run inside the container by every monitor (empty: none), e.g.
# "wget -q -O /dev/null http://127.0.0.1/"
: "${MONITOR_CMD:=}"
: "${PORT:=80}"
# Seconds to wait for the first start.
: "${WAIT:=120}"

die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

check_settings() {
	[ -n "$VIP" ] || die "set VIP to a free address of the nodes' network, e.g. VIP=192.168.1.80"
	case $NAME in
	"" | *[!A-Za-z0-9_.-]*) die "NAME '$NAME': use letters, digits, _ . -" ;;
	esac
	case $DIR in
	/*) ;;
	*) die "DIR '$DIR' must be an absolute path" ;;
	esac
	[ -d "$DIR" ] || die "DIR $DIR does not exist on this node: create it on every node"
	command -v mirrorctl >/dev/null || die "mirrorctl is not installed (make install)"
	podman image exists "$IMAGE" 2>/dev/null ||
		die "image $IMAGE is not on this node: build or load it on every node (podman load, podman build)"
}

# role_of NODE: Promoted, Unpromoted or nothing, as crm_mon shows the mirror
role_of() {
	crm_mon -1 --output-as=xml 2>/dev/null |
		xmllint --xpath "string(//clone[@id='$NAME-data-clone']/resource[node/@name='$1']/@role)" - 2>/dev/null
}

# promoted_node: where the mirror is Promoted (empty: nowhere)
promoted_node() {
	crm_mon -1 --output-as=xml 2>/dev/null |
		xmllint --xpath "string(//clone[@id='$NAME-data-clone']/resource[@role='Promoted']/node/@name)" - 2>/dev/null
}

# first_start: no replica is up to date on a new mirror, so Pacemaker
# promotes none. Declare this node's copy of DIR the reference (it keeps
# what DIR holds now) and let Pacemaker promote it; the other nodes copy it.
first_start() {
	me=$(crm_node -n)
	i=0
	echo "waiting for the mirror to run on this node ($me)..."
	# started (not Starting: its replicd may not answer yet) and answering
	until case $(role_of "$me") in Promoted | Unpromoted) true ;; *) false ;; esac &&
		mirrorctl -r "$NAME-data" status >/dev/null 2>&1; do
		i=$((i + 1))
		[ "$i" -le "$WAIT" ] || die "the mirror does not run on $me after ${WAIT}s: see crm_mon -1"
		sleep 1
	done
	if [ -n "$(promoted_node)" ]; then
		echo "the mirror is already promoted on $(promoted_node): nothing to do"
		return 0
	fi
	if mirrorctl -r "$NAME-data" --json status | grep -q '"up_to_date":true'; then
		echo "this replica is up to date already: Pacemaker promotes one"
	else
		echo "first start: $me's $DIR becomes the reference data"
		mirrorctl -r "$NAME-data" force-primary || die "mirrorctl force-primary failed"
		# up to date now; Pacemaker decides where to promote (here: the
		# only up-to-date replica)
		mirrorctl -r "$NAME-data" demote || die "mirrorctl demote failed"
		# publish this node's promotion score now (the last primary's
		# copy wins a tie), not at its next monitor: until then a peer
		# that already synced from it could be the only one with a score
		crm_resource --refresh --resource "$NAME-data-clone" --node "$me" >/dev/null 2>&1 ||
			die "crm_resource --refresh of $NAME-data-clone on $me failed"
	fi
	i=0
	until [ -n "$(promoted_node)" ]; do
		i=$((i + 1))
		[ "$i" -le "$WAIT" ] || die "the mirror is not promoted after ${WAIT}s: see crm_mon -1A"
		sleep 1
	done
	echo "the mirror is promoted on $(promoted_node)"
}
