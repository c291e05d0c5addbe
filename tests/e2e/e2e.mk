# tests/e2e/e2e.mk - end-to-end scenarios against real corosync, pacemaker,
# pcs and qnetd in lab clusters (tests/lab/lab). Included from
# tests/local.mk.
#
# Scenarios need root and the cluster packages (scripts/install-deps);
# otherwise, or with HAM_E2E=0 in the environment, they report SKIP.
# They must not overlap (2 cores, timing assertions) and 99-no-leftovers
# must come last, so each scenario's log depends on the previous one that
# is part of this run: `make -jN check` keeps the order, and
# `make check TESTS=tests/e2e/03-qnetd.sh` still runs only 03.
E2E_SCENARIOS = \
	tests/e2e/01-lab-failover.sh \
	tests/e2e/02-lab-three-nodes.sh \
	tests/e2e/03-qnetd.sh
E2E_LAST = tests/e2e/99-no-leftovers.sh

TESTS += $(E2E_SCENARIOS) $(E2E_LAST)
EXTRA_DIST += $(E2E_SCENARIOS) $(E2E_LAST) \
	tests/e2e/lib.sh tests/e2e/e2e.mk \
	tests/lab/lab tests/lab/node-init tests/lab/README.md

e2e_run_logs = $(filter tests/e2e/%.log,$(TESTS:.sh=.log))
tests/e2e/02-lab-three-nodes.log: $(filter tests/e2e/01-%,$(e2e_run_logs))
tests/e2e/03-qnetd.log: $(filter tests/e2e/01-% tests/e2e/02-%,$(e2e_run_logs))
tests/e2e/99-no-leftovers.log: $(filter-out tests/e2e/99-%,$(e2e_run_logs))
