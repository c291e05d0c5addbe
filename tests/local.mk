# tests: style checks and the lab end-to-end scenarios.  Unit tests live in
# the replicd fragments next to the code they test.
TESTS += tests/style/style.sh
EXTRA_DIST += tests/style/style.sh

include $(srcdir)/tests/e2e/e2e.mk
include $(srcdir)/tests/e2e/replicd.mk
include $(srcdir)/tests/e2e/samples.mk

# Fault campaigns: long runs, not part of make check (see README).
EXTRA_DIST += tests/stress/sync-under-load.sh
