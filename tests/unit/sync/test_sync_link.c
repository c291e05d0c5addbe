/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_sync_link.c - the full sync's hard-link table (sync_link.c) on a
 * temp dir: which live ops mark an inode stale (its next name is compared
 * whole instead of linked), which names a resend forgets, and that the
 * mark follows the inode through renames, new names and forgets.
 */
#include "replicd/config.h" /* the generated config.h too */

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "replicd/sync_priv.h"

/* The walk's helpers sync_link.c calls: the tree is a temp dir. */
static int root_fd = -1;
static char queued[32][PROTO_MAX_PATH + 1];
static unsigned int n_queued;

int sync_open(struct sync *s, unsigned int dir, const char *path, int flags)
{
	int fd;

	(void)s;
	(void)dir;
	fd = openat(root_fd, path[0] ? path : ".", flags | O_NOFOLLOW);
	return fd < 0 ? -errno : fd;
}

int sync_req_add(struct sync *s, unsigned int dir, const char *path,
		 uint64_t count)
{
	(void)s;
	(void)dir;
	(void)count;
	assert_true(n_queued < 32);
	snprintf(queued[n_queued++], sizeof(queued[0]), "%s", path);
	return 0;
}

static bool was_queued(const char *path)
{
	unsigned int i;

	for (i = 0; i < n_queued; i++)
		if (!strcmp(queued[i], path))
			return true;
	return false;
}

struct fixture {
	char dir[64];
	struct sync s;
};

static void mkfile(const char *path)
{
	int fd = openat(root_fd, path, O_CREAT | O_WRONLY | O_EXCL, 0644);

	assert_true(fd >= 0);
	close(fd);
}

static void stat_of(const char *path, struct stat *st)
{
	assert_int_equal(fstatat(root_fd, path, st, AT_SYMLINK_NOFOLLOW), 0);
}

/* The table holds `path` for its inode (as the walk leaves it). */
static void hold(struct sync *s, const char *path)
{
	struct stat st;

	stat_of(path, &st);
	assert_int_equal(sync_links_add(s, 0, st.st_dev, st.st_ino, path), 0);
}

static bool stale(struct sync *s, const char *path)
{
	struct stat st;

	stat_of(path, &st);
	return sync_links_stale(s, 0, &st);
}

/* path's inode was compared whole (what sync_file() does then). */
static void clean(struct sync *s, const char *path)
{
	struct stat st;

	stat_of(path, &st);
	sync_links_mark(s, 0, st.st_dev, st.st_ino, false);
}

static size_t names(struct sync *s, const char *path)
{
	const char *n[SYNC_GROUP_MAX];
	struct stat st;

	stat_of(path, &st);
	return sync_links_names(s, 0, &st, n, SYNC_GROUP_MAX);
}

static void op(struct sync *s, uint16_t type, const char *path,
	       const char *path2)
{
	struct proto_msg m = {
		.type = type, .dir = 0, .path = path, .path2 = path2
	};

	sync_links_note(s, &m);
}

/*
 * Tree: d/a and b are one inode (I), d/c and e another (J), f has one
 * name.  The target holds b (I) and e (J), as after the walk sent them.
 */
static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_sync_link.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	root_fd = open(f->dir, O_PATH | O_DIRECTORY);
	assert_true(root_fd >= 0);
	assert_int_equal(mkdirat(root_fd, "d", 0755), 0);
	mkfile("d/a");
	assert_int_equal(linkat(root_fd, "d/a", root_fd, "b", 0), 0);
	mkfile("d/c");
	assert_int_equal(linkat(root_fd, "d/c", root_fd, "e", 0), 0);
	mkfile("f");
	pthread_mutex_init(&f->s.mtx, NULL);
	pthread_cond_init(&f->s.cond, NULL);
	hold(&f->s, "b");
	hold(&f->s, "e");
	n_queued = 0;
	*state = f;
	return 0;
}

static void rm(const char *path)
{
	unlinkat(root_fd, path, 0);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	static const char *const files[] = { "d/a", "b",   "d/c", "e", "f",
					     "d/x", "x/a", "g",	  "h" };
	size_t i;

	sync_links_clear(&f->s);
	free(f->s.links);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		rm(files[i]);
	unlinkat(root_fd, "d", AT_REMOVEDIR);
	unlinkat(root_fd, "x", AT_REMOVEDIR);
	close(root_fd);
	rmdir(f->dir);
	pthread_mutex_destroy(&f->s.mtx);
	pthread_cond_destroy(&f->s.cond);
	free(f);
	return 0;
}

/* Ops through names the target holds leave the inode clean. */
static void test_held_names_stay_clean(void **state)
{
	struct fixture *f = *state;

	op(&f->s, PROTO_OP_WRITE, "b", NULL);
	op(&f->s, PROTO_OP_SETATTR, "e", NULL);
	op(&f->s, PROTO_OP_REMOVEXATTR, "b", NULL);
	assert_false(stale(&f->s, "b"));
	assert_false(stale(&f->s, "e"));
	assert_int_equal(n_queued, 0);
	/* a file the table does not know is the walk's business */
	op(&f->s, PROTO_OP_WRITE, "f", NULL);
	assert_false(stale(&f->s, "f"));
	assert_int_equal(n_queued, 0);
}

