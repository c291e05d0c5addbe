/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config.c - parse and check replicd's settings (see config.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "log.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

/* One setting: its file key, command-line option, CONFIG_SET_* bit. */
struct config_key {
	const char *key;
	const char *option; /* NULL: file only */
	unsigned int bit;
	int (*set)(struct config *cfg, const char *value, const char *where,
		   const char *label, char *err, size_t errlen);
};

__attribute__((format(printf, 3, 4))) static int
config_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int config_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	const char *p;

	if (!s || !*s)
		return -EINVAL;
	for (p = s; *p; p++) {
		unsigned int d;

		if (*p < '0' || *p > '9')
			return -EINVAL;
		d = (unsigned int)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

static int config_has_ctrl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

int config_name_valid(const char *name)
{
	size_t len, i;

	if (!name)
		return 0;
	len = strlen(name);
	if (len < 1 || len > CONFIG_NAME_MAX)
		return 0;
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return 0;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == '-'))
			return 0;
	}
	return 1;
}

int config_default_socket(const char *name, char *buf, size_t len)
{
	int n;

	if (!config_name_valid(name))
		return -EINVAL;
	n = snprintf(buf, len, "%s/%s.sock", REPLICD_RUN_DIR, name);
	if (n < 0 || (size_t)n >= len || (size_t)n >= CONFIG_SOCKET_MAX)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * Normalise an absolute path into out (size outlen): collapse "//",
 * drop a trailing "/", refuse "." and ".." components, control
 * characters and "/" itself.  0 or -EINVAL / -ENAMETOOLONG.
 */
static int config_norm_path(const char *in, char *out, size_t outlen)
{
	size_t o = 0;
	const char *p = in;

	if (!in || in[0] != '/' || config_has_ctrl(in))
		return -EINVAL;
	while (*p) {
		const char *start;
		size_t clen;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		start = p;
		while (*p && *p != '/')
			p++;
		clen = (size_t)(p - start);
		if ((clen == 1 && start[0] == '.') ||
		    (clen == 2 && start[0] == '.' && start[1] == '.'))
			return -EINVAL;
		if (o + 1 + clen + 1 > outlen)
			return -ENAMETOOLONG;
		out[o++] = '/';
		memcpy(out + o, start, clen);
		o += clen;
	}
	if (o == 0)
		return -EINVAL; /* "/" */
	out[o] = '\0';
	return 0;
}

static int config_set_name(struct config *cfg, const char *value,
			   const char *where, const char *label, char *err,
			   size_t errlen)
{
	if (!config_name_valid(value))
		return config_fail(
			err, errlen,
			"%s%s: '%s' is not a valid resource name (1 to %d characters from A-Z a-z 0-9 _ . -)",
			where, label, value, CONFIG_NAME_MAX);
	snprintf(cfg->name, sizeof(cfg->name), "%s", value);
	return 0;
}

static int config_set_dir(struct config *cfg, const char *value,
			  const char *where, const char *label, char *err,
			  size_t errlen)
{
	int rc;

	if (cfg->n_dirs >= CONFIG_DIRS_MAX)
		return config_fail(err, errlen,
				   "%s%s: too many directories (at most %u)",
				   where, label, CONFIG_DIRS_MAX);
	rc = config_norm_path(value, cfg->dirs[cfg->n_dirs],
			      sizeof(cfg->dirs[0]));
	if (rc == -ENAMETOOLONG)
		return config_fail(err, errlen,
				   "%s%s: path is too long (at most %u bytes)",
				   where, label, PROTO_MAX_PATH);
	if (rc < 0)
		return config_fail(
			err, errlen,
			"%s%s: '%s' must be an absolute path other than / without . or .. components or control characters",
			where, label, value);
	cfg->n_dirs++;
	return 0;
}

static int config_set_state_dir(struct config *cfg, const char *value,
				const char *where, const char *label, char *err,
				size_t errlen)
{
	int rc;

	rc = config_norm_path(value, cfg->state_dir, sizeof(cfg->state_dir));
	if (rc == -ENAMETOOLONG)
		return config_fail(err, errlen,
				   "%s%s: path is too long (at most %u bytes)",
				   where, label, PROTO_MAX_PATH);
	if (rc < 0)
		return config_fail(
			err, errlen,
			"%s%s: '%s' must be an absolute path other than / without . or .. components or control characters",
			where, label, value);
	return 0;
}

static int config_set_socket(struct config *cfg, const char *value,
			     const char *where, const char *label, char *err,
			     size_t errlen)
{
	int rc;

	rc = config_norm_path(value, cfg->socket_path,
			      sizeof(cfg->socket_path));
	if (rc == -ENAMETOOLONG)
		return config_fail(
			err, errlen,
			"%s%s: path is too long for a unix socket (at most %d bytes)",
			where, label, CONFIG_SOCKET_MAX - 1);
	if (rc < 0)
		return config_fail(
			err, errlen,
			"%s%s: '%s' must be an absolute path without . or .. components or control characters",
			where, label, value);
	return 0;
}

static int config_set_log_level(struct config *cfg, const char *value,
				const char *where, const char *label, char *err,
				size_t errlen)
{
	if (log_level_parse(value, &cfg->log_level) < 0)
		return config_fail(
			err, errlen,
			"%s%s: '%s' is not a log level (one of " LOG_LEVEL_NAMES
			")",
			where, label, value);
	return 0;
}

static int config_set_number(const char *value, uint64_t min, uint64_t max,
			     uint64_t *out, const char *where,
			     const char *label, char *err, size_t errlen)
{
	int rc = config_parse_u64(value, min, max, out);

	if (rc == -ERANGE)
		return config_fail(err, errlen,
				   "%s%s: %s is out of range (%llu..%llu)",
				   where, label, value, (unsigned long long)min,
				   (unsigned long long)max);
	if (rc < 0)
		return config_fail(
			err, errlen,
			"%s%s: '%s' is not a number (decimal digits, %llu..%llu)",
			where, label, value, (unsigned long long)min,
			(unsigned long long)max);
	return 0;
}

static int config_set_threads(struct config *cfg, const char *value,
			      const char *where, const char *label, char *err,
			      size_t errlen)
{
	uint64_t v = 0;
	int rc = config_set_number(value, CONFIG_THREADS_MIN,
				   CONFIG_THREADS_MAX, &v, where, label, err,
				   errlen);

	if (rc == 0)
		cfg->threads = (unsigned int)v;
	return rc;
}

static int config_set_inflight(struct config *cfg, const char *value,
			       const char *where, const char *label, char *err,
			       size_t errlen)
{
	return config_set_number(value, CONFIG_MAX_INFLIGHT_MIN,
				 CONFIG_MAX_INFLIGHT_MAX,
				 &cfg->max_inflight_bytes, where, label, err,
				 errlen);
}

static int config_set_ack_timeout(struct config *cfg, const char *value,
				  const char *where, const char *label,
				  char *err, size_t errlen)
{
	uint64_t v = 0;
	int rc = config_set_number(value, CONFIG_ACK_TIMEOUT_MIN,
				   CONFIG_ACK_TIMEOUT_MAX, &v, where, label,
				   err, errlen);

	if (rc == 0)
		cfg->ack_timeout_ms = (uint32_t)v;
	return rc;
}

static int config_set_no_quorum(struct config *cfg, const char *value,
				const char *where, const char *label, char *err,
				size_t errlen)
{
	if (strcmp(value, "suspend") == 0)
		cfg->on_no_quorum = CONFIG_NO_QUORUM_SUSPEND;
	else if (strcmp(value, "continue") == 0)
		cfg->on_no_quorum = CONFIG_NO_QUORUM_CONTINUE;
	else
		return config_fail(
			err, errlen,
			"%s%s: '%s' is not allowed (suspend or continue)",
			where, label, value);
	return 0;
}

static int config_set_data_link(struct config *cfg, const char *value,
				const char *where, const char *label, char *err,
				size_t errlen)
{
	if (strcmp(value, "yes") == 0)
		cfg->data_link = true;
	else if (strcmp(value, "no") == 0)
		cfg->data_link = false;
	else
		return config_fail(err, errlen,
				   "%s%s: '%s' is not allowed (yes or no)",
				   where, label, value);
	return 0;
}

static int config_set_cpg_pack(struct config *cfg, const char *value,
			       const char *where, const char *label, char *err,
			       size_t errlen)
{
	uint64_t v = 0;
	int rc = config_set_number(value, CONFIG_CPG_PACK_MIN,
				   CONFIG_CPG_PACK_MAX, &v, where, label, err,
				   errlen);

	if (rc == 0)
		cfg->cpg_pack_ms = (uint32_t)v;
	return rc;
}

static const struct config_key config_keys[] = {
	{ "name", "name", CONFIG_SET_NAME, config_set_name },
	{ "directory", "directory", CONFIG_SET_DIRS, config_set_dir },
	{ "state_dir", "state-dir", CONFIG_SET_STATE_DIR,
	  config_set_state_dir },
	{ "socket", "socket", CONFIG_SET_SOCKET, config_set_socket },
	{ "log_level", "log-level", CONFIG_SET_LOG_LEVEL,
	  config_set_log_level },
	{ "threads", NULL, CONFIG_SET_THREADS, config_set_threads },
	{ "max_inflight_bytes", NULL, CONFIG_SET_MAX_INFLIGHT,
	  config_set_inflight },
	{ "on_no_quorum", NULL, CONFIG_SET_NO_QUORUM, config_set_no_quorum },
	{ "ack_timeout_ms", NULL, CONFIG_SET_ACK_TIMEOUT,
	  config_set_ack_timeout },
	{ "data_link", NULL, CONFIG_SET_DATA_LINK, config_set_data_link },
	{ "cpg_pack_ms", NULL, CONFIG_SET_CPG_PACK, config_set_cpg_pack },
};

#define CONFIG_KEY_NAMES \
	"name, directory, state_dir, socket, log_level, threads, max_inflight_bytes, on_no_quorum, ack_timeout_ms, data_link, cpg_pack_ms"

#define CONFIG_N_KEYS (sizeof(config_keys) / sizeof(config_keys[0]))

void config_init(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->log_level = LOG_LEVEL_DEFAULT;
	cfg->threads = CONFIG_THREADS_DEFAULT;
	cfg->max_inflight_bytes = CONFIG_MAX_INFLIGHT_DEFAULT;
	cfg->on_no_quorum = CONFIG_NO_QUORUM_DEFAULT;
	cfg->ack_timeout_ms = CONFIG_ACK_TIMEOUT_DEFAULT;
	cfg->data_link = CONFIG_DATA_LINK_DEFAULT;
	cfg->cpg_pack_ms = CONFIG_CPG_PACK_DEFAULT;
}

const char *config_no_quorum_name(enum config_no_quorum v)
{
	return v == CONFIG_NO_QUORUM_CONTINUE ? "continue" : "suspend";
}

static int config_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Apply key=value for one config_key; `where` prefixes messages. */
static int config_set_key(struct config *cfg, const struct config_key *k,
			  const char *value, const char *where,
			  const char *label, char *err, size_t errlen)
{
	int rc;

	if (k->bit != CONFIG_SET_DIRS && (cfg->set & k->bit))
		return config_fail(err, errlen, "%s%s: given more than once",
				   where, label);
	rc = k->set(cfg, value, where, label, err, errlen);
	if (rc == 0)
		cfg->set |= k->bit;
	return rc;
}

int config_parse_line(struct config *cfg, const char *line, const char *file,
		      unsigned int lineno, char *err, size_t errlen)
{
	char buf[CONFIG_LINE_MAX];
	char where[PATH_MAX + 32];
	char *key, *value, *eq, *end;
	size_t len, i;

	snprintf(where, sizeof(where), "%s:%u: ", file ? file : "config",
		 lineno);
	len = strlen(line);
	if (len && line[len - 1] == '\n')
		len--;
	if (len >= sizeof(buf))
		return config_fail(err, errlen,
				   "%sline is too long (at most %d bytes)",
				   where, CONFIG_LINE_MAX - 1);
	memcpy(buf, line, len);
	buf[len] = '\0';

	key = buf;
	while (config_is_space(*key))
		key++;
	if (*key == '\0' || *key == '#')
		return 0;
	end = key + strlen(key);
	while (end > key && config_is_space(end[-1]))
		*--end = '\0';
	eq = strchr(key, '=');
	if (!eq)
		return config_fail(err, errlen,
				   "%sexpected 'key = value', got '%s'", where,
				   key);
	value = eq + 1;
	while (eq > key && config_is_space(eq[-1]))
		eq--;
	*eq = '\0';
	while (config_is_space(*value))
		value++;
	if (*key == '\0')
		return config_fail(err, errlen, "%smissing key before '='",
				   where);
	if (config_has_ctrl(key) || config_has_ctrl(value))
		return config_fail(err, errlen,
				   "%s%s: control characters are not allowed",
				   where, key);

	for (i = 0; i < CONFIG_N_KEYS; i++) {
		if (strcmp(key, config_keys[i].key) != 0)
			continue;
		if (*value == '\0')
			return config_fail(err, errlen, "%s%s: missing value",
					   where, key);
		return config_set_key(cfg, &config_keys[i], value, where, key,
				      err, errlen);
	}
	return config_fail(err, errlen,
			   "%sunknown key '%s' (known keys: " CONFIG_KEY_NAMES
			   ")",
			   where, key);
}

int config_parse_buffer(struct config *cfg, const char *buf, size_t len,
			const char *file, char *err, size_t errlen)
{
	char line[CONFIG_LINE_MAX];
	unsigned int lineno = 0;
	size_t pos = 0;
	int rc;

	if (memchr(buf, '\0', len))
		return config_fail(err, errlen,
				   "%s: contains a NUL byte (not a text file)",
				   file ? file : "config");
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - (buf + pos)) : len - pos;

		lineno++;
		if (llen >= sizeof(line))
			return config_fail(
				err, errlen,
				"%s:%u: line is too long (at most %d bytes)",
				file ? file : "config", lineno,
				CONFIG_LINE_MAX - 1);
		memcpy(line, buf + pos, llen);
		line[llen] = '\0';
		rc = config_parse_line(cfg, line, file, lineno, err, errlen);
		if (rc < 0)
			return rc;
		pos += llen + (nl ? 1 : 0);
	}
	return 0;
}

