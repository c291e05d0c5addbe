/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl_sock.c - control socket I/O: the server on the daemon's qb_loop
 * and the blocking client used by mirrorctl (codec in ctl.c, protocol
 * in ctl.h).
 */
#include "config.h" /* first: the generated config.h too */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "log.h"

/* --- server ----------------------------------------------------------- */

struct ctl_client {
	struct ctl_server *srv;
	struct ctl_client *next;
	int fd;
	bool writing; /* request read, answering */
	bool timer_armed;
	qb_loop_timer_handle timer;
	size_t in_len;
	char in[CTL_REQUEST_MAX];
	char *out; /* owned, CTL_RESPONSE_MAX */
	size_t out_len;
	size_t out_pos;
};

struct ctl_server {
	qb_loop_t *loop;
	struct ctl_handlers h;
	int fd;
	dev_t dev; /* of the socket file we created */
	ino_t ino;
	unsigned int n_clients;
	struct ctl_client *clients; /* singly linked */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

static void ctl_client_close(struct ctl_client *c)
{
	struct ctl_server *srv = c->srv;
	struct ctl_client **pp;

	for (pp = &srv->clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	srv->n_clients--;
	if (c->timer_armed)
		qb_loop_timer_del(srv->loop, c->timer);
	qb_loop_poll_del(srv->loop, c->fd);
	close(c->fd);
	free(c->out);
	free(c);
}

static void ctl_client_timeout(void *data)
{
	struct ctl_client *c = data;

	c->timer_armed = false;
	log_debug("control client too slow, closing " QB_XS " fd=%d", c->fd);
	ctl_client_close(c);
}

/* Write what we can; 1 when all is sent, 0 to wait, -errno. */
static int ctl_client_flush(struct ctl_client *c)
{
	while (c->out_pos < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_pos,
				 c->out_len - c->out_pos, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0)
			return -errno;
		c->out_pos += (size_t)n;
	}
	return 1;
}

static void ctl_client_dispatch(struct ctl_client *c)
{
	const struct ctl_handlers *h = &c->srv->h;
	struct ctl_status *st = NULL;
	char msg[CTL_MSG_MAX] = "";
	enum ctl_cmd cmd = CTL_CMD_STATUS;
	long n;
	int rc;

	rc = ctl_request_parse(c->in, c->in_len, &cmd, msg, sizeof(msg));
	if (rc < 0)
		goto out_err;
	switch (cmd) {
	case CTL_CMD_STATUS:
		if (!h->status) {
			rc = -EOPNOTSUPP;
			break;
		}
		st = calloc(1, sizeof(*st));
		if (!st) {
			rc = -ENOMEM;
			break;
		}
		rc = h->status(h->ctx, st);
		if (rc == 0) {
			n = ctl_status_encode(st, c->out, CTL_RESPONSE_MAX);
			rc = n < 0 ? (int)n : 0;
			c->out_len = n < 0 ? 0 : (size_t)n;
		}
		free(st);
		break;
	case CTL_CMD_PROMOTE:
		rc = h->promote ? h->promote(h->ctx, msg, sizeof(msg)) :
				  -EOPNOTSUPP;
		break;
	case CTL_CMD_DEMOTE:
		rc = h->demote ? h->demote(h->ctx, msg, sizeof(msg)) :
				 -EOPNOTSUPP;
		break;
	case CTL_CMD_FORCE_PRIMARY:
		rc = h->force_primary ?
			     h->force_primary(h->ctx, msg, sizeof(msg)) :
			     -EOPNOTSUPP;
		break;
	case CTL_CMD_INVALIDATE:
		rc = h->invalidate ? h->invalidate(h->ctx, msg, sizeof(msg)) :
				     -EOPNOTSUPP;
		break;
	default:
		rc = -EOPNOTSUPP;
		break;
	}
	if (rc > 0)
		rc = -EIO; /* handlers return 0 or -errno */
	if (rc == 0 && cmd != CTL_CMD_STATUS)
		c->out_len = (size_t)ctl_ok_encode(c->out, CTL_RESPONSE_MAX);
	if (rc == 0)
		return;
	log_info("control request failed " QB_XS " %s: %s", ctl_cmd_name(cmd),
		 msg);
out_err:
	n = ctl_err_encode(rc, msg, c->out, CTL_RESPONSE_MAX);
	c->out_len = n < 0 ? 0 : (size_t)n;
}

static int32_t ctl_client_io(int32_t fd, int32_t revents, void *data)
{
	struct ctl_client *c = data;
	char *nl;
	ssize_t n;
	int rc;

	if (c->writing) {
		rc = ctl_client_flush(c);
		if (rc != 0 || (revents & (POLLERR | POLLHUP | POLLNVAL)))
			ctl_client_close(c);
		return 0;
	}
	if (revents & POLLNVAL) {
		ctl_client_close(c);
		return 0;
	}
	do {
		n = recv(fd, c->in + c->in_len, sizeof(c->in) - c->in_len, 0);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n <= 0) {
		ctl_client_close(c); /* error or EOF before a request */
		return 0;
	}
	c->in_len += (size_t)n;
	nl = memchr(c->in, '\n', c->in_len);
	if (!nl && c->in_len < sizeof(c->in))
		return 0;
	if (nl) {
		c->in_len = (size_t)(nl - c->in) + 1;
		ctl_client_dispatch(c);
	} else {
		long m = ctl_err_encode(EMSGSIZE, "request too long", c->out,
					CTL_RESPONSE_MAX);

		log_debug("control request too long " QB_XS " fd=%d", fd);
		c->out_len = m < 0 ? 0 : (size_t)m;
	}
	c->writing = true;
	shutdown(fd, SHUT_RD);
	rc = ctl_client_flush(c);
	if (rc != 0)
		ctl_client_close(c);
	else
		qb_loop_poll_mod(c->srv->loop, QB_LOOP_MED, fd, POLLOUT, c,
				 ctl_client_io);
	return 0;
}

/* Refuse a peer that is not our own user (the socket is 0600 already). */
static int ctl_peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return 0;
	return cred.uid == 0 || cred.uid == geteuid();
}

