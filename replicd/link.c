// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * link.c - the direct data link (see link.h).
 *
 * Every member connects to every other member that announced a link, so
 * a node that becomes primary has its links up already.  On a link the
 * connecting side sends CTL_LINK (hello) then, while it is primary,
 * OP_WRITE payloads; the accepting side answers with CTL_ACKs.  Only
 * payloads from the node the applier knows as primary are ever taken.
 *
 * Locks: l->mtx (leaf) protects peers, ins, the inbox and the counters.
 * An fd is closed only by the link thread, and only when no sender uses
 * it (out->busy, under l->mtx): a sender blocked in send() is woken by
 * shutdown() first.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <corosync/cmap.h>

#include "apply.h"
#include "deadline.h"
#include "link.h"
#include "log.h"
#include "repl.h"

#define LINK_MAX_IN		(2 * DAEMON_MAX_PEERS)
#define LINK_ACK_FRAME_MAX	256u
#define LINK_RETRY_MS		1000u
#define LINK_CONNECT_TIMEOUT_MS 3000u
#define LINK_SOCKBUF		(4 * 1024 * 1024)
/* unacknowledged data for this long: the connection is dead */
#define LINK_USER_TIMEOUT_MS	10000u

static void link_tune(int fd)
{
	int one = 1, buf = LINK_SOCKBUF;
	unsigned int tmo = LINK_USER_TIMEOUT_MS;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &tmo, sizeof(tmo));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
}

enum link_out_state { LO_IDLE, LO_CONNECTING, LO_UP, LO_DOWN };

/* A link we connect (and send on when primary). */
struct link_out {
	uint32_t node;
	uint16_t port; /* 0: not announced */
	uint64_t token;
	enum link_out_state state;
	int fd;
	int busy;	   /* a sender uses fd (l->mtx) */
	uint64_t retry_at; /* ms, monotonic */
	uint64_t started;  /* connect started, ms */
	bool lost;	   /* went down while up: the primary resends */
	uint8_t rbuf[LINK_ACK_FRAME_MAX];
	size_t rlen;
};

/* A link another member connected to us. */
struct link_in {
	int fd;
	uint32_t node; /* from its hello; 0 before */
	uint8_t hdr[PROTO_HDR_SIZE];
	size_t have;		  /* bytes of the current frame */
	struct link_payload *cur; /* the frame being read, after hdr */
	size_t need;		  /* its total length */
	int lowat;		  /* SO_RCVLOWAT set above 1 */
	uint64_t acked;		  /* the highest ack sent on it */
	bool doomed; /* its node left: shut down, the link thread closes it */
};

struct link {
	struct daemon *d;
	pthread_t thread;
	int listen_fd;
	uint16_t port;
	uint64_t token;
	int wake[2];

	pthread_mutex_t mtx;
	pthread_cond_t cond; /* inbox or ins changed; a sender finished */
	bool quit;
	uint32_t members[DAEMON_MAX_PEERS];
	size_t n_members;
	struct link_out out[DAEMON_MAX_PEERS];
	size_t n_out;
	struct link_in in[LINK_MAX_IN];
	size_t n_in;
	struct link_payload *inbox, *inbox_tail;
	size_t inbox_bytes;
	uint64_t bytes_sent, bytes_received;
	bool overflow_logged;
	bool arrived; /* a payload came: the applier hears of it */
	bool lost;    /* some out->lost is set: the loop hears of it */
};

static uint64_t link_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void link_wake(struct link *l)
{
	ssize_t n = write(l->wake[1], "x", 1);

	(void)n; /* a full pipe wakes the thread as well */
}

void link_payload_free(struct link_payload *p)
{
	free(p);
}

/* ---- addresses ---- */

/* The corosync address of node (cmap nodelist), with port.  0/-errno. */
static int link_node_addr(uint32_t node, uint16_t port,
			  struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV },
			*res = NULL;
	char key[64], svc[8], *addr = NULL;
	cmap_handle_t h;
	uint32_t id, i;
	int rc = -ENOENT;

	if (cmap_initialize(&h) != CS_OK)
		return -ECONNREFUSED;
	for (i = 0; i < 1024; i++) {
		snprintf(key, sizeof(key), "nodelist.node.%" PRIu32 ".nodeid",
			 i);
		if (cmap_get_uint32(h, key, &id) != CS_OK)
			break;
		if (id != node)
			continue;
		snprintf(key, sizeof(key),
			 "nodelist.node.%" PRIu32 ".ring0_addr", i);
		if (cmap_get_string(h, key, &addr) != CS_OK)
			addr = NULL;
		break;
	}
	cmap_finalize(h);
	if (!addr)
		return rc;
	snprintf(svc, sizeof(svc), "%u", port);
	if (getaddrinfo(addr, svc, &hints, &res) == 0 && res &&
	    res->ai_addrlen <= sizeof(*ss)) {
		memcpy(ss, res->ai_addr, res->ai_addrlen);
		*len = res->ai_addrlen;
		rc = 0;
	}
	if (res)
		freeaddrinfo(res);
	free(addr);
	return rc;
}

