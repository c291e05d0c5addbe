# ctl: owned by the ctl part (see replicd/local.mk)
# Logging, settings, metadata store and the control socket, plus mirrorctl.
replicd_libcore_a_SOURCES += replicd/log.h replicd/log.c \
	replicd/config.h replicd/config.c \
	replicd/meta.h replicd/meta.c \
	replicd/ctl.h replicd/ctl.c replicd/ctl_sock.c
replicd_libcore_a_CFLAGS += $(BLKID_CFLAGS)
# meta.c probes filesystems with libblkid: whoever links meta_* needs it.
unit_ldadd += $(BLKID_LIBS)

sbin_PROGRAMS += replicd/mirrorctl
replicd_mirrorctl_SOURCES = replicd/mirrorctl.c
replicd_mirrorctl_CFLAGS = $(AM_CFLAGS) $(QB_CFLAGS)
replicd_mirrorctl_LDADD = replicd/libcore.a $(QB_LIBS) $(BLKID_LIBS)

check_PROGRAMS += tests/unit/config/test_config
TESTS += tests/unit/config/test_config
tests_unit_config_test_config_SOURCES = tests/unit/config/test_config.c
tests_unit_config_test_config_CFLAGS = $(unit_cflags)
tests_unit_config_test_config_LDADD = $(unit_ldadd)

check_PROGRAMS += tests/unit/meta/test_meta
TESTS += tests/unit/meta/test_meta
tests_unit_meta_test_meta_SOURCES = tests/unit/meta/test_meta.c
tests_unit_meta_test_meta_CFLAGS = $(unit_cflags)
tests_unit_meta_test_meta_LDADD = $(unit_ldadd)

check_PROGRAMS += tests/unit/ctl/test_ctl_codec
TESTS += tests/unit/ctl/test_ctl_codec
tests_unit_ctl_test_ctl_codec_SOURCES = tests/unit/ctl/test_ctl_codec.c
tests_unit_ctl_test_ctl_codec_CFLAGS = $(unit_cflags)
tests_unit_ctl_test_ctl_codec_LDADD = $(unit_ldadd)

check_PROGRAMS += tests/unit/ctl/test_ctl_sock
TESTS += tests/unit/ctl/test_ctl_sock
tests_unit_ctl_test_ctl_sock_SOURCES = tests/unit/ctl/test_ctl_sock.c
tests_unit_ctl_test_ctl_sock_CFLAGS = $(unit_cflags)
tests_unit_ctl_test_ctl_sock_LDADD = $(unit_ldadd) -lpthread

# mirrorctl's user-visible output, diffed against golden transcripts.
TESTS += tests/cli/cli.sh
EXTRA_DIST += tests/cli/cli.sh tests/cli/cases tests/cli/expected

dist_man_MANS += doc/mirrorctl.8 doc/replicd.8 doc/replicd.conf.5
