// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * proto_samples.c - valid messages of every type: typical values, the
 * largest sizes the limits allow, empty data and the root path "".
 */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "proto_samples.h"

static struct proto_msg *add(struct proto_samples *ps, const char *label,
			     unsigned int type)
{
	struct proto_sample *s;

	assert(ps->n < PROTO_SAMPLES_MAX);
	s = &ps->s[ps->n++];
	s->label = label;
	s->msg.type = (uint16_t)type;
	s->msg.seq = ps->n * 1000 + 1;
	return &s->msg;
}

static struct proto_attr attr_all(void)
{
	struct proto_attr a = {
		.mask = PROTO_A_ALL,
		.mode = 0100640,
		.uid = 1000,
		.gid = 100,
		.size = 123456789,
		.atime_sec = -1, /* before 1970 */
		.atime_nsec = 999999999,
		.mtime_sec = 1763700000,
		.mtime_nsec = 1,
	};
	return a;
}

static struct proto_attr attr_mtime(int64_t sec)
{
	struct proto_attr a = {
		.mask = PROTO_A_MTIME,
		.mtime_sec = sec,
		.mtime_nsec = 500,
	};
	return a;
}

static void fill_buffers(struct proto_samples *ps)
{
	size_t i;
	uint32_t pos = 0;
	static const uint8_t val[] = { 0, 1, 2, 0xff };

	for (i = 0; i < sizeof(ps->data); i++)
		ps->data[i] = (uint8_t)(i * 131 + (i >> 8));
	/* 4095 bytes: 15 components of 255 + 15 '/' = 3840, then 255 more */
	memset(ps->max_path, 'p', PROTO_MAX_PATH);
	for (i = PROTO_MAX_NAME; i < PROTO_MAX_PATH; i += PROTO_MAX_NAME + 1)
		ps->max_path[i] = '/';
	ps->max_path[PROTO_MAX_PATH] = '\0';
	assert(proto_path_valid(ps->max_path, PROTO_MAX_PATH) == 0);
	/* any bytes but NUL, '/' and ".." included */
	for (i = 0; i < PROTO_MAX_PATH; i++)
		ps->max_target[i] = (char)("../x/\x01\xff"[i % 7]);
	ps->max_target[PROTO_MAX_PATH] = '\0';
	memset(ps->max_xname, 'x', PROTO_MAX_XATTR_NAME);
	memcpy(ps->max_xname, "user.", 5);

	assert(!proto_dir_put(ps->names, sizeof(ps->names), &pos, "a"));
	assert(!proto_dir_put(ps->names, sizeof(ps->names), &pos, ".hidden"));
	assert(!proto_dir_put(ps->names, sizeof(ps->names), &pos, "..."));
	assert(!proto_dir_put(ps->names, sizeof(ps->names), &pos,
			      ps->max_path + PROTO_MAX_PATH - PROTO_MAX_NAME));
	ps->names_len = pos;

	pos = 0;
	assert(!proto_xattrs_put(ps->xattrs, sizeof(ps->xattrs), &pos, "user.a",
				 val, sizeof(val)));
	assert(!proto_xattrs_put(ps->xattrs, sizeof(ps->xattrs), &pos,
				 "security.selinux", NULL, 0));
	assert(!proto_xattrs_put(ps->xattrs, sizeof(ps->xattrs), &pos,
				 ps->max_xname, ps->data,
				 PROTO_MAX_XATTR_VALUE));
	ps->xattrs_len = pos;
}

