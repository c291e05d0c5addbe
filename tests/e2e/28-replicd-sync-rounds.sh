#!/bin/bash
# 28-replicd-sync-rounds: a short run of the sync-under-load fault
# campaign (tests/stress/sync-under-load.sh) in make check.
#
# A secondary joins ROUNDS times while a seeded workload of hard links,
# renames, writes, xattrs and owner changes runs on the primary; after
# each join both replicas must hold the same tree (treesum). 23-replicd-
# join runs one join; the races this campaign found (a live op reaching
# a stale copy of a hard-linked file on the joining node, about one round
# in fifteen before the fix) need many. Env: HAM_SYNC_ROUNDS (default 6,
# about 20 s each), HAM_SYNC_SEED (default: a new one per run, printed,
# so that each CI run tries other interleavings). The long campaign is
# the README's command.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# one scenario at a time with the others (the e2e lock), lab e2e90
export E2E_LAB_PREFIX=e2e
exec "$here/../stress/sync-under-load.sh" "${HAM_SYNC_ROUNDS:-6}" \
	"${HAM_SYNC_SEED:-$((RANDOM * 100))}"
