# ocf: the resource agents (provider mirror), installed where Pacemaker
# looks for them: $(OCF_ROOT_DIR)/resource.d/mirror (configure
# --with-ocfdir sets OCF_ROOT_DIR; DESTDIR is honoured for packaging and
# distcheck).
ocfmirrordir = $(OCF_ROOT_DIR)/resource.d/mirror
dist_ocfmirror_SCRIPTS = ocf/mirrorfs ocf/vip-one-side ocf/podman

# Agent tests: meta-data against the OCF schemas, validate-all and the
# other actions that need no cluster, and the agents in a lab cluster
# (root; skipped with HAM_E2E=0).
AGENT_TESTS = \
	tests/agents/metadata.sh \
	tests/agents/validate.sh \
	tests/agents/lab-agents.sh
TESTS += $(AGENT_TESTS)
EXTRA_DIST += $(AGENT_TESTS) tests/agents/lib.sh doc/agents.md \
	tests/agents/expected/mirrorfs.xml \
	tests/agents/expected/vip-one-side.xml \
	tests/agents/expected/podman.xml

# The lab scenario takes the e2e lock like the scenarios of tests/e2e;
# the leftover check must still come after it.
tests/e2e/99-no-leftovers.log: $(filter tests/agents/lab-agents.log,$(TESTS:.sh=.log))
