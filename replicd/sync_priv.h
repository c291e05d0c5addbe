/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sync_priv.h - shared by sync.c (sessions, thread, API) and sync_walk.c
 * (the walk of one directory tree).  Not for other modules.
 */
#ifndef REPLICD_SYNC_PRIV_H
#define REPLICD_SYNC_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "daemon.h"
#include "proto.h"

#define SYNC_SUMS_BATCH	    64u /* chunks per SYNC_SUMS (4 MiB) */
#define SYNC_DATA_CHUNKS    (PROTO_MAX_DATA / PROTO_CHUNK_SIZE)
#define SYNC_DIRECT_MAX	    2048 /* files up to this size: data, no sums */
#define SYNC_NEED_TIMEOUT_S 60	 /* target silent: give the session up */
#define SYNC_MAX_DEPTH	    256
#define SYNC_MAX_QUEUE	    DAEMON_MAX_PEERS
#define SYNC_NAMES_MAX	    (PROTO_MAX_MSG - PROTO_HDR_SIZE - PROTO_MAX_PATH - 256)

struct sync_req {
	struct sync_req *next;
	uint64_t count; /* requests for this path it answers */
	unsigned int dir;
	char path[];
};

/* A name the target holds for an inode of the primary (sync_link.c). */
struct sync_link {
	unsigned int dir;
	dev_t dev;
	ino_t ino;
	char *path;
	/* a live op may have reached a stale copy of the inode there:
	 * its next name compares the content (set on every entry of the
	 * inode, sync_link.c) */
	bool stale;
};

struct sync {
	struct daemon *d;
	pthread_t thread;

	pthread_mutex_t mtx; /* protects up to "order lock" */
	pthread_cond_t cond;
	bool quit;
	uint32_t queue[SYNC_MAX_QUEUE];
	unsigned int n_queue;
	uint32_t target; /* current session, 0 = none */
	uint64_t sync_id;
	bool cancel; /* abort the current session */
	bool need_ready;
	uint64_t need_offset;
	uint32_t need_len;
	uint8_t need[SYNC_SUMS_BATCH / 8];
	struct sync_req *reqs, *reqs_tail;
	uint64_t served;      /* resend requests served, this session */
	uint64_t total, done; /* progress, bytes (+ 4 KiB per entry) */
	uint32_t counter;

	/* order lock: paths of the walk, rewritten by sync_note_op() */
	unsigned int depth;
	char *stack[SYNC_MAX_DEPTH];
	bool stack_gone[SYNC_MAX_DEPTH]; /* replaced or removed meanwhile */
	char file[PROTO_MAX_PATH + 1];
	bool file_gone;
	char tmp[PROTO_MAX_PATH + 1]; /* scratch for proto_rename_path() */

	struct sync_link *links; /* for the whole session, resends too */
	size_t n_links, cap_links;

	/* sync thread only */
	bool names_only; /* sync_tree(): the listing, not the children */
	uint8_t *buf;	 /* SYNC_DATA_CHUNKS chunks */
	uint8_t *xbuf;	 /* xattrs / names */
};

/* sync.c: queue a resend of path (s->mtx held); count = how many of the
 * target's requests it answers (0: the primary's own).  0 or -ENOMEM. */
int sync_req_add(struct sync *s, unsigned int dir, const char *path,
		 uint64_t count);

/* sync_walk.c (sync thread) */
int sync_open(struct sync *s, unsigned int dir, const char *path, int flags);
bool sync_cancelled(struct sync *s);
void sync_progress_add(struct sync *s, uint64_t n);
/* Send m to the session's target with the repl buffer; order lock held. */
int sync_send_locked(struct sync *s, struct proto_msg *m);

/* sync_link.c (order lock held) */
void sync_links_clear(struct sync *s);
/* The target holds path for this inode now.  0 or -ENOMEM. */
int sync_links_add(struct sync *s, unsigned int dir, dev_t dev, ino_t ino,
		   const char *path);
/* The valid names the table knows for st's inode (at most max; the
 * pointers live until the table changes). */
size_t sync_links_names(struct sync *s, unsigned int dir, const struct stat *st,
			const char **names, size_t max);
/* Another name than path the target holds for st's inode, or NULL. */
const char *sync_links_find(struct sync *s, unsigned int dir,
			    const struct stat *st, const char *path);
/* The target asked for path again: forget what it holds at or below it,
 * and mark the inodes of those names stale. */
void sync_links_forget(struct sync *s, unsigned int dir, const char *path);
/* Does the target's copy of st's inode need a compare (see sync_link)? */
bool sync_links_stale(struct sync *s, unsigned int dir, const struct stat *st);
/* The target's copy of st's inode (NULL: of path only) may be stale: mark
 * the inode stale and resend path and every name the table holds for it
 * (s->mtx not held). */
void sync_links_resend(struct sync *s, unsigned int dir, const struct stat *st,
		       const char *path);
/* Mark every entry of an inode stale, or (compared from now on) not. */
void sync_links_mark(struct sync *s, unsigned int dir, dev_t dev, ino_t ino,
		     bool stale);
/* Follow a live operation in the table; when it reached an inode the
 * target holds through a name the target may not have linked to it yet,
 * mark the inode stale and queue resends of every name involved. */
void sync_links_note(struct sync *s, const struct proto_msg *op);
/* Sync one path of dir whole: the nearest existing ancestor when path
 * is gone (the walk's root "", or a resend: the target, or a live op the
 * target applied to a stale name, needs path again). */
int sync_path(struct sync *s, unsigned int dir, const char *path, bool resend);

/* sync_file() flags (sync_walk.c) */
#define SYNC_F_RESEND  0x1u
/* names of one inode linked again at once (more stay for a later pass) */
#define SYNC_GROUP_MAX 64

#endif /* REPLICD_SYNC_PRIV_H */