/* ---- frames ---- */

/* Send all of iov (modified), blocking up to the send timeout. */
static int link_sendv_all(int fd, struct iovec *iov, int n_iov)
{
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = (size_t)n_iov };
	ssize_t n;

	while (mh.msg_iovlen) {
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		}
		while (mh.msg_iovlen && (size_t)n >= mh.msg_iov->iov_len) {
			n -= (ssize_t)mh.msg_iov->iov_len;
			mh.msg_iov++;
			mh.msg_iovlen--;
		}
		if (mh.msg_iovlen) {
			mh.msg_iov->iov_base =
				(uint8_t *)mh.msg_iov->iov_base + n;
			mh.msg_iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

static int link_send_all(int fd, const void *buf, size_t len)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };

	return link_sendv_all(fd, &iov, 1);
}

/* ---- outgoing links ---- */

static struct link_out *link_out_get(struct link *l, uint32_t node, bool create)
{
	size_t i;

	for (i = 0; i < l->n_out; i++)
		if (l->out[i].node == node)
			return &l->out[i];
	if (!create || l->n_out == DAEMON_MAX_PEERS)
		return NULL;
	memset(&l->out[l->n_out], 0, sizeof(l->out[0]));
	l->out[l->n_out].node = node;
	l->out[l->n_out].fd = -1;
	return &l->out[l->n_out++];
}

/* l->mtx held: node is in the CPG view the daemon last gave us (the
 * daemon's own lock is never taken under ours: l->mtx is a leaf) */
static bool link_is_member(struct link *l, uint32_t node)
{
	size_t i;

	for (i = 0; i < l->n_members; i++)
		if (l->members[i] == node)
			return true;
	return false;
}

/* Link thread, l->mtx held: close o's fd once no sender uses it. */
static void link_out_close(struct link *l, struct link_out *o, bool retry)
{
	if (o->fd >= 0) {
		if (o->state == LO_UP)
			log_info("data link to node %u closed", o->node);
		/* what it carried may not have arrived (repl_relink) */
		if (retry && (o->state == LO_UP || o->state == LO_DOWN) &&
		    link_is_member(l, o->node)) {
			o->lost = true;
			l->lost = true;
		}
		shutdown(o->fd, SHUT_RDWR);
		while (o->busy)
			pthread_cond_wait(&l->cond, &l->mtx);
		close(o->fd);
	}
	o->fd = -1;
	o->rlen = 0;
	o->state = LO_IDLE;
	o->retry_at = retry ? link_now_ms() + LINK_RETRY_MS : 0;
}

/* Link thread, l->mtx held (dropped meanwhile): start a non-blocking
 * connect to o. */
static void link_out_connect(struct link *l, struct link_out *o)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;
	uint32_t node = o->node;
	uint16_t port = o->port;
	uint64_t token = o->token;
	int fd, rc;

	o->retry_at = link_now_ms() + LINK_RETRY_MS;
	/* cmap and the resolver can block: not under l->mtx, which the
	 * FUSE workers and the loop take */
	pthread_mutex_unlock(&l->mtx);
	rc = link_node_addr(node, port, &ss, &len);
	pthread_mutex_lock(&l->mtx);
	if (rc || l->quit || o->state != LO_IDLE || o->node != node ||
	    o->port != port || o->token != token)
		return;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return;
	link_tune(fd);
	if (connect(fd, (struct sockaddr *)&ss, len) && errno != EINPROGRESS) {
		close(fd);
		return;
	}
	o->fd = fd;
	o->state = LO_CONNECTING;
	o->started = link_now_ms();
}

