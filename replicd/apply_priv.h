/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * apply_priv.h - shared by apply.c (queue, thread, states) and apply_fs.c
 * (the filesystem side: operations and sync messages applied with *at()
 * calls under the directory's root fd).  Not for other modules.
 */
#ifndef REPLICD_APPLY_PRIV_H
#define REPLICD_APPLY_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon.h"
#include "proto.h"

#define APPLY_QUEUE_MAX	 (64u * 1024u * 1024u) /* queued bytes */
#define APPLY_FD_CACHE	 16
#define APPLY_CPG_ACK_MS 100 /* a link ack is repeated in CPG after this */
#define APPLY_EARLY_MAX	 64  /* writes applied ahead of their token */
#define APPLY_RESOLVE \
	(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)

struct apply_item {
	struct apply_item *next;
	uint32_t from;
	bool abort_sync;
	size_t len;
	struct proto_msg msg; /* points into buf */
	uint8_t buf[];
};

struct apply_fd {
	int fd; /* -1 = free */
	unsigned int dir;
	unsigned long use;
	char *path;
};

/* A linked write applied when its bytes came, before its token. */
struct apply_early {
	uint64_t seq;
	uint32_t from;
	uint32_t dir;
	uint32_t len;
	uint16_t type; /* OP_WRITE: a token confirms it; else CPG's copy */
	int rc;	       /* of the apply: reported when the token comes */
	/* OP_WRITE: of its bytes; else of the whole message */
	uint8_t sum[PROTO_SUM_SIZE];
	char path[PROTO_MAX_PATH + 1];
};

struct apply {
	struct daemon *d;
	pthread_t thread;

	pthread_mutex_t mtx; /* queue */
	pthread_cond_t cond; /* queue changed */
	struct apply_item *head, *tail;
	size_t queued;
	bool quit;
	bool sending; /* the thread waits in apply_mcast() */
	bool busy;    /* the thread works on a batch */
	bool kicked;  /* the data link brought a payload */

	/* applier thread only */
	struct apply_fd fds[APPLY_FD_CACHE];
	unsigned long use_clock;
	uint64_t sync_id;
	uint64_t resends; /* SYNC_RESEND sent this session */
	uint8_t *buf;	  /* one chunk */
	/* applied before their tokens, in seq order: ring of n_early */
	struct apply_early early[APPLY_EARLY_MAX];
	unsigned int early_first, n_early;
};

/* A parent directory and the last component of a path. */
struct apply_at {
	int fd;
	const char *name;
	bool own;
	char tmp[PROTO_MAX_PATH + 1];
};

/* apply.c: multicast from the applier thread (see there).  0/-errno. */
int apply_mcast(struct apply *ap, const struct proto_msg *m);

/* apply_fs.c: applier thread only. */

/* Apply one replicated operation.  0 or -errno. */
int apply_op(struct apply *ap, const struct proto_msg *m);

/* Apply one SYNC_* data message (not BEGIN / END).  0 or -errno;
 * -ENOENT / -ENOTDIR when a parent is missing. */
int apply_sync_msg(struct apply *ap, uint32_t from, const struct proto_msg *m);

/* Ask the primary (SYNC_RESEND) for path, whole. */
void apply_resend(struct apply *ap, uint32_t primary, unsigned int dir,
		  const char *path);

/* A live rename or link that failed here during a sync (we lack its
 * source): the names it changed are stale here, and a file we hold there
 * may still share its inode with names that are another file's on the
 * primary (a later SYNC_FILE through it would write into both).  Those
 * files go; the resends asked for bring them back. */
void apply_drop_stale(struct apply *ap, const struct proto_msg *m);

/* ... for the parent of path. */
void apply_resend_parent(struct apply *ap, uint32_t primary, unsigned int dir,
			 const char *path);

/* At SYNC_BEGIN: every regular file with several names becomes one file
 * per name (same bytes), so that the only hard links left are the ones
 * this session makes, which are the primary's.  0 or -errno. */
int apply_unshare_all(struct apply *ap);

/* Close the cached fds (namespace changes, stop). */
void apply_fds_flush(struct apply *ap);

#endif /* REPLICD_APPLY_PRIV_H */
