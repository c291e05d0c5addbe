/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_ctl_codec.c - control protocol codec: requests, ERR lines, status
 * round trip, malformed and truncated responses, forward compatibility.
 */
#include "replicd/config.h" /* the generated config.h too */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "replicd/ctl.h"

static void test_request(void **state)
{
	static const struct {
		const char *in;
		int rc;
		enum ctl_cmd cmd;
		const char *expect;
	} cases[] = {
		{ "HMCTL1 status\n", 0, CTL_CMD_STATUS, NULL },
		{ "HMCTL1 status", 0, CTL_CMD_STATUS, NULL },
		{ "HMCTL1 promote\n", 0, CTL_CMD_PROMOTE, NULL },
		{ "HMCTL1 demote\n", 0, CTL_CMD_DEMOTE, NULL },
		{ "HMCTL1 force-primary\n", 0, CTL_CMD_FORCE_PRIMARY, NULL },
		{ "HMCTL1 invalidate\n", 0, CTL_CMD_INVALIDATE, NULL },
		{ "HMCTL1 frobnicate\n", -EOPNOTSUPP, 0,
		  "unknown command 'frobnicate' (known: status promote demote force-primary invalidate)" },
		{ "HMCTL1 status \n", -EOPNOTSUPP, 0, "unknown command" },
		{ "HMCTL1 \n", -EOPNOTSUPP, 0, "unknown command ''" },
		{ "HMCTL2 status\n", -EPROTO, 0, "not a HMCTL1 request" },
		{ "status\n", -EPROTO, 0, "not a HMCTL1 request" },
		{ "", -EPROTO, 0, "not a HMCTL1 request" },
		{ "HMCTL1 sta\rtus\n", -EPROTO, 0, "control characters" },
		{ "HMCTL1 status\n\n", -EPROTO, 0, "control characters" },
	};
	char err[CTL_MSG_MAX];
	char big[CTL_REQUEST_MAX + 10];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum ctl_cmd cmd = CTL_CMD_MAX;
		int rc;

		err[0] = '\0';
		rc = ctl_request_parse(cases[i].in, strlen(cases[i].in), &cmd,
				       err, sizeof(err));
		if (rc != cases[i].rc)
			fail_msg("'%s': rc %d, expected %d", cases[i].in, rc,
				 cases[i].rc);
		if (rc == 0)
			assert_int_equal(cmd, cases[i].cmd);
		if (cases[i].expect && !strstr(err, cases[i].expect))
			fail_msg("'%s': '%s' not in '%s'", cases[i].in,
				 cases[i].expect, err);
	}
	memset(big, 'a', sizeof(big));
	memcpy(big, "HMCTL1 ", 7);
	assert_int_equal(ctl_request_parse(big, sizeof(big),
					   &(enum ctl_cmd){ 0 }, err,
					   sizeof(err)),
			 -EPROTO);
	assert_non_null(strstr(err, "too long"));

	for (i = 0; i < CTL_CMD_MAX; i++) {
		char buf[64];
		enum ctl_cmd cmd = CTL_CMD_MAX;
		long n = ctl_request_encode((enum ctl_cmd)i, buf, sizeof(buf));

		assert_true(n > 0);
		assert_int_equal(ctl_request_parse(buf, (size_t)n, &cmd, err,
						   sizeof(err)),
				 0);
		assert_int_equal(cmd, i);
	}
	assert_int_equal(ctl_request_encode(CTL_CMD_MAX, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(ctl_request_encode(CTL_CMD_STATUS, err, 4), -ENOSPC);
}

static void test_err_lines(void **state)
{
	char buf[512], msg[CTL_MSG_MAX], name[16];
	const char *body = NULL;
	size_t body_len = 0;
	long n;
	int e = 0;

	n = ctl_err_encode(-EBUSY, "peer node-b is\nsyncing", buf, sizeof(buf));
	assert_true(n > 0);
	assert_string_equal(buf, "ERR EBUSY peer node-b is?syncing\n");
	assert_int_equal(ctl_response_decode(buf, (size_t)n, &body, &body_len,
					     msg, sizeof(msg)),
			 -EBUSY);
	assert_string_equal(msg, "peer node-b is?syncing");

	/* empty message: strerror */
	n = ctl_err_encode(EPERM, "", buf, sizeof(buf));
	assert_string_equal(buf, "ERR EPERM Operation not permitted\n");
	/* errno without a name */
	n = ctl_err_encode(-133, "x", buf, sizeof(buf));
	assert_string_equal(buf, "ERR E133 x\n");
	assert_int_equal(ctl_response_decode(buf, (size_t)n, &body, &body_len,
					     msg, sizeof(msg)),
			 -133);
	assert_string_equal(ctl_err_name(ENOENT, name, sizeof(name)), "ENOENT");
	assert_int_equal(ctl_err_parse("ETIMEDOUT", &e), 0);
	assert_int_equal(e, ETIMEDOUT);
	assert_int_equal(ctl_err_parse("E0", &e), -EINVAL);
	assert_int_equal(ctl_err_parse("EBOGUS", &e), -EINVAL);
	assert_int_equal(ctl_err_parse("E99999", &e), -EINVAL);
	assert_int_equal(ctl_err_encode(EIO, "x", buf, 8), -ENOSPC);
}

static struct ctl_status *sample(void)
{
	struct ctl_status *st = calloc(1, sizeof(*st));
	unsigned int i;

	assert_non_null(st);
	strcpy(st->name, "www");
	st->node_id = 1;
	st->role = PROTO_ROLE_PRIM;
	st->up_to_date = true;
	st->syncing = true;
	st->sync_permille = 455;
	for (i = 0; i < 16; i++)
		st->gen[i] = (uint8_t)(i * 16 + i);
	st->quorate = true;
	st->ops_replicated = 123456789012ull;
	st->bytes_replicated = UINT64_MAX;
	st->seq = 42;
	st->last_primary = 7;
	st->link_sent = 1ull << 40;
	st->link_received = 3;
	strcpy(st->last_error, "peer 2 dropped: ack timeout = 5 s");
	st->n_dirs = 2;
	strcpy(st->dirs[0], "/srv/www");
	strcpy(st->dirs[1], "/srv/with space=and equals");
	st->n_peers = CTL_MAX_PEERS;
	for (i = 0; i < CTL_MAX_PEERS; i++) {
		st->peers[i].node_id = i + 2;
		snprintf(st->peers[i].name, sizeof(st->peers[i].name),
			 "node-%u", i);
		st->peers[i].role = PROTO_ROLE_SECOND;
		st->peers[i].up_to_date = i % 2;
		st->peers[i].connected = i % 3;
		st->peers[i].data_link = i % 5 == 1;
		st->peers[i].sync_permille = i * 10;
		st->peers[i].acked_seq = 40 + i;
	}
	memset(st->peers[0].name, 0, sizeof(st->peers[0].name));
	return st;
}

static void test_status_round_trip(void **state)
{
	struct ctl_status *st = sample(), *d = calloc(1, sizeof(*d));
	char *buf = calloc(1, CTL_RESPONSE_MAX);
	char err[CTL_MSG_MAX] = "";
	long n;

	n = ctl_status_encode(st, buf, CTL_RESPONSE_MAX);
	assert_true(n > 0);
	assert_int_equal(ctl_status_decode(buf, (size_t)n, d, err, sizeof(err)),
			 0);
	assert_memory_equal(st, d, sizeof(*st));
	assert_non_null(strstr(buf, "\nrole=PRIM\n"));
	assert_non_null(strstr(buf, "\nlast_primary=7\n"));
	assert_non_null(
		strstr(buf, "\ngeneration=00112233445566778899aabbccddeeff\n"));

	/* small buffers: -ENOSPC, never an overflow */
	assert_int_equal(ctl_status_encode(st, buf, 100), -ENOSPC);
	assert_int_equal(ctl_status_encode(st, buf, (size_t)n), -ENOSPC);
	assert_int_equal(ctl_status_encode(st, buf, (size_t)n + 1), n);
	st->n_peers = CTL_MAX_PEERS + 1;
	assert_int_equal(ctl_status_encode(st, buf, CTL_RESPONSE_MAX), -EINVAL);

	/* control characters in strings are replaced */
	st->n_peers = 0;
	strcpy(st->last_error, "two\nlines");
	n = ctl_status_encode(st, buf, CTL_RESPONSE_MAX);
	assert_int_equal(ctl_status_decode(buf, (size_t)n, d, err, sizeof(err)),
			 0);
	assert_string_equal(d->last_error, "two?lines");
	free(buf);
	free(d);
	free(st);
}

static void test_truncated(void **state)
{
	struct ctl_status *st = sample(), *d = calloc(1, sizeof(*d));
	char *buf = calloc(1, CTL_RESPONSE_MAX);
	char err[CTL_MSG_MAX];
	long n, i;

	st->n_peers = 3;
	n = ctl_status_encode(st, buf, CTL_RESPONSE_MAX);
	for (i = 0; i < n; i++) {
		int rc = ctl_status_decode(buf, (size_t)i, d, err, sizeof(err));

		if (rc != -EBADMSG)
			fail_msg("truncated to %ld: rc %d", i, rc);
	}
	free(buf);
	free(d);
	free(st);
}

static void test_bad_responses(void **state)
{
	static const struct {
		const char *in;
		int rc;
		const char *expect;
	} cases[] = {
		{ "OK\n.\n", 0, NULL },
		{ "OK\nfuture_key=whatever\npeers=1\npeer.0.future=1\n.\n", 0,
		  NULL },
		{ "OK\nrole=PRIM\n.\n", 0, NULL },
		{ "OK\nrole=BOSS\n.\n", -EBADMSG, "'role'" },
		{ "OK\nnode_id=-1\n.\n", -EBADMSG, "'node_id'" },
		{ "OK\nnode_id=4294967296\n.\n", -EBADMSG, "'node_id'" },
		{ "OK\nsync_permille=1001\n.\n", -EBADMSG, "'sync_permille'" },
		{ "OK\nup_to_date=yes\n.\n", -EBADMSG, "'up_to_date'" },
		{ "OK\ngeneration=00\n.\n", -EBADMSG, "'generation'" },
		{ "OK\ndirs=17\n.\n", -EBADMSG, "'dirs'" },
		{ "OK\ndir.0=/x\n.\n", -EBADMSG, "'dir.0'" },
		{ "OK\ndirs=1\ndir.1=/x\n.\n", -EBADMSG, "'dir.1'" },
		{ "OK\ndirs=1\ndir.0x=/x\n.\n", -EBADMSG, "'dir.0x'" },
		{ "OK\npeers=33\n.\n", -EBADMSG, "'peers'" },
		{ "OK\npeer.0.node_id=1\n.\n", -EBADMSG, "'peer.0.node_id'" },
		{ "OK\npeers=1\npeer.0node_id=1\n.\n", -EBADMSG,
		  "'peer.0node_id'" },
		{ "OK\npeers=1\npeer.0.acked_seq=1x\n.\n", -EBADMSG,
		  "'peer.0.acked_seq'" },
		{ "OK\nno equals sign\n.\n", -EBADMSG,
		  "malformed response line" },
		{ "OK\nname=a\tb\n.\n", -EBADMSG, "malformed response line" },
		{ "OK\n.\nextra\n", -EBADMSG, "malformed or truncated" },
		{ "OK\n", -EBADMSG, "malformed or truncated" },
		{ "OK.\n", -EBADMSG, "malformed or truncated" },
		{ "HELLO\n", -EBADMSG, "malformed or truncated" },
		{ "ERR EBUSY busy\n", -EBUSY, "busy" },
		{ "ERR EBUSY busy", -EBADMSG, "malformed ERR" },
		{ "ERR EBUSY\n", -EBADMSG, "malformed ERR" },
		{ "ERR ENOPE x\n", -EBADMSG, "malformed ERR" },
		{ "ERR EBUSY a\nb\n", -EBADMSG, "malformed ERR" },
	};
	struct ctl_status *d = calloc(1, sizeof(*d));
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[CTL_MSG_MAX] = "";
		int rc = ctl_status_decode(cases[i].in, strlen(cases[i].in), d,
					   err, sizeof(err));

		if (rc != cases[i].rc)
			fail_msg("case %zu: rc %d, expected %d (%s)", i, rc,
				 cases[i].rc, err);
		if (cases[i].expect && !strstr(err, cases[i].expect))
			fail_msg("case %zu: '%s' not in '%s'", i,
				 cases[i].expect, err);
	}
	/* a NUL inside */
	{
		char err[CTL_MSG_MAX] = "";
		static const char nul[] = "OK\nname=a\0b\n.\n";

		assert_int_equal(ctl_status_decode(nul, sizeof(nul) - 1, d, err,
						   sizeof(err)),
				 -EBADMSG);
	}
	free(d);
}