/* Link thread, l->mtx held: the connect finished; say hello. */
static void link_out_connected(struct link *l, struct link_out *o)
{
	struct proto_msg hello = { .type = PROTO_CTL_LINK,
				   .target = o->node,
				   .sync_id = o->token,
				   .offset = l->d->my_id };
	struct timeval tv = { .tv_sec = LINK_SEND_TIMEOUT_MS / 1000,
			      .tv_usec = (LINK_SEND_TIMEOUT_MS % 1000) * 1000 };
	uint8_t buf[PROTO_HDR_SIZE + 64];
	socklen_t elen = sizeof(int);
	int err = 0;
	long n;

	if (getsockopt(o->fd, SOL_SOCKET, SO_ERROR, &err, &elen) || err) {
		link_out_close(l, o, true);
		return;
	}
	/* blocking from now on: senders wait, at most the send timeout */
	fcntl(o->fd, F_SETFL, fcntl(o->fd, F_GETFL) & ~O_NONBLOCK);
	setsockopt(o->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	n = proto_encode(&hello, buf, sizeof(buf));
	if (n < 0 || link_send_all(o->fd, buf, (size_t)n)) {
		link_out_close(l, o, true);
		return;
	}
	o->state = LO_UP;
	log_info("data link to node %u up", o->node);
}

/* Link thread: acks arrived on o (never blocks: o's fd is readable). */
static void link_out_read(struct link *l, struct link_out *o)
{
	struct proto_msg m;
	ssize_t n;
	long flen;
	uint64_t acks[16];
	size_t n_acks = 0, i;
	uint32_t node = o->node;
	bool bad = false;

	n = recv(o->fd, o->rbuf + o->rlen, sizeof(o->rbuf) - o->rlen,
		 MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		link_out_close(l, o, true);
		return;
	}
	if (n < 0)
		return;
	o->rlen += (size_t)n;
	while (o->rlen >= PROTO_HDR_SIZE && n_acks < 16) {
		flen = proto_hdr_frame_len(o->rbuf);
		if (flen < 0 || (size_t)flen > sizeof(o->rbuf)) {
			bad = true;
			break;
		}
		if (o->rlen < (size_t)flen)
			break;
		if (proto_decode(o->rbuf, (size_t)flen, &m) ||
		    m.type != PROTO_CTL_ACK) {
			bad = true;
			break;
		}
		acks[n_acks++] = m.seq;
		memmove(o->rbuf, o->rbuf + flen, o->rlen - (size_t)flen);
		o->rlen -= (size_t)flen;
	}
	if (bad) {
		log_warn(
			"closing the data link to node %u: it sent something other than acknowledgements",
			o->node);
		link_out_close(l, o, true);
	}
	/* repl takes its own lock: not under ours (it ignores nodes that
	 * are not in its ack set, and every ack while not primary) */
	pthread_mutex_unlock(&l->mtx);
	for (i = 0; i < n_acks; i++)
		repl_on_ack(l->d->repl, node, acks[i]);
	pthread_mutex_lock(&l->mtx);
}

/* ---- incoming links ---- */

static void link_in_close(struct link *l, size_t i)
{
	struct link_in *in = &l->in[i];

	if (in->node)
		log_info("data link from node %u closed", in->node);
	close(in->fd);
	free(in->cur);
	l->in[i] = l->in[--l->n_in];
	pthread_cond_broadcast(&l->cond);
}

static void link_inbox_push(struct link *l, struct link_payload *p)
{
	struct link_payload *q;

	p->next = NULL;
	if (l->inbox_tail)
		l->inbox_tail->next = p;
	else
		l->inbox = p;
	l->inbox_tail = p;
	l->inbox_bytes += p->len;
	l->bytes_received += p->len;
	l->arrived = true;
	while (l->inbox_bytes > LINK_INBOX_MAX && (q = l->inbox)) {
		/* payloads whose tokens never came to the applier */
		if (!l->overflow_logged)
			log_warn(
				"data link: dropping payloads nobody took " QB_XS
				" inbox over %u bytes",
				LINK_INBOX_MAX);
		l->overflow_logged = true;
		l->inbox = q->next;
		if (!l->inbox)
			l->inbox_tail = NULL;
		l->inbox_bytes -= q->len;
		free(q);
	}
	pthread_cond_broadcast(&l->cond);
}

/* A complete frame on in: the hello first, then payloads.  false: close. */
static bool link_in_frame(struct link *l, struct link_in *in,
			  struct link_payload *p)
{
	if (proto_decode(p->buf, p->len, &p->msg)) {
		log_warn("closing a data link: malformed message " QB_XS
			 " node=%u len=%zu",
			 in->node, p->len);
		return false;
	}
	if (!in->node) {
		if (p->msg.type != PROTO_CTL_LINK ||
		    p->msg.target != l->d->my_id ||
		    p->msg.sync_id != l->token || !p->msg.offset ||
		    p->msg.offset > UINT32_MAX ||
		    !link_is_member(l, (uint32_t)p->msg.offset)) {
			log_warn(
				"refusing a data link: no valid hello from a member " QB_XS
				" type=%s",
				proto_type_name(p->msg.type));
			return false;
		}
		in->node = (uint32_t)p->msg.offset;
		log_info("data link from node %u up", in->node);
		/* a new link from it: an older one is dead (acks must not go
		 * there), though TCP may not know yet */
		for (size_t k = 0; k < l->n_in; k++)
			if (&l->in[k] != in && l->in[k].node == in->node) {
				shutdown(l->in[k].fd, SHUT_RDWR);
				l->in[k].doomed = true;
			}
		free(p);
		return true;
	}
	/* writes (their tokens follow in CPG) and copies of the ops CPG
	 * brings whole */
	if (!proto_is_op(p->msg.type) || p->msg.type == PROTO_OP_WRITE_LINKED) {
		log_warn("closing the data link from node %u: it sent %s",
			 in->node, proto_type_name(p->msg.type));
		return false;
	}
	p->from = in->node;
	link_inbox_push(l, p);
	return true;
}

/*
 * Link thread, l->mtx held: wake us only once the rest of the frame is
 * there (or the socket buffer holds half of what it can), not for every
 * segment: one wakeup and one copy per payload.
 */
static void link_in_lowat(struct link_in *in, size_t want)
{
	int v = want > LINK_SOCKBUF / 4 ? LINK_SOCKBUF / 4 : (int)want;

	if (v < 1)
		v = 1;
	if (v == (in->lowat ? in->lowat : 1))
		return;
	if (setsockopt(in->fd, SOL_SOCKET, SO_RCVLOWAT, &v, sizeof(v)) == 0)
		in->lowat = v > 1 ? v : 0;
}

/* Link thread, l->mtx held: recv without it (only this thread reads or
 * closes an in: the copy of a payload does not hold up the applier's
 * link_take() or its acks). */
static ssize_t link_in_recv(struct link *l, struct link_in *in, void *buf,
			    size_t len)
{
	ssize_t n;

	pthread_mutex_unlock(&l->mtx);
	n = recv(in->fd, buf, len, MSG_DONTWAIT);
	pthread_mutex_lock(&l->mtx);
	if (in->doomed) {
		/* its node left meanwhile: nothing it sent counts */
		errno = ECONNRESET;
		return -1;
	}
	return n;
}

/* Link thread, l->mtx held: read what in has.  false: close it. */
static bool link_in_read(struct link *l, struct link_in *in)
{
	ssize_t n;
	long flen;

	if (in->doomed)
		return false;
	for (;;) {
		if (!in->cur) {
			n = link_in_recv(l, in, in->hdr + in->have,
					 PROTO_HDR_SIZE - in->have);
			if (n == 0)
				return false;
			if (n < 0) {
				if (errno == EAGAIN)
					link_in_lowat(in, 1);
				return errno == EAGAIN || errno == EINTR;
			}
			in->have += (size_t)n;
			if (in->have < PROTO_HDR_SIZE)
				continue;
			flen = proto_hdr_frame_len(in->hdr);
			if (flen < 0)
				return false;
			in->cur = malloc(sizeof(*in->cur) + (size_t)flen);
			if (!in->cur)
				return false;
			memset(in->cur, 0, sizeof(*in->cur));
			memcpy(in->cur->buf, in->hdr, PROTO_HDR_SIZE);
			in->cur->len = (size_t)flen;
			in->need = (size_t)flen;
		}
		if (in->have < in->need) {
			n = link_in_recv(l, in, in->cur->buf + in->have,
					 in->need - in->have);
			if (n == 0)
				return false;
			if (n < 0) {
				if (errno == EAGAIN)
					link_in_lowat(in, in->need - in->have);
				return errno == EAGAIN || errno == EINTR;
			}
			in->have += (size_t)n;
			if (in->have < in->need)
				continue;
		}
		{
			struct link_payload *p = in->cur;

			in->cur = NULL;
			in->have = 0;
			if (!link_in_frame(l, in, p)) {
				free(p);
				return false;
			}
		}
	}
}

static void link_accept(struct link *l)
{
	int fd;

	fd = accept4(l->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (l->n_in == LINK_MAX_IN) {
		close(fd);
		return;
	}
	link_tune(fd);
	memset(&l->in[l->n_in], 0, sizeof(l->in[0]));
	l->in[l->n_in].fd = fd;
	l->n_in++;
}

/* ---- the thread ---- */

static void *link_thread(void *arg)
{
	struct link *l = arg;
	struct pollfd pfd[2 + DAEMON_MAX_PEERS + LINK_MAX_IN];
	int who[2 + DAEMON_MAX_PEERS + LINK_MAX_IN]; /* out i, or -1 - in i */
	char drain[64];
	size_t i, n;
	uint64_t now;

	pthread_mutex_lock(&l->mtx);
	while (!l->quit) {
		for (i = l->n_in; i-- > 0;)
			if (l->in[i].doomed)
				link_in_close(l, i);
		now = link_now_ms();
		for (i = 0; i < l->n_out; i++) {
			struct link_out *o = &l->out[i];

			if (o->state == LO_DOWN)
				link_out_close(l, o, true);
			if (o->state == LO_CONNECTING &&
			    now - o->started > LINK_CONNECT_TIMEOUT_MS)
				link_out_close(l, o, true);
			if (o->state == LO_IDLE && o->port &&
			    link_is_member(l, o->node) && now >= o->retry_at)
				link_out_connect(l, o);
		}
		if (l->lost) {
			/* the daemon's lock is not taken under ours */
			l->lost = false;
			pthread_mutex_unlock(&l->mtx);
			daemon_post(l->d, DAEMON_EV_RELINK);
			pthread_mutex_lock(&l->mtx);
		}
		n = 0;
		pfd[n].fd = l->wake[0];
		pfd[n].events = POLLIN;
		who[n++] = 0;
		pfd[n].fd = l->listen_fd;
		pfd[n].events = POLLIN;
		who[n++] = 0;
		for (i = 0; i < l->n_out; i++) {
			if (l->out[i].fd < 0)
				continue;
			pfd[n].fd = l->out[i].fd;
			pfd[n].events = l->out[i].state == LO_CONNECTING ?
						POLLOUT :
						POLLIN;
			who[n++] = (int)i;
		}
		for (i = 0; i < l->n_in; i++) {
			pfd[n].fd = l->in[i].fd;
			pfd[n].events = POLLIN;
			who[n++] = -1 - (int)i;
		}
		pthread_mutex_unlock(&l->mtx);
		if (poll(pfd, n, LINK_RETRY_MS) < 0 && errno != EINTR) {
			pthread_mutex_lock(&l->mtx);
			break;
		}
		pthread_mutex_lock(&l->mtx);
		if (pfd[0].revents)
			while (read(l->wake[0], drain, sizeof(drain)) > 0)
				;
		if (l->quit)
			break;
		if (pfd[1].revents & POLLIN)
			link_accept(l);
		/* back to front: closing an in moves the last one into it */
		for (i = n; i-- > 2;) {
			if (!pfd[i].revents)
				continue;
			if (who[i] >= 0) {
				struct link_out *o = &l->out[who[i]];

				if (o->fd != pfd[i].fd)
					continue;
				if (o->state == LO_CONNECTING)
					link_out_connected(l, o);
				else if (o->state == LO_UP)
					link_out_read(l, o);
			} else {
				size_t k = (size_t)(-1 - who[i]);

				if (k < l->n_in && l->in[k].fd == pfd[i].fd &&
				    !link_in_read(l, &l->in[k]))
					link_in_close(l, k);
			}
		}
		if (l->arrived) {
			/* the applier's lock is not taken under ours */
			l->arrived = false;
			pthread_mutex_unlock(&l->mtx);
			apply_kick(l->d->apply);
			pthread_mutex_lock(&l->mtx);
		}
	}
	pthread_mutex_unlock(&l->mtx);
	return NULL;
}

/* ---- API ---- */

static int link_listen(struct link *l)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in a4 = { .sin_family = AF_INET };
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd, zero = 0, one = 1;

	fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
		if (bind(fd, (struct sockaddr *)&a6, sizeof(a6))) {
			close(fd);
			fd = -1;
		}
	}
	if (fd < 0) {
		fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    0);
		if (fd < 0)
			return -errno;
		if (bind(fd, (struct sockaddr *)&a4, sizeof(a4))) {
			close(fd);
			return -errno;
		}
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (listen(fd, 16) || getsockname(fd, (struct sockaddr *)&ss, &len)) {
		close(fd);
		return -errno;
	}
	l->port = ss.ss_family == AF_INET6 ?
			  ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) :
			  ntohs(((struct sockaddr_in *)&ss)->sin_port);
	l->listen_fd = fd;
	return 0;
}

