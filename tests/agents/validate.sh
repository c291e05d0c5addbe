#!/bin/sh
# validate.sh - what the agents do without a cluster (any user):
#   validate-all rejects every bad parameter with OCF_ERR_CONFIGURED (6),
#   or OCF_ERR_INSTALLED (5) for what this node lacks, and an exit reason
#   that names the parameter; good parameters pass;
#   stop succeeds when nothing runs, even with a bad configuration; a
#   probe of a broken configuration says "not running" (7);
#   mirrorfs maps replicd's state (a fake mirrorctl answering like the real
#   one) to monitor's exit codes, promotion scores and node attributes
#   (fake crm_attribute / attrd_updater record what they are asked).
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

agents_init
CFG=6
INST=5
NR=7
GEN=1
PROMOTED=8
DIR=$AG_TMP/data
mkdir -p "$DIR/a" "$DIR/b"
PROBE=OCF_RESKEY_CRM_meta_interval=0

# ---- vip-one-side ----
V=vip-one-side
expect $V validate-all $CFG "parameter ip"
expect $V validate-all $CFG "parameter ip" OCF_RESKEY_ip=10.1.2.300
expect $V validate-all $CFG "parameter ip" OCF_RESKEY_ip=10.1.2.3/24
expect $V validate-all $CFG "parameter ip" OCF_RESKEY_ip=fd00::zz
expect $V validate-all $CFG "parameter cidr_netmask" OCF_RESKEY_ip=127.0.0.50 OCF_RESKEY_nic=lo OCF_RESKEY_cidr_netmask=33
expect $V validate-all $CFG "parameter cidr_netmask" OCF_RESKEY_ip=127.0.0.50 OCF_RESKEY_nic=lo OCF_RESKEY_cidr_netmask=x
expect $V validate-all $CFG "parameter cidr_netmask" OCF_RESKEY_ip=fd00::50 OCF_RESKEY_nic=lo OCF_RESKEY_cidr_netmask=129
expect $V validate-all $CFG "parameter arp_count" OCF_RESKEY_ip=127.0.0.50 OCF_RESKEY_nic=lo OCF_RESKEY_arp_count=-1
expect $V validate-all $CFG "parameter arp_interval" OCF_RESKEY_ip=127.0.0.50 OCF_RESKEY_nic=lo OCF_RESKEY_arp_interval=fast
expect $V validate-all $CFG "parameter dad_timeout" OCF_RESKEY_ip=127.0.0.50 OCF_RESKEY_nic=lo OCF_RESKEY_dad_timeout=1s
expect $V validate-all $CFG "parameter nic" OCF_RESKEY_ip=127.0.0.50 "OCF_RESKEY_nic=bad nic"
expect $V validate-all $INST "parameter nic" OCF_RESKEY_ip=127.0.0.50 OCF_RESKEY_nic=nosuchnic0
# an address no specific route covers (documentation ranges; only the
# routing table is read, nothing is sent)
NOROUTE=
for a in 198.51.100.7 203.0.113.7 192.0.2.7; do
	if ! ip -o -4 route show match "$a" 2>/dev/null | grep -qv '^default'; then
		NOROUTE=$a
		break
	fi
done
if [ -n "$NOROUTE" ]; then
	expect $V validate-all $CFG "parameter nic" "OCF_RESKEY_ip=$NOROUTE"
else
	skip_one "every documentation range is routed here: cannot test a missing route"
fi
if command -v arping >/dev/null 2>&1; then
	expect $V validate-all 0 "" OCF_RESKEY_ip=127.0.0.50 OCF_RESKEY_nic=lo OCF_RESKEY_cidr_netmask=8
else
	expect $V validate-all $INST "arping" OCF_RESKEY_ip=127.0.0.50 OCF_RESKEY_nic=lo
fi
expect $V validate-all 0 "" OCF_RESKEY_ip=fd00::50 OCF_RESKEY_nic=lo OCF_RESKEY_cidr_netmask=64
expect $V stop 0 "" OCF_RESKEY_ip=not-an-address
expect $V stop 0 ""
expect $V stop 0 "" OCF_RESKEY_ip=127.0.0.50 OCF_RESKEY_nic=lo
expect $V monitor $NR "" OCF_RESKEY_ip=127.0.0.50 OCF_RESKEY_nic=lo
expect $V monitor $NR "" OCF_RESKEY_ip=bad $PROBE
expect $V monitor $CFG "parameter ip" OCF_RESKEY_ip=bad OCF_RESKEY_CRM_meta_interval=10000