/* Deterministic mutation loop: the decoder must never crash or accept
 * something it cannot represent (run under the sanitizers). */
static void test_mutations(void **state)
{
	struct ctl_status *st = sample(), *d = calloc(1, sizeof(*d));
	char *buf = calloc(1, CTL_RESPONSE_MAX),
	     *mut = calloc(1, CTL_RESPONSE_MAX);
	char err[CTL_MSG_MAX];
	uint32_t rnd = 12345;
	long n;
	int i, j;

	st->n_peers = 4;
	n = ctl_status_encode(st, buf, CTL_RESPONSE_MAX);
	for (i = 0; i < 20000; i++) {
		size_t len = (size_t)n;

		memcpy(mut, buf, len);
		for (j = 0; j < 1 + i % 4; j++) {
			rnd = rnd * 1103515245u + 12345u;
			mut[(rnd >> 8) % len] = (char)(rnd >> 24);
		}
		if (i % 7 == 0)
			len = (rnd >> 4) % len;
		if (ctl_status_decode(mut, len, d, err, sizeof(err)) == 0) {
			assert_true(d->n_peers <= CTL_MAX_PEERS);
			assert_true(d->n_dirs <= PROTO_MAX_DIRS);
			assert_true(d->sync_permille <= 1000);
			assert_true(strlen(d->name) <= CTL_RES_NAME_MAX);
		}
	}
	free(mut);
	free(buf);
	free(d);
	free(st);
}

