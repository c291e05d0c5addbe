#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bench/barecopy.py - the least a second copy costs: bytes over TCP into a
file on the peer, nothing else (no ack, no order, no FUSE).

  barecopy.py recv --listen ADDR:PORT --file PATH --bytes N
  barecopy.py send --to ADDR:PORT --bytes N [--seed S]

bench/run's system "alonecopy" runs `recv` in n2 and `send` in n1 beside
the ALONE `seq` workload, so that the two cores carry what any
synchronous mirror must add to ALONE: the send, the receive and the
peer's write into its page cache (flushed with fdatasync at the end).
recv prints {"bytes": N, "seconds": S} once it has N bytes on disk and
exits 0; anything else (a short stream, a bad argument) exits non-zero
with the reason on stderr.
"""

import argparse
import os
import random
import socket
import sys
import time

BLOCK = 1 << 20


def addr(text):
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"'{text}' is not ADDR:PORT")
    return host, int(port)


def positive(text):
    if not text.isdigit() or int(text) <= 0:
        raise argparse.ArgumentTypeError(f"'{text}' is not a positive number")
    return int(text)


def recv(args):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(args.listen)
    ls.listen(1)
    ls.settimeout(args.timeout)
    s, _ = ls.accept()
    ls.close()
    s.settimeout(args.timeout)
    buf = bytearray(BLOCK)
    view = memoryview(buf)
    got = 0
    t0 = time.monotonic()
    fd = os.open(args.file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        while got < args.bytes:
            n = s.recv_into(view, min(BLOCK, args.bytes - got))
            if n == 0:
                break
            done = 0
            while done < n:
                done += os.write(fd, view[done:n])
            got += n
        os.fdatasync(fd)
    finally:
        os.close(fd)
        s.close()
    if got != args.bytes:
        sys.exit(f"barecopy: the stream ended after {got} of {args.bytes} bytes")
    print(f'{{"bytes": {got}, "seconds": {time.monotonic() - t0:.6f}}}')


def send(args):
    data = random.Random(args.seed).randbytes(BLOCK)
    deadline = time.monotonic() + args.timeout
    while True:
        try:
            s = socket.create_connection(args.to, timeout=args.timeout)
            break
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    left = args.bytes
    while left > 0:
        n = min(BLOCK, left)
        s.sendall(data[:n] if n < BLOCK else data)
        left -= n
    s.close()


def main():
    p = argparse.ArgumentParser(prog="barecopy.py", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="mode", required=True)
    r = sub.add_parser("recv", help="take N bytes from one connection into PATH")
    r.add_argument("--listen", type=addr, required=True)
    r.add_argument("--file", required=True)
    r.add_argument("--bytes", type=positive, required=True)
    r.add_argument("--timeout", type=positive, default=120)
    w = sub.add_parser("send", help="send N bytes to the receiver")
    w.add_argument("--to", type=addr, required=True)
    w.add_argument("--bytes", type=positive, required=True)
    w.add_argument("--seed", type=int, default=1)
    w.add_argument("--timeout", type=positive, default=30)
    args = p.parse_args()
    try:
        recv(args) if args.mode == "recv" else send(args)
    except OSError as e:
        sys.exit(f"barecopy {args.mode}: {e}")


if __name__ == "__main__":
    main()
