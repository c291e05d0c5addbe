// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * proto.c - the replicd wire codec (see proto.h and doc/protocol.md).
 *
 * One table says, per type, which body fields are present, which header
 * flags are allowed, what the data blob holds and which paths may be the
 * root.  The encoder, the size computation and the decoder all walk that
 * table in the same fixed field order, so they cannot disagree about the
 * layout, and a semantic check shared by both sides guarantees that
 * anything the decoder accepts re-encodes to the very same bytes.
 *
 * Pure: no I/O, no allocation, no state other than the const table.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>

#include "proto.h"

/*
 * Header layout (little-endian):
 *   0 magic u32   4 version u16   6 type u16   8 flags u16   10 dir u16
 *  12 body length u32   16 seq u64   24 reserved u64 (zero)
 */
enum {
	HDR_MAGIC = 0,
	HDR_VERSION = 4,
	HDR_TYPE = 6,
	HDR_FLAGS = 8,
	HDR_DIR = 10,
	HDR_BODY_LEN = 12,
	HDR_SEQ = 16,
	HDR_RESERVED = 24,
	HDR_END = 32,
};
static_assert(HDR_END == PROTO_HDR_SIZE, "header layout must fill 32 bytes");
static_assert(PROTO_T_MAX <= UINT16_MAX, "type travels as a u16");
static_assert(PROTO_MAX_PATH < UINT16_MAX, "strings travel with a u16 length");
static_assert(PROTO_MAX_XATTR_NAME < UINT16_MAX, "xattr name length is u16");
static_assert(PROTO_MAX_MSG <= INT32_MAX, "sizes are returned as long");

/* Body fields, encoded in this order when the type has them. */
enum {
	F_SYNC = 1u << 0,     /* target u32, sync_id u64 */
	F_PATH = 1u << 1,     /* string */
	F_PATH2 = 1u << 2,    /* string */
	F_NAME = 1u << 3,     /* string (xattr name) */
	F_OFFSET = 1u << 4,   /* u64 */
	F_LENGTH = 1u << 5,   /* u64 */
	F_MODE = 1u << 6,     /* u32 */
	F_RDEV = 1u << 7,     /* u64 */
	F_UID = 1u << 8,      /* u32 */
	F_GID = 1u << 9,      /* u32 */
	F_ATTR = 1u << 10,    /* attr */
	F_PTIMES = 1u << 11,  /* attr */
	F_PTIMES2 = 1u << 12, /* attr */
	F_STATE = 1u << 13,   /* role u32, flags u32, gen[16], permille u32 */
	F_DATA = 1u << 14,    /* u32 length + bytes; always last */
};

/* What the data blob of a type holds, and so how it is checked. */
enum {
	D_NONE = 0,
	D_BYTES,       /* file contents, <= PROTO_MAX_DATA */
	D_XATTR_VALUE, /* <= PROTO_MAX_XATTR_VALUE */
	D_SUMS,	       /* n * PROTO_SUM_SIZE, n <= PROTO_MAX_SUMS */
	D_BITMAP,      /* one bit per chunk, <= PROTO_MAX_DATA bytes */
	D_NAMES,       /* NUL-terminated directory entry names */
	D_XATTRS,      /* (u16 len, name, NUL, u32 len, value) pairs */
};

/* Per-type options. */
enum {
	O_ROOT = 1u << 0,   /* path may be "" (the replicated root itself) */
	O_TARGET = 1u << 1, /* path2 is a symlink target, not a path */
	O_RANGE = 1u << 2,  /* offset + length (or data_len) is a byte range */
};

/*
 * Header flag values.  They are the Linux values of the flags the primary
 * got from the kernel, so the secondary can pass them straight on; the
 * unit test checks them against the system headers.
 */
#define WIRE_FALLOC_FLAGS     0x7fu /* FALLOC_FL_KEEP_SIZE .. UNSHARE_RANGE */
#define WIRE_RENAME_NOREPLACE 0x1u
#define WIRE_RENAME_EXCHANGE  0x2u
#define WIRE_XATTR_FLAGS      0x3u /* XATTR_CREATE | XATTR_REPLACE */

/* file type and permission bits: anything above is not a mode */
#define WIRE_MODE_BITS 0177777u
#define NSEC_PER_SEC   1000000000u

struct proto_desc {
	const char *name;
	uint16_t fields; /* F_* */
	uint16_t flags;	 /* header flags the type accepts */
	uint8_t data;	 /* D_* */
	uint8_t opts;	 /* O_* */
};

