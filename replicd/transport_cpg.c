// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * transport_cpg.c - transport.h over corosync CPG.
 *
 * The CPG fd is dispatched by the daemon's qb_loop (main thread), so the
 * callbacks run there.  Senders (FUSE workers, the applier, the sync
 * thread, the loop itself) serialise on send_mtx; the receive side is
 * libcpg's own dispatch path, so a sender waiting on flow control never
 * starves the deliveries it waits for.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <corosync/cmap.h>
#include <corosync/cpg.h>

#include "log.h"
#include "transport.h"

#define TRANSPORT_INIT_TRIES	50 /* startup: 50 x 200 ms */
#define TRANSPORT_INIT_SLEEP_US 200000
#define TRANSPORT_MAX_MEMBERS	64

struct transport {
	cpg_handle_t handle;
	struct cpg_name group;
	qb_loop_t *loop;
	int fd;
	uint32_t local_id;
	struct transport_cb cb;
	pthread_mutex_t send_mtx; /* serialises cpg_mcast_joined */
	int lost;		  /* set by the loop, read by senders */
};

/* The one place where cs_error_t becomes -errno. */
static int transport_errno(cs_error_t err)
{
	switch (err) {
	case CS_OK:
		return 0;
	case CS_ERR_TRY_AGAIN:
		return -EAGAIN;
	case CS_ERR_NO_MEMORY:
		return -ENOMEM;
	case CS_ERR_TIMEOUT:
		return -ETIMEDOUT;
	case CS_ERR_INVALID_PARAM:
		return -EINVAL;
	case CS_ERR_ACCESS:
		return -EACCES;
	case CS_ERR_EXIST:
		return -EEXIST;
	case CS_ERR_NOT_EXIST:
		return -ENOENT;
	case CS_ERR_TOO_BIG:
		return -EMSGSIZE;
	case CS_ERR_BAD_HANDLE:
	case CS_ERR_LIBRARY:
	case CS_ERR_NOT_SUPPORTED:
		return -ENOTCONN;
	default:
		return -EIO;
	}
}

static void transport_deliver_fn(cpg_handle_t handle,
				 const struct cpg_name *group, uint32_t nodeid,
				 uint32_t pid, void *msg, size_t len)
{
	struct transport *t = NULL;

	if (cpg_context_get(handle, (void **)&t) != CS_OK || !t)
		return;
	t->cb.deliver(t->cb.ctx, nodeid, msg, len);
}

static size_t transport_ids(const struct cpg_address *a, size_t n,
			    uint32_t *ids)
{
	size_t i, k = 0;

	for (i = 0; i < n && k < TRANSPORT_MAX_MEMBERS; i++)
		ids[k++] = a[i].nodeid;
	return k;
}

static void transport_confchg_fn(cpg_handle_t handle,
				 const struct cpg_name *group,
				 const struct cpg_address *mem, size_t n_mem,
				 const struct cpg_address *left, size_t n_left,
				 const struct cpg_address *joined,
				 size_t n_joined)
{
	struct transport *t = NULL;
	uint32_t m[TRANSPORT_MAX_MEMBERS], l[TRANSPORT_MAX_MEMBERS],
		j[TRANSPORT_MAX_MEMBERS];
	size_t nm, nl, nj;

	if (cpg_context_get(handle, (void **)&t) != CS_OK || !t)
		return;
	nm = transport_ids(mem, n_mem, m);
	nl = transport_ids(left, n_left, l);
	nj = transport_ids(joined, n_joined, j);
	t->cb.view(t->cb.ctx, m, nm, l, nl, j, nj);
}

static int32_t transport_dispatch(int32_t fd, int32_t revents, void *data)
{
	struct transport *t = data;
	cs_error_t err;

	if (revents & (POLLHUP | POLLERR)) {
		err = CS_ERR_LIBRARY;
	} else {
		err = cpg_dispatch(t->handle, CS_DISPATCH_ALL);
		if (err == CS_ERR_TRY_AGAIN)
			return 0;
	}
	if (err != CS_OK) {
		log_err("lost the connection to corosync " QB_XS
			" cpg_dispatch: %d",
			err);
		__atomic_store_n(&t->lost, 1, __ATOMIC_RELEASE);
		qb_loop_poll_del(t->loop, t->fd);
		t->cb.lost(t->cb.ctx);
		return -1;
	}
	return 0;
}

static cpg_model_v1_data_t transport_model = {
	.model = CPG_MODEL_V1,
	.cpg_deliver_fn = transport_deliver_fn,
	.cpg_confchg_fn = transport_confchg_fn,
	.flags = 0,
};

