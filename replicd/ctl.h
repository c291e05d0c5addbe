/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl.h - the control socket of replicd (what mirrorctl talks to).
 *
 * A root-only AF_UNIX SOCK_STREAM socket (mode 0600, in REPLICD_RUN_DIR,
 * mode 0700).  One request per connection, then the server closes:
 *
 *	request:   "HMCTL1 <command>\n"            (<= CTL_REQUEST_MAX bytes)
 *	success:   "OK\n" { "key=value\n" } ".\n"
 *	failure:   "ERR <ERRNO-NAME> <message>\n"  e.g. "ERR EBUSY peer is ..."
 *
 * Values never contain control characters (the encoder replaces them
 * with '?').  Decoders ignore keys they do not know (forward
 * compatibility), check every line's length and every count against the
 * limits below, and never allocate.  An unknown command is answered
 * with ERR EOPNOTSUPP naming the known ones.
 *
 * Status keys: version, name, node_id, role, up_to_date, syncing,
 * sync_permille, generation, quorate, ops_replicated, bytes_replicated,
 * seq, link_sent, link_received, last_primary, last_error, dirs, dir.N, peers, peer.N.node_id, peer.N.name,
 * peer.N.role, peer.N.up_to_date, peer.N.sync_permille,
 * peer.N.acked_seq, peer.N.connected, peer.N.data_link.
 *
 * The codec (ctl_request_*, ctl_response_*, ctl_status_*, ctl_err_*) is
 * pure.  ctl_server_* runs on the daemon's qb_loop and never blocks it;
 * ctl_call() is the blocking client (with a timeout) used by mirrorctl.
 */
#ifndef REPLICD_CTL_H
#define REPLICD_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <qb/qbloop.h>

#include "proto.h"

#define CTL_MAGIC	       "HMCTL1"
#define CTL_REQUEST_MAX	       256 /* one request line, with the \n */
#define CTL_LINE_MAX	       (PROTO_MAX_PATH + 64) /* one response line */
#define CTL_RESPONSE_MAX       (128u * 1024u)	     /* whole response */
#define CTL_MSG_MAX	       256 /* ERR message / last_error */
#define CTL_NAME_MAX	       255 /* node name */
#define CTL_RES_NAME_MAX       63  /* resource name */
#define CTL_MAX_PEERS	       32
#define CTL_MAX_CLIENTS	       16    /* concurrent connections */
#define CTL_CLIENT_TIMEOUT_MS  5000  /* server drops slower clients */
#define CTL_TIMEOUT_DEFAULT_MS 10000 /* ctl_call() default for mirrorctl */

enum ctl_cmd {
	CTL_CMD_STATUS = 0,
	CTL_CMD_PROMOTE,
	CTL_CMD_DEMOTE,
	CTL_CMD_FORCE_PRIMARY,
	CTL_CMD_INVALIDATE,
	CTL_CMD_MAX
};

/* "status", "promote", "demote", "force-primary", "invalidate"; NULL when
 * out of range. */
const char *ctl_cmd_name(enum ctl_cmd cmd);
/* The known commands, space separated, for error and usage messages. */
#define CTL_CMD_NAMES "status promote demote force-primary invalidate"

struct ctl_peer {
	uint32_t node_id;
	char name[CTL_NAME_MAX + 1]; /* "" when not known */
	enum proto_role role;
	bool up_to_date;
	bool connected;		/* a member of the CPG group */
	bool data_link;		/* our data link to it is up (link.h) */
	uint32_t sync_permille; /* 0..1000 */
	uint64_t acked_seq;
};

struct ctl_status {
	char name[CTL_RES_NAME_MAX + 1]; /* resource */
	uint32_t node_id;		 /* this node */
	enum proto_role role;
	bool up_to_date;
	bool syncing;
	uint32_t sync_permille; /* 0..1000, meaningful when syncing */
	uint8_t gen[16];	/* current generation */
	bool quorate;
	uint64_t ops_replicated;
	uint64_t bytes_replicated;
	uint64_t seq;	    /* last sequence number sent/applied */
	uint64_t link_sent; /* data link bytes sent / received */
	uint64_t link_received;
	uint32_t last_primary;	      /* node id of the primary this replica
				       * was or last synced from, 0 = none */
	char last_error[CTL_MSG_MAX]; /* "" when none */
	unsigned int n_peers;
	struct ctl_peer peers[CTL_MAX_PEERS];
	unsigned int n_dirs;
	char dirs[PROTO_MAX_DIRS][PROTO_MAX_PATH + 1];
};

/* "STOP", "WAIT", "SECOND", "ALONE", "PRIM"; "?" when out of range.
 * ctl_role_parse(): 0 or -EINVAL. */
const char *ctl_role_name(enum proto_role role);
int ctl_role_parse(const char *s, enum proto_role *role);

