/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proto.h - the replicd wire format (pure: no I/O, no globals).
 *
 * Every message that travels in the CPG group "mirror:NAME" is one
 * proto message: a fixed 32-byte header followed by a body whose fields
 * depend on the type.  All integers are little-endian on the wire.
 * Strings are a u16 length followed by the bytes and a NUL, so a decoded
 * message can point into the receive buffer (zero copy) and still hand
 * out C strings.  Byte blobs are a u32 length followed by the bytes.
 *
 * The decoder checks every length against the buffer and the limits
 * below before it looks at the bytes, validates every path (relative, no
 * "." or ".." component, no empty component, no NUL) and rejects
 * anything it does not understand.  It never allocates.
 *
 * doc/protocol.md describes the layout field by field.
 */
#ifndef REPLICD_PROTO_H
#define REPLICD_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define PROTO_MAGIC    0x31524d48u /* "HMR1" read as little-endian u32 */
#define PROTO_VERSION  1
#define PROTO_HDR_SIZE 32

#define PROTO_MAX_MSG	      (512u * 1024u) /* header + body, hard limit */
#define PROTO_MAX_DATA	      (256u * 1024u) /* write payload per message */
#define PROTO_MAX_PATH	      4095u	     /* bytes, without the NUL */
#define PROTO_MAX_NAME	      255u	     /* one path component */
#define PROTO_MAX_XATTR_NAME  255u
#define PROTO_MAX_XATTR_VALUE 65536u
#define PROTO_CHUNK_SIZE      (64u * 1024u) /* resync granularity */
#define PROTO_SUM_SIZE	      16u	    /* one chunk checksum (XXH3-128) */
#define PROTO_MAX_SUMS	      (PROTO_MAX_DATA / PROTO_SUM_SIZE)
#define PROTO_MAX_DIRS	      16u /* replicated directories per resource */

enum proto_type {
	PROTO_T_NONE = 0,
	/* replicated operations: primary -> all, applied in delivery order */
	PROTO_OP_WRITE = 1, /* path offset data attr.mtime */
	PROTO_OP_TRUNCATE,  /* path length attr */
	PROTO_OP_FALLOCATE, /* path offset length flags=fallocate mode attr */
	PROTO_OP_CREATE,    /* path mode uid gid attr ptimes: regular file */
	PROTO_OP_MKNOD,	    /* path mode rdev uid gid attr ptimes */
	PROTO_OP_MKDIR,	    /* path mode uid gid attr ptimes */
	PROTO_OP_UNLINK,    /* path ptimes */
	PROTO_OP_RMDIR,	    /* path ptimes */
	PROTO_OP_RENAME,    /* path -> path2, flags=RENAME_*, ptimes ptimes2 */
	PROTO_OP_LINK,	    /* existing path -> new path2, attr ptimes2 */
	PROTO_OP_SYMLINK, /* path (the link), path2 = target, uid gid attr ptimes */
	PROTO_OP_SETATTR,     /* path attr (mask says which) */
	PROTO_OP_SETXATTR,    /* path name data flags=XATTR_* */
	PROTO_OP_REMOVEXATTR, /* path name */
	PROTO_OP_FSYNC, /* path flags=PROTO_F_DATASYNC: fdatasync, then ack */
	/* path length=n, data = n XXH3-128 sums: the token of the n OP_WRITEs
	 * of path with seqs seq-n+1 .. seq whose bytes travel on the data
	 * link (link.h); applied in their place */
	PROTO_OP_WRITE_LINKED,
	PROTO_OP_LAST = PROTO_OP_WRITE_LINKED,

	/* control */
	PROTO_CTL_ACK = 64, /* seq = highest sequence applied in order */
	PROTO_CTL_STATE,    /* state: the sender's role and data generation */
	PROTO_CTL_NACK,	    /* seq = first op the sender could not apply */
	/* the sender's data link (link.h): in CPG, target 0, sync_id = the
	 * token a primary must present, offset = its TCP port; as the first
	 * message on a link, target = the node the primary wants, sync_id =
	 * that node's token, offset = the primary's node id */
	PROTO_CTL_LINK,
	/* primary -> target: the bytes of the linked write seq (path offset
	 * data attr, as its OP_WRITE) again, in CPG, because the data link
	 * that carried them went down before target acked it (link.h) */
	PROTO_CTL_RELINK,