static void test_names(void **state)
{
	enum proto_role r = PROTO_ROLE_STOP;
	char buf[256];

	assert_string_equal(ctl_cmd_name(CTL_CMD_FORCE_PRIMARY),
			    "force-primary");
	assert_null(ctl_cmd_name(CTL_CMD_MAX));
	assert_string_equal(ctl_role_name(PROTO_ROLE_ALONE), "ALONE");
	assert_string_equal(ctl_role_name(PROTO_ROLE_MAX), "?");
	assert_int_equal(ctl_role_parse("WAIT", &r), 0);
	assert_int_equal(r, PROTO_ROLE_WAIT);
	assert_int_equal(ctl_role_parse("wait", &r), -EINVAL);
	assert_int_equal(ctl_ok_encode(buf, sizeof(buf)), 5);
	assert_string_equal(buf, "OK\n.\n");

	ctl_call_strerror(-ENOENT, "/run/replicd/www.sock", NULL, buf,
			  sizeof(buf));
	assert_string_equal(
		buf,
		"replicd for resource www is not running (no socket at /run/replicd/www.sock)");
	ctl_call_strerror(-EACCES, "/run/replicd/www.sock", "www", buf,
			  sizeof(buf));
	assert_non_null(strstr(buf, "permission denied"));
	ctl_call_strerror(-ETIMEDOUT, "/x/db.sock", "db", buf, sizeof(buf));
	assert_non_null(strstr(buf, "db did not answer in time"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_err_lines),
		cmocka_unit_test(test_status_round_trip),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bad_responses),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