/* cs_repeat: only at startup. */
static cs_error_t transport_init_retry(struct transport *t)
{
	cs_error_t err = CS_ERR_TRY_AGAIN;
	int i;

	for (i = 0; i < TRANSPORT_INIT_TRIES; i++) {
		err = cpg_model_initialize(&t->handle, CPG_MODEL_V1,
					   (cpg_model_data_t *)&transport_model,
					   t);
		if (err != CS_ERR_TRY_AGAIN)
			break;
		usleep(TRANSPORT_INIT_SLEEP_US);
	}
	return err;
}

static cs_error_t transport_join_retry(struct transport *t)
{
	cs_error_t err = CS_ERR_TRY_AGAIN;
	int i;

	for (i = 0; i < TRANSPORT_INIT_TRIES; i++) {
		err = cpg_join(t->handle, &t->group);
		if (err != CS_ERR_TRY_AGAIN)
			break;
		usleep(TRANSPORT_INIT_SLEEP_US);
	}
	return err;
}

int transport_open(struct transport **out, const char *group, qb_loop_t *loop,
		   const struct transport_cb *cb)
{
	struct transport *t;
	cs_error_t err;
	size_t len = strlen(group);
	int rc;

	if (len >= CPG_MAX_NAME_LENGTH)
		return -ENAMETOOLONG;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->loop = loop;
	t->cb = *cb;
	t->fd = -1;
	pthread_mutex_init(&t->send_mtx, NULL);
	memcpy(t->group.value, group, len);
	t->group.length = (uint32_t)len;

	err = transport_init_retry(t);
	if (err != CS_OK) {
		rc = transport_errno(err);
		log_err("cannot connect to corosync (is it running?) " QB_XS
			" cpg_initialize: %d",
			err);
		goto out_free;
	}
	err = cpg_local_get(t->handle, &t->local_id);
	if (err == CS_OK)
		err = cpg_fd_get(t->handle, &t->fd);
	if (err != CS_OK) {
		rc = transport_errno(err);
		log_err("cannot query corosync " QB_XS
			" cpg_local_get/fd_get: %d",
			err);
		goto out_finalize;
	}
	err = transport_join_retry(t);
	if (err != CS_OK) {
		rc = transport_errno(err);
		log_err("cannot join the CPG group %s " QB_XS " cpg_join: %d",
			group, err);
		goto out_finalize;
	}
	rc = qb_loop_poll_add(loop, QB_LOOP_HIGH, t->fd, POLLIN, t,
			      transport_dispatch);
	if (rc < 0) {
		log_err("cannot watch the corosync connection " QB_XS
			" qb_loop_poll_add: %s",
			strerror(-rc));
		goto out_leave;
	}
	*out = t;
	return 0;

out_leave:
	cpg_leave(t->handle, &t->group);
out_finalize:
	cpg_finalize(t->handle);
out_free:
	pthread_mutex_destroy(&t->send_mtx);
	free(t);
	return rc;
}

uint32_t transport_local_id(const struct transport *t)
{
	return t->local_id;
}

int transport_mcast(struct transport *t, const struct iovec *iov, int n_iov,
		    unsigned int max_wait_ms)
{
	struct timespec ts;
	unsigned int waited_us = 0, step_us = 100;
	cs_error_t err;

	for (;;) {
		if (__atomic_load_n(&t->lost, __ATOMIC_ACQUIRE)) {
			err = CS_ERR_BAD_HANDLE;
			break;
		}
		/* the lock covers the call only: a sender backing off must
		 * not hold up the others (the loop thread above all) */
		pthread_mutex_lock(&t->send_mtx);
		err = cpg_mcast_joined(t->handle, CPG_TYPE_AGREED,
				       (struct iovec *)iov,
				       (unsigned int)n_iov);
		pthread_mutex_unlock(&t->send_mtx);
		if (err != CS_ERR_TRY_AGAIN || waited_us >= max_wait_ms * 1000u)
			break;
		/* flow control: back off, doubling up to 10 ms */
		ts.tv_sec = 0;
		ts.tv_nsec = (long)step_us * 1000;
		nanosleep(&ts, NULL);
		waited_us += step_us;
		if (step_us < 10000)
			step_us *= 2;
	}
	return transport_errno(err);
}

void transport_close(struct transport *t)
{
	if (!t)
		return;
	if (!__atomic_load_n(&t->lost, __ATOMIC_ACQUIRE)) {
		qb_loop_poll_del(t->loop, t->fd);
		cpg_leave(t->handle, &t->group);
	}
	cpg_finalize(t->handle);
	pthread_mutex_destroy(&t->send_mtx);
	free(t);
}

int transport_quiet_rounds(uint32_t *out)
{
	cmap_handle_t h;
	cs_error_t err;

	err = cmap_initialize(&h);
	if (err != CS_OK)
		return transport_errno(err);
	err = cmap_get_uint32(h, "runtime.config.totem.seqno_unchanged_const",
			      out);
	cmap_finalize(h);
	return transport_errno(err);
}
