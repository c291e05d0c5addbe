/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_meta.c - metadata codec (round trip, truncation, bit flips,
 * versions, syntax), store/load on a temp dir, the state dir lock.
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
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "replicd/meta.h"

static void fill_gen(uint8_t gen[META_GEN_SIZE], uint8_t seed)
{
	int i;

	for (i = 0; i < META_GEN_SIZE; i++)
		gen[i] = (uint8_t)(seed + i * 17);
}

static struct meta *sample(void)
{
	struct meta *m = calloc(1, sizeof(*m));
	uint8_t g[META_GEN_SIZE];

	assert_non_null(m);
	meta_init(m, "www");
	fill_gen(m->gen, 1);
	m->up_to_date = true;
	m->clean = true;
	m->last_role = PROTO_ROLE_PRIM;
	m->last_primary_id = 3;
	strcpy(m->last_primary_name, "node-c");
	fill_gen(g, 2);
	meta_new_generation(m, g);
	fill_gen(g, 3);
	meta_new_generation(m, g);
	fill_gen(g, 9);
	assert_int_equal(meta_set_peer_sync(m, 2, g), 0);
	assert_int_equal(meta_set_peer_sync(m, 7, m->gen), 0);
	m->n_dirs = 2;
	strcpy(m->dirs[0].path, "/srv/www data");
	strcpy(m->dirs[0].type, "ext4");
	strcpy(m->dirs[0].uuid, "0a6b4d2e-5c1f-4d3e-9f00-0123456789ab");
	strcpy(m->dirs[1].path, "/srv/db");
	strcpy(m->dirs[1].type, META_UNKNOWN);
	strcpy(m->dirs[1].uuid, META_UNKNOWN);
	return m;
}

static char *encode(const struct meta *m, long *len)
{
	char *buf = calloc(1, META_ENCODED_MAX);

	assert_non_null(buf);
	*len = meta_encode(m, buf, META_ENCODED_MAX);
	assert_true(*len > 0);
	return buf;
}

static void test_round_trip(void **state)
{
	struct meta *m = sample(), *d = calloc(1, sizeof(*d));
	char err[META_ERR_MAX] = "";
	long len;
	char *buf = encode(m, &len);

	assert_int_equal(meta_decode(buf, (size_t)len, d, err, sizeof(err)), 0);
	assert_memory_equal(m, d, sizeof(*m));
	assert_int_equal(strncmp(buf, "replicd-meta 1\nname www\n", 24), 0);

	/* empty node name and zero counts too */
	meta_init(m, "x");
	free(buf);
	buf = encode(m, &len);
	assert_int_equal(meta_decode(buf, (size_t)len, d, err, sizeof(err)), 0);
	assert_memory_equal(m, d, sizeof(*m));
	assert_non_null(strstr(buf, "last_primary 0 -\n"));
	free(buf);
	free(d);
	free(m);
}

static void test_encode_limits(void **state)
{
	struct meta *m = sample();
	char small[64];

	assert_int_equal(meta_encode(m, small, sizeof(small)), -ENOSPC);
	strcpy(m->dirs[0].path, "/a\nb");
	assert_int_equal(meta_encode(m, small, sizeof(small)), -EINVAL);
	strcpy(m->dirs[0].path, "/a");
	strcpy(m->last_primary_name, "a b");
	assert_int_equal(meta_encode(m, small, sizeof(small)), -EINVAL);
	strcpy(m->last_primary_name, "a");
	m->name[0] = '\0';
	assert_int_equal(meta_encode(m, small, sizeof(small)), -EINVAL);
	free(m);
}

static void test_truncation(void **state)
{
	struct meta *m = sample(), *d = calloc(1, sizeof(*d));
	char err[META_ERR_MAX];
	long len, i;
	char *buf = encode(m, &len);

	for (i = 0; i < len; i++) {
		int rc = meta_decode(buf, (size_t)i, d, err, sizeof(err));

		if (rc != -EBADMSG)
			fail_msg("truncated to %ld bytes: rc %d", i, rc);
	}
	free(buf);
	free(d);
	free(m);
}

static void test_bit_flips(void **state)
{
	struct meta *m = sample(), *d = calloc(1, sizeof(*d));
	char err[META_ERR_MAX];
	long len, i;
	int bit;
	char *buf = encode(m, &len);

	for (i = 0; i < len; i++) {
		for (bit = 0; bit < 8; bit++) {
			int rc;

			buf[i] ^= (char)(1 << bit);
			rc = meta_decode(buf, (size_t)len, d, err, sizeof(err));
			buf[i] ^= (char)(1 << bit);
			/* "replicd-meta 1" -> "replicd-meta 3" is a version */
			if (rc != -EBADMSG && rc != -EPROTONOSUPPORT)
				fail_msg("flip byte %ld bit %d: rc %d", i, bit,
					 rc);
		}
	}
	free(buf);
	free(d);
	free(m);
}

