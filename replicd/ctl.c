/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl.c - control socket wire codec, pure (see ctl.h for the protocol;
 * the socket I/O is in ctl_sock.c).
 */
#include "config.h" /* first: the generated config.h too */

#include "ctl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CTL_STATUS_VERSION 1

static const char *const ctl_cmds[CTL_CMD_MAX] = {
	[CTL_CMD_STATUS] = "status",
	[CTL_CMD_PROMOTE] = "promote",
	[CTL_CMD_DEMOTE] = "demote",
	[CTL_CMD_FORCE_PRIMARY] = "force-primary",
	[CTL_CMD_INVALIDATE] = "invalidate",
};

static const char *const ctl_roles[PROTO_ROLE_MAX] = {
	[PROTO_ROLE_STOP] = "STOP",	[PROTO_ROLE_WAIT] = "WAIT",
	[PROTO_ROLE_SECOND] = "SECOND", [PROTO_ROLE_ALONE] = "ALONE",
	[PROTO_ROLE_PRIM] = "PRIM",
};

struct ctl_errno_name {
	int errnum;
	const char *name;
};

static const struct ctl_errno_name ctl_errnos[] = {
	{ EPERM, "EPERM" },
	{ ENOENT, "ENOENT" },
	{ EIO, "EIO" },
	{ EAGAIN, "EAGAIN" },
	{ ENOMEM, "ENOMEM" },
	{ EACCES, "EACCES" },
	{ EBUSY, "EBUSY" },
	{ EEXIST, "EEXIST" },
	{ EINVAL, "EINVAL" },
	{ ENOSPC, "ENOSPC" },
	{ EROFS, "EROFS" },
	{ ENODATA, "ENODATA" },
	{ ETIME, "ETIME" },
	{ EPROTO, "EPROTO" },
	{ EBADMSG, "EBADMSG" },
	{ EMSGSIZE, "EMSGSIZE" },
	{ EOPNOTSUPP, "EOPNOTSUPP" },
	{ ENOTCONN, "ENOTCONN" },
	{ ETIMEDOUT, "ETIMEDOUT" },
	{ ECONNREFUSED, "ECONNREFUSED" },
	{ EHOSTUNREACH, "EHOSTUNREACH" },
	{ EALREADY, "EALREADY" },
	{ EINPROGRESS, "EINPROGRESS" },
	{ ESTALE, "ESTALE" },
	{ ECANCELED, "ECANCELED" },
	{ ENOTRECOVERABLE, "ENOTRECOVERABLE" },
	{ EDEADLK, "EDEADLK" },
	{ ENOLINK, "ENOLINK" },
};

#define CTL_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