int config_load_file(struct config *cfg, const char *path, char *err,
		     size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot open config file %s: %s", path,
			 strerror(-rc));
		return rc;
	}
	buf = calloc(1, CONFIG_FILE_MAX + 1);
	if (!buf) {
		rc = -ENOMEM;
		snprintf(err, errlen, "cannot read config file %s: %s", path,
			 strerror(-rc));
		goto out_close_fd;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, CONFIG_FILE_MAX + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			snprintf(err, errlen, "cannot read config file %s: %s",
				 path, strerror(-rc));
			goto out_free;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > CONFIG_FILE_MAX) {
			rc = -EFBIG;
			snprintf(
				err, errlen,
				"config file %s is too large (at most %u bytes)",
				path, CONFIG_FILE_MAX);
			goto out_free;
		}
	}
	rc = config_parse_buffer(cfg, buf, len, path, err, errlen);
out_free:
	free(buf);
out_close_fd:
	close(fd);
	return rc;
}

static const struct option config_options[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "name", required_argument, NULL, 'n' },
	{ "directory", required_argument, NULL, 'd' },
	{ "state-dir", required_argument, NULL, 's' },
	{ "log-level", required_argument, NULL, 'l' },
	{ "socket", required_argument, NULL, 'S' },
	{ "foreground", no_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static const struct config_key *config_key_for_option(int c)
{
	const char *opt = NULL;
	size_t i;

	for (i = 0; config_options[i].name; i++)
		if (config_options[i].val == c)
			opt = config_options[i].name;
	for (i = 0; opt && i < CONFIG_N_KEYS; i++)
		if (config_keys[i].option &&
		    strcmp(config_keys[i].option, opt) == 0)
			return &config_keys[i];
	return NULL;
}

int config_parse_args(struct config_cli *cli, int argc, char *const argv[],
		      char *err, size_t errlen)
{
	int c, rc = 0;

	memset(cli, 0, sizeof(*cli));
	config_init(&cli->over);
	optind = 0; /* glibc: full re-initialisation */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:c:n:d:s:l:S:fhV", config_options,
				NULL)) != -1) {
		const struct config_key *k;
		char label[32];

		switch (c) {
		case 'c':
			if (cli->config_file)
				return config_fail(
					err, errlen,
					"--config: given more than once");
			cli->config_file = optarg;
			break;
		case 'f':
			cli->over.foreground = true;
			break;
		case 'h':
			cli->help = true;
			break;
		case 'V':
			cli->version = true;
			break;
		case ':':
			return config_fail(err, errlen,
					   "option '%s' needs a value",
					   argv[optind - 1]);
		case '?':
			if (optopt)
				return config_fail(err, errlen,
						   "unknown option '-%c'",
						   optopt);
			return config_fail(err, errlen, "unknown option '%s'",
					   argv[optind - 1]);
		default:
			k = config_key_for_option(c);
			if (!k)
				return config_fail(err, errlen,
						   "unknown option '%s'",
						   argv[optind - 1]);
			snprintf(label, sizeof(label), "--%s", k->option);
			rc = config_set_key(&cli->over, k, optarg, "", label,
					    err, errlen);
			if (rc < 0)
				return rc;
			break;
		}
	}
	if (optind < argc)
		return config_fail(
			err, errlen,
			"unexpected argument '%s' (replicd takes options only)",
			argv[optind]);
	optind = 0;
	return 0;
}