# ---- podman ----
P=podman
PG="OCF_RESKEY_image=localhost/x"
expect $P validate-all $CFG "parameter image"
expect $P validate-all $CFG "parameter image" "OCF_RESKEY_image=a b"
expect $P validate-all $CFG "parameter name" $PG OCF_RESKEY_name=-bad
expect $P validate-all $CFG "parameter name" $PG "OCF_RESKEY_name=a/b"
expect $P validate-all $CFG "parameter stop_timeout" $PG OCF_RESKEY_stop_timeout=10s
expect $P validate-all $CFG "parameter reuse" $PG OCF_RESKEY_reuse=maybe
expect $P validate-all $CFG "parameter force_kill" $PG OCF_RESKEY_force_kill=2
expect $P validate-all $CFG "parameter volumes" $PG OCF_RESKEY_volumes=data:/data
expect $P validate-all $CFG "parameter volumes" $PG "OCF_RESKEY_volumes=$DIR/a"
expect $P validate-all $INST "parameter volumes" $PG "OCF_RESKEY_volumes=$DIR/nonexistent:/data"
expect $P validate-all $CFG "parameter ports" $PG "OCF_RESKEY_ports=8080:"
expect $P validate-all $CFG "parameter ports" $PG "OCF_RESKEY_ports=80;80"
expect $P validate-all $CFG "parameter run_opts" $PG "OCF_RESKEY_run_opts=--env 'A=1"
expect $P validate-all $CFG "parameter run_cmd" $PG "OCF_RESKEY_run_cmd=sh -c \"x"
if command -v podman >/dev/null 2>&1; then
	expect $P validate-all 0 "" $PG "OCF_RESKEY_volumes=$DIR/a:/www:ro" \
		"OCF_RESKEY_ports=8080:80 10.99.0.1:443:443/tcp" \
		"OCF_RESKEY_run_opts=--network host -e 'MSG=hello world'" OCF_RESKEY_reuse=yes
else
	expect $P validate-all $INST "podman" $PG
fi
expect $P stop 0 "" OCF_RESKEY_name=-bad
if [ "$(id -u)" = 0 ] && command -v podman >/dev/null 2>&1; then
	# no container t1-validate-test: nothing to stop, nothing running
	expect $P stop 0 "" "OCF_RESKEY_image=a b" OCF_RESKEY_stop_timeout=x \
		OCF_RESKEY_name=t1-validate-test
	expect $P monitor $NR "" $PG OCF_RESKEY_name=t1-validate-test
else
	skip_one "podman stop/monitor of a missing container: needs root and podman"
	skip_one "podman monitor of a missing container: needs root and podman"
fi
# a node without podman (ocf-shellfuncs' have_binary fails on request):
# probes say "not running", stop succeeds, validate-all says why
NOBIN=OCF_TESTER_FAIL_HAVE_BINARY=1
expect $P monitor $NR "" $PG $PROBE $NOBIN
expect $P stop 0 "" $PG $NOBIN
expect $P validate-all $INST "podman is not installed" $PG $NOBIN

# ---- mirrorfs ----
M=mirrorfs
# fakes: mirrorctl answering like the real one from FAKE_* variables,
# crm_attribute / crm_master / attrd_updater logging their arguments
FAKE=$AG_TMP/fake
mkdir -p "$FAKE"
cat >"$FAKE/mirrorctl" <<'FAKE_EOF'
#!/bin/sh
echo "mirrorctl $*" >>"$FAKE_LOG"
for last; do :; done
case $last in
status)
	[ "${FAKE_RC:-0}" = 0 ] || {
		echo "mirrorctl: replicd is not running" >&2
		exit "$FAKE_RC"
	}
	printf '{"resource":"t1","node_id":1,"role":"%s","up_to_date":%s,"syncing":%s,"sync_permille":%s,"generation":"00","quorate":true,"ops_replicated":0,"bytes_replicated":0,"seq":0,"last_primary":%s,"last_error":"","directories":["/x"],"peers":[{"node_id":2,"name":"n2","role":"PRIM","connected":true,"up_to_date":true,"sync_permille":1000,"acked_seq":0}]}\n' \
		"$FAKE_ROLE" "${FAKE_UP:-true}" "${FAKE_SYNC:-false}" "${FAKE_PERMILLE:-0}" \
		"${FAKE_LASTPRIM:-2}"
	;;
