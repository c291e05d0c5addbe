/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_ctl_sock.c - the real control server on a qb_loop (in a thread)
 * against the real client: status round trip, handler errors, garbage,
 * oversized requests, too many clients, a second server, stale sockets,
 * and the client's timeout against a server that never answers.
 */
#include "replicd/config.h" /* the generated config.h too */

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "replicd/ctl.h"

struct fixture {
	qb_loop_t *loop;
	struct ctl_server *srv;
	pthread_t thread;
	int stop_pipe[2];
	char dir[64];
	char path[128];
	int promotes; /* written by the loop thread, read after join */
	int demotes;
};

static int h_status(void *ctx, struct ctl_status *out)
{
	strcpy(out->name, "www");
	out->node_id = 7;
	out->role = PROTO_ROLE_ALONE;
	out->up_to_date = true;
	out->quorate = true;
	out->seq = 99;
	out->n_dirs = 1;
	strcpy(out->dirs[0], "/srv/www");
	out->n_peers = 1;
	out->peers[0].node_id = 8;
	strcpy(out->peers[0].name, "node-b");
	out->peers[0].role = PROTO_ROLE_WAIT;
	return 0;
}

static int h_promote(void *ctx, char *err, size_t errlen)
{
	struct fixture *f = ctx;

	f->promotes++;
	snprintf(err, errlen, "replica is outdated: resync from node-b first");
	return -EBUSY;
}

static int h_demote(void *ctx, char *err, size_t errlen)
{
	struct fixture *f = ctx;

	f->demotes++;
	return 0;
}

static int32_t stop_cb(int32_t fd, int32_t revents, void *data)
{
	qb_loop_stop(data);
	return 0;
}

static void *loop_thread(void *arg)
{
	struct fixture *f = arg;

	qb_loop_run(f->loop);
	return NULL;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct ctl_handlers h = {
		.ctx = f,
		.status = h_status,
		.promote = h_promote,
		.demote = h_demote,
		/* force_primary, invalidate: NULL -> EOPNOTSUPP */
	};

	assert_non_null(f);
	strcpy(f->dir, "/tmp/replicd-test-ctl-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/run/www.sock", f->dir);
	f->loop = qb_loop_create();
	assert_non_null(f->loop);
	assert_int_equal(pipe(f->stop_pipe), 0);
	assert_int_equal(qb_loop_poll_add(f->loop, QB_LOOP_HIGH,
					  f->stop_pipe[0], POLLIN, f->loop,
					  stop_cb),
			 0);
	assert_int_equal(ctl_server_start(f->loop, f->path, &h, &f->srv), 0);
	assert_int_equal(pthread_create(&f->thread, NULL, loop_thread, f), 0);
	*state = f;
	return 0;
}

static void stop_loop(struct fixture *f)
{
	if (!f->loop)
		return;
	assert_int_equal(write(f->stop_pipe[1], "x", 1), 1);
	pthread_join(f->thread, NULL);
	ctl_server_stop(f->srv);
	qb_loop_poll_del(f->loop, f->stop_pipe[0]);
	qb_loop_destroy(f->loop);
	f->loop = NULL;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char run[80];

	stop_loop(f);
	close(f->stop_pipe[0]);
	close(f->stop_pipe[1]);
	snprintf(run, sizeof(run), "%s/run", f->dir);
	unlink(f->path);
	rmdir(run);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Send raw bytes, read the answer until EOF (at most 3 s). */
static long raw_call(const char *path, const char *req, size_t len, char *resp,
		     size_t resplen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t got = 0;
	int fd;

	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	if (len)
		(void)send(fd, req, len, MSG_NOSIGNAL);
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, 3000) <= 0) {
			close(fd);
			return -ETIMEDOUT;
		}
		n = recv(fd, resp + got, resplen - 1 - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	resp[got] = '\0';
	close(fd);
	return (long)got;
}