/* clang-format off */
static const struct proto_desc proto_descs[PROTO_T_MAX] = {
	[PROTO_OP_WRITE] = { "OP_WRITE",
		F_PATH | F_OFFSET | F_ATTR | F_DATA, 0, D_BYTES, O_RANGE },
	[PROTO_OP_TRUNCATE] = { "OP_TRUNCATE",
		F_PATH | F_LENGTH | F_ATTR, 0, D_NONE, 0 },
	[PROTO_OP_FALLOCATE] = { "OP_FALLOCATE",
		F_PATH | F_OFFSET | F_LENGTH | F_ATTR, WIRE_FALLOC_FLAGS,
		D_NONE, O_RANGE },
	[PROTO_OP_CREATE] = { "OP_CREATE",
		F_PATH | F_MODE | F_UID | F_GID | F_ATTR | F_PTIMES, 0,
		D_NONE, 0 },
	[PROTO_OP_MKNOD] = { "OP_MKNOD",
		F_PATH | F_MODE | F_RDEV | F_UID | F_GID | F_ATTR | F_PTIMES,
		0, D_NONE, 0 },
	[PROTO_OP_MKDIR] = { "OP_MKDIR",
		F_PATH | F_MODE | F_UID | F_GID | F_ATTR | F_PTIMES, 0,
		D_NONE, 0 },
	[PROTO_OP_UNLINK] = { "OP_UNLINK", F_PATH | F_PTIMES, 0, D_NONE, 0 },
	[PROTO_OP_RMDIR] = { "OP_RMDIR", F_PATH | F_PTIMES, 0, D_NONE, 0 },
	[PROTO_OP_RENAME] = { "OP_RENAME",
		F_PATH | F_PATH2 | F_PTIMES | F_PTIMES2,
		WIRE_RENAME_NOREPLACE | WIRE_RENAME_EXCHANGE, D_NONE, 0 },
	[PROTO_OP_LINK] = { "OP_LINK",
		F_PATH | F_PATH2 | F_ATTR | F_PTIMES2, 0, D_NONE, 0 },
	[PROTO_OP_SYMLINK] = { "OP_SYMLINK",
		F_PATH | F_PATH2 | F_UID | F_GID | F_ATTR | F_PTIMES, 0,
		D_NONE, O_TARGET },
	[PROTO_OP_SETATTR] = { "OP_SETATTR", F_PATH | F_ATTR, 0, D_NONE,
		O_ROOT },
	[PROTO_OP_SETXATTR] = { "OP_SETXATTR", F_PATH | F_NAME | F_DATA,
		WIRE_XATTR_FLAGS, D_XATTR_VALUE, O_ROOT },
	[PROTO_OP_REMOVEXATTR] = { "OP_REMOVEXATTR", F_PATH | F_NAME, 0,
		D_NONE, O_ROOT },
	[PROTO_OP_FSYNC] = { "OP_FSYNC", F_PATH, PROTO_F_DATASYNC, D_NONE,
		O_ROOT },
	[PROTO_OP_WRITE_LINKED] = { "OP_WRITE_LINKED",
		F_PATH | F_LENGTH | F_DATA, 0, D_SUMS, 0 },

	[PROTO_CTL_ACK] = { "CTL_ACK", 0, 0, D_NONE, 0 },
	[PROTO_CTL_STATE] = { "CTL_STATE", F_STATE, 0, D_NONE, 0 },
	[PROTO_CTL_NACK] = { "CTL_NACK", 0, 0, D_NONE, 0 },
	[PROTO_CTL_LINK] = { "CTL_LINK", F_SYNC | F_OFFSET, 0, D_NONE, 0 },
	[PROTO_CTL_RELINK] = { "CTL_RELINK",
		F_SYNC | F_PATH | F_OFFSET | F_ATTR | F_DATA, 0, D_BYTES,
		O_RANGE },

	[PROTO_SYNC_BEGIN] = { "SYNC_BEGIN", F_SYNC, 0, D_NONE, 0 },
	[PROTO_SYNC_DIR] = { "SYNC_DIR",
		F_SYNC | F_PATH | F_UID | F_GID | F_ATTR | F_DATA, 0,
		D_NAMES, O_ROOT },
	[PROTO_SYNC_FILE] = { "SYNC_FILE",
		F_SYNC | F_PATH | F_LENGTH | F_UID | F_GID | F_ATTR, 0,
		D_NONE, 0 },
	[PROTO_SYNC_SUMS] = { "SYNC_SUMS",
		F_SYNC | F_PATH | F_OFFSET | F_DATA, 0, D_SUMS, 0 },
	[PROTO_SYNC_NEED] = { "SYNC_NEED",
		F_SYNC | F_PATH | F_OFFSET | F_DATA, 0, D_BITMAP, 0 },
	[PROTO_SYNC_DATA] = { "SYNC_DATA",
		F_SYNC | F_PATH | F_OFFSET | F_DATA, 0, D_BYTES, O_RANGE },
	[PROTO_SYNC_ATTR] = { "SYNC_ATTR", F_SYNC | F_PATH | F_ATTR, 0,
		D_NONE, O_ROOT },
	[PROTO_SYNC_SYMLINK] = { "SYNC_SYMLINK",
		F_SYNC | F_PATH | F_PATH2 | F_UID | F_GID | F_ATTR, 0,
		D_NONE, O_TARGET },
	[PROTO_SYNC_HARDLINK] = { "SYNC_HARDLINK",
		F_SYNC | F_PATH | F_PATH2, 0, D_NONE, 0 },
	[PROTO_SYNC_SPECIAL] = { "SYNC_SPECIAL",
		F_SYNC | F_PATH | F_MODE | F_RDEV | F_UID | F_GID | F_ATTR, 0,
		D_NONE, 0 },
	[PROTO_SYNC_XATTRS] = { "SYNC_XATTRS", F_SYNC | F_PATH | F_DATA, 0,
		D_XATTRS, O_ROOT },
	[PROTO_SYNC_RESEND] = { "SYNC_RESEND", F_SYNC | F_PATH, 0, D_NONE,
		O_ROOT },
	[PROTO_SYNC_END] = { "SYNC_END", F_SYNC, 0, D_NONE, 0 },
};
/* clang-format on */