/* Every mutating op through a name the target has not linked yet marks
 * the inode and asks for all its names again. */
static void test_unlinked_name_marks_inode(void **state)
{
	static const uint16_t types[] = {
		PROTO_OP_WRITE,	  PROTO_OP_TRUNCATE, PROTO_OP_FALLOCATE,
		PROTO_OP_SETATTR, PROTO_OP_SETXATTR, PROTO_OP_REMOVEXATTR,
	};
	struct fixture *f = *state;
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		clean(&f->s, "b");
		n_queued = 0;
		op(&f->s, types[i], "d/a", NULL);
		assert_true(stale(&f->s, "b"));
		assert_true(stale(&f->s, "d/a"));
		assert_false(stale(&f->s, "e"));
		assert_true(was_queued("d/a"));
		assert_true(was_queued("b"));
	}
}

/* A link from a name the target may hold stale marks the inode too; a
 * link from a held name is a held name, with the inode's mark. */
static void test_link(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(linkat(root_fd, "b", root_fd, "g", 0), 0);
	op(&f->s, PROTO_OP_LINK, "b", "g");
	assert_false(stale(&f->s, "g"));
	assert_int_equal(names(&f->s, "b"), 2);

	assert_int_equal(linkat(root_fd, "d/a", root_fd, "h", 0), 0);
	op(&f->s, PROTO_OP_LINK, "d/a", "h");
	assert_true(stale(&f->s, "b"));
	assert_true(stale(&f->s, "g"));
	assert_true(was_queued("d/a"));
	assert_true(was_queued("h"));

	/* a name added now shares the mark until the inode is compared */
	hold(&f->s, "h");
	assert_true(stale(&f->s, "h"));
	clean(&f->s, "b");
	assert_false(stale(&f->s, "b"));
	assert_false(stale(&f->s, "h"));
	assert_false(stale(&f->s, "g"));
}

/*
 * The case the fault campaign found: the target asks for a directory
 * again (a live rename of it during the walk).  Its names are forgotten,
 * and the other names of their inodes, which the walk will link to them
 * again, must compare instead: the target may have applied live ops to
 * the forgotten names' stale copies only.
 */
static void test_forget_marks_other_names(void **state)
{
	struct fixture *f = *state;

	hold(&f->s, "d/a");
	hold(&f->s, "d/c");
	assert_false(stale(&f->s, "b"));
	sync_links_forget(&f->s, 0, "d");
	assert_int_equal(names(&f->s, "b"), 1); /* b only, d/a dropped */
	assert_int_equal(names(&f->s, "e"), 1);
	assert_true(stale(&f->s, "b"));
	assert_true(stale(&f->s, "e"));
	/* a prefix that is not a path component forgets nothing */
	clean(&f->s, "b");
	hold(&f->s, "d/a");
	sync_links_forget(&f->s, 0, "d/");
	sync_links_forget(&f->s, 0, "d/a/x");
	assert_int_equal(names(&f->s, "b"), 2);
	assert_false(stale(&f->s, "b"));
	sync_links_forget(&f->s, 0, "");
	assert_int_equal(f->s.n_links, 0);
}

static void test_forget_spares_others(void **state)
{
	struct fixture *f = *state;

	hold(&f->s, "d/a");
	sync_links_forget(&f->s, 0, "d/a");
	assert_true(stale(&f->s, "b"));
	assert_false(stale(&f->s, "e")); /* J had no name under d/a */
	sync_links_forget(&f->s, 0, "dd");
	assert_int_equal(names(&f->s, "e"), 1);
	assert_false(stale(&f->s, "e"));
}

/* The compare through one name stopped (the name went away): the inode
 * is stale and every name the table holds for it is asked for again. */
static void test_resend(void **state)
{
	struct fixture *f = *state;
	struct stat st;

	hold(&f->s, "d/a");
	stat_of("b", &st);
	sync_links_resend(&f->s, 0, &st, "gone");
	assert_true(stale(&f->s, "b"));
	assert_false(stale(&f->s, "e"));
	assert_true(was_queued("b"));
	assert_true(was_queued("d/a"));
	assert_false(was_queued("e"));
}

/* A live rename moves the names and keeps the mark with them. */
static void test_rename_keeps_mark(void **state)
{
	struct fixture *f = *state;

	hold(&f->s, "d/a");
	op(&f->s, PROTO_OP_WRITE, "d/c", NULL); /* J: e held, d/c not */
	assert_true(stale(&f->s, "e"));
	assert_int_equal(renameat(root_fd, "d", root_fd, "x"), 0);
	op(&f->s, PROTO_OP_RENAME, "d", "x");
	assert_int_equal(names(&f->s, "b"), 2); /* b, x/a */
	assert_false(stale(&f->s, "x/a"));
	assert_true(stale(&f->s, "e"));
	assert_int_equal(renameat(root_fd, "x", root_fd, "d"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_held_names_stay_clean,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_unlinked_name_marks_inode,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forget_marks_other_names,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_forget_spares_others,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_resend, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rename_keeps_mark, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
