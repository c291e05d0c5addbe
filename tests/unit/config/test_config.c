/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_config.c - replicd settings: number parser, config lines and
 * files, command line, cross checks, directory checks.
 */
#include "replicd/config.h" /* not "config.h": that is the generated one here */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

static struct config *new_config(void)
{
	struct config *cfg = calloc(1, sizeof(*cfg));

	assert_non_null(cfg);
	config_init(cfg);
	return cfg;
}

static void test_parse_u64(void **state)
{
	static const struct {
		const char *in;
		uint64_t min, max;
		int rc;
		uint64_t out;
	} cases[] = {
		{ "0", 0, 10, 0, 0 },
		{ "10", 0, 10, 0, 10 },
		{ "11", 0, 10, -ERANGE, 0 },
		{ "4", 5, 10, -ERANGE, 0 },
		{ "18446744073709551615", 0, UINT64_MAX, 0, UINT64_MAX },
		{ "18446744073709551616", 0, UINT64_MAX, -ERANGE, 0 },
		{ "99999999999999999999999", 0, UINT64_MAX, -ERANGE, 0 },
		{ "", 0, 10, -EINVAL, 0 },
		{ "12x", 0, 100, -EINVAL, 0 },
		{ "-1", 0, 100, -EINVAL, 0 },
		{ "+1", 0, 100, -EINVAL, 0 },
		{ " 1", 0, 100, -EINVAL, 0 },
		{ "1 ", 0, 100, -EINVAL, 0 },
		{ "0x10", 0, 100, -EINVAL, 0 },
		{ "007", 0, 100, 0, 7 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 12345;
		int rc = config_parse_u64(cases[i].in, cases[i].min,
					  cases[i].max, &v);

		if (rc != cases[i].rc)
			fail_msg("'%s': rc %d, expected %d", cases[i].in, rc,
				 cases[i].rc);
		if (rc == 0)
			assert_int_equal(v, cases[i].out);
		else
			assert_int_equal(v, 12345);
	}
	assert_int_equal(config_parse_u64(NULL, 0, 1, NULL), -EINVAL);
}

static void test_name_valid(void **state)
{
	char long_name[CONFIG_NAME_MAX + 2];

	assert_true(config_name_valid("www"));
	assert_true(config_name_valid("a.b-c_D9"));
	assert_false(config_name_valid(""));
	assert_false(config_name_valid("."));
	assert_false(config_name_valid(".."));
	assert_false(config_name_valid("a b"));
	assert_false(config_name_valid("a/b"));
	assert_false(config_name_valid(NULL));
	memset(long_name, 'x', CONFIG_NAME_MAX);
	long_name[CONFIG_NAME_MAX] = '\0';
	assert_true(config_name_valid(long_name));
	long_name[CONFIG_NAME_MAX] = 'x';
	long_name[CONFIG_NAME_MAX + 1] = '\0';
	assert_false(config_name_valid(long_name));
}

static void test_log_levels(void **state)
{
	static const struct {
		const char *name;
		int level;
	} cases[] = {
		{ "error", LOG_ERR },	  { "warning", LOG_WARNING },
		{ "notice", LOG_NOTICE }, { "info", LOG_INFO },
		{ "debug", LOG_DEBUG },
	};
	size_t i;
	int level = -1;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(log_level_parse(cases[i].name, &level), 0);
		assert_int_equal(level, cases[i].level);
		assert_string_equal(log_level_name(level), cases[i].name);
	}
	assert_int_equal(log_level_parse("warn", &level), -EINVAL);
	assert_int_equal(log_level_parse("", &level), -EINVAL);
	assert_int_equal(log_level_parse(NULL, &level), -EINVAL);
	assert_null(log_level_name(LOG_CRIT));
}

static void test_defaults(void **state)
{
	struct config *cfg = new_config();

	assert_int_equal(cfg->log_level, LOG_NOTICE);
	assert_int_equal(cfg->threads, CONFIG_THREADS_DEFAULT);
	assert_true(cfg->max_inflight_bytes == CONFIG_MAX_INFLIGHT_DEFAULT);
	assert_int_equal(cfg->on_no_quorum, CONFIG_NO_QUORUM_SUSPEND);
	assert_int_equal(cfg->ack_timeout_ms, 0);
	assert_true(cfg->data_link);
	assert_int_equal(cfg->cpg_pack_ms, 5);
	assert_int_equal(cfg->set, 0);
	free(cfg);
}

