// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sync_link.c - full sync, primary side: what the walk's paths and its
 * hard-link table become when live operations move things meanwhile.
 *
 * The hard-link table maps an inode of the primary (dir, dev, ino) to the
 * names the target already holds for it: names the walk (or a resend)
 * sent, and names a live link() added to them.  A later name of the same
 * inode travels as SYNC_HARDLINK from one of those, so the target keeps
 * the primary's hard-link structure.  Live renames rewrite the names;
 * a name is trusted only while it still resolves to the same inode on the
 * primary (the target applied the same operations to it), so unlinks and
 * replacements need no bookkeeping of their own.
 *
 * The shortcut is only right while the target's copy of the inode has
 * every live op the primary's has.  A live op through a name the target
 * has not linked yet went to a separate (stale) copy there, or nowhere;
 * so does one through a name the target asked for again.  Either marks
 * the inode stale: its next name is compared whole (SYNC_FILE through a
 * name the target holds, every name linked to it, sums), which clears
 * the mark.  The mark is on the inode, not on a path: the resend queued
 * for a path can miss when the path is renamed before it is served (the
 * rename's own resend then walks the new place as a plain directory).
 *
 * Everything here runs with the order lock held; the table lives for one
 * sync session, resends included.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "sync.h"
#include "sync_priv.h"

/* Is p from, or below it? */
static bool sync_under(const char *p, const char *from, size_t fl)
{
	return fl && !strncmp(p, from, fl) && (p[fl] == '\0' || p[fl] == '/');
}

void sync_links_clear(struct sync *s)
{
	size_t i;

	for (i = 0; i < s->n_links; i++)
		free(s->links[i].path);
	s->n_links = 0;
}

int sync_links_add(struct sync *s, unsigned int dir, dev_t dev, ino_t ino,
		   const char *path)
{
	struct sync_link *l, *found = NULL;
	bool stale = false;
	size_t i;

	/* a new name of an inode shares the inode's mark */
	for (i = 0; i < s->n_links; i++) {
		l = &s->links[i];
		if (l->dir != dir)
			continue;
		if (!strcmp(l->path, path))
			found = l;
		if (l->dev == dev && l->ino == ino && l->stale)
			stale = true;
	}
	if (found) {
		found->dev = dev;
		found->ino = ino;
		found->stale = stale;
		return 0;
	}
	if (s->n_links == s->cap_links) {
		size_t cap = s->cap_links ? 2 * s->cap_links : 64;

		l = realloc(s->links, cap * sizeof(*l));
		if (!l)
			return -ENOMEM;
		s->links = l;
		s->cap_links = cap;
	}
	l = &s->links[s->n_links];
	l->path = strdup(path);
	if (!l->path)
		return -ENOMEM;
	l->dir = dir;
	l->dev = dev;
	l->ino = ino;
	l->stale = stale;
	s->n_links++;
	return 0;
}

static void sync_links_drop(struct sync *s, size_t i)
{
	free(s->links[i].path);
	s->links[i] = s->links[--s->n_links];
}

size_t sync_links_names(struct sync *s, unsigned int dir, const struct stat *st,
			const char **names, size_t max)
{
	struct stat cur;
	size_t i = 0, n = 0;
	int fd;

	while (i < s->n_links && n < max) {
		struct sync_link *l = &s->links[i];

		if (l->dir != dir || l->dev != st->st_dev ||
		    l->ino != st->st_ino) {
			i++;
			continue;
		}
		fd = sync_open(s, dir, l->path, O_PATH);
		if (fd >= 0 && !fstat(fd, &cur) && cur.st_dev == st->st_dev &&
		    cur.st_ino == st->st_ino) {
			close(fd);
			names[n++] = l->path;
			i++;
			continue;
		}
		if (fd >= 0)
			close(fd);
		sync_links_drop(s, i); /* unlinked or replaced meanwhile */
	}
	return n;
}

const char *sync_links_find(struct sync *s, unsigned int dir,
			    const struct stat *st, const char *path)
{
	const char *names[SYNC_GROUP_MAX];
	size_t n, i;

	n = sync_links_names(s, dir, st, names, SYNC_GROUP_MAX);
	for (i = 0; i < n; i++)
		if (strcmp(names[i], path))
			return names[i];
	return NULL;
}

bool sync_links_stale(struct sync *s, unsigned int dir, const struct stat *st)
{
	size_t i;

	for (i = 0; i < s->n_links; i++)
		if (s->links[i].dir == dir && s->links[i].dev == st->st_dev &&
		    s->links[i].ino == st->st_ino && s->links[i].stale)
			return true;
	return false;
}

void sync_links_mark(struct sync *s, unsigned int dir, dev_t dev, ino_t ino,
		     bool stale)
{
	size_t i;

	for (i = 0; i < s->n_links; i++)
		if (s->links[i].dir == dir && s->links[i].dev == dev &&
		    s->links[i].ino == ino)
			s->links[i].stale = stale;
}

static bool sync_links_has(struct sync *s, unsigned int dir, const char *path)
{
	size_t i;

	for (i = 0; i < s->n_links; i++)
		if (s->links[i].dir == dir && !strcmp(s->links[i].path, path))
			return true;
	return false;
}

/* The inode op->path names now, when it has several names and the table
 * knows it; false otherwise. */
static bool sync_links_inode(struct sync *s, unsigned int dir, const char *path,
			     struct stat *st)
{
	size_t i;
	int fd;

	fd = sync_open(s, dir, path, O_PATH);
	if (fd < 0)
		return false;
	if (fstat(fd, st) || !S_ISREG(st->st_mode) || st->st_nlink < 2) {
		close(fd);
		return false;
	}
	close(fd);
	for (i = 0; i < s->n_links; i++)
		if (s->links[i].dir == dir && s->links[i].dev == st->st_dev &&
		    s->links[i].ino == st->st_ino)
			return true;
	return false;
}

/*
 * The target applied an op to path, which may still be a stale copy there
 * of an inode it holds under other names (or the op failed there), or the
 * compare through path stopped: resend path and every name of the inode
 * the table knows.  Serving each one (sync_file() with SYNC_F_RESEND)
 * sends the inode again through a name the target holds, or whole when
 * none is left, and links the name to it; resending them all keeps that
 * true when some are gone by then.
 */
void sync_links_resend(struct sync *s, unsigned int dir, const struct stat *st,
		       const char *path)
{
	size_t i;

	log_debug("full sync: %s may be stale on the target: resend", path);
	if (st)
		sync_links_mark(s, dir, st->st_dev, st->st_ino, true);
	pthread_mutex_lock(&s->mtx);
	sync_req_add(s, dir, path, 0);
	for (i = 0; st && i < s->n_links; i++)
		if (s->links[i].dir == dir && s->links[i].dev == st->st_dev &&
		    s->links[i].ino == st->st_ino)
			sync_req_add(s, dir, s->links[i].path, 0);
	pthread_mutex_unlock(&s->mtx);
}

void sync_links_note(struct sync *s, const struct proto_msg *op)
{
	struct stat st;
	size_t i, n;

	switch (op->type) {
	case PROTO_OP_RENAME:
		i = 0;
		while (i < s->n_links) {
			struct sync_link *l = &s->links[i];
			char *np;
			int mv =
				l->dir == op->dir ?
					proto_rename_path(op, l->path, s->tmp) :
					0;

			np = mv > 0 ? strdup(s->tmp) : NULL;
			if (mv < 0 || (mv > 0 && !np)) {
				sync_links_drop(s, i);
				continue;
			}
			if (np) {
				free(l->path);
				l->path = np;
			}
			i++;
		}
		return;
	case PROTO_OP_LINK:
		/* a new name of a name the target holds is one it holds */
		n = s->n_links;
		for (i = 0; i < n; i++)
			if (s->links[i].dir == op->dir &&
			    !strcmp(s->links[i].path, op->path)) {
				sync_links_add(s, op->dir, s->links[i].dev,
					       s->links[i].ino, op->path2);
				return;
			}
		/* linked from a name that may be stale there: both names
		 * again (the inode's content did not change) */
		if (sync_links_inode(s, op->dir, op->path, &st)) {
			sync_links_resend(s, op->dir, &st, op->path);
			sync_links_resend(s, op->dir, NULL, op->path2);
		}
		return;
	case PROTO_OP_WRITE:
	case PROTO_OP_TRUNCATE:
	case PROTO_OP_FALLOCATE:
	case PROTO_OP_SETATTR:
	case PROTO_OP_SETXATTR:
	case PROTO_OP_REMOVEXATTR:
		if (!sync_links_has(s, op->dir, op->path) &&
		    sync_links_inode(s, op->dir, op->path, &st))
			sync_links_resend(s, op->dir, &st, op->path);
		return;
	default:
		return;
	}
}

struct sync_key {
	dev_t dev;
	ino_t ino;
};

static int sync_key_cmp(const void *a, const void *b)
{
	const struct sync_key *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

/*
 * The names at or below path are dropped.  Whatever the target holds
 * there may be stale (that is why it asked again), and live ops through
 * those names may have reached it and not the inode the other names
 * share: the inode's remaining names are marked stale.  When the keys
 * cannot be collected, every entry is marked (only a compare more).
 */
void sync_links_forget(struct sync *s, unsigned int dir, const char *path)
{
	size_t i, k = 0, pl = strlen(path);
	struct sync_key *keys, key;

	if (!s->n_links)
		return;
	keys = malloc(s->n_links * sizeof(*keys));
	for (i = 0; i < s->n_links; i++) {
		struct sync_link *l = &s->links[i];

		if (l->dir != dir)
			continue;
		if (!keys)
			l->stale = true; /* cannot tell which: all of them */
		else if (!pl || sync_under(l->path, path, pl))
			keys[k++] = (struct sync_key){ l->dev, l->ino };
	}
	if (k)
		qsort(keys, k, sizeof(*keys), sync_key_cmp);
	i = 0;
	while (i < s->n_links) {
		struct sync_link *l = &s->links[i];

		if (l->dir != dir) {
			i++;
			continue;
		}
		if (!pl || sync_under(l->path, path, pl)) {
			sync_links_drop(s, i);
			continue;
		}
		key = (struct sync_key){ l->dev, l->ino };
		if (k && bsearch(&key, keys, k, sizeof(*keys), sync_key_cmp))
			l->stale = true;
		i++;
	}
	free(keys);
}