promote | demote)
	if [ "${FAKE_REFUSE:-0}" = 1 ]; then
		echo "mirrorctl: $last failed: this replica is not up to date: it needs a full sync (or force-primary)" >&2
		exit 1
	fi
	;;
esac
exit 0
FAKE_EOF
for t in crm_attribute crm_master attrd_updater; do
	{
		echo '#!/bin/sh'
		echo "echo \"$t \$*\" >>\"\$FAKE_LOG\""
		# FAKE_ATTR_RC: the cluster refuses (CIB or attrd busy)
		# shellcheck disable=SC2016 # expanded when the fake runs
		echo 'exit "${FAKE_ATTR_RC:-0}"'
	} >"$FAKE/$t"
done
chmod +x "$FAKE"/*
LOG=$AG_TMP/fake.log

# mf ACTION RC TEXT [VAR=VALUE...]: expect for mirrorfs with a good
# configuration (overridden by the VAR=VALUE given) and the fakes
mf() {
	mf_a=$1
	mf_rc=$2
	mf_t=$3
	shift 3
	AG_HIDE=5 expect mirrorfs "$mf_a" "$mf_rc" "$mf_t" "OCF_RESKEY_directory=$DIR/a" \
		OCF_RESKEY_replicd=/bin/true "OCF_RESKEY_mirrorctl=$FAKE/mirrorctl" \
		"FAKE_LOG=$LOG" OCF_RESKEY_crm_feature_set=3.16.2 "$@"
}

mf validate-all $CFG "parameter name" "OCF_RESKEY_name=bad name"
mf validate-all $CFG "parameter name" OCF_RESKEY_name=..
mf validate-all $CFG "parameter name" OCF_RESKEY_name=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
expect $M validate-all $CFG "parameter directory" OCF_RESKEY_replicd=/bin/true
mf validate-all $CFG "parameter directory" OCF_RESKEY_directory=srv/www
mf validate-all $CFG "parameter directory" OCF_RESKEY_directory=/srv/../www
mf validate-all $CFG "parameter directory" OCF_RESKEY_directory=/srv/www/
mf validate-all $CFG "parameter directory" "OCF_RESKEY_directory=$DIR/a $DIR/a/sub"
mf validate-all $CFG "parameter directory" "OCF_RESKEY_directory=$DIR/a/sub $DIR/a"
mf validate-all $CFG "parameter directory" "OCF_RESKEY_directory=$DIR/a $DIR/a"
mf validate-all $CFG "parameter directory" \
	"OCF_RESKEY_directory=$(for i in $(seq 17); do printf '/d%s ' "$i"; done)"
mf validate-all $CFG "parameter state_dir" OCF_RESKEY_state_dir=var/lib/x
mf validate-all $CFG "parameter state_dir" "OCF_RESKEY_state_dir=$DIR/a/.state"
mf validate-all $CFG "parameter log_level" OCF_RESKEY_log_level=loud
mf validate-all $CFG "parameter threads" OCF_RESKEY_threads=257
mf validate-all $CFG "parameter threads" OCF_RESKEY_threads=-1
mf validate-all $CFG "parameter max_inflight_bytes" OCF_RESKEY_max_inflight_bytes=1048575
mf validate-all $CFG "parameter max_inflight_bytes" OCF_RESKEY_max_inflight_bytes=4294967297
mf validate-all $CFG "parameter max_inflight_bytes" OCF_RESKEY_max_inflight_bytes=64M
mf validate-all $CFG "parameter on_no_quorum" OCF_RESKEY_on_no_quorum=ignore
mf validate-all $CFG "parameter ack_timeout_ms" OCF_RESKEY_ack_timeout_ms=3600001
mf validate-all $CFG "promotable" OCF_RESKEY_CRM_meta_clone_max=2
mf validate-all $INST "parameter replicd" OCF_RESKEY_replicd=/nonexistent/replicd
mf validate-all $INST "parameter mirrorctl" OCF_RESKEY_mirrorctl=/nonexistent/mirrorctl
mf validate-all $INST "parameter directory" "OCF_RESKEY_directory=$DIR/nonexistent"
mf validate-all 0 "" "OCF_RESKEY_directory=$DIR/a $DIR/b" \
	OCF_RESKEY_state_dir=/var/lib/replicd/x OCF_RESKEY_threads=4 \
	OCF_RESKEY_max_inflight_bytes=4294967296 OCF_RESKEY_on_no_quorum=continue \
	OCF_RESKEY_CRM_meta_clone_max=2 OCF_RESKEY_CRM_meta_promotable=true
expect $M stop 0 "" "OCF_RESKEY_name=bad name"
expect $M stop 0 "" OCF_RESKEY_directory=relative OCF_RESKEY_log_level=loud
mf monitor $NR "" OCF_RESKEY_mirrorctl=/nonexistent/mirrorctl $PROBE

# check_log TEXT DESC: the fakes were asked TEXT since the last check (TEXT
# ends a line or a word there: "-v 100" is not "-v 1000")
check_log() {
	ere=$(printf '%s' "$1" | sed 's/[][\\.*^$+?(){}|/]/\\&/g')
	if grep -qE -- "$ere( |\$)" "$LOG" 2>/dev/null; then
		ok "$2"
	else
		not_ok "$2" "fake tool log: $(cat "$LOG" 2>/dev/null)"
	fi
	: >"$LOG"
}

AG_PATH=$FAKE:/usr/sbin:/usr/bin:/sbin:/bin
AG_SBIN=$FAKE
: >"$LOG"
mf monitor $PROMOTED "" FAKE_ROLE=PRIM
check_log "crm_attribute -p --update=1000" "PRIM: promotion score 1000"
mf monitor $PROMOTED "" FAKE_ROLE=ALONE $PROBE
check_log "attrd_updater -n mirror-t1-role -U ALONE" "ALONE: node attribute mirror-t1-role=ALONE"
mf monitor 0 "" FAKE_ROLE=SECOND $PROBE
check_log "crm_attribute -p --update=100" "up-to-date SECOND: promotion score 100"
mf monitor 0 "" FAKE_ROLE=SECOND FAKE_LASTPRIM=1 $PROBE
check_log "crm_attribute -p --update=110" "up-to-date SECOND that was the last primary: promotion score 110"
mf monitor 0 "" FAKE_ROLE=SECOND FAKE_UP=false FAKE_SYNC=true FAKE_PERMILLE=423 $PROBE
check_log "attrd_updater -n mirror-t1-sync -U 42" "resyncing SECOND: mirror-t1-sync=42"
mf monitor 0 "" FAKE_ROLE=SECOND FAKE_UP=false FAKE_SYNC=true FAKE_PERMILLE=423 $PROBE
check_log "crm_attribute -p -D" "resyncing SECOND: no promotion score"
mf monitor 0 "" FAKE_ROLE=WAIT FAKE_UP=false $PROBE
check_log "crm_attribute -p --update=-INFINITY" "WAIT: promotion score -INFINITY"
# a refused update is tried again at the next (non-probe) monitor; one
# that went through is not sent again while nothing changes (the agent
# remembers what it sent in HA_RSCTMP; probes send everything)
REPEAT=OCF_RESKEY_CRM_meta_interval=4000
mf monitor 0 "" FAKE_ROLE=SECOND FAKE_ATTR_RC=1 $REPEAT
check_log "crm_attribute -p --update=100" "monitor asks for score 100; the cluster refuses it"
mf monitor 0 "" FAKE_ROLE=SECOND $REPEAT
check_log "crm_attribute -p --update=100" "the next monitor asks for score 100 again"
mf monitor 0 "" FAKE_ROLE=SECOND $REPEAT
if grep -qE '^(crm_attribute|crm_master|attrd_updater) ' "$LOG"; then
	not_ok "unchanged state: the monitor after that asks nothing" "fake tool log: $(cat "$LOG")"
else
	ok "unchanged state: the monitor after that asks nothing"
fi
mf monitor $NR "" FAKE_RC=3
mf monitor $GEN "does not answer" FAKE_RC=5
mf promote $GEN "not up to date" FAKE_ROLE=WAIT FAKE_UP=false FAKE_REFUSE=1
mf notify 0 "" FAKE_ROLE=SECOND OCF_RESKEY_CRM_meta_notify_type=post \
	OCF_RESKEY_CRM_meta_notify_operation=promote
check_log "crm_attribute -p --update=100" "notify post-promote refreshes the promotion score"
mf stop 0 "" FAKE_RC=3
check_log "attrd_updater -n mirror-t1-role -U STOP" "stop: mirror-t1-role=STOP"
finish