static const struct proto_desc *proto_desc_of(unsigned int type)
{
	if (type >= PROTO_T_MAX || !proto_descs[type].name)
		return NULL;
	return &proto_descs[type];
}

/* ---- little-endian access on byte pointers ---- */

static uint16_t ld16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (unsigned int)p[1] << 8);
}

static uint32_t ld32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t ld64(const uint8_t *p)
{
	return (uint64_t)ld32(p) | (uint64_t)ld32(p + 4) << 32;
}

static void st16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void st32(uint8_t *p, uint32_t v)
{
	st16(p, (uint16_t)v);
	st16(p + 2, (uint16_t)(v >> 16));
}

static void st64(uint8_t *p, uint64_t v)
{
	st32(p, (uint32_t)v);
	st32(p + 4, (uint32_t)(v >> 32));
}

/* ---- validation shared by encoder and decoder ---- */

/* One path component or directory entry name. */
static int proto_name_valid(const char *s, size_t len)
{
	if (len == 0 || len > PROTO_MAX_NAME)
		return 0;
	if (s[0] == '.' && (len == 1 || (len == 2 && s[1] == '.')))
		return 0;
	return memchr(s, '/', len) == NULL && memchr(s, '\0', len) == NULL;
}

int proto_path_valid(const char *path, size_t len)
{
	const char *p = path, *end = path + len, *slash;

	if (!path || len > PROTO_MAX_PATH)
		return -EINVAL;
	if (len == 0)
		return 0; /* the root; callers decide whether it may be */
	/* component by component; a leading '/', "a//b" and "a/" all show
	 * up as an empty component */
	for (;;) {
		slash = memchr(p, '/', (size_t)(end - p));
		if (!proto_name_valid(p, (size_t)((slash ? slash : end) - p)))
			return -EINVAL;
		if (!slash)
			return 0;
		p = slash + 1;
	}
}

static int proto_check_path(const char *path, int root_ok)
{
	size_t len;

	if (!path)
		return -EINVAL;
	len = strnlen(path, PROTO_MAX_PATH + 1);
	if (len == 0 && !root_ok)
		return -EINVAL;
	return proto_path_valid(path, len);
}

/* A symlink target is whatever the application asked for: any non-empty
 * string, absolute or with "..", is stored as is. */
static int proto_check_target(const char *target)
{
	size_t len;

	if (!target)
		return -EINVAL;
	len = strnlen(target, PROTO_MAX_PATH + 1);
	return len == 0 || len > PROTO_MAX_PATH ? -EINVAL : 0;
}

static int proto_check_xattr_name(const char *name, size_t len)
{
	if (len == 0 || len > PROTO_MAX_XATTR_NAME)
		return -EINVAL;
	return memchr(name, '\0', len) ? -EINVAL : 0;
}

static int proto_check_attr(const struct proto_attr *a)
{
	if (a->mask & ~PROTO_A_ALL)
		return -EINVAL;
	if ((a->mask & PROTO_A_MODE) && (a->mode & ~WIRE_MODE_BITS))
		return -EINVAL;
	if ((a->mask & PROTO_A_SIZE) && a->size > INT64_MAX)
		return -EINVAL;
	if ((a->mask & PROTO_A_ATIME) && a->atime_nsec >= NSEC_PER_SEC)
		return -EINVAL;
	if ((a->mask & PROTO_A_MTIME) && a->mtime_nsec >= NSEC_PER_SEC)
		return -EINVAL;
	return 0;
}

static int proto_attr_is_zero(const struct proto_attr *a)
{
	return !a->mask && !a->mode && !a->uid && !a->gid && !a->size &&
	       !a->atime_sec && !a->atime_nsec && !a->mtime_sec &&
	       !a->mtime_nsec;
}

