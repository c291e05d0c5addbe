# bench: benchmarks (not part of make check).  bench/run measures local
# ext4 against replicd ALONE and PRIM in a lab; see doc/PERFORMANCE.md.
# Only the load tool is built here; the runner needs root and a lab.
noinst_PROGRAMS += bench/fsyncbench
bench_fsyncbench_SOURCES = bench/fsyncbench.c
EXTRA_DIST += bench/run bench/report.py doc/PERFORMANCE.md