__attribute__((format(printf, 4, 5))) static int
ctl_fail(int rc, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

const char *ctl_cmd_name(enum ctl_cmd cmd)
{
	return (unsigned int)cmd < CTL_CMD_MAX ? ctl_cmds[cmd] : NULL;
}

const char *ctl_role_name(enum proto_role role)
{
	return (unsigned int)role < PROTO_ROLE_MAX ? ctl_roles[role] : "?";
}

int ctl_role_parse(const char *s, enum proto_role *role)
{
	int i;

	for (i = 0; i < PROTO_ROLE_MAX; i++) {
		if (strcmp(s, ctl_roles[i]) == 0) {
			*role = (enum proto_role)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *ctl_err_name(int errnum, char *buf, size_t len)
{
	size_t i;

	if (errnum < 0)
		errnum = -errnum;
	for (i = 0; i < CTL_ARRAY_SIZE(ctl_errnos); i++)
		if (ctl_errnos[i].errnum == errnum)
			return ctl_errnos[i].name;
	snprintf(buf, len, "E%d", errnum);
	return buf;
}

int ctl_err_parse(const char *name, int *errnum)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < CTL_ARRAY_SIZE(ctl_errnos); i++) {
		if (strcmp(name, ctl_errnos[i].name) == 0) {
			*errnum = ctl_errnos[i].errnum;
			return 0;
		}
	}
	if (name[0] == 'E' && config_parse_u64(name + 1, 1, 4095, &v) == 0) {
		*errnum = (int)v;
		return 0;
	}
	return -EINVAL;
}

/* --- codec ------------------------------------------------------------ */

long ctl_request_encode(enum ctl_cmd cmd, char *buf, size_t len)
{
	int n;

	if (!ctl_cmd_name(cmd))
		return -EINVAL;
	n = snprintf(buf, len, "%s %s\n", CTL_MAGIC, ctl_cmds[cmd]);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}

int ctl_request_parse(const char *buf, size_t len, enum ctl_cmd *cmd, char *err,
		      size_t errlen)
{
	char line[CTL_REQUEST_MAX];
	const char *word;
	size_t i;
	int c;

	if (len && buf[len - 1] == '\n')
		len--;
	if (len >= sizeof(line))
		return ctl_fail(-EPROTO, err, errlen,
				"request too long (at most %d bytes)",
				CTL_REQUEST_MAX - 1);
	for (i = 0; i < len; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			return ctl_fail(-EPROTO, err, errlen,
					"request contains control characters");
	memcpy(line, buf, len);
	line[len] = '\0';
	if (strncmp(line, CTL_MAGIC " ", sizeof(CTL_MAGIC)) != 0)
		return ctl_fail(-EPROTO, err, errlen,
				"not a %s request (expected '%s COMMAND')",
				CTL_MAGIC, CTL_MAGIC);
	word = line + sizeof(CTL_MAGIC);
	for (c = 0; c < CTL_CMD_MAX; c++) {
		if (strcmp(word, ctl_cmds[c]) == 0) {
			*cmd = (enum ctl_cmd)c;
			return 0;
		}
	}
	return ctl_fail(-EOPNOTSUPP, err, errlen,
			"unknown command '%.64s' (known: " CTL_CMD_NAMES ")",
			word);
}

/* Copy src to dst (size dlen), control characters replaced by '?'. */
static void ctl_sanitize(char *dst, size_t dlen, const char *src)
{
	size_t i;

	if (!dlen)
		return;
	for (i = 0; src[i] && i + 1 < dlen; i++)
		dst[i] = ((unsigned char)src[i] < 0x20 || src[i] == 0x7f) ?
				 '?' :
				 src[i];
	dst[i] = '\0';
}

long ctl_err_encode(int errnum, const char *msg, char *buf, size_t len)
{
	char clean[CTL_MSG_MAX], nbuf[16];
	int n;

	if (errnum < 0)
		errnum = -errnum;
	if (errnum == 0)
		errnum = EIO;
	ctl_sanitize(clean, sizeof(clean),
		     msg && *msg ? msg : strerror(errnum));
	n = snprintf(buf, len, "ERR %s %s\n",
		     ctl_err_name(errnum, nbuf, sizeof(nbuf)), clean);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}

long ctl_ok_encode(char *buf, size_t len)
{
	if (len < 6)
		return -ENOSPC;
	memcpy(buf, "OK\n.\n", 6);
	return 5;
}

struct ctl_out {
	char *buf;
	size_t len;
	size_t pos;
	int overflow;
};

__attribute__((format(printf, 2, 3))) static void ctl_put(struct ctl_out *o,
							  const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->pos, o->len - o->pos, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->len - o->pos)
		o->overflow = 1;
	else
		o->pos += (size_t)n;
}

/* key=value with the value sanitised. */
static void ctl_put_str(struct ctl_out *o, const char *key, const char *val)
{
	char clean[PROTO_MAX_PATH + 1];

	ctl_sanitize(clean, sizeof(clean), val);
	ctl_put(o, "%s=%s\n", key, clean);
}

long ctl_status_encode(const struct ctl_status *st, char *buf, size_t len)
{
	struct ctl_out o = { .buf = buf, .len = len };
	char key[48];
	static const char hex[] = "0123456789abcdef";
	char gen[33];
	unsigned int i;

	if (st->n_peers > CTL_MAX_PEERS || st->n_dirs > PROTO_MAX_DIRS)
		return -EINVAL;
	if (len == 0)
		return -ENOSPC;
	for (i = 0; i < 16; i++) {
		gen[2 * i] = hex[st->gen[i] >> 4];
		gen[2 * i + 1] = hex[st->gen[i] & 0xf];
	}
	gen[32] = '\0';
	ctl_put(&o, "OK\nversion=%d\n", CTL_STATUS_VERSION);
	ctl_put_str(&o, "name", st->name);
	ctl_put(&o, "node_id=%u\n", st->node_id);
	ctl_put(&o, "role=%s\n", ctl_role_name(st->role));
	ctl_put(&o, "up_to_date=%d\n", st->up_to_date ? 1 : 0);
	ctl_put(&o, "syncing=%d\n", st->syncing ? 1 : 0);
	ctl_put(&o, "sync_permille=%u\n",
		st->sync_permille > 1000 ? 1000 : st->sync_permille);
	ctl_put(&o, "generation=%s\n", gen);
	ctl_put(&o, "quorate=%d\n", st->quorate ? 1 : 0);
	ctl_put(&o, "ops_replicated=%llu\n",
		(unsigned long long)st->ops_replicated);
	ctl_put(&o, "bytes_replicated=%llu\n",
		(unsigned long long)st->bytes_replicated);
	ctl_put(&o, "seq=%llu\n", (unsigned long long)st->seq);
	ctl_put(&o, "link_sent=%llu\n", (unsigned long long)st->link_sent);
	ctl_put(&o, "link_received=%llu\n",
		(unsigned long long)st->link_received);
	ctl_put(&o, "last_primary=%u\n", st->last_primary);
	ctl_put_str(&o, "last_error", st->last_error);
	ctl_put(&o, "dirs=%u\n", st->n_dirs);
	for (i = 0; i < st->n_dirs; i++) {
		snprintf(key, sizeof(key), "dir.%u", i);
		ctl_put_str(&o, key, st->dirs[i]);
	}
	ctl_put(&o, "peers=%u\n", st->n_peers);
	for (i = 0; i < st->n_peers; i++) {
		const struct ctl_peer *p = &st->peers[i];

		ctl_put(&o, "peer.%u.node_id=%u\n", i, p->node_id);
		snprintf(key, sizeof(key), "peer.%u.name", i);
		ctl_put_str(&o, key, p->name);
		ctl_put(&o, "peer.%u.role=%s\n", i, ctl_role_name(p->role));
		ctl_put(&o, "peer.%u.up_to_date=%d\n", i,
			p->up_to_date ? 1 : 0);
		ctl_put(&o, "peer.%u.connected=%d\n", i, p->connected ? 1 : 0);
		ctl_put(&o, "peer.%u.data_link=%d\n", i, p->data_link ? 1 : 0);
		ctl_put(&o, "peer.%u.sync_permille=%u\n", i,
			p->sync_permille > 1000 ? 1000 : p->sync_permille);
		ctl_put(&o, "peer.%u.acked_seq=%llu\n", i,
			(unsigned long long)p->acked_seq);
	}
	ctl_put(&o, ".\n");
	return o.overflow ? -ENOSPC : (long)o.pos;
}

int ctl_response_decode(const char *buf, size_t len, const char **body,
			size_t *body_len, char *err, size_t errlen)
{
	size_t pos, i;

	*body = NULL;
	*body_len = 0;
	if (len > CTL_RESPONSE_MAX)
		return ctl_fail(-EBADMSG, err, errlen, "response too large");
	if (memchr(buf, '\0', len))
		return ctl_fail(-EBADMSG, err, errlen,
				"response contains a NUL byte");
	if (len >= 4 && memcmp(buf, "ERR ", 4) == 0) {
		char name[32], msg[CTL_MSG_MAX];
		const char *sp, *end = memchr(buf, '\n', len);
		int errnum = 0;

		if (!end || (size_t)(end - buf) != len - 1)
			return ctl_fail(-EBADMSG, err, errlen,
					"malformed ERR response");
		sp = memchr(buf + 4, ' ', (size_t)(end - (buf + 4)));
		if (!sp || (size_t)(sp - (buf + 4)) >= sizeof(name))
			return ctl_fail(-EBADMSG, err, errlen,
					"malformed ERR response");
		memcpy(name, buf + 4, (size_t)(sp - (buf + 4)));
		name[sp - (buf + 4)] = '\0';
		if (ctl_err_parse(name, &errnum) < 0)
			return ctl_fail(-EBADMSG, err, errlen,
					"malformed ERR response (error '%s')",
					name);
		i = (size_t)(end - (sp + 1));
		if (i >= sizeof(msg))
			i = sizeof(msg) - 1;
		memcpy(msg, sp + 1, i);
		msg[i] = '\0';
		ctl_sanitize(msg, sizeof(msg), msg);
		return ctl_fail(-errnum, err, errlen, "%s", msg);
	}
	if (len < 5 || memcmp(buf, "OK\n", 3) != 0 ||
	    memcmp(buf + len - 2, ".\n", 2) != 0 || buf[len - 3] != '\n')
		return ctl_fail(-EBADMSG, err, errlen,
				"malformed or truncated response");
	/* Check every body line: length, '=', no control characters. */
	for (pos = 3; pos < len - 2;) {
		const char *nl = memchr(buf + pos, '\n', len - 2 - pos);
		size_t llen = (size_t)(nl - (buf + pos));

		if (llen > CTL_LINE_MAX || !memchr(buf + pos, '=', llen))
			return ctl_fail(-EBADMSG, err, errlen,
					"malformed response line");
		for (i = 0; i < llen; i++)
			if ((unsigned char)buf[pos + i] < 0x20)
				return ctl_fail(-EBADMSG, err, errlen,
						"malformed response line");
		pos += llen + 1;
	}
	*body = buf + 3;
	*body_len = len - 5;
	return 0;
}

static int ctl_parse_u64(const char *v, uint64_t max, uint64_t *out)
{
	return config_parse_u64(v, 0, max, out);
}

static int ctl_parse_bool(const char *v, bool *out)
{
	if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
		return -EINVAL;
	*out = v[0] == '1';
	return 0;
}

/* "N.rest" or "N" after a prefix: index < max. */
static int ctl_parse_index(const char *s, unsigned int max, unsigned int *idx,
			   const char **rest)
{
	char num[8];
	size_t n = strspn(s, "0123456789");
	uint64_t v = 0;

	if (n == 0 || n >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, n);
	num[n] = '\0';
	if (config_parse_u64(num, 0, max ? max - 1 : 0, &v) < 0 || max == 0)
		return -EINVAL;
	*idx = (unsigned int)v;
	*rest = s + n;
	return 0;
}

static int ctl_status_peer_key(struct ctl_status *out, const char *key,
			       const char *val)
{
	struct ctl_peer *p;
	const char *field;
	unsigned int idx;
	uint64_t v = 0;

	if (ctl_parse_index(key, out->n_peers, &idx, &field) < 0 ||
	    field[0] != '.')
		return -EINVAL;
	p = &out->peers[idx];
	field++;
	if (strcmp(field, "node_id") == 0) {
		if (ctl_parse_u64(val, UINT32_MAX, &v) < 0)
			return -EINVAL;
		p->node_id = (uint32_t)v;
	} else if (strcmp(field, "name") == 0) {
		if (strlen(val) > CTL_NAME_MAX)
			return -EINVAL;
		snprintf(p->name, sizeof(p->name), "%s", val);
	} else if (strcmp(field, "role") == 0) {
		return ctl_role_parse(val, &p->role);
	} else if (strcmp(field, "up_to_date") == 0) {
		return ctl_parse_bool(val, &p->up_to_date);
	} else if (strcmp(field, "connected") == 0) {
		return ctl_parse_bool(val, &p->connected);
	} else if (strcmp(field, "data_link") == 0) {
		return ctl_parse_bool(val, &p->data_link);
	} else if (strcmp(field, "sync_permille") == 0) {
		if (ctl_parse_u64(val, 1000, &v) < 0)
			return -EINVAL;
		p->sync_permille = (uint32_t)v;
	} else if (strcmp(field, "acked_seq") == 0) {
		return ctl_parse_u64(val, UINT64_MAX, &p->acked_seq);
	}
	return 0; /* unknown peer field: ignored */
}

/* Apply one key=value to out; unknown keys are ignored.  0 or -EINVAL. */
static int ctl_status_key(struct ctl_status *out, const char *key,
			  const char *val)
{
	uint64_t v = 0;
	const char *rest;
	unsigned int idx;

	if (strcmp(key, "version") == 0)
		return ctl_parse_u64(val, UINT32_MAX, &v);
	if (strcmp(key, "name") == 0) {
		if (strlen(val) > CTL_RES_NAME_MAX)
			return -EINVAL;
		snprintf(out->name, sizeof(out->name), "%s", val);
	} else if (strcmp(key, "node_id") == 0) {
		if (ctl_parse_u64(val, UINT32_MAX, &v) < 0)
			return -EINVAL;
		out->node_id = (uint32_t)v;
	} else if (strcmp(key, "link_sent") == 0) {
		return ctl_parse_u64(val, UINT64_MAX, &out->link_sent);
	} else if (strcmp(key, "link_received") == 0) {
		return ctl_parse_u64(val, UINT64_MAX, &out->link_received);
	} else if (strcmp(key, "last_primary") == 0) {
		if (ctl_parse_u64(val, UINT32_MAX, &v) < 0)
			return -EINVAL;
		out->last_primary = (uint32_t)v;
	} else if (strcmp(key, "role") == 0) {
		return ctl_role_parse(val, &out->role);
	} else if (strcmp(key, "up_to_date") == 0) {
		return ctl_parse_bool(val, &out->up_to_date);
	} else if (strcmp(key, "syncing") == 0) {
		return ctl_parse_bool(val, &out->syncing);
	} else if (strcmp(key, "quorate") == 0) {
		return ctl_parse_bool(val, &out->quorate);
	} else if (strcmp(key, "sync_permille") == 0) {
		if (ctl_parse_u64(val, 1000, &v) < 0)
			return -EINVAL;
		out->sync_permille = (uint32_t)v;
	} else if (strcmp(key, "generation") == 0) {
		unsigned int i;

		if (strlen(val) != 32 || strspn(val, "0123456789abcdef") != 32)
			return -EINVAL;
		for (i = 0; i < 16; i++) {
			char b[3] = { val[2 * i], val[2 * i + 1], '\0' };

			out->gen[i] = (uint8_t)strtoul(b, NULL, 16);
		}
	} else if (strcmp(key, "ops_replicated") == 0) {
		return ctl_parse_u64(val, UINT64_MAX, &out->ops_replicated);
	} else if (strcmp(key, "bytes_replicated") == 0) {
		return ctl_parse_u64(val, UINT64_MAX, &out->bytes_replicated);
	} else if (strcmp(key, "seq") == 0) {
		return ctl_parse_u64(val, UINT64_MAX, &out->seq);
	} else if (strcmp(key, "last_error") == 0) {
		if (strlen(val) >= sizeof(out->last_error))
			return -EINVAL;
		snprintf(out->last_error, sizeof(out->last_error), "%s", val);
	} else if (strcmp(key, "dirs") == 0) {
		if (ctl_parse_u64(val, PROTO_MAX_DIRS, &v) < 0)
			return -EINVAL;
		out->n_dirs = (unsigned int)v;
	} else if (strcmp(key, "peers") == 0) {
		if (ctl_parse_u64(val, CTL_MAX_PEERS, &v) < 0)
			return -EINVAL;
		out->n_peers = (unsigned int)v;
	} else if (strncmp(key, "dir.", 4) == 0) {
		if (ctl_parse_index(key + 4, out->n_dirs, &idx, &rest) < 0 ||
		    *rest || strlen(val) > PROTO_MAX_PATH)
			return -EINVAL;
		snprintf(out->dirs[idx], sizeof(out->dirs[idx]), "%s", val);
	} else if (strncmp(key, "peer.", 5) == 0) {
		return ctl_status_peer_key(out, key + 5, val);
	}
	return 0;
}

int ctl_status_decode(const char *buf, size_t len, struct ctl_status *out,
		      char *err, size_t errlen)
{
	char line[CTL_LINE_MAX + 1];
	const char *body = NULL;
	size_t body_len = 0, pos = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = ctl_response_decode(buf, len, &body, &body_len, err, errlen);
	if (rc < 0)
		return rc;
	while (pos < body_len) {
		const char *nl = memchr(body + pos, '\n', body_len - pos);
		size_t llen = (size_t)(nl - (body + pos));
		char *eq;

		memcpy(line, body + pos, llen); /* llen <= CTL_LINE_MAX */
		line[llen] = '\0';
		eq = strchr(line, '=');
		*eq = '\0';
		if (ctl_status_key(out, line, eq + 1) < 0)
			return ctl_fail(-EBADMSG, err, errlen,
					"bad value for '%.64s' in the status",
					line);
		pos += llen + 1;
	}
	return 0;
}