void config_apply(struct config *cfg, const struct config *over)
{
	unsigned int i;

	if (over->set & CONFIG_SET_NAME)
		memcpy(cfg->name, over->name, sizeof(cfg->name));
	if (over->set & CONFIG_SET_DIRS) {
		cfg->n_dirs = over->n_dirs;
		for (i = 0; i < over->n_dirs; i++)
			memcpy(cfg->dirs[i], over->dirs[i],
			       sizeof(cfg->dirs[i]));
	}
	if (over->set & CONFIG_SET_STATE_DIR)
		memcpy(cfg->state_dir, over->state_dir, sizeof(cfg->state_dir));
	if (over->set & CONFIG_SET_SOCKET)
		memcpy(cfg->socket_path, over->socket_path,
		       sizeof(cfg->socket_path));
	if (over->set & CONFIG_SET_LOG_LEVEL)
		cfg->log_level = over->log_level;
	if (over->set & CONFIG_SET_THREADS)
		cfg->threads = over->threads;
	if (over->set & CONFIG_SET_MAX_INFLIGHT)
		cfg->max_inflight_bytes = over->max_inflight_bytes;
	if (over->set & CONFIG_SET_NO_QUORUM)
		cfg->on_no_quorum = over->on_no_quorum;
	if (over->set & CONFIG_SET_ACK_TIMEOUT)
		cfg->ack_timeout_ms = over->ack_timeout_ms;
	if (over->set & CONFIG_SET_DATA_LINK)
		cfg->data_link = over->data_link;
	if (over->set & CONFIG_SET_CPG_PACK)
		cfg->cpg_pack_ms = over->cpg_pack_ms;
	if (over->foreground)
		cfg->foreground = true;
	cfg->set |= over->set;
}