	/* full sync: primary <-> target (sync_id, target set) */
	PROTO_SYNC_BEGIN = 96, /* a sync to target starts */
	PROTO_SYNC_DIR, /* path attr uid gid, data = NUL-separated names */
	PROTO_SYNC_FILE, /* path attr uid gid length=size: (re)create if needed */
	PROTO_SYNC_SUMS, /* path offset=first chunk, data = sums */
	PROTO_SYNC_NEED, /* target -> primary: path offset=first chunk, data = bitmap */
	PROTO_SYNC_DATA,     /* path offset data */
	PROTO_SYNC_ATTR,     /* path attr: final times after data */
	PROTO_SYNC_SYMLINK,  /* path -> path2 target, attr uid gid */
	PROTO_SYNC_HARDLINK, /* path2 becomes a hard link to path */
	PROTO_SYNC_SPECIAL, /* path mode rdev uid gid attr: fifo, socket, device */
	PROTO_SYNC_XATTRS, /* path data = list of (name, value): replaces all */
	PROTO_SYNC_RESEND, /* target -> primary: send path again, whole */
	PROTO_SYNC_END,	   /* all sent; the target is up to date after it */
	PROTO_T_MAX
};

/* flags */
#define PROTO_F_DATASYNC 0x1u /* PROTO_OP_FSYNC: fdatasync rather than fsync */

/* proto_attr.mask */
#define PROTO_A_MODE  0x01u
#define PROTO_A_UID   0x02u
#define PROTO_A_GID   0x04u
#define PROTO_A_SIZE  0x08u
#define PROTO_A_ATIME 0x10u
#define PROTO_A_MTIME 0x20u
#define PROTO_A_ALL   0x3fu

/* Attributes of an inode after an operation, so replicas end identical
 * (mtime included).  Only the fields in mask are meaningful; only they
 * travel, the others decode as zero. */
struct proto_attr {
	uint32_t mask;
	uint32_t mode;
	uint32_t uid;
	uint32_t gid;
	uint64_t size;
	int64_t atime_sec;
	uint32_t atime_nsec;
	int64_t mtime_sec;
	uint32_t mtime_nsec;
};

/* Roles as the wire carries them; role.h maps them to the state machine. */
enum proto_role {
	PROTO_ROLE_STOP = 0,
	PROTO_ROLE_WAIT,
	PROTO_ROLE_SECOND,
	PROTO_ROLE_ALONE,
	PROTO_ROLE_PRIM,
	PROTO_ROLE_MAX
};

#define PROTO_ST_UPTODATE 0x1u /* proto_state.flags */
#define PROTO_ST_SYNCING  0x2u

struct proto_state {
	uint32_t role;		/* enum proto_role */
	uint32_t flags;		/* PROTO_ST_* */
	uint8_t gen[16];	/* data generation id */
	uint32_t sync_permille; /* 0..1000 while syncing */
};

/*
 * A decoded message.  Pointers point into the buffer given to
 * proto_decode() and live as long as it does.  Fields a type does not use
 * are zero / NULL after decoding and must be zero / NULL when encoding.
 */
struct proto_msg {
	uint16_t type; /* enum proto_type */
	uint16_t flags;
	uint16_t dir;	  /* which replicated directory (< PROTO_MAX_DIRS);
				 * carried in the header's u16 after flags */
	uint32_t target;  /* SYNC_*: node the message is for; else 0 */
	uint64_t seq;	  /* op / sync sequence number; ACK: applied */
	uint64_t sync_id; /* SYNC_*: the sync session */
	const char *path; /* relative, "" is the root directory */
	const char *path2;
	const char *name; /* xattr name */
	uint64_t offset;
	uint64_t length;
	const uint8_t *data;
	uint32_t data_len;
	uint32_t mode;
	uint32_t uid;
	uint32_t gid;
	uint64_t rdev;
	struct proto_attr attr;	   /* the object after the op */
	struct proto_attr ptimes;  /* parent directory of path (mtime) */
	struct proto_attr ptimes2; /* parent directory of path2 */
	struct proto_state state;
};

/* Number of bytes proto_encode() will write for msg, or -EINVAL when msg
 * is not valid for its type, -EMSGSIZE when it exceeds PROTO_MAX_MSG. */
