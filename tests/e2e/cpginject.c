// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cpginject - multicast one hand-made message into a replicd CPG group.
 *
 *	cpginject GROUP KIND [PATH]
 *
 * Joins GROUP (e.g. "mirror:www"), multicasts one message of KIND, waits
 * until corosync delivered it back to us (so every member got it, in
 * order), leaves and exits 0.  Used by the bad-input scenario to check
 * that replicd refuses what it must not apply.  The bytes are built here
 * from the layout in doc/protocol.md, independently of replicd's codec:
 *
 *	short      the first 16 bytes of a valid header
 *	truncated  a valid OP_UNLINK of PATH whose body is cut short
 *	version    a valid OP_UNLINK of PATH with protocol version 2
 *	hugelen    a header whose body length is 0xffffffff
 *	badpath    an OP_UNLINK of "../PATH" (escapes the directory)
 *	foreign    a well-formed OP_UNLINK of PATH with a sequence number far
 *		   ahead, from a node that is not the primary
 *	random     4096 random bytes (fixed seed)
 *
 * Exit: 0 delivered, 1 CPG error or timeout, 2 usage.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <corosync/cpg.h>

#define HDR_SIZE     32
#define WIRE_MAGIC   0x31524d48u /* "HMR1" */
#define WIRE_VERSION 1
#define OP_UNLINK    7
#define ATTR_MTIME   0x20u
#define MSG_MAX	     4096
#define TIMEOUT_MS   10000

struct inject {
	cpg_handle_t h;
	uint32_t my_node;
	uint32_t my_pid;
	const uint8_t *sent;
	size_t sent_len;
	int delivered;
};

