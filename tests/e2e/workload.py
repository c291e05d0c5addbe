#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""workload.py - seeded random file system workload, and its verifier.

Run a workload (DIR must be empty or missing; it is created):

    workload.py --seed S --ops N [--log FILE] [--max-bytes B] [--no-xattr] DIR

Check a replica against the acknowledged log of a run:

    workload.py --verify-log FILE DIR

The workload is a sequence of single mutating system calls (pwrite,
truncate, posix_fallocate, create, mkdir, rmdir, unlink, rename, link,
symlink, chmod, chown, utime, setxattr, removexattr) plus fsync and
fdatasync.  Which call comes next, on which path and with which bytes is
drawn from random.Random(seed) and from an in-memory model of the tree,
never from what the file system answers: the same seed always produces
the same sequence, so the verifier can rebuild the expected tree without
the file system.

--log FILE is rewritten from scratch: a header line carrying the
generator's parameters, then one JSON line per operation, appended AFTER
its system call returned (O_APPEND, fsynced; keep FILE outside the
mirror, so that it survives the node).  A run that ends on its
own (all ops done, SIGTERM/SIGINT, or the --until-file appeared: it stops
between two ops) appends "# end K".

--verify-log replays the log's first L operations into the model (L =
last complete line; each line must match the regenerated op) and compares
DIR with it: types, modes, owners, sizes, contents, symlink targets,
user.* xattrs, hard-link structure and the mtimes the workload set with
utime and that nothing changed since.  Without "# end", the replica may
also hold operation L+1, which was in flight when the writer died: either
not at all or completely, and for a write or fallocate, any mix of old
and new bytes in its range (a large write travels as several messages).
Anything else is a failure: a lost acknowledged operation, or damage.
Exit status: 0 match, 1 mismatch, 2 usage or I/O error.
"""

import argparse
import errno
import json
import os
import random
import signal
import stat
import sys

FORMAT = "ham-workload/1"
KIB = 1024
MIB = 1024 * KIB

# Operation kinds and their weights.
WEIGHTS = [
	("write", 30),
	("create", 7),
	("truncate", 5),
	("fallocate", 2),
	("mkdir", 4),
	("rmdir", 2),
	("unlink", 5),
	("rename", 8),
	("link", 3),
	("symlink", 3),
	("chmod", 4),
	("chown", 3),
	("utime", 4),
	("setxattr", 4),
	("removexattr", 2),
	("fsync", 3),
	("fdatasync", 2),
]

MAX_DEPTH = 4		# directories below the workload root
MAX_ENTRIES = 300	# soft limit on the number of names
XATTR_NAMES = ["user.k%d" % i for i in range(6)]


class Node:
	"""One inode of the model: 'f' regular file, 'd' directory, 'l' symlink."""

	def __init__(self, kind, mode=0, uid=0, gid=0):
		self.kind = kind
		self.mode = mode
		self.uid = uid
		self.gid = gid
		self.data = bytearray() if kind == "f" else None
		self.entries = {} if kind == "d" else None
		self.target = None
		self.xattrs = {}
		self.mtime = None	# ns, only while known (set by utime)


class Model:
	"""The expected tree below the workload root."""

	def __init__(self):
		self.root = Node("d", 0o755)

	def walk(self):
		"""(path, node) of every entry below the root, sorted by path."""
		out = []
		stack = [("", self.root)]
		while stack:
			base, d = stack.pop()
			for name, n in d.entries.items():
				p = base + "/" + name if base else name
				out.append((p, n))
				if n.kind == "d":
					stack.append((p, n))
		out.sort(key=lambda e: e[0])
		return out

	def lookup(self, path):
		n = self.root
		for c in path.split("/"):
			n = n.entries[c]
		return n

	def parent(self, path):
		head, _, name = path.rpartition("/")
		return (self.lookup(head) if head else self.root), name

	def add(self, path, node):
		d, name = self.parent(path)
		assert name not in d.entries, path
		d.entries[name] = node
		d.mtime = None

	def remove(self, path):
		d, name = self.parent(path)
		d.mtime = None
		return d.entries.pop(name)

	def apply(self, op):
		"""Apply one operation (a list, as logged) to the model."""
		kind, path = op[0], op[1]
		if kind == "write":
			n = self.lookup(path)
			off, data = op[2], op[4]
			if len(n.data) < off:
				n.data.extend(bytes(off - len(n.data)))
			n.data[off:off + len(data)] = data
			n.mtime = None
		elif kind == "truncate":
			n = self.lookup(path)
			size = op[2]
			if size < len(n.data):
				del n.data[size:]
			else:
				n.data.extend(bytes(size - len(n.data)))
			n.mtime = None
		elif kind == "fallocate":
			n = self.lookup(path)
			end = op[2] + op[3]
			if end > len(n.data):
				n.data.extend(bytes(end - len(n.data)))
			n.mtime = None
		elif kind == "create":
			self.add(path, Node("f", op[2]))
		elif kind == "mkdir":
			self.add(path, Node("d", op[2]))
		elif kind in ("rmdir", "unlink"):
			self.remove(path)
		elif kind == "rename":
			n = self.remove(path)
			d, name = self.parent(op[2])
			d.entries[name] = n	# replaces an existing entry
			d.mtime = None
			if n.kind == "d":
				n.mtime = None	# its ".." may have changed
		elif kind == "link":
			self.add(op[2], self.lookup(path))
		elif kind == "symlink":
			n = Node("l", 0o777)
			n.target = op[2]
			self.add(path, n)
		elif kind == "chmod":
			self.lookup(path).mode = op[2]
		elif kind == "chown":
			n = self.lookup(path)
			n.uid, n.gid = op[2], op[3]
		elif kind == "utime":
			self.lookup(path).mtime = op[3]
		elif kind == "setxattr":
			self.lookup(path).xattrs[op[2]] = op[3]
		elif kind == "removexattr":
			del self.lookup(path).xattrs[op[2]]
		elif kind in ("fsync", "fdatasync"):
			pass
		else:
			raise ValueError("unknown operation %r" % kind)


class Generator:
	"""Draws operations from the RNG and the model, never from the disk."""

	def __init__(self, seed, max_bytes, xattr):
		self.rng = random.Random(seed)
		self.max_bytes = max_bytes
		# no single file larger than this (and a quarter of the budget)
		self.max_file = max(64 * KIB, min(4 * MIB, max_bytes // 4))
		self.xattr = xattr
		self.model = Model()
		self.k = 0

	def _name(self, prefix):
		r = self.rng.random()
		if r < 0.04:	# long names, up to the 255 byte limit
			return (prefix + "L" * 250)[:250 - len(str(self.k))] + \
				str(self.k)
		if r < 0.10:
			return "%s %d" % (prefix, self.k)	# a space
		if r < 0.15:
			return "%s\u00e9\u6f22%d" % (prefix, self.k)	# UTF-8
		return "%s%d" % (prefix, self.k)

	def _dirs(self, entries, depth_below=MAX_DEPTH):
		out = [("", self.model.root)] if depth_below > 0 else []
		for p, n in entries:
			if n.kind == "d" and p.count("/") + 1 < depth_below:
				out.append((p, n))
		return out

	def _new_path(self, entries, prefix, depth_below=MAX_DEPTH):
		d, _ = self.rng.choice(self._dirs(entries, depth_below))
		name = self._name(prefix)
		return d + "/" + name if d else name

	def _size(self, limit):
		"""Log-uniform size in 1 .. limit."""
		return max(1, min(limit, int(2 ** self.rng.uniform(0, 20.0001))))

	def _mtime(self):
		# 2001 .. 2033, with nanoseconds
		return self.rng.randrange(10 ** 18, 2 * 10 ** 18)

	def next(self):
		"""Return the next operation as a list: [kind, path, args...]."""
		self.k += 1
		rng = self.rng
		entries = self.model.walk()
		files = [e for e in entries if e[1].kind == "f"]
		dirs = [e for e in entries if e[1].kind == "d"]
		total = sum(len(n.data) for _, n in files)
		full = total > self.max_bytes
		crowded = len(entries) >= MAX_ENTRIES
		kinds = [k for k, _ in WEIGHTS]
		weights = [w for _, w in WEIGHTS]
		while True:
			kind = rng.choices(kinds, weights)[0]
			op = self._draw(kind, entries, files, dirs, full, crowded)
			if op is not None:
				return op

	def _draw(self, kind, entries, files, dirs, full, crowded):
		rng = self.rng
		xattr_ok = [e for e in entries if e[1].kind != "l"]
		if kind == "write":
			if not files or full:
				return None
			p, n = rng.choice(files)
			length = self._size(min(MIB, self.max_file))
			size = len(n.data)
			if rng.random() < 0.2:	# beyond EOF: leaves a hole
				off = size + rng.randrange(1, 2 * MIB)
			else:
				off = rng.randrange(0, size + 1)
			if off + length > self.max_file:
				off = rng.randrange(0, max(1, self.max_file - length))
			return ["write", p, off, length, rng.randbytes(length)]
		if kind == "truncate":
			if not files:
				return None
			p, n = rng.choice(files)
			size = len(n.data)
			if full or rng.random() < 0.6:
				return ["truncate", p, rng.randrange(0, size + 1)]
			grow = self._size(MIB)
			return ["truncate", p, min(self.max_file, size + grow)]
		if kind == "fallocate":
			if not files or full:
				return None
			p, n = rng.choice(files)
			off = rng.randrange(0, len(n.data) + 256 * KIB)
			length = self._size(256 * KIB)
			if off + length > self.max_file:
				return None
			return ["fallocate", p, off, length]
		if kind == "create":
			if crowded:
				return None
			mode = rng.choice([0o644, 0o600, 0o666, 0o755,
					   rng.randrange(0o1000)])
			return ["create", self._new_path(entries, "f"), mode]
		if kind == "mkdir":
			if crowded:
				return None
			mode = rng.choice([0o755, 0o700, 0o700 | rng.randrange(0o100)])
			return ["mkdir", self._new_path(entries, "d",
							MAX_DEPTH - 1), mode]
		if kind == "rmdir":
			empty = [e for e in dirs if not e[1].entries]
			if not empty:
				return None
			return ["rmdir", rng.choice(empty)[0]]
		if kind == "unlink":
			cand = [e for e in entries if e[1].kind != "d"]
			if not cand or (not full and rng.random() < 0.3):
				return None
			return ["unlink", rng.choice(cand)[0]]
		if kind == "rename":
			return self._rename(entries)
		if kind == "link":
			if not files or crowded:
				return None
			return ["link", rng.choice(files)[0],
				self._new_path(entries, "h")]
		if kind == "symlink":
			if crowded:
				return None
			if entries and rng.random() < 0.7:
				target = rng.choice(entries)[0]
				target = "../" * rng.randrange(3) + target
			else:
				target = "dangling/%d" % self.k
			return ["symlink", self._new_path(entries, "s"), target]
		if kind == "chmod":
			if not xattr_ok:
				return None
			p, n = rng.choice(xattr_ok)
			mode = rng.randrange(0o1000)
			if n.kind == "d":
				mode |= 0o700
			return ["chmod", p, mode]
		if kind == "chown":
			if not xattr_ok:
				return None
			return ["chown", rng.choice(xattr_ok)[0], rng.randrange(4),
				rng.randrange(4)]
		if kind == "utime":
			if not xattr_ok:
				return None
			return ["utime", rng.choice(xattr_ok)[0], self._mtime(),
				self._mtime()]
		if kind == "setxattr":
			if not self.xattr or not xattr_ok:
				return None
			length = rng.choice([0, 1, 16, rng.randrange(256)])
			return ["setxattr", rng.choice(xattr_ok)[0],
				rng.choice(XATTR_NAMES), rng.randbytes(length)]
		if kind == "removexattr":
			cand = [e for e in xattr_ok if e[1].xattrs]
			if not cand:
				return None
			p, n = rng.choice(cand)
			return ["removexattr", p, rng.choice(sorted(n.xattrs))]
		if kind in ("fsync", "fdatasync"):
			cand = files if kind == "fdatasync" else xattr_ok
			if not cand:
				return None
			return [kind, rng.choice(cand)[0]]
		raise ValueError(kind)

	def _rename(self, entries):
		rng = self.rng
		if not entries:
			return None
		src, n = rng.choice(entries)

		def inside(p):	# p is src or below it
			return p == src or p.startswith(src + "/")

		if n.kind == "d":
			# the moved tree must stay within MAX_DEPTH
			height = max(p.count("/") for p, _ in entries
				     if inside(p)) - src.count("/")
			room = MAX_DEPTH - height
			if rng.random() < 0.2:
				cand = [p for p, m in entries
					if m.kind == "d" and not m.entries
					and not inside(p)
					and p.count("/") < room]
				if cand:
					return ["rename", src, rng.choice(cand)]
			dirs = [(p, m) for p, m in self._dirs(entries, room)
				if not inside(p)]
			d, _ = rng.choice(dirs)
		else:
			if rng.random() < 0.3:	# atomic replace of a file
				cand = [p for p, m in entries
					if m.kind != "d" and m is not n]
				if cand:
					return ["rename", src, rng.choice(cand)]
			d, _ = rng.choice(self._dirs(entries))
		name = self._name("r")
		return ["rename", src, d + "/" + name if d else name]


def describe(k, op):
	"""The log line of operation k (data replaced by its length)."""
	shown = [k] + [x if not isinstance(x, bytes) else len(x) for x in op]
	return json.dumps(shown, ensure_ascii=True)


# --- running -------------------------------------------------------------

def do_op(root, op):
	"""Perform op with one mutating system call."""
	kind = op[0]
	path = os.path.join(root, op[1])
	if kind == "write":
		fd = os.open(path, os.O_WRONLY)
		try:
			off, data = op[2], memoryview(op[4])
			while data:
				done = os.pwrite(fd, data, off)
				off += done
				data = data[done:]
		finally:
			os.close(fd)
	elif kind == "truncate":
		os.truncate(path, op[2])
	elif kind == "fallocate":
		fd = os.open(path, os.O_WRONLY)
		try:
			os.posix_fallocate(fd, op[2], op[3])
		finally:
			os.close(fd)
	elif kind == "create":
		os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
				 op[2]))
	elif kind == "mkdir":
		os.mkdir(path, op[2])
	elif kind == "rmdir":
		os.rmdir(path)
	elif kind == "unlink":
		os.unlink(path)
	elif kind == "rename":
		os.rename(path, os.path.join(root, op[2]))
	elif kind == "link":
		os.link(path, os.path.join(root, op[2]), follow_symlinks=False)
	elif kind == "symlink":
		os.symlink(op[2], path)
	elif kind == "chmod":
		os.chmod(path, op[2])
	elif kind == "chown":
		os.chown(path, op[2], op[3])
	elif kind == "utime":
		os.utime(path, ns=(op[2], op[3]))
	elif kind == "setxattr":
		os.setxattr(path, op[2], op[3])
	elif kind == "removexattr":
		os.removexattr(path, op[2])
	elif kind in ("fsync", "fdatasync"):
		fd = os.open(path, os.O_RDONLY)
		try:
			(os.fsync if kind == "fsync" else os.fdatasync)(fd)
		finally:
			os.close(fd)


class Log:
	"""Append-only, fsynced after every line: survives a kill at any time."""

	def __init__(self, path):
		self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND |
				  os.O_TRUNC, 0o644) if path else None

	def line(self, text):
		if self.fd is None:
			return
		b = (text + "\n").encode()
		if os.write(self.fd, b) != len(b):
			raise OSError(errno.EIO, "short write to the log")
		os.fsync(self.fd)


def xattrs_supported(root):
	probe = os.path.join(root, ".workload-xattr-probe")
	fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
	os.close(fd)
	try:
		os.setxattr(probe, "user.probe", b"1")
		return True
	except OSError as e:
		if e.errno in (errno.ENOTSUP, errno.ENOSYS):
			return False
		raise
	finally:
		os.unlink(probe)


def run(args):
	os.umask(0)
	root = args.dir
	os.makedirs(root, exist_ok=True)
	if os.listdir(root):
		print("workload: %s is not empty" % root, file=sys.stderr)
		return 2
	xattr = not args.no_xattr and xattrs_supported(root)
	stop = []
	for sig in (signal.SIGTERM, signal.SIGINT):
		signal.signal(sig, lambda s, f: stop.append(s))
	log = Log(args.log)
	header = {"format": FORMAT, "seed": args.seed, "ops": args.ops,
		  "max_bytes": args.max_bytes, "xattr": xattr}
	log.line("# " + json.dumps(header, sort_keys=True))
	gen = Generator(args.seed, args.max_bytes, xattr)
	done = 0
	while done < args.ops and not stop:
		if args.until_file and os.path.exists(args.until_file):
			break
		op = gen.next()
		try:
			do_op(root, op)
		except OSError as e:
			print("workload: op %d %s failed: %s" %
			      (gen.k, describe(gen.k, op), e), file=sys.stderr)
			return 1
		gen.model.apply(op)
		done = gen.k
		log.line(describe(done, op))
		if args.progress and done % args.progress == 0:
			print("workload: %d ops" % done, file=sys.stderr)
	log.line("# end %d" % done)
	print("workload: seed %d: %d ops done%s" %
	      (args.seed, done, " (stopped)" if stop else ""))
	return 0


# --- verifying -----------------------------------------------------------

class Entry:
	def __init__(self, kind, st, data, target, xattrs):
		self.kind = kind
		self.st = st
		self.data = data
		self.target = target
		self.xattrs = xattrs


def scan(root):
	"""What the replica holds below root: path -> Entry."""
	out = {}
	stack = [""]
	while stack:
		base = stack.pop()
		for name in os.listdir(os.path.join(root, base) if base
				       else root):
			p = base + "/" + name if base else name
			full = os.path.join(root, p)
			st = os.lstat(full)
			data = target = None
			if stat.S_ISDIR(st.st_mode):
				kind = "d"
				stack.append(p)
			elif stat.S_ISREG(st.st_mode):
				kind = "f"
				with open(full, "rb") as f:
					data = f.read()
			elif stat.S_ISLNK(st.st_mode):
				kind = "l"
				target = os.readlink(full)
			else:
				kind = "?"
			xattrs = {}
			if kind in "fd":
				for x in os.listxattr(full, follow_symlinks=False):
					if x.startswith("user."):
						xattrs[x] = os.getxattr(full, x)
			out[p] = Entry(kind, st, data, target, xattrs)
	return out


def partial_write_ok(old, new, got, off, length):
	"""Is got a mix of old and new, as an interrupted write leaves it?"""
	if not len(old) <= len(got) <= len(new):
		return "size %d not within %d..%d" % (len(got), len(old),
						      len(new))
	padded = old + bytes(len(got) - len(old))
	if got[:off] != padded[:off] or \
	   got[off + length:] != padded[off + length:]:
		return "bytes outside the written range %d+%d changed" % \
			(off, length)
	for i in range(off, min(off + length, len(got))):
		if got[i] != padded[i] and got[i] != new[i]:
			return "byte %d is neither old nor new" % i
	return None


def compare(model, got, partial=None):
	"""Differences between the model and a scan, as sentences."""
	diffs = []
	want = model.walk()
	names = {p for p, _ in want}
	for p in sorted(set(got) - names):
		diffs.append("%s: unexpected entry" % p)
	groups_want = {}
	groups_got = {}
	for p, n in want:
		e = got.get(p)
		if e is None:
			diffs.append("%s: missing" % p)
			continue
		if e.kind != n.kind:
			diffs.append("%s: type %s, expected %s" % (p, e.kind, n.kind))
			continue
		if n.kind != "l":
			mode = stat.S_IMODE(e.st.st_mode)
			if mode != n.mode:
				diffs.append("%s: mode %o, expected %o" %
					     (p, mode, n.mode))
			if (e.st.st_uid, e.st.st_gid) != (n.uid, n.gid):
				diffs.append("%s: owner %d:%d, expected %d:%d" %
					     (p, e.st.st_uid, e.st.st_gid,
					      n.uid, n.gid))
			if e.xattrs != n.xattrs:
				diffs.append("%s: xattrs %s, expected %s" %
					     (p, sorted(e.xattrs),
					      sorted(n.xattrs)))
			if n.mtime is not None and e.st.st_mtime_ns != n.mtime:
				diffs.append("%s: mtime %d, expected %d" %
					     (p, e.st.st_mtime_ns, n.mtime))
		if n.kind == "l" and e.target != n.target:
			diffs.append("%s: symlink to %r, expected %r" %
				     (p, e.target, n.target))
		if n.kind == "f":
			groups_want.setdefault(id(n), []).append(p)
			groups_got.setdefault((e.st.st_dev, e.st.st_ino),
					      []).append(p)
			if partial is not None and partial[0] is n:
				_, old, off, length = partial
				why = partial_write_ok(old, bytes(n.data), e.data,
						       off, length)
				if why:
					diffs.append("%s: in-flight write: %s" %
						     (p, why))
			elif e.data != n.data:
				diffs.append("%s: content differs (%d bytes, "
					     "expected %d)" % (p, len(e.data),
							       len(n.data)))
	want_sets = sorted(sorted(g) for g in groups_want.values())
	got_sets = sorted(sorted(g) for g in groups_got.values())
	if want_sets != got_sets:
		bad = [g for g in want_sets if g not in got_sets]
		diffs.append("hard links differ: expected groups %s" % bad[:5])
	return diffs


def read_log(path):
	"""Header, complete op lines (as lists) and the end count or None."""
	with open(path, "rb") as f:
		raw = f.read()
	lines = raw.split(b"\n")
	if lines and lines[-1] != b"":
		lines = lines[:-1]	# cut by the kill: not acknowledged
	lines = [x.decode() for x in lines if x]
	if not lines or not lines[0].startswith("# "):
		raise ValueError("%s: no workload header" % path)
	header = json.loads(lines[0][2:])
	if header.get("format") != FORMAT:
		raise ValueError("%s: unknown format %r" %
				 (path, header.get("format")))
	ops = []
	end = None
	for x in lines[1:]:
		if x.startswith("# end "):
			end = int(x[6:])
		else:
			ops.append(x)
	return header, ops, end


def verify(args):
	log_path, root = args.verify_log
	try:
		header, lines, end = read_log(log_path)
	except (OSError, ValueError) as e:
		print("verify: %s" % e, file=sys.stderr)
		return 2
	gen = Generator(header["seed"], header["max_bytes"], header["xattr"])
	for i, line in enumerate(lines):
		op = gen.next()
		if describe(gen.k, op) != line:
			print("verify: log line %d does not match the seed: %s" %
			      (i + 2, line), file=sys.stderr)
			return 2
		gen.model.apply(op)
	last = gen.k
	if end is not None and end != last:
		print("verify: log ends at op %d but says %d" % (last, end),
		      file=sys.stderr)
		return 2
	try:
		got = scan(root)
	except OSError as e:
		print("verify: FAIL: cannot read the replica: %s" % e)
		return 1
	diffs = compare(gen.model, got)
	if not diffs:
		print("verify: %s holds every acknowledged op (1..%d)%s" %
		      (root, last, "" if end is not None else
		       "; op %d (in flight) is not there" % (last + 1)))
		return 0
	if end is not None:
		report(root, last, diffs, None, None)
		return 1
	# The op in flight when the writer died may be there too.
	op = gen.next()
	partial = None
	if op[0] in ("write", "fallocate"):	# may travel in pieces
		n = gen.model.lookup(op[1])
		partial = (n, bytes(n.data), op[2], op[3])
	gen.model.apply(op)
	diffs2 = compare(gen.model, got, partial)
	if not diffs2:
		print("verify: %s holds every acknowledged op (1..%d) and "
		      "the one in flight: %s" % (root, last,
						describe(gen.k, op)))
		return 0
	report(root, last, diffs, describe(gen.k, op), diffs2)
	return 1


def report(root, last, diffs, inflight, diffs2):
	print("verify: FAIL: %s does not match the state after "
	      "acknowledged op %d:" % (root, last))
	for d in diffs[:20]:
		print("  " + d)
	if len(diffs) > 20:
		print("  ... %d more" % (len(diffs) - 20))
	if inflight:
		print("verify: nor the state after the op in flight %s:" %
		      inflight)
		for d in diffs2[:20]:
			print("  " + d)


def main():
	ap = argparse.ArgumentParser(
		description="Seeded random file system workload and verifier.")
	ap.add_argument("--seed", type=int, default=1)
	ap.add_argument("--ops", type=int, default=1000,
			help="number of operations (default 1000)")
	ap.add_argument("--log", help="acknowledged-ops log (outside DIR)")
	ap.add_argument("--max-bytes", type=int, default=64 * MIB,
			help="soft limit on the total file data (default 64 MiB)")
	ap.add_argument("--no-xattr", action="store_true",
			help="no setxattr/removexattr")
	ap.add_argument("--until-file", metavar="FILE",
			help="stop (cleanly, between two ops) once FILE exists")
	ap.add_argument("--progress", type=int, default=0, metavar="N",
			help="print a line every N ops")
	ap.add_argument("--verify-log", nargs=2, metavar=("LOG", "DIR"),
			help="check DIR against the acknowledged log LOG")
	ap.add_argument("dir", nargs="?", help="directory to work in")
	args = ap.parse_args()
	if args.verify_log:
		return verify(args)
	if not args.dir:
		ap.error("DIR is required")
	return run(args)


if __name__ == "__main__":
	sys.exit(main())