int link_start(struct link **out, struct daemon *d)
{
	struct link *l = calloc(1, sizeof(*l));
	int rc;

	if (!l)
		return -ENOMEM;
	l->d = d;
	l->listen_fd = -1;
	if (getrandom(&l->token, sizeof(l->token), 0) != sizeof(l->token)) {
		rc = -EIO;
		goto out_free;
	}
	if (pipe2(l->wake, O_CLOEXEC | O_NONBLOCK)) {
		rc = -errno;
		goto out_free;
	}
	rc = link_listen(l);
	if (rc)
		goto out_pipe;
	pthread_mutex_init(&l->mtx, NULL);
	pthread_cond_init(&l->cond, NULL);
	rc = -pthread_create(&l->thread, NULL, link_thread, l);
	if (!rc) /* top -H, ps -L, perf show which thread is which */
		pthread_setname_np(l->thread, "rd-link");
	if (rc)
		goto out_listen;
	log_info("data link: listening on TCP port %u", l->port);
	*out = l;
	return 0;

out_listen:
	pthread_cond_destroy(&l->cond);
	pthread_mutex_destroy(&l->mtx);
	close(l->listen_fd);
out_pipe:
	close(l->wake[0]);
	close(l->wake[1]);
out_free:
	free(l);
	return rc;
}

