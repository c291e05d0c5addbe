# tests/e2e/samples.mk - the crm-samples, end to end in a lab cluster, as
# an admin runs them (they need root; skipped with HAM_E2E=0).  Included
# from tests/local.mk after e2e.mk and replicd.mk.
sample_e2e_scenarios = \
	tests/e2e/30-podman-nginx.sh

TESTS += $(sample_e2e_scenarios)
EXTRA_DIST += $(sample_e2e_scenarios) tests/e2e/samples.mk \
	tests/e2e/cluster.sh tests/e2e/podman.sh

tests/e2e/99-no-leftovers.log: $(filter $(sample_e2e_scenarios:.sh=.log),$(TESTS:.sh=.log))

# The samples ship with the documentation.
podmannginxdir = $(docdir)/crm-samples/podman-nginx
dist_podmannginx_SCRIPTS = crm-samples/podman-nginx/pcs.sh \
	crm-samples/podman-nginx/crm.sh
dist_podmannginx_DATA = crm-samples/podman-nginx/common.sh \
	crm-samples/podman-nginx/README.md