/* Build a file from body lines with a correct checksum line. */
static size_t with_checksum(const char *body, char *out, size_t outlen)
{
	uint32_t crc = 0xffffffffu;
	size_t i, n = strlen(body);
	int b;

	for (i = 0; i < n; i++) {
		crc ^= (uint8_t)body[i];
		for (b = 0; b < 8; b++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return (size_t)snprintf(out, outlen, "%schecksum %08x\n", body, ~crc);
}

#define GEN_A "00112233445566778899aabbccddeeff"
#define BASE                                                      \
	"name www\ngeneration " GEN_A "\nup_to_date 1\nclean 0\n" \
	"last_role SECOND\nlast_primary 1 a\n"

static void test_bad_files(void **state)
{
	static const struct {
		const char *body; /* checksum appended */
		int rc;
		const char *expect;
	} cases[] = {
		{ "replicd-meta 1\n" BASE, 0, NULL },
		{ "replicd-meta 2\n" BASE, -EPROTONOSUPPORT,
		  "version 2 is not supported" },
		{ "replicd-meta 17\n" BASE, -EPROTONOSUPPORT, "version 17" },
		{ "replicd-meta x\n" BASE, -EBADMSG, "line 1" },
		{ "replicd-meta  1\n" BASE, -EBADMSG, "line 1" },
		{ "replicd-meta 01\n" BASE, -EBADMSG, "line 1" },
		{ "other-meta 1\n" BASE, -EBADMSG, "line 1" },
		{ "replicd-meta 1\n" BASE "bogus 1\n", -EBADMSG,
		  "line 8: unknown key 'bogus'" },
		{ "replicd-meta 1\n" BASE "name www\n", -EBADMSG,
		  "line 8: 'name' given twice" },
		{ "replicd-meta 1\n" BASE "clean 1\n", -EBADMSG,
		  "line 8: 'clean' given twice" },
		{ "replicd-meta 1\nname www\nup_to_date 1\nclean 0\nlast_role WAIT\nlast_primary 0 -\n",
		  -EBADMSG, "'generation' is missing" },
		{ "replicd-meta 1\nname www\ngeneration " GEN_A
		  "\nclean 0\nlast_role WAIT\nlast_primary 0 -\n",
		  -EBADMSG, "'up_to_date' is missing" },
		{ "replicd-meta 1\nname www\ngeneration 0011\nup_to_date 1\n",
		  -EBADMSG, "line 3: bad value for 'generation'" },
		{ "replicd-meta 1\nname www\ngeneration 00112233445566778899aabbccddeefg\n",
		  -EBADMSG, "line 3: bad value for 'generation'" },
		{ "replicd-meta 1\nname www\ngeneration 00112233445566778899AABBCCDDEEFF\n",
		  -EBADMSG, "line 3" },
		{ "replicd-meta 1\n" BASE
		  "history 0g112233445566778899aabbccddeeff\n",
		  -EBADMSG, "line 8: bad value for 'history'" },
		{ "replicd-meta 1\nname w w\n", -EBADMSG,
		  "line 2: bad value for 'name'" },
		{ "replicd-meta 1\nname\n", -EBADMSG,
		  "line 2: 'name' has no value" },
		{ "replicd-meta 1\nup_to_date 2\n", -EBADMSG,
		  "line 2: bad value for 'up_to_date'" },
		{ "replicd-meta 1\nlast_role BOSS\n", -EBADMSG,
		  "line 2: bad value for 'last_role'" },
		{ "replicd-meta 1\nlast_primary x a\n", -EBADMSG,
		  "line 2: bad value for 'last_primary'" },
		{ "replicd-meta 1\nlast_primary 4294967296 a\n", -EBADMSG,
		  "line 2" },
		{ "replicd-meta 1\nlast_primary 1\n", -EBADMSG, "line 2" },
		{ "replicd-meta 1\n" BASE "peer_sync 2 " GEN_A
		  "\npeer_sync 2 " GEN_A "\n",
		  -EBADMSG, "line 9: peer_sync for node 2 given twice" },
		{ "replicd-meta 1\n" BASE "dir ext4 uuid relative\n", -EBADMSG,
		  "line 8: dir" },
		{ "replicd-meta 1\n" BASE "dir ext4 /srv\n", -EBADMSG,
		  "line 8: dir" },
		{ "replicd-meta 1\n" BASE "dir ext4 u /srv/a b\n", 0, NULL },
		{ "replicd-meta 1\n" BASE "\n", -EBADMSG, "line 8" },
		{ "replicd-meta 1\n" BASE "history " GEN_A "\nhistory " GEN_A
		  "\nhistory " GEN_A "\nhistory " GEN_A "\nhistory " GEN_A
		  "\nhistory " GEN_A "\nhistory " GEN_A "\nhistory " GEN_A
		  "\nhistory " GEN_A "\n",
		  -EBADMSG, "line 16: more than 8 history entries" },
	};
	struct meta *d = calloc(1, sizeof(*d));
	char buf[4096];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[META_ERR_MAX] = "";
		size_t len = with_checksum(cases[i].body, buf, sizeof(buf));
		int rc = meta_decode(buf, len, d, err, sizeof(err));

		if (rc != cases[i].rc)
			fail_msg("case %zu: rc %d, expected %d (%s)", i, rc,
				 cases[i].rc, err);
		if (cases[i].expect && !strstr(err, cases[i].expect))
			fail_msg("case %zu: '%s' not in '%s'", i,
				 cases[i].expect, err);
	}

	/* checksum problems */
	{
		char err[META_ERR_MAX] = "";
		const char *body = "replicd-meta 1\n" BASE;
		size_t len = with_checksum(body, buf, sizeof(buf));

		buf[len - 2] = buf[len - 2] == '0' ? '1' : '0';
		assert_int_equal(meta_decode(buf, len, d, err, sizeof(err)),
				 -EBADMSG);
		assert_non_null(strstr(err, "checksum mismatch"));
		snprintf(buf, sizeof(buf), "%s", body);
		assert_int_equal(meta_decode(buf, strlen(buf), d, err,
					     sizeof(err)),
				 -EBADMSG);
		assert_non_null(strstr(err, "no checksum line"));
		snprintf(buf, sizeof(buf), "%schecksum zzzzzzzz\n", body);
		assert_int_equal(meta_decode(buf, strlen(buf), d, err,
					     sizeof(err)),
				 -EBADMSG);
	}
	free(d);
}

static void test_generations(void **state)
{
	struct meta *m = calloc(1, sizeof(*m));
	uint8_t g[META_GEN_SIZE], first[META_GEN_SIZE];
	char hex[META_GEN_HEX];
	int i;

	meta_init(m, "r");
	fill_gen(first, 100);
	memcpy(m->gen, first, META_GEN_SIZE);
	for (i = 0; i < META_HISTORY_MAX + 3; i++) {
		fill_gen(g, (uint8_t)i);
		meta_new_generation(m, g);
		assert_memory_equal(m->gen, g, META_GEN_SIZE);
	}
	assert_int_equal(m->n_history, META_HISTORY_MAX);
	fill_gen(g, (uint8_t)(META_HISTORY_MAX + 1));
	assert_memory_equal(m->history[0], g, META_GEN_SIZE);
	assert_true(meta_knows_generation(m, g));
	assert_false(meta_knows_generation(m, first)); /* fell off */
	fill_gen(g, 2);
	assert_memory_equal(m->history[META_HISTORY_MAX - 1], g, META_GEN_SIZE);

	meta_gen_to_hex(first, hex);
	assert_int_equal(strlen(hex), 32);
	assert_int_equal(meta_gen_from_hex(hex, g), 0);
	assert_memory_equal(g, first, META_GEN_SIZE);
	assert_int_equal(meta_gen_from_hex("00", g), -EINVAL);
	assert_int_equal(meta_gen_from_hex("0011223344556677889900112233445x",
					   g),
			 -EINVAL);
	free(m);
}

static void test_peers_and_fsid(void **state)
{
	struct meta *m = calloc(1, sizeof(*m));
	struct meta_fsid a = { "/a", "ext4", "u1" }, b = { "/b", "ext4", "u1" };
	struct meta_fsid unk = { "/c", META_UNKNOWN, META_UNKNOWN };
	uint8_t g[META_GEN_SIZE];
	uint32_t i;

	meta_init(m, "r");
	fill_gen(g, 5);
	for (i = 0; i < META_PEERS_MAX; i++)
		assert_int_equal(meta_set_peer_sync(m, i + 1, g), 0);
	assert_int_equal(meta_set_peer_sync(m, 1000, g), -ENOSPC);
	fill_gen(g, 6);
	assert_int_equal(meta_set_peer_sync(m, 4, g), 0); /* replaces */
	assert_memory_equal(meta_peer_sync(m, 4)->gen, g, META_GEN_SIZE);
	assert_null(meta_peer_sync(m, 1000));

	assert_true(meta_fsid_same(&a, &b));
	strcpy(b.uuid, "u2");
	assert_false(meta_fsid_same(&a, &b));
	assert_false(meta_fsid_same(&unk, &unk));
	free(m);
}

static char *tmpdir(void)
{
	char *dir = strdup("/tmp/replicd-test-meta-XXXXXX");

	assert_non_null(dir);
	assert_non_null(mkdtemp(dir));
	return dir;
}

static void test_store_load(void **state)
{
	struct meta *m = sample(), *d = calloc(1, sizeof(*d));
	char err[META_ERR_MAX] = "";
	char *dir = tmpdir();
	char path[256];
	struct stat st;
	FILE *f;

	assert_int_equal(meta_load(dir, d, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "fresh node"));
	assert_int_equal(meta_store(dir, m, err, sizeof(err)), 0);
	assert_int_equal(meta_load(dir, d, err, sizeof(err)), 0);
	assert_memory_equal(m, d, sizeof(*m));
	snprintf(path, sizeof(path), "%s/meta", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s/meta.tmp", dir);
	assert_int_equal(stat(path, &st), -1);

	/* overwrite */
	m->clean = false;
	assert_int_equal(meta_store(dir, m, err, sizeof(err)), 0);
	assert_int_equal(meta_load(dir, d, err, sizeof(err)), 0);
	assert_false(d->clean);

	/* damage: refused, never reset */
	snprintf(path, sizeof(path), "%s/meta", dir);
	f = fopen(path, "r+");
	assert_non_null(f);
	assert_int_equal(fseek(f, 20, SEEK_SET), 0);
	fputc('#', f);
	fclose(f);
	assert_int_equal(meta_load(dir, d, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "refusing to start"));
	assert_non_null(strstr(err, path));
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size > 0);

	unlink(path);
	rmdir(dir);
	free(dir);
	free(d);
	free(m);
}

static void test_lock(void **state)
{
	char err[META_ERR_MAX] = "";
	char *dir = tmpdir();
	char state_dir[256], lock[300], pidstr[32];
	struct stat st;
	int fd, fd2, status;
	pid_t pid;

	/* meta_lock creates the state dir 0700 (one level) */
	snprintf(state_dir, sizeof(state_dir), "%s/www", dir);
	fd = meta_lock(state_dir, err, sizeof(err));
	assert_true(fd >= 0);
	assert_int_equal(stat(state_dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);

	/* a second open in this process conflicts too (flock per open) */
	fd2 = meta_lock(state_dir, err, sizeof(err));
	assert_int_equal(fd2, -EBUSY);
	snprintf(pidstr, sizeof(pidstr), "pid %ld", (long)getpid());
	assert_non_null(strstr(err, pidstr));
	assert_non_null(strstr(err, "a second replicd"));

	/* and in another process */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(meta_lock(state_dir, err, sizeof(err)) == -EBUSY ? 0 : 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	close(fd);
	fd = meta_lock(state_dir, err, sizeof(err));
	assert_true(fd >= 0);
	close(fd);

	/* a file in the way */
	snprintf(lock, sizeof(lock), "%s/lock", state_dir);
	unlink(lock);
	rmdir(state_dir);
	assert_int_equal(close(creat(state_dir, 0600)), 0);
	assert_int_equal(meta_lock(state_dir, err, sizeof(err)), -ENOTDIR);
	unlink(state_dir);
	rmdir(dir);
	free(dir);
}

static void test_fsid_probe(void **state)
{
	struct meta_fsid id;
	char *dir = tmpdir();

	assert_int_equal(meta_fsid_probe(dir, &id), 0);
	assert_string_equal(id.path, dir);
	assert_true(id.type[0] && id.uuid[0]);
	assert_null(strchr(id.type, ' '));
	assert_null(strchr(id.uuid, ' '));
	assert_int_equal(meta_fsid_probe("/nonexistent/replicd", &id), -ENOENT);
	rmdir(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_encode_limits),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_generations),
		cmocka_unit_test(test_peers_and_fsid),
		cmocka_unit_test(test_store_load),
		cmocka_unit_test(test_lock),
		cmocka_unit_test(test_fsid_probe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