/* Errno <-> "EBUSY" style names used in ERR lines.  An errno without a
 * name is written "E<number>"; parse accepts both; -EINVAL otherwise.
 * ctl_err_parse stores a positive errno. */
const char *ctl_err_name(int errnum, char *buf, size_t len);
int ctl_err_parse(const char *name, int *errnum);

/* --- pure codec ------------------------------------------------------- */

/* "HMCTL1 <cmd>\n" into buf.  Length or -ENOSPC / -EINVAL. */
long ctl_request_encode(enum ctl_cmd cmd, char *buf, size_t len);

/*
 * Parse one request (len bytes, with or without the final \n).  0 and
 * *cmd; -EPROTO (no/bad magic, control characters, too long: message in
 * err) or -EOPNOTSUPP (unknown command: err lists the known ones).
 */
int ctl_request_parse(const char *buf, size_t len, enum ctl_cmd *cmd, char *err,
		      size_t errlen);

/* "ERR <NAME> <msg>\n" (errnum positive or negative; msg sanitised and
 * cut to CTL_MSG_MAX).  Length or -ENOSPC. */
long ctl_err_encode(int errnum, const char *msg, char *buf, size_t len);

/* "OK\n.\n": a success without data.  Length or -ENOSPC. */
long ctl_ok_encode(char *buf, size_t len);

/* Status as a full response: "OK\n" key=value lines ".\n".  Length or
 * -ENOSPC (CTL_RESPONSE_MAX is always enough) / -EINVAL. */
long ctl_status_encode(const struct ctl_status *st, char *buf, size_t len);

/*
 * Split a full response.  OK: returns 0, *body / *body_len are the
 * key=value lines (each ending in \n, without "OK\n" and ".\n").
 * ERR: returns -errno from the line, the message in err.  Anything
 * malformed or truncated: -EBADMSG, description in err.
 */
int ctl_response_decode(const char *buf, size_t len, const char **body,
			size_t *body_len, char *err, size_t errlen);

/* ctl_response_decode() then the status keys into out (zeroed first;
 * unknown keys ignored, bad values -EBADMSG naming the key). */
int ctl_status_decode(const char *buf, size_t len, struct ctl_status *out,
		      char *err, size_t errlen);

/* --- server (daemon side) --------------------------------------------- */

/*
 * Provided by the daemon; called on the loop thread, must not block.
 * Each returns 0 or -errno; on error, a message for the admin in err
 * (may be left empty: strerror is used).  A NULL handler answers
 * ERR EOPNOTSUPP.  status fills out (zeroed before the call).
 */
struct ctl_handlers {
	void *ctx;
	int (*status)(void *ctx, struct ctl_status *out);
	int (*promote)(void *ctx, char *err, size_t errlen);
	int (*demote)(void *ctx, char *err, size_t errlen);
	int (*force_primary)(void *ctx, char *err, size_t errlen);
	int (*invalidate)(void *ctx, char *err, size_t errlen);
};

struct ctl_server;

/*
 * Listen on path (mode 0600; its parent is created 0700 if missing, one
 * level only) and serve requests from loop.  *h is copied.  -EADDRINUSE
 * when a live server already answers on path; a stale socket file is
 * unlinked; -ENAMETOOLONG, or another -errno.  On success *out is the
 * server (free with ctl_server_stop()).
 */
int ctl_server_start(qb_loop_t *loop, const char *path,
		     const struct ctl_handlers *h, struct ctl_server **out);

/* Close every connection, remove the fds from the loop, unlink the socket
 * (if it is still ours) and free srv.  NULL is fine. */
void ctl_server_stop(struct ctl_server *srv);

/* --- client ----------------------------------------------------------- */

/*
 * Send "HMCTL1 <cmd>\n" to the server at path and read the full
 * response into resp (NUL terminated, at most len - 1 bytes).  Never
 * waits longer than timeout_ms in total (<= 0: CTL_TIMEOUT_DEFAULT_MS).
 * Returns the response length, or -errno: -ENOENT (no socket),
 * -ECONNREFUSED (stale socket, daemon gone), -EACCES / -EPERM,
 * -ETIMEDOUT, -EMSGSIZE (response larger than len - 1), -EPROTO (closed
 * before a complete response), -ENAMETOOLONG.
 */
long ctl_call(const char *path, const char *cmd, char *resp, size_t len,
	      int timeout_ms);

/*
 * A sentence for a ctl_call() failure, e.g. "replicd for resource www
 * is not running (no socket at /run/replicd/www.sock)".  resource may be
 * NULL (derived from the socket name).  Returns buf.
 */
const char *ctl_call_strerror(long rc, const char *path, const char *resource,
			      char *buf, size_t len);

#endif /* REPLICD_CTL_H */