static void test_status(void **state)
{
	struct fixture *f = *state;
	char *resp = calloc(1, CTL_RESPONSE_MAX);
	struct ctl_status *st = calloc(1, sizeof(*st));
	char err[CTL_MSG_MAX] = "";
	struct stat sb;
	char run[80];
	long n;

	assert_int_equal(stat(f->path, &sb), 0);
	assert_true(S_ISSOCK(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0600);
	snprintf(run, sizeof(run), "%s/run", f->dir);
	assert_int_equal(stat(run, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);

	n = ctl_call(f->path, "status", resp, CTL_RESPONSE_MAX, 2000);
	assert_true(n > 0);
	assert_int_equal(
		ctl_status_decode(resp, (size_t)n, st, err, sizeof(err)), 0);
	assert_string_equal(st->name, "www");
	assert_int_equal(st->node_id, 7);
	assert_int_equal(st->role, PROTO_ROLE_ALONE);
	assert_true(st->up_to_date);
	assert_int_equal(st->seq, 99);
	assert_string_equal(st->dirs[0], "/srv/www");
	assert_int_equal(st->n_peers, 1);
	assert_string_equal(st->peers[0].name, "node-b");
	assert_int_equal(st->peers[0].role, PROTO_ROLE_WAIT);

	/* a response larger than the caller's buffer */
	assert_int_equal(ctl_call(f->path, "status", resp, 64, 2000),
			 -EMSGSIZE);
	free(st);
	free(resp);
}

static void test_commands(void **state)
{
	struct fixture *f = *state;
	char resp[512], err[CTL_MSG_MAX] = "";
	const char *body = NULL;
	size_t body_len = 0;
	long n;

	n = ctl_call(f->path, "promote", resp, sizeof(resp), 2000);
	assert_true(n > 0);
	assert_int_equal(ctl_response_decode(resp, (size_t)n, &body, &body_len,
					     err, sizeof(err)),
			 -EBUSY);
	assert_string_equal(err,
			    "replica is outdated: resync from node-b first");

	n = ctl_call(f->path, "demote", resp, sizeof(resp), 2000);
	assert_int_equal(n, 5);
	assert_string_equal(resp, "OK\n.\n");

	n = ctl_call(f->path, "force-primary", resp, sizeof(resp), 2000);
	assert_true(n > 0);
	assert_int_equal(ctl_response_decode(resp, (size_t)n, &body, &body_len,
					     err, sizeof(err)),
			 -EOPNOTSUPP);

	n = ctl_call(f->path, "frobnicate", resp, sizeof(resp), 2000);
	assert_true(n > 0);
	assert_string_equal(
		resp,
		"ERR EOPNOTSUPP unknown command 'frobnicate' (known: status promote demote force-primary invalidate)\n");

	stop_loop(f);
	assert_int_equal(f->promotes, 1);
	assert_int_equal(f->demotes, 1);
}

static void test_garbage(void **state)
{
	struct fixture *f = *state;
	char resp[512], big[4096];
	static const char bin[] = "\x00\x01\x02\xff\n";

	assert_true(raw_call(f->path, "hello there\n", 12, resp, sizeof(resp)) >
		    0);
	assert_string_equal(
		resp,
		"ERR EPROTO not a HMCTL1 request (expected 'HMCTL1 COMMAND')\n");
	assert_true(raw_call(f->path, bin, sizeof(bin) - 1, resp,
			     sizeof(resp)) > 0);
	assert_string_equal(resp,
			    "ERR EPROTO request contains control characters\n");

	/* oversized: ERR then closed, without waiting for a newline */
	memset(big, 'A', sizeof(big));
	assert_true(raw_call(f->path, big, sizeof(big), resp, sizeof(resp)) >
		    0);
	assert_string_equal(resp, "ERR EMSGSIZE request too long\n");

	/* a partial request is not answered (nor does it block the loop) */
	assert_int_equal(raw_call(f->path, "HMCTL1 sta", 10, resp, 1),
			 -ETIMEDOUT);
	/* the server still answers */
	assert_true(ctl_call(f->path, "demote", resp, sizeof(resp), 2000) > 0);
	assert_string_equal(resp, "OK\n.\n");
}

static void test_too_many_clients(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fds[CTL_MAX_CLIENTS];
	char resp[512];
	int i;

	strcpy(sun.sun_path, f->path);
	for (i = 0; i < CTL_MAX_CLIENTS; i++) {
		fds[i] = socket(AF_UNIX, SOCK_STREAM, 0);
		assert_int_equal(connect(fds[i], (struct sockaddr *)&sun,
					 sizeof(sun)),
				 0);
	}
	/* accept() is FIFO: the next one is always one too many */
	assert_true(ctl_call(f->path, "status", resp, sizeof(resp), 2000) > 0);
	assert_string_equal(resp, "ERR EBUSY too many control connections\n");
	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		close(fds[i]);
	/* the server notices the hang-ups and serves again */
	for (i = 0; i < 100; i++) {
		assert_true(ctl_call(f->path, "demote", resp, sizeof(resp),
				     2000) > 0);
		if (strcmp(resp, "OK\n.\n") == 0)
			break;
		usleep(20 * 1000);
	}
	assert_string_equal(resp, "OK\n.\n");
}

static void test_second_server(void **state)
{
	struct fixture *f = *state;
	struct ctl_handlers h = { 0 };
	struct ctl_server *srv2 = NULL;
	qb_loop_t *loop2 = qb_loop_create();

	assert_int_equal(ctl_server_start(loop2, f->path, &h, &srv2),
			 -EADDRINUSE);
	assert_null(srv2);
	qb_loop_destroy(loop2);
}

static void test_stale_and_missing(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ctl_handlers h = { 0 };
	struct ctl_server *srv2 = NULL;
	qb_loop_t *loop2;
	char resp[64];
	int fd;

	stop_loop(f); /* unlinks the socket */
	assert_int_equal(access(f->path, F_OK), -1);
	assert_int_equal(ctl_call(f->path, "status", resp, sizeof(resp), 1000),
			 -ENOENT);

	/* a stale socket file: bound, never listening, closed */
	strcpy(sun.sun_path, f->path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	assert_int_equal(ctl_call(f->path, "status", resp, sizeof(resp), 1000),
			 -ECONNREFUSED);
	loop2 = qb_loop_create();
	assert_int_equal(ctl_server_start(loop2, f->path, &h, &srv2), 0);
	ctl_server_stop(srv2);
	assert_int_equal(access(f->path, F_OK), -1);
	qb_loop_destroy(loop2);
}

static void test_client_timeout(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timespec t0, t1;
	char resp[64];
	long ms;
	int fd;

	/* a "stuck daemon": listening, never accepting or answering */
	stop_loop(f);
	strcpy(sun.sun_path, f->path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(fd, 4), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(ctl_call(f->path, "status", resp, sizeof(resp), 300),
			 -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	     (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms >= 250 && ms < 2000);
	close(fd);
	unlink(f->path);
}

static void test_client_args(void **state)
{
	char resp[64], longpath[200];

	memset(longpath, 'x', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	assert_int_equal(ctl_call(longpath, "status", resp, sizeof(resp), 100),
			 -ENAMETOOLONG);
	assert_int_equal(ctl_call("/x", "two words", resp, sizeof(resp), 100),
			 -EINVAL);
	assert_int_equal(ctl_call("/x", "", resp, sizeof(resp), 100), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_many_clients, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_second_server, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_stale_and_missing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_client_timeout, setup,
						teardown),
		cmocka_unit_test(test_client_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