static int32_t ctl_server_accept(int32_t fd, int32_t revents, void *data)
{
	struct ctl_server *srv = data;
	struct ctl_client *c = NULL;
	int cfd;

	cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_warn(
				"control socket: cannot accept a connection " QB_XS
				" %s",
				strerror(errno));
		return 0;
	}
	if (srv->n_clients >= CTL_MAX_CLIENTS || !ctl_peer_allowed(cfd)) {
		char buf[128];
		long n = srv->n_clients >= CTL_MAX_CLIENTS ?
				 ctl_err_encode(EBUSY,
						"too many control connections",
						buf, sizeof(buf)) :
				 ctl_err_encode(EACCES, "permission denied",
						buf, sizeof(buf));

		if (n > 0 && send(cfd, buf, (size_t)n, MSG_NOSIGNAL) < 0)
			log_debug("control socket: refusal not sent " QB_XS
				  " %s",
				  strerror(errno));
		close(cfd);
		return 0;
	}
	c = calloc(1, sizeof(*c));
	if (c)
		c->out = calloc(1, CTL_RESPONSE_MAX);
	if (!c || !c->out)
		goto out_free;
	c->srv = srv;
	c->fd = cfd;
	if (qb_loop_poll_add(srv->loop, QB_LOOP_MED, cfd, POLLIN, c,
			     ctl_client_io) < 0)
		goto out_free;
	if (qb_loop_timer_add(srv->loop, QB_LOOP_LOW,
			      (uint64_t)CTL_CLIENT_TIMEOUT_MS * 1000000ull, c,
			      ctl_client_timeout, &c->timer) == 0)
		c->timer_armed = true;
	c->next = srv->clients;
	srv->clients = c;
	srv->n_clients++;
	return 0;

