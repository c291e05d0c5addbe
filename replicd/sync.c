// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sync.c - full sync, primary side (see sync.h).
 *
 * One thread, one target at a time.  For a target it sends SYNC_BEGIN,
 * walks every directory depth first and, for each entry, reads the
 * primary's state and sends it under the order lock, so each SYNC_*
 * message is ordered consistently with the live operations around it:
 *
 *   dir:     SYNC_DIR (owner, mode, names) ... children ... SYNC_XATTRS,
 *            SYNC_ATTR (times, after the children changed them)
 *   file:    SYNC_FILE (size) -> per 64 chunks: SYNC_SUMS, wait for the
 *            target's SYNC_NEED, SYNC_DATA for the chunks it needs ->
 *            SYNC_XATTRS, SYNC_ATTR
 *   others:  SYNC_SYMLINK, SYNC_SPECIAL, SYNC_HARDLINK (second and later
 *            names of an inode with st_nlink > 1)
 *
 * then serves the target's SYNC_RESEND requests and sends SYNC_END
 * (seq = requests served), adding the target to the ack set in the same
 * critical section.  Requests that arrive later reopen the session.
 *
 * The walk's paths (s->stack, s->file) are protected by the order lock;
 * sync_note_op() rewrites them when a live rename moves them.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "log.h"
#include "repl.h"
#include "sync.h"
#include "sync_priv.h"

void sync_sum(const void *buf, size_t len, uint8_t out[PROTO_SUM_SIZE])
{
	XXH128_canonical_t c;

	XXH128_canonicalFromHash(&c, XXH3_128bits(buf, len));
	memcpy(out, c.digest, PROTO_SUM_SIZE);
}

/* Rough size of the tree for the progress: bytes + 4 KiB per entry. */
static uint64_t sync_count(int dfd, int depth)
{
	struct dirent *de;
	struct stat st;
	uint64_t total = 0;
	int fd;
	DIR *dp;

	if (depth >= SYNC_MAX_DEPTH)
		return 0;
	fd = dup(dfd);
	if (fd < 0)
		return 0;
	dp = fdopendir(fd);
	if (!dp) {
		close(fd);
		return 0;
	}
	while ((de = readdir(dp))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(dp), de->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		total += 4096;
		if (S_ISREG(st.st_mode)) {
			total += (uint64_t)st.st_size;
		} else if (S_ISDIR(st.st_mode)) {
			fd = openat(dirfd(dp), de->d_name,
				    O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					    O_CLOEXEC);
			if (fd >= 0) {
				total += sync_count(fd, depth + 1);
				close(fd);
			}
		}
	}
	closedir(dp);
	return total;
}

static int sync_send_simple(struct sync *s, uint16_t type, uint64_t seq)
{
	struct proto_msg m = { .type = type, .seq = seq };
	int rc;

	repl_order_lock(s->d->repl);
	rc = sync_send_locked(s, &m);
	repl_order_unlock(s->d->repl);
	return rc;
}

/* The times of path's parent, which serving a resend may have changed on
 * the target (entries created or removed there). */