long proto_encoded_size(const struct proto_msg *msg);

/* Encode msg into buf (size len).  Returns the number of bytes written or
 * -EINVAL (invalid message), -EMSGSIZE (does not fit len or the limit). */
long proto_encode(const struct proto_msg *msg, uint8_t *buf, size_t len);

/* Decode buf (len bytes) into msg.  Returns 0, or:
 *   -EBADMSG   bad magic, truncated, trailing bytes, bad length or field
 *   -EPROTONOSUPPORT  unknown version
 *   -EOPNOTSUPP       unknown type
 *   -EINVAL    a path, name or value that fails validation
 * msg is zeroed first; on error its content is unspecified. */
int proto_decode(const uint8_t *buf, size_t len, struct proto_msg *msg);

/* A CPG message holds one or more encoded messages back to back (a
 * pack, doc/protocol.md).  The length of the one at buf, from its header,
 * when it fits the len bytes there; -EBADMSG when it cannot be one. */
long proto_frame_len(const uint8_t *buf, size_t len);

/* The total length of the message whose header (PROTO_HDR_SIZE bytes)
 * is at hdr, as the header says, before the rest is read (the data link
 * reads a frame this way); -EBADMSG when no message can be that long. */
long proto_hdr_frame_len(const uint8_t *hdr);

/* Check a pack (buf, len): every message in it decodes.  The number of
 * messages, or the first decode error (-EBADMSG for a bad length). */
long proto_pack_check(const uint8_t *buf, size_t len);

/* Stable name of a type for logs ("OP_WRITE"), "?" when unknown. */
const char *proto_type_name(unsigned int type);

/* Is type a replicated operation (PROTO_OP_*)? */
int proto_is_op(unsigned int type);

/* Validate a relative path as the decoder does: 0 or -EINVAL.  "" (the
 * root) is valid here; the codec accepts it only for the types whose
 * object can be the root (SETATTR, SETXATTR, REMOVEXATTR, FSYNC,
 * SYNC_DIR, SYNC_ATTR, SYNC_XATTRS, SYNC_RESEND). */
int proto_path_valid(const char *path, size_t len);

/* Iterate the NUL-separated names of a SYNC_DIR body: returns the next
 * name after *pos (start with *pos = 0) or NULL at the end. */
const char *proto_dir_next(const struct proto_msg *msg, uint32_t *pos);

/*
 * Where the path p is after the OP_RENAME op (RENAME_EXCHANGE included):
 * 1 moved (the new path in out), 0 untouched, -1 gone (replaced by the
 * rename's source, or longer than PROTO_MAX_PATH now).  "" (the root)
 * never moves.  Pure.
 */
/*
 * Encode all of a message with a data blob but the bytes of the blob,
 * which are always last: buf then msg->data is the message proto_encode()
 * makes, for a scatter-gather send without copying the bytes.  Length of
 * the head, or -errno as proto_encode() (-EINVAL: the type has no blob).
 */
long proto_encode_head(const struct proto_msg *msg, uint8_t *buf, size_t len);

int proto_rename_path(const struct proto_msg *op, const char *p,
		      char out[PROTO_MAX_PATH + 1]);

/* Iterate the (name, value) pairs of a SYNC_XATTRS body.  Returns 1 and
 * fills name/value/value_len, or 0 at the end.  Decoding already checked
 * the layout, so this cannot fail on a decoded message. */
int proto_xattrs_next(const struct proto_msg *msg, uint32_t *pos,
		      const char **name, const uint8_t **value,
		      uint32_t *value_len);

/* Build the data of a SYNC_DIR: append name (one component) at *pos of
 * buf (size len) and advance *pos.  0, -EINVAL (not a valid name) or
 * -EMSGSIZE (does not fit). */
int proto_dir_put(uint8_t *buf, size_t len, uint32_t *pos, const char *name);

/* Build the data of a SYNC_XATTRS: append one (name, value) pair at *pos.
 * 0, -EINVAL (bad name or value too long) or -EMSGSIZE (does not fit). */
int proto_xattrs_put(uint8_t *buf, size_t len, uint32_t *pos, const char *name,
		     const uint8_t *value, uint32_t value_len);

#endif /* REPLICD_PROTO_H */