out_free:
	log_warn("control socket: cannot serve a connection " QB_XS
		 " out of memory or loop full");
	if (c)
		free(c->out);
	free(c);
	close(cfd);
	return 0;
}

/* Is somebody answering on path?  0 = no (stale or absent), or -errno. */
static int ctl_probe_live(const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, rc;

	if (lstat(sun->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	if (rc == 0 || errno == EAGAIN)
		rc = -EADDRINUSE;
	else if (errno == ECONNREFUSED || errno == ENOENT)
		rc = unlink(sun->sun_path) < 0 && errno != ENOENT ? -errno : 0;
	else
		rc = -errno;
	close(fd);
	return rc;
}

int ctl_server_start(qb_loop_t *loop, const char *path,
		     const struct ctl_handlers *h, struct ctl_server **out)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ctl_server *srv = NULL;
	char dir[sizeof(sun.sun_path)];
	struct stat st;
	char *slash;
	int rc;

	*out = NULL;
	if (!path || path[0] != '/' || strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	memcpy(dir, path, strlen(path) + 1);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return -errno;
	}
	rc = ctl_probe_live(&sun);
	if (rc < 0)
		return rc;
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return -ENOMEM;
	srv->loop = loop;
	srv->h = *h;
	memcpy(srv->path, path, strlen(path) + 1);
	srv->fd =
		socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (srv->fd < 0) {
		rc = -errno;
		goto out_free;
	}
	if (bind(srv->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		rc = -errno;
		goto out_close_fd;
	}
	if (chmod(path, 0600) < 0 || stat(path, &st) < 0 ||
	    listen(srv->fd, CTL_MAX_CLIENTS) < 0) {
		rc = -errno;
		goto out_unlink;
	}
	srv->dev = st.st_dev;
	srv->ino = st.st_ino;
	rc = qb_loop_poll_add(loop, QB_LOOP_MED, srv->fd, POLLIN, srv,
			      ctl_server_accept);
	if (rc < 0)
		goto out_unlink;
	*out = srv;
	return 0;

out_unlink:
	unlink(path);
out_close_fd:
	close(srv->fd);
out_free:
	free(srv);
	return rc;
}

void ctl_server_stop(struct ctl_server *srv)
{
	struct stat st;

	if (!srv)
		return;
	while (srv->clients)
		ctl_client_close(srv->clients);
	qb_loop_poll_del(srv->loop, srv->fd);
	close(srv->fd);
	if (stat(srv->path, &st) == 0 && st.st_dev == srv->dev &&
	    st.st_ino == srv->ino)
		unlink(srv->path);
	free(srv);
}

/* --- client ----------------------------------------------------------- */

static int64_t ctl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* poll fd for events until deadline; 0, -ETIMEDOUT or -errno. */
static int ctl_wait(int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = events };
		int64_t left = deadline - ctl_now_ms();
		int rc;

		if (left <= 0)
			return -ETIMEDOUT;
		rc = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -errno;
		if (rc > 0)
			return 0;
	}
}

static int ctl_connect(int fd, const struct sockaddr_un *sun, int64_t deadline)
{
	static const struct timespec pause = { .tv_nsec = 20 * 1000 * 1000 };

	for (;;) {
		if (connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) ==
		    0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		/* Backlog full: the server is alive but busy; retry. */
		if (ctl_now_ms() >= deadline)
			return -ETIMEDOUT;
		nanosleep(&pause, NULL);
	}
}