static int sync_parent_attr(struct sync *s, unsigned int dir, const char *path)
{
	char parent[PROTO_MAX_PATH + 1], *slash;
	struct proto_msg m = { .type = PROTO_SYNC_ATTR, .dir = (uint16_t)dir };
	struct stat st;
	int fd, rc = 0;

	snprintf(parent, sizeof(parent), "%s", path);
	slash = strrchr(parent, '/');
	if (slash)
		*slash = '\0';
	else
		parent[0] = '\0';
	repl_order_lock(s->d->repl);
	fd = sync_open(s, dir, parent, O_PATH | O_DIRECTORY);
	if (fd >= 0 && !fstat(fd, &st)) {
		m.path = parent;
		m.attr.mask = PROTO_A_MTIME;
		m.attr.mtime_sec = st.st_mtim.tv_sec;
		m.attr.mtime_nsec = (uint32_t)st.st_mtim.tv_nsec;
		rc = sync_send_locked(s, &m);
	}
	repl_order_unlock(s->d->repl);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Serve queued resend requests, then SYNC_END + join the ack set. */
static int sync_serve_and_end(struct sync *s)
{
	struct proto_msg m = { .type = PROTO_SYNC_END };
	struct sync_req *r;
	bool cancel;
	int rc = 0;

again:
	for (;;) {
		pthread_mutex_lock(&s->mtx);
		r = s->reqs;
		if (r) {
			s->reqs = r->next;
			if (!s->reqs)
				s->reqs_tail = NULL;
		}
		cancel = s->cancel || s->quit;
		pthread_mutex_unlock(&s->mtx);
		if (cancel) {
			free(r);
			return -ECANCELED;
		}
		if (!r)
			break;
		log_debug("full sync: resending %s", r->path);
		/* taken off the queue first: a repeat arriving meanwhile is
		 * queued again and served after this */
		repl_order_lock(s->d->repl);
		sync_links_forget(s, r->dir, r->path);
		repl_order_unlock(s->d->repl);
		rc = sync_path(s, r->dir, r->path, true);
		if (!rc)
			rc = sync_parent_attr(s, r->dir, r->path);
		pthread_mutex_lock(&s->mtx);
		s->served += r->count;
		pthread_mutex_unlock(&s->mtx);
		free(r);
		if (rc)
			return rc;
	}
	repl_order_lock(s->d->repl);
	pthread_mutex_lock(&s->mtx);
	m.seq = s->served;
	if (s->reqs && !s->cancel && !s->quit) {
		/* a live op queued one since the queue looked empty */
		pthread_mutex_unlock(&s->mtx);
		repl_order_unlock(s->d->repl);
		goto again;
	}
	if (s->cancel || s->quit) {
		rc = -ECANCELED;
	} else {
		rc = sync_send_locked(s, &m);
		if (!rc) {
			repl_add_locked(s->d->repl, s->target);
			/* the target follows every op from now on */
			sync_links_clear(s);
		}
	}
	pthread_mutex_unlock(&s->mtx);
	repl_order_unlock(s->d->repl);
	if (!rc)
		daemon_post(s->d, DAEMON_EV_ROLE | DAEMON_EV_ANNOUNCE);
	return rc;
}

static int sync_session(struct sync *s)
{
	struct daemon *d = s->d;
	uint64_t total = 0;
	unsigned int i;
	int rc;

	for (i = 0; i < d->cfg->n_dirs; i++) {
		int fd = sync_open(s, i, "", O_RDONLY | O_DIRECTORY);

		if (fd >= 0) {
			total += sync_count(fd, 0) + 4096;
			close(fd);
		}
	}
	pthread_mutex_lock(&s->mtx);
	s->total = total ? total : 1;
	s->done = 0;
	pthread_mutex_unlock(&s->mtx);
	repl_order_lock(d->repl);
	sync_links_clear(s); /* the previous session's */
	repl_order_unlock(d->repl);
	log_notice("full sync to node %u started " QB_XS " sync_id=%" PRIu64
		   " size~%" PRIu64,
		   s->target, s->sync_id, total);
	/* the target takes sync messages from the node it knows as the
	 * primary: make sure our state reached it first (the loop's own
	 * announcement may still wait for flow control) */
	{
		struct proto_msg st;

		daemon_state_msg(d, &st);
		rc = daemon_send(d, &st);
	}
	if (!rc)
		rc = sync_send_simple(s, PROTO_SYNC_BEGIN, 0);
	for (i = 0; !rc && i < d->cfg->n_dirs; i++)
		rc = sync_path(s, i, "", false);
	if (!rc)
		rc = sync_serve_and_end(s);
	if (!rc)
		log_notice("full sync to node %u done: it joins the ack set",
			   s->target);
	return rc;
}

static void *sync_thread(void *arg)
{
	struct sync *s = arg;
	unsigned int i;
	int rc;

	pthread_mutex_lock(&s->mtx);
	while (!s->quit) {
		if (s->target && s->cancel) {
			struct sync_req *r;

			/* lock order: the order lock before ours */
			pthread_mutex_unlock(&s->mtx);
			repl_order_lock(s->d->repl);
			sync_links_clear(s);
			repl_order_unlock(s->d->repl);
			pthread_mutex_lock(&s->mtx);

			while ((r = s->reqs)) {
				s->reqs = r->next;
				free(r);
			}
			s->reqs_tail = NULL;
			s->target = 0;
			s->cancel = false;
			continue;
		}
		if (s->n_queue) {
			s->target = s->queue[0];
			for (i = 1; i < s->n_queue; i++)
				s->queue[i - 1] = s->queue[i];
			s->n_queue--;
			s->sync_id = ((uint64_t)time(NULL) << 24) |
				     (++s->counter & 0xffffffu);
			s->served = 0;
			s->cancel = false;
			s->need_ready = false;
			pthread_mutex_unlock(&s->mtx);
			rc = sync_session(s);
			if (rc) {
				repl_order_lock(s->d->repl);
				sync_links_clear(s);
				repl_order_unlock(s->d->repl);
			}
			pthread_mutex_lock(&s->mtx);
			if (rc) {
				log_warn("full sync to node %u aborted " QB_XS
					 " %s",
					 s->target, strerror(-rc));
				s->target = 0;
			}
			s->done = s->total;
			continue;
		}
		if (s->target && s->reqs) {
			/* late requests: serve them and end again */
			pthread_mutex_unlock(&s->mtx);
			rc = sync_serve_and_end(s);
			pthread_mutex_lock(&s->mtx);
			if (rc)
				s->target = 0;
			continue;
		}
		pthread_cond_wait(&s->cond, &s->mtx);
	}
	pthread_mutex_unlock(&s->mtx);
	return NULL;
}

int sync_start(struct sync **out, struct daemon *d)
{
	struct sync *s = calloc(1, sizeof(*s));
	unsigned int i;
	int rc = -ENOMEM;

	if (!s)
		return -ENOMEM;
	s->d = d;
	s->buf = malloc(SYNC_DATA_CHUNKS * PROTO_CHUNK_SIZE);
	s->xbuf = malloc(PROTO_MAX_MSG);
	if (!s->buf || !s->xbuf)
		goto out_free;
	for (i = 0; i < SYNC_MAX_DEPTH; i++) {
		s->stack[i] = malloc(PROTO_MAX_PATH + 1);
		if (!s->stack[i])
			goto out_free;
		s->stack[i][0] = '\0';
	}
	pthread_mutex_init(&s->mtx, NULL);
	pthread_cond_init(&s->cond, NULL);
	rc = -pthread_create(&s->thread, NULL, sync_thread, s);
	if (!rc) /* top -H, ps -L, perf show which thread is which */
		pthread_setname_np(s->thread, "rd-sync");
	if (rc) {
		pthread_cond_destroy(&s->cond);
		pthread_mutex_destroy(&s->mtx);
		goto out_free;
	}
	*out = s;
	return 0;

out_free:
	for (i = 0; i < SYNC_MAX_DEPTH; i++)
		free(s->stack[i]);
	free(s->xbuf);
	free(s->buf);
	free(s);
	return rc;
}

void sync_stop(struct sync *s)
{
	struct sync_req *r;
	unsigned int i;

	if (!s)
		return;
	pthread_mutex_lock(&s->mtx);
	s->quit = true;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->mtx);
	pthread_join(s->thread, NULL);
	while ((r = s->reqs)) {
		s->reqs = r->next;
		free(r);
	}
	sync_links_clear(s);
	free(s->links);
	for (i = 0; i < SYNC_MAX_DEPTH; i++)
		free(s->stack[i]);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->mtx);
	free(s->xbuf);
	free(s->buf);
	free(s);
}