/* Good lines and what they set. */
static void test_good_lines(void **state)
{
	struct config *cfg = new_config();
	char err[CONFIG_ERR_MAX] = "";
	static const char *const lines[] = {
		"",
		"   ",
		"# a comment",
		"   # indented comment = not a key",
		"name = www",
		"directory=/srv/www/",
		"directory = //srv//db",
		"state_dir = /var/lib/replicd/www-state",
		"socket = /run/replicd/w.sock",
		"log_level = debug",
		"threads = 8",
		"max_inflight_bytes = 1048576\r",
		"on_no_quorum = continue",
		"\tack_timeout_ms\t=\t2500  ",
		"data_link = no",
		"cpg_pack_ms = 0",
	};
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		if (config_parse_line(cfg, lines[i], "t.conf", (unsigned)i + 1,
				      err, sizeof(err)) != 0)
			fail_msg("'%s' refused: %s", lines[i], err);
	assert_string_equal(cfg->name, "www");
	assert_int_equal(cfg->n_dirs, 2);
	assert_string_equal(cfg->dirs[0], "/srv/www");
	assert_string_equal(cfg->dirs[1], "/srv/db");
	assert_string_equal(cfg->state_dir, "/var/lib/replicd/www-state");
	assert_string_equal(cfg->socket_path, "/run/replicd/w.sock");
	assert_int_equal(cfg->log_level, LOG_DEBUG);
	assert_int_equal(cfg->threads, 8);
	assert_true(cfg->max_inflight_bytes == 1048576);
	assert_int_equal(cfg->on_no_quorum, CONFIG_NO_QUORUM_CONTINUE);
	assert_int_equal(cfg->ack_timeout_ms, 2500);
	assert_false(cfg->data_link);
	assert_int_equal(cfg->cpg_pack_ms, 0);
	free(cfg);
}

/* Bad lines: the error names the key (or says what is wrong) and the
 * file:line, and nothing is set. */
static void test_bad_lines(void **state)
{
	static const struct {
		const char *line;
		const char *expect[3]; /* substrings of the message */
	} cases[] = {
		{ "bogus = 1",
		  { "t.conf:7:", "unknown key 'bogus'", "known keys" } },
		{ "Name = x", { "unknown key 'Name'" } },
		{ "name", { "t.conf:7:", "expected 'key = value'" } },
		{ "= x", { "missing key" } },
		{ "name =", { "name", "missing value" } },
		{ "name = a b",
		  { "name", "'a b'", "not a valid resource name" } },
		{ "name = a/b", { "name", "not a valid resource name" } },
		{ "directory = relative/path",
		  { "directory", "absolute path" } },
		{ "directory = /",
		  { "directory", "absolute path other than /" } },
		{ "directory = /srv/../etc", { "directory", "absolute path" } },
		{ "directory = /srv/./x", { "directory" } },
		{ "state_dir = var", { "state_dir", "absolute" } },
		{ "socket = sock", { "socket", "absolute" } },
		{ "log_level = loud",
		  { "log_level", "'loud'",
		    "error|warning|notice|info|debug" } },
		{ "threads = 257", { "threads", "out of range", "0..256" } },
		{ "threads = -1", { "threads", "not a number", "0..256" } },
		{ "threads = 12x", { "threads", "'12x'", "not a number" } },
		{ "threads = 99999999999999999999999",
		  { "threads", "out of range" } },
		{ "max_inflight_bytes = 1",
		  { "max_inflight_bytes", "out of range", "1048576.." } },
		{ "max_inflight_bytes = 64M",
		  { "max_inflight_bytes", "not a number" } },
		{ "on_no_quorum = maybe",
		  { "on_no_quorum", "suspend or continue" } },
		{ "ack_timeout_ms = 3600001",
		  { "ack_timeout_ms", "out of range", "0..3600000" } },
		{ "ack_timeout_ms = 1.5",
		  { "ack_timeout_ms", "not a number" } },
		{ "data_link = on", { "data_link", "yes or no" } },
		{ "cpg_pack_ms = 101",
		  { "cpg_pack_ms", "out of range", "0..100" } },
		{ "name = \001x", { "name", "control characters" } },
	};
	size_t i, j;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config *cfg = new_config();
		char err[CONFIG_ERR_MAX] = "";
		int rc = config_parse_line(cfg, cases[i].line, "t.conf", 7, err,
					   sizeof(err));

		if (rc != -EINVAL)
			fail_msg("'%s' accepted (rc %d)", cases[i].line, rc);
		if (strncmp(err, "t.conf:7: ", 10) != 0)
			fail_msg("'%s': no file:line in '%s'", cases[i].line,
				 err);
		for (j = 0; j < 3 && cases[i].expect[j]; j++)
			if (!strstr(err, cases[i].expect[j]))
				fail_msg("'%s': '%s' not in '%s'",
					 cases[i].line, cases[i].expect[j],
					 err);
		assert_int_equal(cfg->set, 0);
		assert_int_equal(cfg->n_dirs, 0);
		free(cfg);
	}
}