static int proto_state_is_zero(const struct proto_state *s)
{
	static const uint8_t zero[sizeof(s->gen)];

	return !s->role && !s->flags && !s->sync_permille &&
	       !memcmp(s->gen, zero, sizeof(zero));
}

static int proto_check_state(const struct proto_state *s)
{
	if (s->role >= PROTO_ROLE_MAX || s->sync_permille > 1000)
		return -EINVAL;
	if (s->flags & ~(PROTO_ST_UPTODATE | PROTO_ST_SYNCING))
		return -EINVAL;
	return 0;
}

/* SYNC_DIR: every name NUL-terminated, a valid single component. */
static int proto_check_names(const uint8_t *p, uint32_t len)
{
	uint32_t pos = 0;

	if (len && p[len - 1] != '\0')
		return -EBADMSG;
	while (pos < len) {
		const uint8_t *end = memchr(p + pos, '\0', len - pos);
		size_t n = (size_t)(end - (p + pos));

		if (!proto_name_valid((const char *)p + pos, n))
			return -EINVAL;
		pos += (uint32_t)n + 1;
	}
	return 0;
}

/* SYNC_XATTRS: (u16 name len, name, NUL, u32 value len, value)... */
static int proto_check_xattrs(const uint8_t *p, uint32_t len)
{
	size_t pos = 0, n;

	while (pos < len) {
		if (len - pos < 2)
			return -EBADMSG;
		n = ld16(p + pos);
		pos += 2;
		if (len - pos < n + 1 || p[pos + n] != '\0' ||
		    memchr(p + pos, '\0', n))
			return -EBADMSG;
		if (proto_check_xattr_name((const char *)p + pos, n))
			return -EINVAL;
		pos += n + 1;
		if (len - pos < 4)
			return -EBADMSG;
		n = ld32(p + pos);
		pos += 4;
		if (len - pos < n)
			return -EBADMSG;
		if (n > PROTO_MAX_XATTR_VALUE)
			return -EINVAL;
		pos += n;
	}
	return 0;
}

static int proto_check_data(unsigned int kind, const uint8_t *p, uint32_t len)
{
	switch (kind) {
	case D_BYTES:
	case D_BITMAP:
		return len <= PROTO_MAX_DATA ? 0 : -EINVAL;
	case D_XATTR_VALUE:
		return len <= PROTO_MAX_XATTR_VALUE ? 0 : -EINVAL;
	case D_SUMS:
		if (len % PROTO_SUM_SIZE ||
		    len / PROTO_SUM_SIZE > PROTO_MAX_SUMS)
			return -EINVAL;
		return 0;
	case D_NAMES:
		/* larger than any message: spare the scan, the size says it */
		return len > PROTO_MAX_MSG ? -EMSGSIZE :
					     proto_check_names(p, len);
	case D_XATTRS:
		return len > PROTO_MAX_MSG ? -EMSGSIZE :
					     proto_check_xattrs(p, len);
	}
	return -EINVAL;
}

/*
 * Fields the type does not carry must be empty, so that a message
 * round-trips exactly and a caller filling the wrong field is told.
 */
static int proto_check_unused(const struct proto_desc *d,
			      const struct proto_msg *m)
{
	unsigned int f = d->fields;

	if ((!(f & F_SYNC) && (m->target || m->sync_id)) ||
	    (!(f & F_PATH) && m->path) || (!(f & F_PATH2) && m->path2) ||
	    (!(f & F_NAME) && m->name) || (!(f & F_OFFSET) && m->offset) ||
	    (!(f & F_LENGTH) && m->length) || (!(f & F_MODE) && m->mode) ||
	    (!(f & F_RDEV) && m->rdev) || (!(f & F_UID) && m->uid) ||
	    (!(f & F_GID) && m->gid) ||
	    (!(f & F_DATA) && (m->data || m->data_len)))
		return -EINVAL;
	if ((!(f & F_ATTR) && !proto_attr_is_zero(&m->attr)) ||
	    (!(f & F_PTIMES) && !proto_attr_is_zero(&m->ptimes)) ||
	    (!(f & F_PTIMES2) && !proto_attr_is_zero(&m->ptimes2)) ||
	    (!(f & F_STATE) && !proto_state_is_zero(&m->state)))
		return -EINVAL;
	return 0;
}

/*
 * Everything but the wire structure.  Returns the decoder's error code;
 * the encoder reports any failure as -EINVAL (or -EMSGSIZE).
 */
