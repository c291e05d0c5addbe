# daemon: owned by the daemon part (see replicd/local.mk)
# replicd, the replication daemon: main loop, CPG transport, primary side
# (repl), secondary applier (apply) and full sync (sync).  The pure parts
# (proto, config, meta codec, ctl codec...) come from replicd/libcore.a.
sbin_PROGRAMS += replicd/replicd
replicd_replicd_SOURCES = replicd/main.c replicd/daemon.c replicd/daemon.h \
	replicd/transport.h replicd/transport_cpg.c \
	replicd/repl.c replicd/repl.h \
	replicd/apply.c replicd/apply.h replicd/apply_fs.c replicd/apply_priv.h \
	replicd/sync.c replicd/sync.h replicd/sync_walk.c replicd/sync_link.c \
	replicd/link.c replicd/link.h replicd/deadline.h \
	replicd/sync_priv.h
replicd_replicd_CFLAGS = $(AM_CFLAGS) $(QB_CFLAGS) $(CPG_CFLAGS) \
	$(QUORUM_CFLAGS) $(CMAP_CFLAGS) $(FUSE_CFLAGS) $(XXHASH_CFLAGS) \
	$(BLKID_CFLAGS) \
	-pthread
replicd_replicd_LDADD = replicd/libcore.a $(FUSE_LIBS) $(CPG_LIBS) \
	$(QUORUM_LIBS) $(CMAP_LIBS) $(XXHASH_LIBS) $(BLKID_LIBS) $(QB_LIBS) -lpthread

# The full sync's hard-link table, on a temp dir (sync_link.c alone: the
# walk's two helpers it calls are the test's own).
check_PROGRAMS += tests/unit/sync/test_sync_link
TESTS += tests/unit/sync/test_sync_link
tests_unit_sync_test_sync_link_SOURCES = tests/unit/sync/test_sync_link.c \
	replicd/sync_link.c
tests_unit_sync_test_sync_link_CFLAGS = $(unit_cflags) -pthread
tests_unit_sync_test_sync_link_LDADD = $(unit_ldadd) -lpthread