static void test_duplicates_and_limits(void **state)
{
	struct config *cfg = new_config();
	char err[CONFIG_ERR_MAX] = "";
	char line[CONFIG_LINE_MAX + 16];
	unsigned int i;

	assert_int_equal(config_parse_line(cfg, "threads = 2", "f", 1, err,
					   sizeof(err)),
			 0);
	assert_int_equal(config_parse_line(cfg, "threads = 3", "f", 2, err,
					   sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "f:2: threads: given more than once"));
	assert_int_equal(cfg->threads, 2);

	for (i = 0; i < CONFIG_DIRS_MAX; i++) {
		snprintf(line, sizeof(line), "directory = /d%u", i);
		assert_int_equal(config_parse_line(cfg, line, "f", i + 3, err,
						   sizeof(err)),
				 0);
	}
	assert_int_equal(config_parse_line(cfg, "directory = /one-more", "f",
					   99, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "directory: too many directories"));

	/* a line longer than CONFIG_LINE_MAX */
	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	assert_int_equal(config_parse_line(cfg, line, "f", 100, err,
					   sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "too long"));

	/* a path longer than PROTO_MAX_PATH */
	strcpy(line, "directory = /");
	memset(line + 13, 'p', PROTO_MAX_PATH + 1);
	line[13 + PROTO_MAX_PATH + 1] = '\0';
	cfg->n_dirs = 0;
	assert_int_equal(config_parse_line(cfg, line, "f", 101, err,
					   sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "directory: path is too long"));

	/* socket longer than sun_path */
	strcpy(line, "socket = /");
	memset(line + 10, 's', CONFIG_SOCKET_MAX);
	line[10 + CONFIG_SOCKET_MAX] = '\0';
	assert_int_equal(config_parse_line(cfg, line, "f", 102, err,
					   sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "socket: path is too long"));
	free(cfg);
}

