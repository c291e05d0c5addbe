# replicd: the pure core library, the daemon and mirrorctl.
# Each part appends to these in its own fragment below.
noinst_LIBRARIES += replicd/libcore.a
replicd_libcore_a_SOURCES = replicd/proto.h replicd/front.h
replicd_libcore_a_CFLAGS = $(AM_CFLAGS) $(QB_CFLAGS)

# Unit tests link the core and cmocka; they print TAP.
unit_cflags = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(QB_CFLAGS)
unit_ldadd = replicd/libcore.a $(CMOCKA_LIBS) $(QB_LIBS)

include $(srcdir)/replicd/proto.mk
include $(srcdir)/replicd/front.mk
include $(srcdir)/replicd/daemon.mk
include $(srcdir)/replicd/ctl.mk