static void st16(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

static void st32(uint8_t *p, uint32_t v)
{
	st16(p, v & 0xffff);
	st16(p + 2, v >> 16);
}

static void st64(uint8_t *p, uint64_t v)
{
	st32(p, v & 0xffffffffu);
	st32(p + 4, v >> 32);
}

static void put_header(uint8_t *buf, uint16_t version, uint16_t type,
		       uint32_t body_len, uint64_t seq)
{
	memset(buf, 0, HDR_SIZE);
	st32(buf + 0, WIRE_MAGIC);
	st16(buf + 4, version);
	st16(buf + 6, type);
	st32(buf + 12, body_len);
	st64(buf + 16, seq);
}

/* An OP_UNLINK of path: string (u16 length, bytes, NUL) then the parent
 * times (mask, mtime).  Returns the message length. */
static size_t unlink_msg(uint8_t *buf, uint16_t version, const char *path,
			 uint64_t seq)
{
	size_t n = strlen(path);
	uint8_t *b = buf + HDR_SIZE;
	size_t body = 2 + n + 1 + 4 + 8 + 4;

	st16(b, (uint16_t)n);
	memcpy(b + 2, path, n + 1);
	b += 2 + n + 1;
	st32(b, ATTR_MTIME);
	st64(b + 4, 1700000000);
	st32(b + 12, 0);
	put_header(buf, version, OP_UNLINK, (uint32_t)body, seq);
	return HDR_SIZE + body;
}

/* Fill buf with the message of kind; its length, or 0 for a bad kind. */
static size_t build(const char *kind, const char *path, uint8_t *buf)
{
	char escaped[1024];
	size_t len;
	unsigned int seed = 42;

	if (strlen(path) > 900)
		return 0;
	if (!strcmp(kind, "short")) {
		unlink_msg(buf, WIRE_VERSION, path, 1);
		return 16;
	}
	if (!strcmp(kind, "truncated")) {
		len = unlink_msg(buf, WIRE_VERSION, path, 1);
		return len - 10;
	}
	if (!strcmp(kind, "version"))
		return unlink_msg(buf, 2, path, 1);
	if (!strcmp(kind, "hugelen")) {
		len = unlink_msg(buf, WIRE_VERSION, path, 1);
		st32(buf + 12, 0xffffffffu);
		return len;
	}
	if (!strcmp(kind, "badpath")) {
		snprintf(escaped, sizeof(escaped), "../%s", path);
		return unlink_msg(buf, WIRE_VERSION, escaped, 1);
	}
	if (!strcmp(kind, "foreign"))
		return unlink_msg(buf, WIRE_VERSION, path, 1000000000ull);
	if (!strcmp(kind, "random")) {
		for (len = 0; len < MSG_MAX; len++)
			buf[len] = (uint8_t)(rand_r(&seed) >> 7);
		return MSG_MAX;
	}
	return 0;
}

static void deliver(cpg_handle_t h, const struct cpg_name *group,
		    uint32_t nodeid, uint32_t pid, void *msg, size_t len)
{
	struct inject *in = NULL;

	if (cpg_context_get(h, (void **)&in) != CS_OK || !in)
		return;
	if (nodeid == in->my_node && pid == in->my_pid && len == in->sent_len &&
	    !memcmp(msg, in->sent, len))
		in->delivered = 1;
}

static void confchg(cpg_handle_t h, const struct cpg_name *group,
		    const struct cpg_address *members, size_t n_members,
		    const struct cpg_address *left, size_t n_left,
		    const struct cpg_address *joined, size_t n_joined)
{
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: cpginject GROUP short|truncated|version|hugelen|badpath|foreign|random [PATH]\n");
	return 2;
}

int main(int argc, char **argv)
{
	static uint8_t buf[MSG_MAX + 1024];
	cpg_callbacks_t cb = { .cpg_deliver_fn = deliver,
			       .cpg_confchg_fn = confchg };
	struct inject in = { 0 };
	struct cpg_name group;
	struct iovec iov;
	struct pollfd pfd;
	cs_error_t err;
	long deadline;
	size_t len;
	int fd, tries, rc = 1;

	if (argc < 3 || argc > 4 || strlen(argv[1]) >= CPG_MAX_NAME_LENGTH)
		return usage();
	len = build(argv[2], argc == 4 ? argv[3] : "x", buf);
	if (!len)
		return usage();
	memset(&group, 0, sizeof(group));
	group.length = strlen(argv[1]);
	memcpy(group.value, argv[1], group.length);

	err = cpg_initialize(&in.h, &cb);
	if (err != CS_OK) {
		fprintf(stderr,
			"cpginject: cpg_initialize: error %d (is corosync running?)\n",
			err);
		return 1;
	}
	cpg_context_set(in.h, &in);
	if (cpg_local_get(in.h, &in.my_node) != CS_OK)
		goto out_finalize;
	in.my_pid = (uint32_t)getpid();
	for (tries = 0; tries < 50; tries++) {
		err = cpg_join(in.h, &group);
		if (err != CS_ERR_TRY_AGAIN)
			break;
		usleep(100000);
	}
	if (err != CS_OK) {
		fprintf(stderr, "cpginject: cpg_join %s: error %d\n", argv[1],
			err);
		goto out_finalize;
	}
	if (cpg_fd_get(in.h, &fd) != CS_OK)
		goto out_leave;

	in.sent = buf;
	in.sent_len = len;
	iov.iov_base = buf;
	iov.iov_len = len;
	for (tries = 0; tries < 50; tries++) {
		err = cpg_mcast_joined(in.h, CPG_TYPE_AGREED, &iov, 1);
		if (err != CS_ERR_TRY_AGAIN)
			break;
		usleep(100000);
	}
	if (err != CS_OK) {
		fprintf(stderr, "cpginject: cpg_mcast_joined: error %d\n", err);
		goto out_leave;
	}
	deadline = now_ms() + TIMEOUT_MS;
	while (!in.delivered && now_ms() < deadline) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 100) > 0 &&
		    cpg_dispatch(in.h, CS_DISPATCH_ALL) != CS_OK)
			break;
	}
	if (in.delivered) {
		printf("cpginject: %s: %zu bytes of '%s' delivered\n", argv[1],
		       len, argv[2]);
		rc = 0;
	} else {
		fprintf(stderr,
			"cpginject: own message not delivered within %d ms\n",
			TIMEOUT_MS);
	}
out_leave:
	cpg_leave(in.h, &group);
out_finalize:
	cpg_finalize(in.h);
	return rc;
}