static void add_ops(struct proto_samples *ps)
{
	struct proto_msg *m;

	m = add(ps, "write small", PROTO_OP_WRITE);
	m->path = "dir/file.txt";
	m->offset = 4096;
	m->data = (const uint8_t *)"hello";
	m->data_len = 5;
	m->attr = attr_mtime(1763700000);
	m->attr.mask |= PROTO_A_SIZE;
	m->attr.size = 4101;

	m = add(ps, "write max", PROTO_OP_WRITE);
	m->path = ps->max_path;
	m->offset = INT64_MAX - PROTO_MAX_DATA;
	m->data = ps->data;
	m->data_len = PROTO_MAX_DATA;
	m->attr = attr_all();
	m->dir = PROTO_MAX_DIRS - 1;
	m->seq = UINT64_MAX;

	m = add(ps, "write empty", PROTO_OP_WRITE);
	m->path = "f";

	m = add(ps, "truncate to 0", PROTO_OP_TRUNCATE);
	m->path = "a/b/c";
	m->attr = attr_mtime(0);

	m = add(ps, "truncate huge", PROTO_OP_TRUNCATE);
	m->path = "sparse.img";
	m->length = INT64_MAX;
	m->attr = attr_all();

	m = add(ps, "fallocate punch", PROTO_OP_FALLOCATE);
	m->path = "vm/disk.qcow2";
	m->flags = 0x3; /* KEEP_SIZE | PUNCH_HOLE */
	m->offset = 1 << 20;
	m->length = 1 << 16;
	m->attr = attr_mtime(5);

	m = add(ps, "create", PROTO_OP_CREATE);
	m->path = "html/index.html";
	m->mode = 0100644;
	m->uid = 33;
	m->gid = 33;
	m->attr = attr_all();
	m->ptimes = attr_mtime(1763700001);
	m->dir = 3;

	m = add(ps, "mknod", PROTO_OP_MKNOD);
	m->path = "dev/null";
	m->mode = 0020666;
	m->rdev = 0x103;
	m->attr = attr_all();
	m->ptimes = attr_mtime(1);

	m = add(ps, "mkdir", PROTO_OP_MKDIR);
	m->path = "newdir";
	m->mode = 0040755;
	m->uid = UINT32_MAX;
	m->gid = UINT32_MAX;
	m->attr = attr_mtime(2);
	m->ptimes = attr_mtime(2);

	m = add(ps, "unlink", PROTO_OP_UNLINK);
	m->path = "x/.y/z..";
	m->ptimes = attr_mtime(3);

	m = add(ps, "rmdir", PROTO_OP_RMDIR);
	m->path = "x/y";

	m = add(ps, "rename", PROTO_OP_RENAME);
	m->path = "a/old";
	m->path2 = "b/new";
	m->ptimes = attr_mtime(4);
	m->ptimes2 = attr_mtime(5);

	m = add(ps, "rename noreplace", PROTO_OP_RENAME);
	m->flags = 0x1;
	m->path = "a";
	m->path2 = "b";

	m = add(ps, "rename exchange max", PROTO_OP_RENAME);
	m->flags = 0x2;
	m->path = ps->max_path;
	m->path2 = ps->max_path + PROTO_MAX_NAME + 1;

	m = add(ps, "link", PROTO_OP_LINK);
	m->path = "orig";
	m->path2 = "sub/alias";
	m->attr = attr_all();
	m->ptimes2 = attr_mtime(6);

	m = add(ps, "symlink relative", PROTO_OP_SYMLINK);
	m->path = "lnk";
	m->path2 = "../../etc/passwd";
	m->uid = 1;
	m->gid = 2;
	m->attr = attr_mtime(7);
	m->ptimes = attr_mtime(7);

	m = add(ps, "symlink odd target", PROTO_OP_SYMLINK);
	m->path = "l2";
	m->path2 = "/abs//./x/";

	m = add(ps, "symlink max target", PROTO_OP_SYMLINK);
	m->path = "l3";
	m->path2 = ps->max_target;

	m = add(ps, "setattr root", PROTO_OP_SETATTR);
	m->path = "";
	m->attr.mask = PROTO_A_MODE;
	m->attr.mode = 0755;

	m = add(ps, "setattr all", PROTO_OP_SETATTR);
	m->path = "file";
	m->attr = attr_all();

	m = add(ps, "setxattr", PROTO_OP_SETXATTR);
	m->flags = 0x1;
	m->path = "f";
	m->name = "user.comment";
	m->data = (const uint8_t *)"v\0w";
	m->data_len = 3;

	m = add(ps, "setxattr max", PROTO_OP_SETXATTR);
	m->flags = 0x2;
	m->path = "";
	m->name = ps->max_xname;
	m->data = ps->data;
	m->data_len = PROTO_MAX_XATTR_VALUE;

	m = add(ps, "setxattr empty value", PROTO_OP_SETXATTR);
	m->path = "d/f";
	m->name = "trusted.x";

	m = add(ps, "removexattr root", PROTO_OP_REMOVEXATTR);
	m->path = "";
	m->name = "user.a";

	m = add(ps, "fdatasync", PROTO_OP_FSYNC);
	m->flags = PROTO_F_DATASYNC;
	m->path = "db/ibdata1";

	m = add(ps, "fsync root", PROTO_OP_FSYNC);
	m->path = "";

	m = add(ps, "linked write", PROTO_OP_WRITE_LINKED);
	m->seq = 1000;
	m->path = "vm/disk.qcow2";
	m->length = 4;
	m->data = ps->data + 3;
	m->data_len = 4 * PROTO_SUM_SIZE;
}