long ctl_call(const char *path, const char *cmd, char *resp, size_t len,
	      int timeout_ms)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char req[CTL_REQUEST_MAX];
	int64_t deadline;
	size_t got = 0, sent = 0;
	long rc;
	int fd, n;

	if (!path || strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	if (!cmd || !*cmd || strlen(cmd) > 64 || strpbrk(cmd, " \t\r\n") ||
	    len < 2)
		return -EINVAL;
	n = snprintf(req, sizeof(req), "%s %s\n", CTL_MAGIC, cmd);
	if (n < 0 || (size_t)n >= sizeof(req))
		return -EINVAL;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	deadline = ctl_now_ms() +
		   (timeout_ms > 0 ? timeout_ms : CTL_TIMEOUT_DEFAULT_MS);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	rc = ctl_connect(fd, &sun, deadline);
	while (rc == 0 && sent < (size_t)n) {
		ssize_t w =
			send(fd, req + sent, (size_t)n - sent, MSG_NOSIGNAL);

		if (w >= 0)
			sent += (size_t)w;
		else if (errno == EAGAIN)
			rc = ctl_wait(fd, POLLOUT, deadline);
		else if (errno == EPIPE || errno == ECONNRESET)
			break; /* it answered (EBUSY) and hung up first */
		else if (errno != EINTR)
			rc = -errno;
	}
	while (rc == 0) {
		ssize_t r;

		if (got == len - 1) {
			char extra;

			r = recv(fd, &extra, 1, 0);
			if (r > 0) {
				rc = -EMSGSIZE;
				break;
			}
		} else {
			r = recv(fd, resp + got, len - 1 - got, 0);
		}
		if (r > 0)
			got += (size_t)r;
		else if (r == 0)
			break;
		else if (errno == EAGAIN)
			rc = ctl_wait(fd, POLLIN, deadline);
		else if (errno == ECONNRESET && got > 0)
			break;
		else if (errno != EINTR)
			rc = -errno;
	}
	close(fd);
	if (rc < 0)
		return rc;
	resp[got] = '\0';
	/* Complete: one ERR line, or OK ... ".\n". */
	if (got < 4 || resp[got - 1] != '\n' ||
	    (strncmp(resp, "ERR ", 4) != 0 &&
	     (strncmp(resp, "OK\n", 3) != 0 || got < 5 ||
	      strcmp(resp + got - 3, "\n.\n") != 0)))
		return -EPROTO;
	return (long)got;
}

const char *ctl_call_strerror(long rc, const char *path, const char *resource,
			      char *buf, size_t len)
{
	char name[CTL_RES_NAME_MAX + 1] = "";
	const char *base;

	if (!resource && path) {
		size_t blen;

		base = strrchr(path, '/');
		base = base ? base + 1 : path;
		blen = strlen(base);
		if (blen > 5 && strcmp(base + blen - 5, ".sock") == 0)
			blen -= 5;
		if (blen > CTL_RES_NAME_MAX)
			blen = CTL_RES_NAME_MAX;
		memcpy(name, base, blen);
		name[blen] = '\0';
		resource = name;
	}
	if (!resource)
		resource = "?";
	if (!path)
		path = "?";
	switch (rc) {
	case -ENOENT:
		snprintf(
			buf, len,
			"replicd for resource %s is not running (no socket at %s)",
			resource, path);
		break;
	case -ECONNREFUSED:
		snprintf(
			buf, len,
			"replicd for resource %s is not running (stale socket at %s)",
			resource, path);
		break;
	case -EACCES:
	case -EPERM:
		snprintf(buf, len,
			 "permission denied on %s: run mirrorctl as root",
			 path);
		break;
	case -ETIMEDOUT:
		snprintf(
			buf, len,
			"replicd for resource %s did not answer in time (socket %s)",
			resource, path);
		break;
	case -EMSGSIZE:
		snprintf(buf, len,
			 "the answer of replicd for resource %s is too large",
			 resource);
		break;
	case -EPROTO:
		snprintf(
			buf, len,
			"replicd for resource %s sent an incomplete or malformed answer",
			resource);
		break;
	case -ENAMETOOLONG:
		snprintf(buf, len, "socket path %s is too long", path);
		break;
	default:
		snprintf(buf, len, "cannot talk to replicd at %s: %s", path,
			 strerror(rc < 0 ? (int)-rc : EIO));
		break;
	}
	return buf;
}