/* 1 if `inner` is `outer` or lies below it (both normalised). */
static int config_path_within(const char *inner, const char *outer)
{
	size_t len = strlen(outer);

	return strncmp(inner, outer, len) == 0 &&
	       (inner[len] == '\0' || inner[len] == '/');
}

int config_finish(struct config *cfg, char *err, size_t errlen)
{
	unsigned int i, j;
	int n;

	if (!(cfg->set & CONFIG_SET_NAME) || !cfg->name[0])
		return config_fail(
			err, errlen,
			"name: missing (set 'name' in the config file or use --name)");
	if (cfg->n_dirs < CONFIG_DIRS_MIN)
		return config_fail(
			err, errlen,
			"directory: missing (set at least one 'directory' in the config file or use --directory)");
	for (i = 0; i < cfg->n_dirs; i++) {
		for (j = i + 1; j < cfg->n_dirs; j++) {
			if (strcmp(cfg->dirs[i], cfg->dirs[j]) == 0)
				return config_fail(
					err, errlen,
					"directory: %s is given twice",
					cfg->dirs[i]);
			if (config_path_within(cfg->dirs[i], cfg->dirs[j]) ||
			    config_path_within(cfg->dirs[j], cfg->dirs[i]))
				return config_fail(
					err, errlen,
					"directory: %s and %s are nested (one is inside the other)",
					cfg->dirs[i], cfg->dirs[j]);
		}
	}
	if (!(cfg->set & CONFIG_SET_STATE_DIR)) {
		n = snprintf(cfg->state_dir, sizeof(cfg->state_dir), "%s/%s",
			     REPLICD_STATE_DIR, cfg->name);
		if (n < 0 || (size_t)n >= sizeof(cfg->state_dir))
			return config_fail(
				err, errlen,
				"state_dir: default path is too long");
	}
	if (!(cfg->set & CONFIG_SET_SOCKET) &&
	    config_default_socket(cfg->name, cfg->socket_path,
				  sizeof(cfg->socket_path)) < 0)
		return config_fail(
			err, errlen,
			"socket: default path is too long for a unix socket; set 'socket'");
	for (i = 0; i < cfg->n_dirs; i++) {
		if (config_path_within(cfg->state_dir, cfg->dirs[i]) ||
		    config_path_within(cfg->dirs[i], cfg->state_dir))
			return config_fail(
				err, errlen,
				"state_dir: %s must not be inside or contain the replicated directory %s",
				cfg->state_dir, cfg->dirs[i]);
		if (config_path_within(cfg->socket_path, cfg->dirs[i]))
			return config_fail(
				err, errlen,
				"socket: %s must not be inside the replicated directory %s",
				cfg->socket_path, cfg->dirs[i]);
	}
	return 0;
}