void link_stop(struct link *l)
{
	struct link_payload *p;
	size_t i;

	if (!l)
		return;
	pthread_mutex_lock(&l->mtx);
	l->quit = true;
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->mtx);
	link_wake(l);
	pthread_join(l->thread, NULL);
	pthread_mutex_lock(&l->mtx);
	for (i = 0; i < l->n_out; i++)
		link_out_close(l, &l->out[i], false);
	while (l->n_in)
		link_in_close(l, l->n_in - 1);
	while ((p = l->inbox)) {
		l->inbox = p->next;
		free(p);
	}
	pthread_mutex_unlock(&l->mtx);
	close(l->listen_fd);
	close(l->wake[0]);
	close(l->wake[1]);
	pthread_cond_destroy(&l->cond);
	pthread_mutex_destroy(&l->mtx);
	free(l);
}

void link_announce_msg(struct link *l, struct proto_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = PROTO_CTL_LINK;
	m->sync_id = l->token;
	m->offset = l->port;
}

void link_on_announce(struct link *l, uint32_t node, const struct proto_msg *m)
{
	struct link_out *o;

	if (!l || m->target || !m->offset || m->offset > UINT16_MAX)
		return;
	pthread_mutex_lock(&l->mtx);
	o = link_out_get(l, node, true);
	if (o && (o->port != m->offset || o->token != m->sync_id)) {
		/* a new replicd there: a new link */
		if (o->fd >= 0)
			o->state = LO_DOWN;
		o->port = (uint16_t)m->offset;
		o->token = m->sync_id;
		o->retry_at = 0;
	}
	pthread_mutex_unlock(&l->mtx);
	link_wake(l);
}

