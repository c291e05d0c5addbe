/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * meta.h - persistent per-resource metadata under the state dir.
 *
 * STATE_DIR/meta is a small text file an admin can read:
 *
 *	replicd-meta 1
 *	name www
 *	generation 5f0c...(32 hex digits)
 *	up_to_date 1
 *	clean 1
 *	last_role PRIM
 *	last_primary 1 node-a
 *	history 0c1d...          (older generations, newest first, <= 8)
 *	peer_sync 2 5f0c...      (generation at the last full sync with a peer)
 *	dir ext4 0a6b-...-e1 /srv/www   (fs type, fs UUID, path; path last)
 *	checksum 1a2b3c4d        (CRC-32 of every byte before this line)
 *
 * Every line is checked: an unknown first line version gives
 * -EPROTONOSUPPORT, anything else wrong (checksum, syntax, unknown or
 * duplicate key, missing key, bad hex, out of range) gives -EBADMSG with
 * a message naming the line.  A damaged file is never reset silently:
 * the daemon refuses to start and the admin decides.
 *
 * meta_encode() / meta_decode() / meta_new_generation() are pure.
 * meta_load() / meta_store() / meta_lock() / meta_fsid_probe() do the I/O.
 * struct meta owns no pointers; copy it freely.
 */
#ifndef REPLICD_META_H
#define REPLICD_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto.h"

#define META_VERSION   1
#define META_FILE      "meta" /* under the state dir */
#define META_LOCK_FILE "lock" /* under the state dir */
#define META_ERR_MAX   512

#define META_GEN_SIZE	   16 /* generation id, random bytes */
#define META_GEN_HEX	   (2 * META_GEN_SIZE + 1) /* hex buffer, with the NUL */
#define META_HISTORY_MAX   8
#define META_PEERS_MAX	   32
#define META_NAME_MAX	   63  /* = CONFIG_NAME_MAX */
#define META_NODE_NAME_MAX 255 /* corosync node name */
#define META_FS_TYPE_MAX   31
#define META_FS_UUID_MAX   63
#define META_UNKNOWN	   "unknown"	 /* fs type / uuid not found */
#define META_ENCODED_MAX   (96u * 1024u) /* largest meta file */

/* Identity of the filesystem under one replicated directory. */
struct meta_fsid {
	char path[PROTO_MAX_PATH + 1];	 /* the replicated directory */
	char type[META_FS_TYPE_MAX + 1]; /* blkid TYPE or "unknown" */
	char uuid[META_FS_UUID_MAX + 1]; /* blkid UUID or "unknown" */
};

/* Generation at the last full sync with one peer. */
struct meta_peer {
	uint32_t node_id;
	uint8_t gen[META_GEN_SIZE];
};

struct meta {
	char name[META_NAME_MAX + 1]; /* resource name */
	uint8_t gen[META_GEN_SIZE];   /* current data generation */
	bool up_to_date;	      /* this replica may be promoted */
	bool clean;		      /* set on clean stop, cleared while
					 * running */
	enum proto_role last_role;    /* role at the last clean stop */
	uint32_t last_primary_id;     /* 0 = none known */
	char last_primary_name[META_NODE_NAME_MAX + 1]; /* "" = unknown */
	unsigned int n_history;
	uint8_t history[META_HISTORY_MAX][META_GEN_SIZE]; /* [0] newest */
	unsigned int n_peers;
	struct meta_peer peers[META_PEERS_MAX];
	unsigned int n_dirs;
	struct meta_fsid dirs[PROTO_MAX_DIRS];
};

/* Zero m, set the name (truncated to META_NAME_MAX), last_role STOP. */
void meta_init(struct meta *m, const char *name);

/*
 * Encode m as the text above into buf.  Returns the length written
 * (without a NUL; one is added when it fits), -ENOSPC when buf is too
 * small (META_ENCODED_MAX is always enough), -EINVAL when m holds
 * something that can't be stored (newline in a name or path, counts out
 * of range, empty name).
 */
long meta_encode(const struct meta *m, char *buf, size_t len);

/* Decode len bytes of buf into out (zeroed first).  0, -EPROTONOSUPPORT
 * or -EBADMSG; message in err. */
int meta_decode(const char *buf, size_t len, struct meta *out, char *err,
		size_t errlen);

/* Start a new generation: the current one goes to history[0] (the
 * oldest falls off when full), gen = random.  Pure. */
void meta_new_generation(struct meta *m, const uint8_t random[META_GEN_SIZE]);

/* 1 if gen is the current generation or in the history, else 0. */
int meta_knows_generation(const struct meta *m,
			  const uint8_t gen[META_GEN_SIZE]);

/* Hex of gen into buf[META_GEN_HEX]; "0 or -errno" for parse. */
void meta_gen_to_hex(const uint8_t gen[META_GEN_SIZE], char buf[META_GEN_HEX]);
int meta_gen_from_hex(const char *hex, uint8_t gen[META_GEN_SIZE]);

/* Remember that a full sync with node_id ended at gen (replaces the
 * node's entry; -ENOSPC when META_PEERS_MAX other nodes are known). */
int meta_set_peer_sync(struct meta *m, uint32_t node_id,
		       const uint8_t gen[META_GEN_SIZE]);

/* The peer's entry, or NULL. Points into m. */
const struct meta_peer *meta_peer_sync(const struct meta *m, uint32_t node_id);

/*
 * Read STATE_DIR/meta.  0; -ENOENT when there is no file ("fresh node",
 * err says so); -EPROTONOSUPPORT / -EBADMSG when it is damaged or from an
 * unknown version (the caller must refuse to start); other -errno.
 */
int meta_load(const char *state_dir, struct meta *out, char *err,
	      size_t errlen);

/* Write STATE_DIR/meta atomically: meta.tmp, fsync, rename, fsync the
 * dir.  The state dir must exist (meta_lock() creates it).  0 or -errno. */
int meta_store(const char *state_dir, const struct meta *m, char *err,
	       size_t errlen);

/*
 * Create state_dir (mode 0700, one level) if missing, open
 * STATE_DIR/lock and take an exclusive flock on it without waiting, then
 * write our pid into it.  Returns the fd (>= 0; the caller keeps it open
 * for the daemon's life, closing it releases the lock) or -errno:
 * -EBUSY when another process holds it (err names the holder's pid: "a
 * second replicd for the same resource").
 */
int meta_lock(const char *state_dir, char *err, size_t errlen);

/*
 * Identify the filesystem under dir: libblkid type and UUID of the block
 * device behind st_dev; META_UNKNOWN for both when there is none (tmpfs,
 * overlay, btrfs subvolume...) or blkid can't tell.  out->path = dir.
 * 0 or -errno (dir can't be stat'ed).
 */
int meta_fsid_probe(const char *dir, struct meta_fsid *out);

/* 1 if a and b name the same filesystem (type and UUID equal and known),
 * 0 otherwise ("unknown" never matches: distrust the dirty map). */
int meta_fsid_same(const struct meta_fsid *a, const struct meta_fsid *b);

#endif /* REPLICD_META_H */