static void test_buffer(void **state)
{
	static const char good[] = "# replicd for www\n"
				   "name = www\n"
				   "\n"
				   "directory = /srv/www\n"
				   "directory = /srv/db\n"
				   "log_level = info"; /* no final newline */
	static const char bad[] = "name = www\n"
				  "directory = /srv\n"
				  "colour = blue\n";
	static const char nul[] = "name = www\n\0directory = /srv\n";
	struct config *cfg = new_config();
	char err[CONFIG_ERR_MAX] = "";

	assert_int_equal(config_parse_buffer(cfg, good, strlen(good), "g.conf",
					     err, sizeof(err)),
			 0);
	assert_int_equal(cfg->n_dirs, 2);
	assert_int_equal(cfg->log_level, LOG_INFO);
	assert_int_equal(config_finish(cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg->state_dir, REPLICD_STATE_DIR "/www");
	assert_string_equal(cfg->socket_path, REPLICD_RUN_DIR "/www.sock");

	config_init(cfg);
	assert_int_equal(config_parse_buffer(cfg, bad, strlen(bad), "b.conf",
					     err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(
		err,
		"b.conf:3: unknown key 'colour' (known keys: name, directory, state_dir, socket, log_level, threads, max_inflight_bytes, on_no_quorum, ack_timeout_ms, data_link, cpg_pack_ms)");

	config_init(cfg);
	assert_int_equal(config_parse_buffer(cfg, nul, sizeof(nul) - 1,
					     "n.conf", err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "n.conf: contains a NUL byte"));
	free(cfg);
}

static void test_finish(void **state)
{
	static const struct {
		const char *conf;
		const char *expect; /* NULL: accepted */
	} cases[] = {
		{ "name = a\ndirectory = /srv\n", NULL },
		{ "directory = /srv\n", "name: missing" },
		{ "name = a\n", "directory: missing" },
		{ "name = a\ndirectory = /srv\ndirectory = /srv/\n",
		  "directory: /srv is given twice" },
		{ "name = a\ndirectory = /srv\ndirectory = /srv/www\n",
		  "directory: /srv and /srv/www are nested" },
		{ "name = a\ndirectory = /srv/www\ndirectory = /srv\n",
		  "are nested" },
		{ "name = a\ndirectory = /srv\ndirectory = /srv2\n", NULL },
		{ "name = a\ndirectory = /srv\nstate_dir = /srv/.state\n",
		  "state_dir: /srv/.state must not be inside" },
		{ "name = a\ndirectory = /var/lib\n", "state_dir:" },
		{ "name = a\ndirectory = /srv\nsocket = /srv/s.sock\n",
		  "socket: /srv/s.sock must not be inside" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config *cfg = new_config();
		char err[CONFIG_ERR_MAX] = "";
		int rc;

		assert_int_equal(config_parse_buffer(cfg, cases[i].conf,
						     strlen(cases[i].conf), "f",
						     err, sizeof(err)),
				 0);
		rc = config_finish(cfg, err, sizeof(err));
		if (!cases[i].expect && rc != 0)
			fail_msg("case %zu refused: %s", i, err);
		if (cases[i].expect &&
		    (rc != -EINVAL || !strstr(err, cases[i].expect)))
			fail_msg("case %zu: rc %d, '%s' not in '%s'", i, rc,
				 cases[i].expect, err);
		free(cfg);
	}
}

static int parse_argv(struct config_cli *cli, char *err, size_t errlen, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;

	va_start(ap, errlen);
	argv[argc++] = (char *)"replicd";
	while ((argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	return config_parse_args(cli, argc, argv, err, errlen);
}

static void test_args(void **state)
{
	struct config_cli *cli = calloc(1, sizeof(*cli));
	struct config *cfg = new_config();
	char err[CONFIG_ERR_MAX] = "";
	char path[] = "/tmp/replicd-test-config-XXXXXX";
	static const char file[] = "name = fromfile\n"
				   "directory = /srv/file\n"
				   "threads = 4\n"
				   "log_level = warning\n";
	int fd;

	assert_non_null(cli);
	assert_int_equal(parse_argv(cli, err, sizeof(err), "--name", "www",
				    "-d", "/srv/a", "--directory", "/srv/b",
				    "--log-level", "debug", "--foreground",
				    "--state-dir", "/var/tmp/st", "-S",
				    "/run/x.sock", NULL),
			 0);
	assert_int_equal(cli->over.n_dirs, 2);
	assert_true(cli->over.foreground);
	assert_null(cli->config_file);
	assert_int_equal(config_resolve(cfg, cli, err, sizeof(err)), 0);
	assert_string_equal(cfg->name, "www");
	assert_string_equal(cfg->socket_path, "/run/x.sock");
	assert_string_equal(cfg->state_dir, "/var/tmp/st");

	/* the command line overrides the file, directories are replaced */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, file, strlen(file)), (ssize_t)strlen(file));
	close(fd);
	assert_int_equal(parse_argv(cli, err, sizeof(err), "-c", path,
				    "--directory", "/srv/cli", NULL),
			 0);
	assert_string_equal(cli->config_file, path);
	assert_int_equal(config_resolve(cfg, cli, err, sizeof(err)), 0);
	assert_string_equal(cfg->name, "fromfile");
	assert_int_equal(cfg->n_dirs, 1);
	assert_string_equal(cfg->dirs[0], "/srv/cli");
	assert_int_equal(cfg->threads, 4);
	assert_int_equal(cfg->log_level, LOG_WARNING);
	assert_int_equal(parse_argv(cli, err, sizeof(err), "-c", path,
				    "--log-level", "error", "-n", "cli", NULL),
			 0);
	assert_int_equal(config_resolve(cfg, cli, err, sizeof(err)), 0);
	assert_string_equal(cfg->name, "cli");
	assert_string_equal(cfg->dirs[0], "/srv/file");
	assert_int_equal(cfg->log_level, LOG_ERR);
	unlink(path);

	/* a missing file is named */
	assert_int_equal(parse_argv(cli, err, sizeof(err), "-c",
				    "/nonexistent/replicd.conf", NULL),
			 0);
	assert_int_equal(config_resolve(cfg, cli, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/replicd.conf"));

	assert_int_equal(parse_argv(cli, err, sizeof(err), "--help", NULL), 0);
	assert_true(cli->help);
	assert_int_equal(parse_argv(cli, err, sizeof(err), "-V", NULL), 0);
	assert_true(cli->version);
	free(cfg);
	free(cli);
}

static void test_bad_args(void **state)
{
	struct config_cli *cli = calloc(1, sizeof(*cli));
	char err[CONFIG_ERR_MAX] = "";

	assert_non_null(cli);
	assert_int_equal(parse_argv(cli, err, sizeof(err), "--bogus", NULL),
			 -EINVAL);
	assert_string_equal(err, "unknown option '--bogus'");
	assert_int_equal(parse_argv(cli, err, sizeof(err), "-x", NULL),
			 -EINVAL);
	assert_string_equal(err, "unknown option '-x'");
	assert_int_equal(parse_argv(cli, err, sizeof(err), "--name", NULL),
			 -EINVAL);
	assert_string_equal(err, "option '--name' needs a value");
	assert_int_equal(parse_argv(cli, err, sizeof(err), "stray", NULL),
			 -EINVAL);
	assert_non_null(strstr(err, "unexpected argument 'stray'"));
	assert_int_equal(parse_argv(cli, err, sizeof(err), "--log-level",
				    "chatty", NULL),
			 -EINVAL);
	assert_non_null(
		strstr(err, "--log-level: 'chatty' is not a log level"));
	assert_int_equal(parse_argv(cli, err, sizeof(err), "-n", "a", "-n", "b",
				    NULL),
			 -EINVAL);
	assert_non_null(strstr(err, "--name: given more than once"));
	assert_int_equal(parse_argv(cli, err, sizeof(err), "-d", "rel", NULL),
			 -EINVAL);
	assert_non_null(strstr(err, "--directory:"));
	free(cli);
}

static void test_fs_refused(void **state)
{
	assert_string_equal(config_fs_refused(0x65735546), "fuse");
	assert_string_equal(config_fs_refused(0x6969), "nfs");
	assert_string_equal(config_fs_refused(0xFF534D42), "cifs");
	assert_string_equal(config_fs_refused(0xFE534D42), "smb2");
	assert_string_equal(config_fs_refused(0x00c36400), "ceph");
	assert_null(config_fs_refused(0xEF53));	    /* ext4 */
	assert_null(config_fs_refused(0x58465342)); /* xfs */
	assert_null(config_fs_refused(0x01021994)); /* tmpfs */
}

static void test_check_dirs(void **state)
{
	struct config *cfg = new_config();
	char err[CONFIG_ERR_MAX] = "";
	char dir[] = "/tmp/replicd-test-dirs-XXXXXX";
	char file[64], link[64], sub[64];

	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/file", dir);
	snprintf(link, sizeof(link), "%s/link", dir);
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	assert_int_equal(close(creat(file, 0600)), 0);
	assert_int_equal(symlink(dir, link), 0);
	assert_int_equal(mkdir(sub, 0700), 0);

	cfg->n_dirs = 1;
	strcpy(cfg->dirs[0], sub);
	assert_int_equal(config_check_dirs(cfg, err, sizeof(err)), 0);

	strcpy(cfg->dirs[0], file);
	assert_int_equal(config_check_dirs(cfg, err, sizeof(err)), -ENOTDIR);
	assert_non_null(strstr(err, file));

	strcpy(cfg->dirs[0], link);
	assert_int_equal(config_check_dirs(cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "symbolic link"));

	snprintf(cfg->dirs[0], sizeof(cfg->dirs[0]), "%s/missing", dir);
	assert_int_equal(config_check_dirs(cfg, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/missing"));

	/* checking does not create anything */
	assert_int_equal(access(cfg->dirs[0], F_OK), -1);

	unlink(link);
	unlink(file);
	rmdir(sub);
	rmdir(dir);
	free(cfg);
}

static void test_default_socket(void **state)
{
	char buf[CONFIG_SOCKET_MAX];
	char tiny[8];

	assert_int_equal(config_default_socket("www", buf, sizeof(buf)), 0);
	assert_string_equal(buf, REPLICD_RUN_DIR "/www.sock");
	assert_int_equal(config_default_socket("a b", buf, sizeof(buf)),
			 -EINVAL);
	assert_int_equal(config_default_socket("www", tiny, sizeof(tiny)),
			 -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_name_valid),
		cmocka_unit_test(test_log_levels),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_good_lines),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_duplicates_and_limits),
		cmocka_unit_test(test_buffer),
		cmocka_unit_test(test_finish),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_fs_refused),
		cmocka_unit_test(test_check_dirs),
		cmocka_unit_test(test_default_socket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