void link_set_members(struct link *l, const uint32_t *members, size_t n)
{
	size_t i, k;

	if (!l)
		return;
	pthread_mutex_lock(&l->mtx);
	l->n_members = n < DAEMON_MAX_PEERS ? n : DAEMON_MAX_PEERS;
	memcpy(l->members, members, l->n_members * sizeof(*members));
	for (i = 0; i < l->n_out; i++)
		if (!link_is_member(l, l->out[i].node)) {
			/* gone: its next replicd announces a new port */
			if (l->out[i].fd >= 0)
				l->out[i].state = LO_DOWN;
			l->out[i].port = 0;
		}
	/* the link thread may be reading one: it closes them */
	for (k = 0; k < l->n_in; k++)
		if (l->in[k].node && !link_is_member(l, l->in[k].node)) {
			shutdown(l->in[k].fd, SHUT_RDWR);
			l->in[k].doomed = true;
		}
	/* an applier waiting for a node that left stops (link_take) */
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->mtx);
	link_wake(l);
}

bool link_ready(struct link *l)
{
	struct link_out *o;
	bool ready = true;
	size_t i;

	if (!l)
		return false;
	pthread_mutex_lock(&l->mtx);
	for (i = 0; i < l->n_members && ready; i++) {
		if (l->members[i] == l->d->my_id)
			continue;
		o = link_out_get(l, l->members[i], false);
		ready = o && o->state == LO_UP;
	}
	pthread_mutex_unlock(&l->mtx);
	return ready;
}

