# proto: owned by the proto part (see replicd/local.mk)
# The wire codec and the role state machine: pure, in the core library.
replicd_libcore_a_SOURCES += replicd/proto.c replicd/role.h replicd/role.c

# Valid messages of every type, shared by the unit test and the fuzzer.
proto_samples_sources = tests/unit/proto/proto_samples.c \
	tests/unit/proto/proto_samples.h

check_PROGRAMS += tests/unit/proto/test_proto
TESTS += tests/unit/proto/test_proto
tests_unit_proto_test_proto_SOURCES = tests/unit/proto/test_proto.c \
	$(proto_samples_sources)
tests_unit_proto_test_proto_CFLAGS = $(unit_cflags)
tests_unit_proto_test_proto_LDADD = $(unit_ldadd)

check_PROGRAMS += tests/unit/role/test_role
TESTS += tests/unit/role/test_role
tests_unit_role_test_role_SOURCES = tests/unit/role/test_role.c
tests_unit_role_test_role_CFLAGS = $(unit_cflags)
tests_unit_role_test_role_LDADD = $(unit_ldadd)

# Decoder fuzzing.  Built as a plain program it runs a fixed-seed mutation
# loop over the samples (part of make check, under the sanitizers in the
# sanitizer build); with -DHAM_LIBFUZZER it is a libFuzzer target:
#   clang -g -O1 -fsanitize=fuzzer,address,undefined -DHAM_LIBFUZZER \
#     -Ireplicd -Itests/unit/proto tests/fuzz/fuzz_proto.c \
#     tests/unit/proto/proto_samples.c replicd/proto.c -o fuzz_proto
check_PROGRAMS += tests/fuzz/fuzz_proto
TESTS += tests/fuzz/fuzz_proto
tests_fuzz_fuzz_proto_SOURCES = tests/fuzz/fuzz_proto.c \
	$(proto_samples_sources)
tests_fuzz_fuzz_proto_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/unit/proto
tests_fuzz_fuzz_proto_LDADD = replicd/libcore.a

EXTRA_DIST += doc/protocol.md
