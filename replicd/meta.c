/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * meta.c - persistent metadata: text codec, atomic store, state dir lock,
 * filesystem identity (see meta.h).
 */
#include "config.h" /* first: the generated config.h too */

#include "meta.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <blkid/blkid.h>

#define META_MAGIC    "replicd-meta"
#define META_LINE_MAX (PROTO_MAX_PATH + 128)

static const char *const meta_roles[PROTO_ROLE_MAX] = {
	[PROTO_ROLE_STOP] = "STOP",	[PROTO_ROLE_WAIT] = "WAIT",
	[PROTO_ROLE_SECOND] = "SECOND", [PROTO_ROLE_ALONE] = "ALONE",
	[PROTO_ROLE_PRIM] = "PRIM",
};

__attribute__((format(printf, 4, 5))) static int
meta_fail(int rc, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* CRC-32 (IEEE 802.3, reflected), bit by bit: the file is small. */
static uint32_t meta_crc32(const char *buf, size_t len)
{
	uint32_t crc = 0xffffffffu;
	size_t i;
	int b;

	for (i = 0; i < len; i++) {
		crc ^= (uint8_t)buf[i];
		for (b = 0; b < 8; b++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

void meta_init(struct meta *m, const char *name)
{
	memset(m, 0, sizeof(*m));
	if (name)
		snprintf(m->name, sizeof(m->name), "%s", name);
	m->last_role = PROTO_ROLE_STOP;
}

void meta_gen_to_hex(const uint8_t gen[META_GEN_SIZE], char buf[META_GEN_HEX])
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = 0; i < META_GEN_SIZE; i++) {
		buf[2 * i] = hex[gen[i] >> 4];
		buf[2 * i + 1] = hex[gen[i] & 0xf];
	}
	buf[2 * META_GEN_SIZE] = '\0';
}

static int meta_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int meta_gen_from_hex(const char *hex, uint8_t gen[META_GEN_SIZE])
{
	uint8_t tmp[META_GEN_SIZE];
	int i;

	if (strlen(hex) != 2 * META_GEN_SIZE)
		return -EINVAL;
	for (i = 0; i < META_GEN_SIZE; i++) {
		int hi = meta_hex_digit(hex[2 * i]);
		int lo = meta_hex_digit(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		tmp[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(gen, tmp, META_GEN_SIZE);
	return 0;
}

void meta_new_generation(struct meta *m, const uint8_t random[META_GEN_SIZE])
{
	unsigned int n = m->n_history < META_HISTORY_MAX ? m->n_history + 1 :
							   META_HISTORY_MAX;

	memmove(m->history[1], m->history[0],
		(size_t)(n - 1) * sizeof(m->history[0]));
	memcpy(m->history[0], m->gen, META_GEN_SIZE);
	m->n_history = n;
	memcpy(m->gen, random, META_GEN_SIZE);
}

int meta_knows_generation(const struct meta *m,
			  const uint8_t gen[META_GEN_SIZE])
{
	unsigned int i;

	if (memcmp(m->gen, gen, META_GEN_SIZE) == 0)
		return 1;
	for (i = 0; i < m->n_history && i < META_HISTORY_MAX; i++)
		if (memcmp(m->history[i], gen, META_GEN_SIZE) == 0)
			return 1;
	return 0;
}

int meta_set_peer_sync(struct meta *m, uint32_t node_id,
		       const uint8_t gen[META_GEN_SIZE])
{
	unsigned int i;

	for (i = 0; i < m->n_peers; i++) {
		if (m->peers[i].node_id == node_id) {
			memcpy(m->peers[i].gen, gen, META_GEN_SIZE);
			return 0;
		}
	}
	if (m->n_peers >= META_PEERS_MAX)
		return -ENOSPC;
	m->peers[m->n_peers].node_id = node_id;
	memcpy(m->peers[m->n_peers].gen, gen, META_GEN_SIZE);
	m->n_peers++;
	return 0;
}

const struct meta_peer *meta_peer_sync(const struct meta *m, uint32_t node_id)
{
	unsigned int i;

	for (i = 0; i < m->n_peers && i < META_PEERS_MAX; i++)
		if (m->peers[i].node_id == node_id)
			return &m->peers[i];
	return NULL;
}

int meta_fsid_same(const struct meta_fsid *a, const struct meta_fsid *b)
{
	if (!a->type[0] || !a->uuid[0] || strcmp(a->uuid, META_UNKNOWN) == 0 ||
	    strcmp(a->type, META_UNKNOWN) == 0)
		return 0;
	return strcmp(a->type, b->type) == 0 && strcmp(a->uuid, b->uuid) == 0;
}

/* A token: non-empty, no space, no control character. */
static int meta_token_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* A path: absolute, no control character (spaces are fine: last field). */
static int meta_path_ok(const char *s)
{
	if (s[0] != '/')
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

struct meta_out {
	char *buf;
	size_t len;
	size_t pos;
	int overflow;
};

__attribute__((format(printf, 2, 3))) static void meta_put(struct meta_out *o,
							   const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->pos, o->len - o->pos, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->len - o->pos) {
		o->overflow = 1;
		return;
	}
	o->pos += (size_t)n;
}

long meta_encode(const struct meta *m, char *buf, size_t len)
{
	struct meta_out o = { .buf = buf, .len = len };
	char hex[META_GEN_HEX];
	unsigned int i;

	if (!config_name_valid(m->name) || m->n_history > META_HISTORY_MAX ||
	    m->n_peers > META_PEERS_MAX || m->n_dirs > PROTO_MAX_DIRS ||
	    (unsigned int)m->last_role >= PROTO_ROLE_MAX ||
	    (m->last_primary_name[0] && !meta_token_ok(m->last_primary_name)) ||
	    strcmp(m->last_primary_name, "-") == 0)
		return -EINVAL;
	for (i = 0; i < m->n_dirs; i++)
		if (!meta_token_ok(m->dirs[i].type) ||
		    !meta_token_ok(m->dirs[i].uuid) ||
		    !meta_path_ok(m->dirs[i].path))
			return -EINVAL;
	if (len == 0)
		return -ENOSPC;

	meta_put(&o, "%s %d\n", META_MAGIC, META_VERSION);
	meta_put(&o, "name %s\n", m->name);
	meta_gen_to_hex(m->gen, hex);
	meta_put(&o, "generation %s\n", hex);
	meta_put(&o, "up_to_date %d\n", m->up_to_date ? 1 : 0);
	meta_put(&o, "clean %d\n", m->clean ? 1 : 0);
	meta_put(&o, "last_role %s\n", meta_roles[m->last_role]);
	meta_put(&o, "last_primary %u %s\n", m->last_primary_id,
		 m->last_primary_name[0] ? m->last_primary_name : "-");
	for (i = 0; i < m->n_history; i++) {
		meta_gen_to_hex(m->history[i], hex);
		meta_put(&o, "history %s\n", hex);
	}
	for (i = 0; i < m->n_peers; i++) {
		meta_gen_to_hex(m->peers[i].gen, hex);
		meta_put(&o, "peer_sync %u %s\n", m->peers[i].node_id, hex);
	}
	for (i = 0; i < m->n_dirs; i++)
		meta_put(&o, "dir %s %s %s\n", m->dirs[i].type, m->dirs[i].uuid,
			 m->dirs[i].path);
	if (o.overflow)
		return -ENOSPC;
	meta_put(&o, "checksum %08x\n", meta_crc32(buf, o.pos));
	if (o.overflow)
		return -ENOSPC;
	return (long)o.pos;
}

/* Split "key rest" at the first space; rest may be NULL. */
static char *meta_split(char *line)
{
	char *sp = strchr(line, ' ');

	if (!sp)
		return NULL;
	*sp = '\0';
	return sp + 1;
}

static int meta_parse_u32(const char *s, uint32_t *out)
{
	uint64_t v = 0;
	int rc = config_parse_u64(s, 0, UINT32_MAX, &v);

	if (rc == 0)
		*out = (uint32_t)v;
	return rc;
}

static int meta_parse_bool(const char *s, bool *out)
{
	if (strcmp(s, "0") == 0)
		*out = false;
	else if (strcmp(s, "1") == 0)
		*out = true;
	else
		return -EINVAL;
	return 0;
}

enum {
	META_K_NAME = 1u << 0,
	META_K_GEN = 1u << 1,
	META_K_UPTODATE = 1u << 2,
	META_K_CLEAN = 1u << 3,
	META_K_ROLE = 1u << 4,
	META_K_PRIMARY = 1u << 5,
	META_K_REQUIRED = (1u << 6) - 1,
};

static const char *const meta_required_names[] = {
	"name",	 "generation", "up_to_date",
	"clean", "last_role",  "last_primary",
};

/* Parse one body line (NUL terminated copy) into out. */
static int meta_decode_line(char *line, unsigned int lineno, unsigned int *seen,
			    struct meta *out, char *err, size_t errlen)
{
	char *key = line;
	char *val = meta_split(line);
	unsigned int bit = 0;
	int i;

	if (!val || !*val)
		return meta_fail(-EBADMSG, err, errlen,
				 "line %u: '%s' has no value", lineno, key);
	if (strcmp(key, "name") == 0) {
		bit = META_K_NAME;
		if (!config_name_valid(val))
			goto bad_value;
		snprintf(out->name, sizeof(out->name), "%s", val);
	} else if (strcmp(key, "generation") == 0) {
		bit = META_K_GEN;
		if (meta_gen_from_hex(val, out->gen) < 0)
			goto bad_value;
	} else if (strcmp(key, "up_to_date") == 0) {
		bit = META_K_UPTODATE;
		if (meta_parse_bool(val, &out->up_to_date) < 0)
			goto bad_value;
	} else if (strcmp(key, "clean") == 0) {
		bit = META_K_CLEAN;
		if (meta_parse_bool(val, &out->clean) < 0)
			goto bad_value;
	} else if (strcmp(key, "last_role") == 0) {
		bit = META_K_ROLE;
		for (i = 0; i < PROTO_ROLE_MAX; i++)
			if (strcmp(val, meta_roles[i]) == 0)
				break;
		if (i == PROTO_ROLE_MAX)
			goto bad_value;
		out->last_role = (enum proto_role)i;
	} else if (strcmp(key, "last_primary") == 0) {
		char *nm = meta_split(val);

		bit = META_K_PRIMARY;
		if (!nm || meta_parse_u32(val, &out->last_primary_id) < 0 ||
		    !meta_token_ok(nm) || strlen(nm) > META_NODE_NAME_MAX)
			goto bad_value;
		if (strcmp(nm, "-") != 0)
			snprintf(out->last_primary_name,
				 sizeof(out->last_primary_name), "%s", nm);
	} else if (strcmp(key, "history") == 0) {
		if (out->n_history >= META_HISTORY_MAX)
			return meta_fail(
				-EBADMSG, err, errlen,
				"line %u: more than %d history entries", lineno,
				META_HISTORY_MAX);
		if (meta_gen_from_hex(val, out->history[out->n_history]) < 0)
			goto bad_value;
		out->n_history++;
	} else if (strcmp(key, "peer_sync") == 0) {
		char *hex = meta_split(val);
		struct meta_peer *p;

		if (out->n_peers >= META_PEERS_MAX)
			return meta_fail(
				-EBADMSG, err, errlen,
				"line %u: more than %d peer_sync entries",
				lineno, META_PEERS_MAX);
		p = &out->peers[out->n_peers];
		if (!hex || meta_parse_u32(val, &p->node_id) < 0 ||
		    meta_gen_from_hex(hex, p->gen) < 0)
			goto bad_value;
		if (meta_peer_sync(out, p->node_id))
			return meta_fail(
				-EBADMSG, err, errlen,
				"line %u: peer_sync for node %u given twice",
				lineno, p->node_id);
		out->n_peers++;
	} else if (strcmp(key, "dir") == 0) {
		char *uuid = meta_split(val);
		char *path = uuid ? meta_split(uuid) : NULL;
		struct meta_fsid *d;

		if (out->n_dirs >= PROTO_MAX_DIRS)
			return meta_fail(-EBADMSG, err, errlen,
					 "line %u: more than %u dir entries",
					 lineno, PROTO_MAX_DIRS);
		d = &out->dirs[out->n_dirs];
		if (!path || !meta_token_ok(val) || !meta_token_ok(uuid) ||
		    !meta_path_ok(path) || strlen(val) > META_FS_TYPE_MAX ||
		    strlen(uuid) > META_FS_UUID_MAX ||
		    strlen(path) > PROTO_MAX_PATH)
			return meta_fail(
				-EBADMSG, err, errlen,
				"line %u: dir: expected 'dir TYPE UUID /PATH'",
				lineno);
		snprintf(d->type, sizeof(d->type), "%s", val);
		snprintf(d->uuid, sizeof(d->uuid), "%s", uuid);
		snprintf(d->path, sizeof(d->path), "%s", path);
		out->n_dirs++;
	} else {
		return meta_fail(-EBADMSG, err, errlen,
				 "line %u: unknown key '%s'", lineno, key);
	}
	if (bit) {
		if (*seen & bit)
			return meta_fail(-EBADMSG, err, errlen,
					 "line %u: '%s' given twice", lineno,
					 key);
		*seen |= bit;
	}
	return 0;

bad_value:
	return meta_fail(-EBADMSG, err, errlen, "line %u: bad value for '%s'",
			 lineno, key);
}

int meta_decode(const char *buf, size_t len, struct meta *out, char *err,
		size_t errlen)
{
	char line[META_LINE_MAX];
	const char *nl, *last;
	unsigned int lineno = 1, seen = 0, i;
	unsigned int version;
	uint32_t crc_file;
	size_t pos, body_end, llen;
	char tail;
	int rc;

	meta_init(out, NULL);
	if (len > META_ENCODED_MAX)
		return meta_fail(-EBADMSG, err, errlen,
				 "file is too large (%zu bytes, at most %u)",
				 len, META_ENCODED_MAX);
	/* Line 1: magic and version, before anything else. */
	nl = memchr(buf, '\n', len);
	llen = nl ? (size_t)(nl - buf) : len;
	if (llen >= 64 || !nl)
		return meta_fail(
			-EBADMSG, err, errlen,
			"line 1: not a replicd metadata file (no '%s VERSION' line)",
			META_MAGIC);
	memcpy(line, buf, llen);
	line[llen] = '\0';
	if (sscanf(line, META_MAGIC " %u%c", &version, &tail) != 1 ||
	    strncmp(line, META_MAGIC " ", sizeof(META_MAGIC)) != 0 ||
	    line[sizeof(META_MAGIC)] < '1' || line[sizeof(META_MAGIC)] > '9')
		return meta_fail(
			-EBADMSG, err, errlen,
			"line 1: not a replicd metadata file (no '%s VERSION' line)",
			META_MAGIC);
	if (version != META_VERSION)
		return meta_fail(
			-EPROTONOSUPPORT, err, errlen,
			"metadata version %u is not supported (this replicd reads version %d): written by a newer replicd?",
			version, META_VERSION);

	/* Last line: the checksum of everything before it. */
	if (len == 0 || buf[len - 1] != '\n')
		return meta_fail(-EBADMSG, err, errlen,
				 "last line is incomplete (file truncated?)");
	last = buf + len - 1;
	while (last > buf && last[-1] != '\n')
		last--;
	body_end = (size_t)(last - buf);
	llen = len - 1 - body_end;
	if (llen != strlen("checksum ") + 8 ||
	    strncmp(last, "checksum ", 9) != 0)
		return meta_fail(
			-EBADMSG, err, errlen,
			"no checksum line at the end (file truncated?)");
	for (i = 0, crc_file = 0; i < 8; i++) {
		int d = meta_hex_digit(last[9 + i]);

		if (d < 0)
			return meta_fail(-EBADMSG, err, errlen,
					 "checksum line: bad hex");
		crc_file = crc_file << 4 | (uint32_t)d;
	}
	if (crc_file != meta_crc32(buf, body_end))
		return meta_fail(
			-EBADMSG, err, errlen,
			"checksum mismatch (stored %08x, computed %08x): the file is damaged",
			crc_file, meta_crc32(buf, body_end));

	pos = (size_t)(nl - buf) + 1;
	while (pos < body_end) {
		nl = memchr(buf + pos, '\n', body_end - pos);
		lineno++;
		llen = (size_t)(nl - (buf + pos)); /* body ends with \n */
		if (llen >= sizeof(line))
			return meta_fail(-EBADMSG, err, errlen,
					 "line %u: too long", lineno);
		if (memchr(buf + pos, '\0', llen))
			return meta_fail(-EBADMSG, err, errlen,
					 "line %u: NUL byte", lineno);
		memcpy(line, buf + pos, llen);
		line[llen] = '\0';
		rc = meta_decode_line(line, lineno, &seen, out, err, errlen);
		if (rc < 0)
			return rc;
		pos += llen + 1;
	}
	for (i = 0; i < sizeof(meta_required_names) / sizeof(char *); i++)
		if (!(seen & (1u << i)))
			return meta_fail(-EBADMSG, err, errlen,
					 "key '%s' is missing",
					 meta_required_names[i]);
	return 0;
}

static int meta_path(char *buf, size_t len, const char *dir, const char *file)
{
	int n = snprintf(buf, len, "%s/%s", dir, file);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int meta_load(const char *state_dir, struct meta *out, char *err, size_t errlen)
{
	char path[PROTO_MAX_PATH + 16];
	char *buf = NULL;
	size_t len = 0;
	int fd, rc;

	if (meta_path(path, sizeof(path), state_dir, META_FILE) < 0)
		return meta_fail(-ENAMETOOLONG, err, errlen,
				 "state directory path is too long");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		if (rc == -ENOENT)
			return meta_fail(rc, err, errlen,
					 "no metadata at %s: fresh node", path);
		return meta_fail(rc, err, errlen, "cannot open %s: %s", path,
				 strerror(-rc));
	}
	buf = calloc(1, META_ENCODED_MAX + 1);
	if (!buf) {
		rc = -ENOMEM;
		goto out_close_fd;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, META_ENCODED_MAX + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = meta_fail(-errno, err, errlen,
				       "cannot read %s: %s", path,
				       strerror(errno));
			goto out_free;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > META_ENCODED_MAX)
			break;
	}
	rc = meta_decode(buf, len, out, err, errlen);
	if (rc < 0) {
		char detail[META_ERR_MAX];

		snprintf(detail, sizeof(detail), "%s", err ? err : "");
		meta_fail(rc, err, errlen,
			  "metadata %s is unusable, refusing to start: %s",
			  path, detail);
	}
out_free:
	free(buf);
out_close_fd:
	close(fd);
	return rc;
}

static int meta_write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int meta_store(const char *state_dir, const struct meta *m, char *err,
	       size_t errlen)
{
	char path[PROTO_MAX_PATH + 16], tmp[PROTO_MAX_PATH + 16];
	char *buf = NULL;
	long len;
	int fd = -1, dfd = -1, rc;

	if (meta_path(path, sizeof(path), state_dir, META_FILE) < 0 ||
	    meta_path(tmp, sizeof(tmp), state_dir, META_FILE ".tmp") < 0)
		return meta_fail(-ENAMETOOLONG, err, errlen,
				 "state directory path is too long");
	buf = calloc(1, META_ENCODED_MAX);
	if (!buf)
		return meta_fail(-ENOMEM, err, errlen,
				 "cannot store metadata: out of memory");
	len = meta_encode(m, buf, META_ENCODED_MAX);
	if (len < 0) {
		rc = meta_fail((int)len, err, errlen,
			       "cannot store metadata: invalid contents");
		goto out_free;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = meta_fail(-errno, err, errlen, "cannot create %s: %s", tmp,
			       strerror(errno));
		goto out_free;
	}
	rc = meta_write_all(fd, buf, (size_t)len);
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc < 0) {
		meta_fail(rc, err, errlen, "cannot write %s: %s", tmp,
			  strerror(-rc));
		unlink(tmp);
		goto out_free;
	}
	if (rename(tmp, path) < 0) {
		rc = meta_fail(-errno, err, errlen,
			       "cannot rename %s to %s: %s", tmp, path,
			       strerror(errno));
		unlink(tmp);
		goto out_free;
	}
	dfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) < 0)
		rc = meta_fail(-errno, err, errlen, "cannot sync %s: %s",
			       state_dir, strerror(errno));
	if (dfd >= 0)
		close(dfd);
out_free:
	free(buf);
	return rc;
}

int meta_lock(const char *state_dir, char *err, size_t errlen)
{
	char path[PROTO_MAX_PATH + 16];
	char pidbuf[32];
	struct stat st;
	int fd, rc, n;

	if (meta_path(path, sizeof(path), state_dir, META_LOCK_FILE) < 0)
		return meta_fail(-ENAMETOOLONG, err, errlen,
				 "state directory path is too long");
	if (mkdir(state_dir, 0700) < 0 && errno != EEXIST)
		return meta_fail(-errno, err, errlen,
				 "cannot create state directory %s: %s",
				 state_dir, strerror(errno));
	if (stat(state_dir, &st) < 0)
		return meta_fail(-errno, err, errlen,
				 "cannot use state directory %s: %s", state_dir,
				 strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return meta_fail(-ENOTDIR, err, errlen,
				 "state directory %s is not a directory",
				 state_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return meta_fail(-errno, err, errlen, "cannot open %s: %s",
				 path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		rc = -errno;
		if (rc == -EWOULDBLOCK) {
			ssize_t r = pread(fd, pidbuf, sizeof(pidbuf) - 1, 0);

			pidbuf[r > 0 ? r : 0] = '\0';
			pidbuf[strcspn(pidbuf, "\n")] = '\0';
			rc = meta_fail(
				-EBUSY, err, errlen,
				"a second replicd for the same resource: %s is locked by pid %s",
				state_dir, pidbuf[0] ? pidbuf : "?");
		} else {
			meta_fail(rc, err, errlen, "cannot lock %s: %s", path,
				  strerror(-rc));
		}
		close(fd);
		return rc;
	}
	n = snprintf(pidbuf, sizeof(pidbuf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pidbuf, (size_t)n, 0) != n) {
		rc = -errno;
		close(fd);
		return meta_fail(rc, err, errlen, "cannot write %s: %s", path,
				 strerror(-rc));
	}
	return fd;
}

/* Copy a blkid value if it is a clean token that fits, else "unknown". */
static void meta_fsid_value(char *dst, size_t dlen, const char *val)
{
	if (val && meta_token_ok(val) && strlen(val) < dlen)
		snprintf(dst, dlen, "%s", val);
	else
		snprintf(dst, dlen, "%s", META_UNKNOWN);
}

int meta_fsid_probe(const char *dir, struct meta_fsid *out)
{
	const char *type = NULL, *uuid = NULL;
	blkid_probe pr = NULL;
	char *devname = NULL;
	struct stat st;

	if (stat(dir, &st) < 0)
		return -errno;
	memset(out, 0, sizeof(*out));
	snprintf(out->path, sizeof(out->path), "%s", dir);
	if (major(st.st_dev) != 0)
		devname = blkid_devno_to_devname(st.st_dev);
	if (devname)
		pr = blkid_new_probe_from_filename(devname);
	if (pr) {
		blkid_probe_enable_superblocks(pr, 1);
		blkid_probe_set_superblocks_flags(
			pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_UUID);
		if (blkid_do_safeprobe(pr) == 0) {
			blkid_probe_lookup_value(pr, "TYPE", &type, NULL);
			blkid_probe_lookup_value(pr, "UUID", &uuid, NULL);
		}
	}
	meta_fsid_value(out->type, sizeof(out->type), type);
	meta_fsid_value(out->uuid, sizeof(out->uuid), uuid);
	if (pr)
		blkid_free_probe(pr);
	free(devname);
	return 0;
}