int link_sendv(struct link *l, const struct iovec *iov, int n_iov)
{
	struct iovec v[LINK_MAX_IOV];
	struct link_out *o;
	int fds[DAEMON_MAX_PEERS], rc = 0, rc1, k;
	bool bad[DAEMON_MAX_PEERS] = { false };
	size_t len = 0;
	uint32_t nodes[DAEMON_MAX_PEERS];
	size_t i, n = 0;

	pthread_mutex_lock(&l->mtx);
	for (i = 0; i < l->n_members; i++) {
		if (l->members[i] == l->d->my_id)
			continue;
		o = link_out_get(l, l->members[i], false);
		if (!o || o->state != LO_UP) {
			rc = -ENOTCONN;
			break;
		}
		o->busy++;
		nodes[n] = o->node;
		fds[n++] = o->fd;
	}
	pthread_mutex_unlock(&l->mtx);
	if (n_iov > LINK_MAX_IOV)
		rc = -EINVAL;
	for (k = 0; k < n_iov && !rc; k++)
		len += iov[k].iov_len;
	for (i = 0; i < n && !rc; i++) {
		memcpy(v, iov, (size_t)n_iov * sizeof(*v));
		rc1 = link_sendv_all(fds[i], v, n_iov);
		if (rc1) {
			log_warn(
				"data link to node %u failed: back to CPG " QB_XS
				" %s",
				nodes[i], strerror(-rc1));
			bad[i] = true;
			rc = rc1;
		}
	}
	pthread_mutex_lock(&l->mtx);
	for (i = 0; i < n; i++) {
		o = link_out_get(l, nodes[i], false);
		if (!o)
			continue;
		o->busy--;
		/* what it got of the message, if anything, is a broken
		 * stream: the thread closes it (the others stay up) */
		if (bad[i] && o->state == LO_UP)
			o->state = LO_DOWN;
	}
	if (!rc)
		l->bytes_sent += len * n;
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->mtx);
	if (rc)
		link_wake(l);
	return rc;
}

/* l->mtx held: is there a link from node that said hello? */
static bool link_has_in(struct link *l, uint32_t node)
{
	size_t i;

	for (i = 0; i < l->n_in; i++)
		if (l->in[i].node == node && !l->in[i].doomed)
			return true;
	return false;
}

/* l->mtx held: drop node's payloads before seq (upto: through seq). */
static struct link_payload *link_inbox_scan(struct link *l, uint32_t node,
					    uint64_t seq, bool upto)
{
	struct link_payload **pp = &l->inbox, *p, *prev = NULL;

	while ((p = *pp)) {
		if (p->from == node &&
		    (p->msg.seq < seq || (upto && p->msg.seq == seq))) {
			*pp = p->next;
			l->inbox_bytes -= p->len;
			free(p);
			continue;
		}
		if (p->from == node && p->msg.seq == seq) {
			*pp = p->next;
			if (l->inbox_tail == p)
				l->inbox_tail = prev;
			l->inbox_bytes -= p->len;
			return p;
		}
		prev = p;
		pp = &p->next;
	}
	l->inbox_tail = prev;
	return NULL;
}

int link_take(struct link *l, uint32_t node, uint64_t seq,
	      struct link_payload **out)
{
	struct timespec until;
	struct link_payload *p;
	int rc = 0;

	if (!l)
		return -ENOTCONN;
	deadline_in_ms(&until, LINK_TAKE_TIMEOUT_MS);
	pthread_mutex_lock(&l->mtx);
	for (;;) {
		p = link_inbox_scan(l, node, seq, false);
		if (p || l->quit)
			break;
		/* no link from it: while it is a member, it resends in CPG
		 * what a link that went down carried (link_inject) */
		if (!link_has_in(l, node) && !link_is_member(l, node)) {
			rc = -ENOTCONN;
			break;
		}
		if (pthread_cond_timedwait(&l->cond, &l->mtx, &until) ==
		    ETIMEDOUT) {
			p = link_inbox_scan(l, node, seq, false);
			rc = p ? 0 : -ETIMEDOUT;
			break;
		}
	}
	pthread_mutex_unlock(&l->mtx);
	if (!p && !rc)
		rc = -ESHUTDOWN;
	*out = p;
	return rc;
}

