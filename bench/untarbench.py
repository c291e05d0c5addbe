#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""untarbench.py - time `tar -xf TARBALL` into a new directory.

    untarbench.py TARBALL DIR

DIR must not exist.  Prints one JSON line: secs (tar's wall time), files,
bytes (apparent size of the regular files), files_s, mb_s (10^6 bytes
per second).  Exit 1 when tar fails.
"""
import json
import os
import subprocess
import sys
import time


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: untarbench.py TARBALL DIR\n")
        return 2
    tarball, out = sys.argv[1], sys.argv[2]
    os.mkdir(out)
    t0 = time.monotonic()
    rc = subprocess.call(["tar", "-C", out, "-xf", tarball])
    secs = time.monotonic() - t0
    if rc:
        sys.stderr.write("untarbench: tar failed (%d)\n" % rc)
        return 1
    files = nbytes = 0
    for root, _, names in os.walk(out):
        for n in names:
            st = os.lstat(os.path.join(root, n))
            if os.path.stat.S_ISREG(st.st_mode):
                files += 1
                nbytes += st.st_size
    print(json.dumps({"secs": round(secs, 4), "files": files,
                      "bytes": nbytes, "files_s": files / secs,
                      "mb_s": nbytes / 1e6 / secs}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
