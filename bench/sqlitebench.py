#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""sqlitebench.py - many small SQLite transactions.

    sqlitebench.py DB TXNS SEED

Creates DB (it must not exist) with SQLite's defaults (journal_mode
DELETE, synchronous FULL: every commit is durable), then runs TXNS
transactions, each inserting one row with 100 random bytes.  Prints one
JSON line: txns, secs, txn_s, lat_us {p50, p99} per transaction.
"""
import json
import os
import random
import sqlite3
import sys
import time


def pct(sorted_vals, p):
    i = min(len(sorted_vals) - 1, int(p / 100.0 * len(sorted_vals)))
    return sorted_vals[i]


def main():
    if len(sys.argv) != 4:
        sys.stderr.write("usage: sqlitebench.py DB TXNS SEED\n")
        return 2
    path, txns, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    if os.path.exists(path):
        sys.stderr.write("sqlitebench: %s exists\n" % path)
        return 2
    rng = random.Random(seed)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)")
    lat = []
    t0 = time.monotonic()
    for _ in range(txns):
        a = time.monotonic()
        db.execute("BEGIN")
        db.execute("INSERT INTO t (v) VALUES (?)", (rng.randbytes(100),))
        db.execute("COMMIT")
        lat.append((time.monotonic() - a) * 1e6)
    secs = time.monotonic() - t0
    db.close()
    lat.sort()
    print(json.dumps({"txns": txns, "secs": round(secs, 4),
                      "txn_s": txns / secs,
                      "lat_us": {"p50": pct(lat, 50), "p99": pct(lat, 99)}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
