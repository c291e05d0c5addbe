# tests/e2e/replicd.mk - replicd end-to-end scenarios and their tools.
# Include it from tests/local.mk after tests/e2e/e2e.mk.
#
# The scenarios run replicd and mirrorctl from the build tree
# ($top_builddir, exported by AM_TESTS_ENVIRONMENT; REPLICD, MIRRORCTL and
# CPGINJECT override them) inside tests/lab/lab clusters; without root,
# /dev/fuse or the built daemon they print "1..0 # SKIP" and why.
# 25-replicd-checkers needs no cluster: it proves that treesum and
# workload.py --verify-log do catch what the scenarios rely on them for.

# Joins the group mirror:NAME and multicasts malformed messages.
check_PROGRAMS += tests/e2e/cpginject
tests_e2e_cpginject_SOURCES = tests/e2e/cpginject.c
tests_e2e_cpginject_CFLAGS = $(AM_CFLAGS) $(CPG_CFLAGS)
tests_e2e_cpginject_LDADD = $(CPG_LIBS)

replicd_e2e_scenarios = \
	tests/e2e/25-replicd-checkers.sh \
	tests/e2e/20-replicd-two-nodes.sh \
	tests/e2e/21-replicd-three-nodes.sh \
	tests/e2e/22-replicd-crash.sh \
	tests/e2e/23-replicd-join.sh \
	tests/e2e/24-replicd-bad-input.sh \
	tests/e2e/26-replicd-link.sh \
	tests/e2e/27-replicd-valgrind.sh \
	tests/e2e/28-replicd-sync-rounds.sh \
	tests/e2e/29-replicd-lost-payload.sh \
	tests/e2e/31-bench-runner.sh

TESTS += $(replicd_e2e_scenarios)
EXTRA_DIST += $(replicd_e2e_scenarios) \
	tests/e2e/replicd.sh \
	tests/e2e/treesum \
	tests/e2e/workload.py

# lib.sh already runs one scenario at a time (a lock); 99-no-leftovers
# must still come after these, whichever fragment make reads first.
tests/e2e/99-no-leftovers.log: $(filter $(replicd_e2e_scenarios:.sh=.log),$(TESTS:.sh=.log))
