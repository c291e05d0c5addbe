# front: owned by the front part (see replicd/local.mk)
# The FUSE front of the primary: libfuse3 low-level, mounted over the
# replicated directory.  The daemon links $(FUSE_LIBS).
replicd_libcore_a_SOURCES += replicd/front.c replicd/front_ns.c \
	replicd/front_io.c replicd/front_priv.h
replicd_libcore_a_CFLAGS += $(FUSE_CFLAGS)

# tests/front/passthru DIR: the front over DIR with a recording repl (an
# op log and consistency checks); front.sh runs applications on it.
check_PROGRAMS += tests/front/passthru tests/front/fshelper
tests_front_passthru_SOURCES = tests/front/passthru.c
tests_front_passthru_CFLAGS = $(AM_CFLAGS) $(FUSE_CFLAGS) $(QB_CFLAGS)
tests_front_passthru_LDADD = replicd/libcore.a $(FUSE_LIBS) $(QB_LIBS)
tests_front_fshelper_SOURCES = tests/front/fshelper.c
TESTS += tests/front/front.sh
EXTRA_DIST += tests/front/front.sh