int config_resolve(struct config *cfg, const struct config_cli *cli, char *err,
		   size_t errlen)
{
	int rc;

	config_init(cfg);
	if (cli->config_file) {
		rc = config_load_file(cfg, cli->config_file, err, errlen);
		if (rc < 0)
			return rc;
	}
	config_apply(cfg, &cli->over);
	return config_finish(cfg, err, errlen);
}

struct config_fs_magic {
	long magic;
	const char *name;
};

/* Filesystems a mirror must not sit on: network, cluster-shared and
 * FUSE (which includes glusterfs, sshfs, replicd itself). */
static const struct config_fs_magic config_refused_fs[] = {
	{ 0x65735546, "fuse" },	  { 0x6969, "nfs" },
	{ 0xFF534D42, "cifs" },	  { 0xFE534D42, "smb2" },
	{ 0x517B, "smbfs" },	  { 0x00c36400, "ceph" },
	{ 0x5346414F, "afs" },	  { 0x6B414653, "afs" },
	{ 0x73757245, "coda" },	  { 0x01021997, "9p" },
	{ 0x0BD00BD0, "lustre" }, { 0x20030528, "orangefs" },
	{ 0x564c, "ncpfs" },	  { 0x01161970, "gfs2" },
	{ 0x7461636f, "ocfs2" },
};