static void add_ctl(struct proto_samples *ps)
{
	struct proto_msg *m;
	unsigned int role;

	m = add(ps, "ack", PROTO_CTL_ACK);
	m->seq = UINT64_MAX;
	m = add(ps, "ack 0", PROTO_CTL_ACK);
	m->seq = 0;
	m = add(ps, "nack", PROTO_CTL_NACK);
	m->seq = 42;
	m = add(ps, "link announce", PROTO_CTL_LINK);
	m->sync_id = 0x0123456789abcdefull;
	m->offset = 40123;
	m = add(ps, "link hello", PROTO_CTL_LINK);
	m->target = 2;
	m->sync_id = UINT64_MAX;
	m->offset = 1;
	m = add(ps, "relink", PROTO_CTL_RELINK);
	m->target = 3;
	m->seq = 77;
	m->dir = 1;
	m->path = "vm/disk.qcow2";
	m->offset = 1ull << 40;
	m->attr.mask = PROTO_A_MTIME;
	m->attr.mtime_sec = 1700000000;
	m->data = ps->data;
	m->data_len = 4096;

	for (role = 0; role < PROTO_ROLE_MAX; role++) {
		m = add(ps, "state", PROTO_CTL_STATE);
		m->state.role = role;
		m->state.flags = role == PROTO_ROLE_SECOND ? PROTO_ST_SYNCING :
							     PROTO_ST_UPTODATE;
		m->state.sync_permille = role == PROTO_ROLE_SECOND ? 1000 : 0;
		memset(m->state.gen, (int)(0xa0 + role), sizeof(m->state.gen));
	}
}

static struct proto_msg *add_sync(struct proto_samples *ps, const char *label,
				  unsigned int type)
{
	struct proto_msg *m = add(ps, label, type);

	m->target = 2;
	m->sync_id = 0x0123456789abcdefull;
	return m;
}

static void add_sync_msgs(struct proto_samples *ps)
{
	struct proto_msg *m;

	m = add_sync(ps, "sync begin", PROTO_SYNC_BEGIN);
	m->target = UINT32_MAX;
	m->sync_id = UINT64_MAX;

	m = add_sync(ps, "sync dir root", PROTO_SYNC_DIR);
	m->path = "";
	m->uid = 0;
	m->gid = 0;
	m->attr = attr_all();
	m->data = ps->names;
	m->data_len = ps->names_len;

	m = add_sync(ps, "sync dir empty", PROTO_SYNC_DIR);
	m->path = "empty";
	m->attr = attr_mtime(9);

	m = add_sync(ps, "sync file", PROTO_SYNC_FILE);
	m->path = "big/file";
	m->length = 1ull << 40;
	m->uid = 7;
	m->gid = 8;
	m->attr = attr_all();

	m = add_sync(ps, "sync sums max", PROTO_SYNC_SUMS);
	m->path = "big/file";
	m->offset = 16;
	m->data = ps->data;
	m->data_len = PROTO_MAX_SUMS * PROTO_SUM_SIZE;

	m = add_sync(ps, "sync sums one", PROTO_SYNC_SUMS);
	m->path = "f";
	m->data = ps->data + 7;
	m->data_len = PROTO_SUM_SIZE;

	m = add_sync(ps, "sync sums empty", PROTO_SYNC_SUMS);
	m->path = "f";

	m = add_sync(ps, "sync need", PROTO_SYNC_NEED);
	m->path = "big/file";
	m->offset = 16;
	m->data = (const uint8_t *)"\x05\x80";
	m->data_len = 2;

	m = add_sync(ps, "sync data max", PROTO_SYNC_DATA);
	m->path = "big/file";
	m->offset = 1ull << 40;
	m->data = ps->data;
	m->data_len = PROTO_MAX_DATA;

	m = add_sync(ps, "sync data", PROTO_SYNC_DATA);
	m->path = "small";
	m->data = ps->data + 1;
	m->data_len = 1;

	m = add_sync(ps, "sync attr root", PROTO_SYNC_ATTR);
	m->path = "";
	m->attr = attr_all();

	m = add_sync(ps, "sync symlink", PROTO_SYNC_SYMLINK);
	m->path = "lnk";
	m->path2 = "target with spaces";
	m->uid = 3;
	m->gid = 4;
	m->attr = attr_mtime(10);

	m = add_sync(ps, "sync hardlink", PROTO_SYNC_HARDLINK);
	m->path = "orig";
	m->path2 = "other/name";

	m = add_sync(ps, "sync special fifo", PROTO_SYNC_SPECIAL);
	m->path = "run/fifo";
	m->mode = 0010600;
	m->attr = attr_mtime(11);

	m = add_sync(ps, "sync special blockdev", PROTO_SYNC_SPECIAL);
	m->path = "dev/sda";
	m->mode = 0060660;
	m->rdev = UINT64_MAX;
	m->uid = 0;
	m->gid = 6;

	m = add_sync(ps, "sync xattrs", PROTO_SYNC_XATTRS);
	m->path = "";
	m->data = ps->xattrs;
	m->data_len = ps->xattrs_len;

	m = add_sync(ps, "sync xattrs none", PROTO_SYNC_XATTRS);
	m->path = "f";

	m = add_sync(ps, "sync resend", PROTO_SYNC_RESEND);
	m->path = "a/b";

	m = add_sync(ps, "sync resend root", PROTO_SYNC_RESEND);
	m->path = "";

	m = add_sync(ps, "sync end", PROTO_SYNC_END);
	m->dir = 1;
}