int link_take_ready(struct link *l, uint32_t node, uint64_t seq,
		    struct link_payload **out)
{
	if (!l)
		return -ENOTCONN;
	pthread_mutex_lock(&l->mtx);
	*out = link_inbox_scan(l, node, seq, false);
	pthread_mutex_unlock(&l->mtx);
	return *out ? 0 : -EAGAIN;
}

int link_inject(struct link *l, uint32_t from, const void *buf, size_t len)
{
	struct link_payload *p;

	if (!l)
		return -ENOTCONN;
	p = malloc(sizeof(*p) + len);
	if (!p)
		return -ENOMEM;
	memcpy(p->buf, buf, len);
	p->len = len;
	p->from = from;
	if (proto_decode(p->buf, len, &p->msg) ||
	    p->msg.type != PROTO_CTL_RELINK) {
		free(p);
		return -EBADMSG;
	}
	/* the write it carries, as the link would have brought it */
	p->msg.type = PROTO_OP_WRITE;
	p->msg.target = 0;
	p->msg.sync_id = 0;
	pthread_mutex_lock(&l->mtx);
	link_inbox_push(l, p);
	l->bytes_received -= len; /* not the link's */
	pthread_mutex_unlock(&l->mtx);
	apply_kick(l->d->apply);
	return 0;
}

size_t link_lost(struct link *l, uint32_t *nodes, size_t max)
{
	size_t i, n = 0;

	if (!l)
		return 0;
	pthread_mutex_lock(&l->mtx);
	for (i = 0; i < l->n_out; i++) {
		if (!l->out[i].lost || n == max)
			continue;
		l->out[i].lost = false;
		nodes[n++] = l->out[i].node;
	}
	pthread_mutex_unlock(&l->mtx);
	return n;
}

void link_discard(struct link *l, uint32_t node, uint64_t seq)
{
	if (!l)
		return;
	pthread_mutex_lock(&l->mtx);
	link_inbox_scan(l, node, seq, true);
	pthread_mutex_unlock(&l->mtx);
}

int link_ack(struct link *l, uint32_t node, uint64_t seq)
{
	struct proto_msg m = { .type = PROTO_CTL_ACK, .seq = seq };
	uint8_t buf[PROTO_HDR_SIZE + 16];
	int rc = -ENOTCONN;
	long n;
	size_t i;

	if (!l)
		return rc;
	n = proto_encode(&m, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	pthread_mutex_lock(&l->mtx);
	for (i = 0; i < l->n_in; i++) {
		if (l->in[i].node != node || l->in[i].doomed)
			continue;
		if (seq <= l->in[i].acked) {
			/* acks are cumulative: it went (an op applied early
			 * that CPG now confirms); the primary's link thread
			 * need not wake for it again */
			rc = 0;
			break;
		}
		/* non-blocking: a full socket means a stuck primary, and the
		 * ack goes in CPG instead */
		ssize_t w = send(l->in[i].fd, buf, (size_t)n,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w == n) {
			rc = 0;
			l->in[i].acked = seq;
		} else if (w > 0)
			/* half a frame: the stream is lost, so is the link */
			shutdown(l->in[i].fd, SHUT_RDWR);
		break;
	}
	pthread_mutex_unlock(&l->mtx);
	return rc;
}

bool link_up(struct link *l, uint32_t node)
{
	struct link_out *o;
	bool up;

	if (!l)
		return false;
	pthread_mutex_lock(&l->mtx);
	o = link_out_get(l, node, false);
	up = o && o->state == LO_UP;
	pthread_mutex_unlock(&l->mtx);
	return up;
}

void link_get_stats(struct link *l, struct link_stats *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!l)
		return;
	pthread_mutex_lock(&l->mtx);
	for (i = 0; i < l->n_out; i++)
		out->out_up += l->out[i].state == LO_UP;
	for (i = 0; i < l->n_in; i++)
		out->in_up += l->in[i].node != 0 && !l->in[i].doomed;
	out->bytes_sent = l->bytes_sent;
	out->bytes_received = l->bytes_received;
	pthread_mutex_unlock(&l->mtx);
}