void sync_request(struct sync *s, uint32_t node)
{
	unsigned int i;

	pthread_mutex_lock(&s->mtx);
	if (s->target == node && !s->cancel)
		goto out_unlock;
	for (i = 0; i < s->n_queue; i++)
		if (s->queue[i] == node)
			goto out_unlock;
	if (s->n_queue < SYNC_MAX_QUEUE)
		s->queue[s->n_queue++] = node;
	pthread_cond_broadcast(&s->cond);
out_unlock:
	pthread_mutex_unlock(&s->mtx);
}

void sync_cancel(struct sync *s, uint32_t node)
{
	unsigned int i, k = 0;

	pthread_mutex_lock(&s->mtx);
	for (i = 0; i < s->n_queue; i++)
		if (node && s->queue[i] != node)
			s->queue[k++] = s->queue[i];
	s->n_queue = k;
	if (s->target && (!node || s->target == node))
		s->cancel = true;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->mtx);
}

int sync_req_add(struct sync *s, unsigned int dir, const char *path,
		 uint64_t count)
{
	struct sync_req *r;
	size_t n;

	/* one pending request per path: serving it later covers the
	 * repeats (it reads the state of that later moment) */
	for (r = s->reqs; r; r = r->next)
		if (r->dir == dir && !strcmp(r->path, path)) {
			r->count += count;
			return 0;
		}
	n = strlen(path);
	r = calloc(1, sizeof(*r) + n + 1);
	if (!r)
		return -ENOMEM;
	r->dir = dir;
	r->count = count;
	memcpy(r->path, path, n + 1);
	if (s->reqs_tail)
		s->reqs_tail->next = r;
	else
		s->reqs = r;
	s->reqs_tail = r;
	pthread_cond_broadcast(&s->cond);
	return 0;
}

void sync_on_message(struct sync *s, uint32_t from, const struct proto_msg *msg)
{
	size_t n;

	pthread_mutex_lock(&s->mtx);
	if (from != s->target || msg->sync_id != s->sync_id || s->cancel)
		goto out_unlock;
	if (msg->type == PROTO_SYNC_NEED) {
		n = msg->data_len < sizeof(s->need) ? msg->data_len :
						      sizeof(s->need);
		memset(s->need, 0, sizeof(s->need));
		memcpy(s->need, msg->data, n);
		s->need_len = (uint32_t)n;
		s->need_offset = msg->offset;
		s->need_ready = true;
	} else if (msg->type == PROTO_SYNC_RESEND) {
		sync_req_add(s, msg->dir, msg->path, 1);
	}
	pthread_cond_broadcast(&s->cond);
out_unlock:
	pthread_mutex_unlock(&s->mtx);
}

int sync_busy(struct sync *s, uint32_t node)
{
	unsigned int i;
	int busy = 0;

	pthread_mutex_lock(&s->mtx);
	if (s->target == node && !s->cancel)
		busy = 1;
	for (i = 0; i < s->n_queue; i++)
		if (s->queue[i] == node)
			busy = 1;
	pthread_mutex_unlock(&s->mtx);
	return busy;
}

uint32_t sync_progress(struct sync *s, uint32_t *node)
{
	uint32_t p = 0;

	pthread_mutex_lock(&s->mtx);
	if (node)
		*node = s->target;
	if (s->target && s->total)
		p = (uint32_t)(s->done >= s->total ? 1000 :
						     s->done * 1000 / s->total);
	pthread_mutex_unlock(&s->mtx);
	return p;
}