void proto_samples_init(struct proto_samples *ps)
{
	fill_buffers(ps);
	add_ops(ps);
	add_ctl(ps);
	add_sync_msgs(ps);
}

static int str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static int attr_eq(const struct proto_attr *a, const struct proto_attr *b)
{
	return a->mask == b->mask && a->mode == b->mode && a->uid == b->uid &&
	       a->gid == b->gid && a->size == b->size &&
	       a->atime_sec == b->atime_sec && a->atime_nsec == b->atime_nsec &&
	       a->mtime_sec == b->mtime_sec && a->mtime_nsec == b->mtime_nsec;
}

const char *proto_msg_diff(const struct proto_msg *a, const struct proto_msg *b)
{
	if (a->type != b->type)
		return "type";
	if (a->flags != b->flags)
		return "flags";
	if (a->dir != b->dir)
		return "dir";
	if (a->target != b->target)
		return "target";
	if (a->seq != b->seq)
		return "seq";
	if (a->sync_id != b->sync_id)
		return "sync_id";
	if (!str_eq(a->path, b->path))
		return "path";
	if (!str_eq(a->path2, b->path2))
		return "path2";
	if (!str_eq(a->name, b->name))
		return "name";
	if (a->offset != b->offset)
		return "offset";
	if (a->length != b->length)
		return "length";
	if (a->data_len != b->data_len)
		return "data_len";
	if (a->data_len && memcmp(a->data, b->data, a->data_len))
		return "data";
	if (!a->data_len && (a->data || b->data))
		return "data pointer of empty data";
	if (a->mode != b->mode)
		return "mode";
	if (a->uid != b->uid)
		return "uid";
	if (a->gid != b->gid)
		return "gid";
	if (a->rdev != b->rdev)
		return "rdev";
	if (!attr_eq(&a->attr, &b->attr))
		return "attr";
	if (!attr_eq(&a->ptimes, &b->ptimes))
		return "ptimes";
	if (!attr_eq(&a->ptimes2, &b->ptimes2))
		return "ptimes2";
	if (a->state.role != b->state.role ||
	    a->state.flags != b->state.flags ||
	    a->state.sync_permille != b->state.sync_permille ||
	    memcmp(a->state.gen, b->state.gen, sizeof(a->state.gen)))
		return "state";
	return NULL;
}

int proto_msg_equal(const struct proto_msg *a, const struct proto_msg *b)
{
	return proto_msg_diff(a, b) == NULL;
}