const char *config_fs_refused(long f_type)
{
	size_t i;

	for (i = 0;
	     i < sizeof(config_refused_fs) / sizeof(config_refused_fs[0]); i++)
		if ((f_type & 0xffffffffL) == config_refused_fs[i].magic)
			return config_refused_fs[i].name;
	return NULL;
}

int config_check_dirs(const struct config *cfg, char *err, size_t errlen)
{
	struct stat st[CONFIG_DIRS_MAX];
	unsigned int i, j;

	for (i = 0; i < cfg->n_dirs; i++) {
		const char *dir = cfg->dirs[i];
		const char *fs;
		struct statfs sfs;
		int rc;

		if (lstat(dir, &st[i]) < 0) {
			rc = -errno;
			snprintf(err, errlen,
				 "replicated directory %s is not usable: %s",
				 dir, strerror(-rc));
			return rc;
		}
		if (S_ISLNK(st[i].st_mode)) {
			snprintf(
				err, errlen,
				"replicated directory %s is a symbolic link: give the real path",
				dir);
			return -EINVAL;
		}
		if (!S_ISDIR(st[i].st_mode)) {
			snprintf(err, errlen,
				 "replicated directory %s is not a directory",
				 dir);
			return -ENOTDIR;
		}
		if (statfs(dir, &sfs) < 0) {
			rc = -errno;
			snprintf(err, errlen,
				 "cannot check the filesystem of %s: %s", dir,
				 strerror(-rc));
			return rc;
		}
		fs = config_fs_refused((long)sfs.f_type);
		if (fs) {
			snprintf(
				err, errlen,
				"replicated directory %s is on a %s filesystem: replicd needs a local disk filesystem",
				dir, fs);
			return -EMEDIUMTYPE;
		}
		for (j = 0; j < i; j++) {
			if (st[j].st_dev == st[i].st_dev &&
			    st[j].st_ino == st[i].st_ino) {
				snprintf(
					err, errlen,
					"replicated directories %s and %s are the same directory",
					cfg->dirs[j], dir);
				return -EINVAL;
			}
		}
	}
	return 0;
}

void config_usage(FILE *out, const char *prog)
{
	fprintf(out,
		"Usage: %s [OPTION]...\n"
		"Mirror directories synchronously between cluster nodes.\n"
		"\n"
		"  -c, --config FILE      read settings from FILE (key = value lines)\n"
		"  -n, --name NAME        resource name ([A-Za-z0-9_.-], 1-63 characters)\n"
		"  -d, --directory DIR    replicated directory (absolute path, repeatable)\n"
		"  -s, --state-dir DIR    metadata directory (default %s/NAME)\n"
		"  -l, --log-level LEVEL  " LOG_LEVEL_NAMES
		" (default notice)\n"
		"  -S, --socket PATH      control socket (default %s/NAME.sock)\n"
		"  -f, --foreground       stay in the foreground, log to stderr too\n"
		"  -h, --help             show this help and exit\n"
		"  -V, --version          show the version and exit\n"
		"\n"
		"Command-line values override the config file; see replicd.conf(5).\n",
		prog, REPLICD_STATE_DIR, REPLICD_RUN_DIR);
}
