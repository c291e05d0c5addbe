# bench: benchmarks (not part of make check); see doc/PERFORMANCE.md.
#   bench/run       local ext4, replicd ALONE and PRIM (1 and 2
#                   secondaries, CPG only, MTU 9000) and GlusterFS side by
#                   side in a lab
#   bench/failover  power cut to the client's first request, podman-nginx
#   bench/resync    what bringing a secondary back costs
# Only the load tool is built here; the runners need root and a lab.
noinst_PROGRAMS += bench/fsyncbench
bench_fsyncbench_SOURCES = bench/fsyncbench.c
EXTRA_DIST += bench/run bench/report.py bench/failover bench/resync \
	bench/untarbench.py bench/sqlitebench.py bench/barecopy.py \
	doc/PERFORMANCE.md