static int proto_check_msg(const struct proto_desc *d,
			   const struct proto_msg *m)
{
	unsigned int f = d->fields;
	int rc;

	if (m->flags & ~d->flags)
		return -EBADMSG;
	if (m->dir >= PROTO_MAX_DIRS)
		return -EBADMSG;
	rc = proto_check_unused(d, m);
	if (rc)
		return rc;
	if (f & F_PATH) {
		rc = proto_check_path(m->path, d->opts & O_ROOT);
		if (rc)
			return rc;
	}
	if (f & F_PATH2) {
		rc = d->opts & O_TARGET ? proto_check_target(m->path2) :
					  proto_check_path(m->path2, 0);
		if (rc)
			return rc;
	}
	if (f & F_NAME) {
		if (!m->name)
			return -EINVAL;
		rc = proto_check_xattr_name(
			m->name, strnlen(m->name, PROTO_MAX_XATTR_NAME + 1));
		if (rc)
			return rc;
	}
	/* offsets and sizes end up as off_t */
	if (m->offset > INT64_MAX || m->length > INT64_MAX)
		return -EINVAL;
	if ((d->opts & O_RANGE) &&
	    m->offset + ((f & F_LENGTH) ? m->length : m->data_len) > INT64_MAX)
		return -EINVAL;
	if (m->mode & ~WIRE_MODE_BITS)
		return -EINVAL;
	if (m->type == PROTO_OP_RENAME && (m->flags & WIRE_RENAME_NOREPLACE) &&
	    (m->flags & WIRE_RENAME_EXCHANGE))
		return -EINVAL; /* the kernel refuses both at once */
	if (proto_check_attr(&m->attr) || proto_check_attr(&m->ptimes) ||
	    proto_check_attr(&m->ptimes2))
		return -EINVAL;
	if ((f & F_STATE) && proto_check_state(&m->state))
		return -EINVAL;
	if (f & F_DATA) {
		if (m->data_len && !m->data)
			return -EINVAL;
		rc = proto_check_data(d->data, m->data, m->data_len);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- encoder ---- */

/* With p == NULL only counts: one walk gives both size and bytes. */
struct proto_wbuf {
	uint8_t *p;
	size_t off;
};

static void put_u32(struct proto_wbuf *w, uint32_t v)
{
	if (w->p)
		st32(w->p + w->off, v);
	w->off += 4;
}

static void put_u64(struct proto_wbuf *w, uint64_t v)
{
	if (w->p)
		st64(w->p + w->off, v);
	w->off += 8;
}

static void put_bytes(struct proto_wbuf *w, const void *b, size_t n)
{
	if (w->p && n)
		memcpy(w->p + w->off, b, n);
	w->off += n;
}

static void put_str(struct proto_wbuf *w, const char *s)
{
	size_t n = strlen(s); /* bounded: checked before */

	if (w->p)
		st16(w->p + w->off, (uint16_t)n);
	w->off += 2;
	put_bytes(w, s, n + 1);
}

/* Only the fields in the mask travel: parent times are usually just
 * mtime, so this keeps small ops small. */
static void put_attr(struct proto_wbuf *w, const struct proto_attr *a)
{
	put_u32(w, a->mask);
	if (a->mask & PROTO_A_MODE)
		put_u32(w, a->mode);
	if (a->mask & PROTO_A_UID)
		put_u32(w, a->uid);
	if (a->mask & PROTO_A_GID)
		put_u32(w, a->gid);
	if (a->mask & PROTO_A_SIZE)
		put_u64(w, a->size);
	if (a->mask & PROTO_A_ATIME) {
		put_u64(w, (uint64_t)a->atime_sec);
		put_u32(w, a->atime_nsec);
	}
	if (a->mask & PROTO_A_MTIME) {
		put_u64(w, (uint64_t)a->mtime_sec);
		put_u32(w, a->mtime_nsec);
	}
}

static void put_body(struct proto_wbuf *w, const struct proto_desc *d,
		     const struct proto_msg *m)
{
	unsigned int f = d->fields;

	if (f & F_SYNC) {
		put_u32(w, m->target);
		put_u64(w, m->sync_id);
	}
	if (f & F_PATH)
		put_str(w, m->path);
	if (f & F_PATH2)
		put_str(w, m->path2);
	if (f & F_NAME)
		put_str(w, m->name);
	if (f & F_OFFSET)
		put_u64(w, m->offset);
	if (f & F_LENGTH)
		put_u64(w, m->length);
	if (f & F_MODE)
		put_u32(w, m->mode);
	if (f & F_RDEV)
		put_u64(w, m->rdev);
	if (f & F_UID)
		put_u32(w, m->uid);
	if (f & F_GID)
		put_u32(w, m->gid);
	if (f & F_ATTR)
		put_attr(w, &m->attr);
	if (f & F_PTIMES)
		put_attr(w, &m->ptimes);
	if (f & F_PTIMES2)
		put_attr(w, &m->ptimes2);
	if (f & F_STATE) {
		put_u32(w, m->state.role);
		put_u32(w, m->state.flags);
		put_bytes(w, m->state.gen, sizeof(m->state.gen));
		put_u32(w, m->state.sync_permille);
	}
	if (f & F_DATA) {
		put_u32(w, m->data_len);
		put_bytes(w, m->data, m->data_len);
	}
}

static long proto_body_size(const struct proto_msg *msg,
			    const struct proto_desc **descp)
{
	struct proto_wbuf w = { NULL, 0 };
	const struct proto_desc *d;
	int rc;

	if (!msg)
		return -EINVAL;
	d = proto_desc_of(msg->type);
	if (!d)
		return -EINVAL;
	rc = proto_check_msg(d, msg);
	if (rc)
		return rc == -EMSGSIZE ? rc : -EINVAL;
	put_body(&w, d, msg);
	if (w.off > PROTO_MAX_MSG - PROTO_HDR_SIZE)
		return -EMSGSIZE;
	*descp = d;
	return (long)w.off;
}

long proto_encode_head(const struct proto_msg *msg, uint8_t *buf, size_t len)
{
	const struct proto_desc *d = proto_desc_of(msg->type);
	struct proto_msg h = *msg;
	long n;

	if (!d || !(d->fields & F_DATA) || (msg->data_len && !msg->data))
		return -EINVAL;
	/* everything but the bytes, then the lengths the bytes make */
	h.data = NULL;
	h.data_len = 0;
	n = proto_encode(&h, buf, len);
	if (n < 0)
		return n;
	if (proto_encoded_size(msg) < 0)
		return -EINVAL; /* the whole message would not be valid */
	st32(buf + HDR_BODY_LEN,
	     (uint32_t)(n - PROTO_HDR_SIZE) + msg->data_len);
	st32(buf + n - 4, msg->data_len);
	return n;
}

long proto_encoded_size(const struct proto_msg *msg)
{
	const struct proto_desc *d;
	long body = proto_body_size(msg, &d);

	return body < 0 ? body : PROTO_HDR_SIZE + body;
}

long proto_encode(const struct proto_msg *msg, uint8_t *buf, size_t len)
{
	const struct proto_desc *d;
	long body = proto_body_size(msg, &d);
	struct proto_wbuf w = { buf, PROTO_HDR_SIZE };

	if (body < 0)
		return body;
	if (!buf || len < PROTO_HDR_SIZE || len - PROTO_HDR_SIZE < (size_t)body)
		return -EMSGSIZE;
	st32(buf + HDR_MAGIC, PROTO_MAGIC);
	st16(buf + HDR_VERSION, PROTO_VERSION);
	st16(buf + HDR_TYPE, msg->type);
	st16(buf + HDR_FLAGS, msg->flags);
	st16(buf + HDR_DIR, msg->dir);
	st32(buf + HDR_BODY_LEN, (uint32_t)body);
	st64(buf + HDR_SEQ, msg->seq);
	st64(buf + HDR_RESERVED, 0);
	put_body(&w, d, msg);
	assert(w.off == PROTO_HDR_SIZE + (size_t)body);
	return (long)w.off;
}

/* ---- decoder ---- */

/* The first error sticks; later reads return zero / NULL. */
struct proto_rbuf {
	const uint8_t *p;
	size_t len;
	size_t off;
	int err;
};

static const uint8_t *get_bytes(struct proto_rbuf *r, size_t n)
{
	const uint8_t *b;

	if (r->err)
		return NULL;
	if (r->len - r->off < n) {
		r->err = -EBADMSG;
		return NULL;
	}
	b = r->p + r->off;
	r->off += n;
	return b;
}

static uint16_t get_u16(struct proto_rbuf *r)
{
	const uint8_t *b = get_bytes(r, 2);

	return b ? ld16(b) : 0;
}

static uint32_t get_u32(struct proto_rbuf *r)
{
	const uint8_t *b = get_bytes(r, 4);

	return b ? ld32(b) : 0;
}

static uint64_t get_u64(struct proto_rbuf *r)
{
	const uint8_t *b = get_bytes(r, 8);

	return b ? ld64(b) : 0;
}

/* u16 length, bytes, NUL; no NUL inside. */
static const char *get_str(struct proto_rbuf *r)
{
	size_t n = get_u16(r);
	const uint8_t *b = get_bytes(r, n + 1);

	if (!b)
		return NULL;
	if (b[n] != '\0' || memchr(b, '\0', n)) {
		r->err = -EBADMSG;
		return NULL;
	}
	return (const char *)b;
}

static void get_attr(struct proto_rbuf *r, struct proto_attr *a)
{
	a->mask = get_u32(r);
	if (a->mask & ~PROTO_A_ALL) {
		/* the layout depends on the mask: stop here */
		if (!r->err)
			r->err = -EINVAL;
		return;
	}
	if (a->mask & PROTO_A_MODE)
		a->mode = get_u32(r);
	if (a->mask & PROTO_A_UID)
		a->uid = get_u32(r);
	if (a->mask & PROTO_A_GID)
		a->gid = get_u32(r);
	if (a->mask & PROTO_A_SIZE)
		a->size = get_u64(r);
	if (a->mask & PROTO_A_ATIME) {
		a->atime_sec = (int64_t)get_u64(r);
		a->atime_nsec = get_u32(r);
	}
	if (a->mask & PROTO_A_MTIME) {
		a->mtime_sec = (int64_t)get_u64(r);
		a->mtime_nsec = get_u32(r);
	}
}

static void get_body(struct proto_rbuf *r, const struct proto_desc *d,
		     struct proto_msg *m)
{
	unsigned int f = d->fields;
	const uint8_t *b;

	if (f & F_SYNC) {
		m->target = get_u32(r);
		m->sync_id = get_u64(r);
	}
	if (f & F_PATH)
		m->path = get_str(r);
	if (f & F_PATH2)
		m->path2 = get_str(r);
	if (f & F_NAME)
		m->name = get_str(r);
	if (f & F_OFFSET)
		m->offset = get_u64(r);
	if (f & F_LENGTH)
		m->length = get_u64(r);
	if (f & F_MODE)
		m->mode = get_u32(r);
	if (f & F_RDEV)
		m->rdev = get_u64(r);
	if (f & F_UID)
		m->uid = get_u32(r);
	if (f & F_GID)
		m->gid = get_u32(r);
	if (f & F_ATTR)
		get_attr(r, &m->attr);
	if (f & F_PTIMES)
		get_attr(r, &m->ptimes);
	if (f & F_PTIMES2)
		get_attr(r, &m->ptimes2);
	if (f & F_STATE) {
		m->state.role = get_u32(r);
		m->state.flags = get_u32(r);
		b = get_bytes(r, sizeof(m->state.gen));
		if (b)
			memcpy(m->state.gen, b, sizeof(m->state.gen));
		m->state.sync_permille = get_u32(r);
	}
	if (f & F_DATA) {
		m->data_len = get_u32(r);
		/* empty data decodes as NULL, like a type without data */
		m->data = m->data_len ? get_bytes(r, m->data_len) : NULL;
	}
}

int proto_decode(const uint8_t *buf, size_t len, struct proto_msg *msg)
{
	struct proto_rbuf r = { 0 };
	const struct proto_desc *d;
	int rc;

	memset(msg, 0, sizeof(*msg));
	if (!buf || len < PROTO_HDR_SIZE)
		return -EBADMSG;
	if (ld32(buf + HDR_MAGIC) != PROTO_MAGIC)
		return -EBADMSG;
	if (ld16(buf + HDR_VERSION) != PROTO_VERSION)
		return -EPROTONOSUPPORT;
	d = proto_desc_of(ld16(buf + HDR_TYPE));
	if (!d)
		return -EOPNOTSUPP;
	if (len > PROTO_MAX_MSG ||
	    ld32(buf + HDR_BODY_LEN) != len - PROTO_HDR_SIZE ||
	    ld64(buf + HDR_RESERVED) != 0)
		return -EBADMSG;
	msg->type = ld16(buf + HDR_TYPE);
	msg->flags = ld16(buf + HDR_FLAGS);
	msg->dir = ld16(buf + HDR_DIR);
	msg->seq = ld64(buf + HDR_SEQ);
	if ((msg->flags & ~d->flags) || msg->dir >= PROTO_MAX_DIRS)
		return -EBADMSG;

	r.p = buf + PROTO_HDR_SIZE;
	r.len = len - PROTO_HDR_SIZE;
	get_body(&r, d, msg);
	if (r.err)
		return r.err;
	if (r.off != r.len)
		return -EBADMSG;
	rc = proto_check_msg(d, msg);
	/* -EMSGSIZE is the encoder's word; here it can only mean a bad list */
	return rc == -EMSGSIZE ? -EBADMSG : rc;
}

/* ---- helpers ---- */

long proto_hdr_frame_len(const uint8_t *hdr)
{
	uint32_t body = ld32(hdr + 12);

	if (body > PROTO_MAX_MSG - PROTO_HDR_SIZE)
		return -EBADMSG;
	return (long)(PROTO_HDR_SIZE + body);
}

long proto_frame_len(const uint8_t *buf, size_t len)
{
	long f;

	if (len < PROTO_HDR_SIZE)
		return -EBADMSG;
	f = proto_hdr_frame_len(buf);
	if (f < 0 || (size_t)f > len)
		return -EBADMSG;
	return f;
}

long proto_pack_check(const uint8_t *buf, size_t len)
{
	struct proto_msg m;
	size_t off = 0;
	long n = 0, f;
	int rc;

	if (!len)
		return -EBADMSG;
	while (off < len) {
		f = proto_frame_len(buf + off, len - off);
		if (f < 0)
			return f;
		rc = proto_decode(buf + off, (size_t)f, &m);
		if (rc)
			return rc;
		off += (size_t)f;
		n++;
	}
	return n;
}

const char *proto_type_name(unsigned int type)
{
	const struct proto_desc *d = proto_desc_of(type);

	return d ? d->name : "?";
}

int proto_is_op(unsigned int type)
{
	return type >= PROTO_OP_WRITE && type <= PROTO_OP_LAST;
}

const char *proto_dir_next(const struct proto_msg *msg, uint32_t *pos)
{
	const uint8_t *name, *end;

	if (!msg || msg->type != PROTO_SYNC_DIR || !msg->data ||
	    *pos >= msg->data_len)
		return NULL;
	name = msg->data + *pos;
	end = memchr(name, '\0', msg->data_len - *pos);
	if (!end)
		return NULL;
	*pos += (uint32_t)(end - name) + 1;
	return (const char *)name;
}

int proto_xattrs_next(const struct proto_msg *msg, uint32_t *pos,
		      const char **name, const uint8_t **value,
		      uint32_t *value_len)
{
	const uint8_t *p;
	size_t left, n, v;

	if (!msg || msg->type != PROTO_SYNC_XATTRS || !msg->data ||
	    *pos >= msg->data_len)
		return 0;
	/* re-check the bounds anyway: cheap, and safe on a hand-made msg */
	p = msg->data + *pos;
	left = msg->data_len - *pos;
	if (left < 2)
		return 0;
	n = ld16(p);
	if (left - 2 < n + 1 + 4)
		return 0;
	v = ld32(p + 2 + n + 1);
	if (left - 2 - n - 1 - 4 < v)
		return 0;
	*name = (const char *)p + 2;
	*value = v ? p + 2 + n + 1 + 4 : NULL;
	*value_len = (uint32_t)v;
	*pos += (uint32_t)(2 + n + 1 + 4 + v);
	return 1;
}

int proto_dir_put(uint8_t *buf, size_t len, uint32_t *pos, const char *name)
{
	size_t n;

	if (!buf || !name)
		return -EINVAL;
	n = strnlen(name, PROTO_MAX_NAME + 1);
	if (!proto_name_valid(name, n))
		return -EINVAL;
	if (*pos > len || len - *pos < n + 1 || *pos + n + 1 > UINT32_MAX)
		return -EMSGSIZE;
	memcpy(buf + *pos, name, n + 1);
	*pos += (uint32_t)n + 1;
	return 0;
}

int proto_xattrs_put(uint8_t *buf, size_t len, uint32_t *pos, const char *name,
		     const uint8_t *value, uint32_t value_len)
{
	size_t n, need;
	uint8_t *p;

	if (!buf || !name || (value_len && !value))
		return -EINVAL;
	n = strnlen(name, PROTO_MAX_XATTR_NAME + 1);
	if (proto_check_xattr_name(name, n) ||
	    value_len > PROTO_MAX_XATTR_VALUE)
		return -EINVAL;
	need = 2 + n + 1 + 4 + value_len;
	if (*pos > len || len - *pos < need || *pos + need > UINT32_MAX)
		return -EMSGSIZE;
	p = buf + *pos;
	st16(p, (uint16_t)n);
	memcpy(p + 2, name, n + 1);
	st32(p + 2 + n + 1, value_len);
	if (value_len)
		memcpy(p + 2 + n + 1 + 4, value, value_len);
	*pos += (uint32_t)need;
	return 0;
}

/* Is p the path from (fl bytes), or below it? */
static bool proto_under(const char *p, const char *from, size_t fl)
{
	return fl && !strncmp(p, from, fl) && (p[fl] == '\0' || p[fl] == '/');
}

int proto_rename_path(const struct proto_msg *op, const char *p,
		      char out[PROTO_MAX_PATH + 1])
{
	const char *from = op->path, *to = op->path2;
	size_t fl = strlen(from), tl = strlen(to), pl = strlen(p);
	bool xchg = op->flags & WIRE_RENAME_EXCHANGE;

	if (!p[0])
		return 0;
	if (!proto_under(p, from, fl)) {
		if (!proto_under(p, to, tl))
			return 0;
		if (!xchg)
			return -1; /* replaced by the source */
		/* an exchange: what was below to is now below from */
		from = op->path2;
		to = op->path;
		fl = tl;
		tl = strlen(to);
	}
	if (tl + (pl - fl) > PROTO_MAX_PATH)
		return -1;
	memcpy(out, to, tl);
	memcpy(out + tl, p + fl, pl - fl + 1);
	return 1;
}
