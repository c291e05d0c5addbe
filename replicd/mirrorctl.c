/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mirrorctl - control a running replicd through its control socket.
 *
 * Exit codes (also in --help and mirrorctl(8)):
 *   0 success
 *   1 the daemon refused or the command failed (its message on stderr)
 *   2 usage error
 *   3 replicd is not running (no socket, or a stale one)
 *   4 permission denied
 *   5 timeout or protocol error
 */
#include "config.h" /* first: the generated config.h too */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#define MIRRORCTL_OK	      0
#define MIRRORCTL_FAILED      1
#define MIRRORCTL_USAGE	      2
#define MIRRORCTL_NOT_RUNNING 3
#define MIRRORCTL_DENIED      4
#define MIRRORCTL_PROTOCOL    5

#define MIRRORCTL_TIMEOUT_MIN 1u
#define MIRRORCTL_TIMEOUT_MAX 3600u

struct mirrorctl_args {
	const char *socket;   /* --socket, points into argv */
	const char *resource; /* -r, points into argv */
	const char *command;  /* points into argv */
	char path[CONFIG_SOCKET_MAX];
	int timeout_ms;
	bool json;
	bool help;
	bool version;
};

static void mirrorctl_usage(FILE *out)
{
	fprintf(out,
		"Usage: mirrorctl [-r NAME | -s PATH] [-t SECONDS] [--json] COMMAND\n"
		"Control the replicd of one mirrored resource.\n"
		"\n"
		"Commands:\n"
		"  status          show role, data state, peers and counters\n"
		"  promote         make this node the primary (must be up to date)\n"
		"  demote          stop serving, become a secondary\n"
		"  force-primary   declare this replica up to date and promote it\n"
		"                  (first start, or after losing every other copy)\n"
		"  invalidate      discard this replica: resync it from the primary\n"
		"  help            show this help\n"
		"\n"
		"Options:\n"
		"  -r, --resource NAME   resource name (socket %s/NAME.sock)\n"
		"  -s, --socket PATH     control socket path\n"
		"  -t, --timeout SECONDS give up after SECONDS (default %d)\n"
		"  -j, --json            status as JSON\n"
		"  -h, --help            show this help and exit\n"
		"  -V, --version         show the version and exit\n"
		"\n"
		"Exit status:\n"
		"  0  success\n"
		"  1  the command failed or replicd refused it\n"
		"  2  usage error\n"
		"  3  replicd is not running\n"
		"  4  permission denied\n"
		"  5  timeout or protocol error\n",
		REPLICD_RUN_DIR, CTL_TIMEOUT_DEFAULT_MS / 1000);
}

/* "mirrorctl: WHAT 'ARG'[: HINT]" and the --help pointer; -EINVAL. */
static int mirrorctl_usage_error(const char *what, const char *arg,
				 const char *hint)
{
	if (arg)
		fprintf(stderr, "mirrorctl: %s '%s'%s%s\n", what, arg,
			hint ? ": " : "", hint ? hint : "");
	else
		fprintf(stderr, "mirrorctl: %s\n", what);
	fprintf(stderr, "Try 'mirrorctl --help' for more information.\n");
	return -EINVAL;
}

static int mirrorctl_parse(struct mirrorctl_args *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "resource", required_argument, NULL, 'r' },
		{ "socket", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char opt[3] = "-?";
	uint64_t secs = 0;
	int c;

	a->timeout_ms = CTL_TIMEOUT_DEFAULT_MS;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":r:s:t:jhV", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (!config_name_valid(optarg))
				return mirrorctl_usage_error(
					"invalid resource name", optarg,
					"1 to 63 characters from A-Z a-z 0-9 _ . -");
			a->resource = optarg;
			break;
		case 's':
			if (optarg[0] != '/' ||
			    strlen(optarg) >= CONFIG_SOCKET_MAX)
				return mirrorctl_usage_error(
					"invalid socket path", optarg,
					"absolute, at most 107 bytes");
			a->socket = optarg;
			break;
		case 't':
			if (config_parse_u64(optarg, MIRRORCTL_TIMEOUT_MIN,
					     MIRRORCTL_TIMEOUT_MAX, &secs) < 0)
				return mirrorctl_usage_error(
					"invalid timeout", optarg,
					"seconds, 1 to 3600");
			a->timeout_ms = (int)secs * 1000;
			break;
		case 'j':
			a->json = true;
			break;
		case 'h':
			a->help = true;
			break;
		case 'V':
			a->version = true;
			break;
		case ':':
			return mirrorctl_usage_error("missing value for option",
						     argv[optind - 1], NULL);
		default:
			if (optopt) {
				opt[1] = (char)optopt;
				return mirrorctl_usage_error("unknown option",
							     opt, NULL);
			}
			return mirrorctl_usage_error("unknown option",
						     argv[optind - 1], NULL);
		}
	}
	if (a->help || a->version)
		return 0;
	if (optind >= argc) {
		return mirrorctl_usage_error("no command given", NULL, NULL);
	}
	a->command = argv[optind++];
	if (optind < argc)
		return mirrorctl_usage_error("unexpected argument",
					     argv[optind], NULL);
	if (strcmp(a->command, "help") == 0) {
		a->help = true;
		return 0;
	}
	if (strcmp(a->command, "status") != 0 &&
	    strcmp(a->command, "promote") != 0 &&
	    strcmp(a->command, "demote") != 0 &&
	    strcmp(a->command, "force-primary") != 0 &&
	    strcmp(a->command, "invalidate") != 0)
		return mirrorctl_usage_error("unknown command", a->command,
					     "known: " CTL_CMD_NAMES " help");
	if (a->json && strcmp(a->command, "status") != 0)
		return mirrorctl_usage_error(
			"--json applies to status only, not to", a->command,
			NULL);
	if (a->socket && a->resource)
		return mirrorctl_usage_error(
			"give either --resource or --socket, not both", NULL,
			NULL);
	if (a->socket) {
		snprintf(a->path, sizeof(a->path), "%s", a->socket);
	} else if (a->resource) {
		if (config_default_socket(a->resource, a->path,
					  sizeof(a->path)) < 0)
			return mirrorctl_usage_error("resource name too long",
						     a->resource, NULL);
	} else {
		return mirrorctl_usage_error(
			"which resource? use -r NAME or --socket PATH", NULL,
			NULL);
	}
	return 0;
}

/* Write s as a JSON string: escapes, invalid UTF-8 becomes U+FFFD. */
static void mirrorctl_json_str(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', out);
	while (*p) {
		unsigned char ch = *p;
		int n = 0, i;

		if (ch == '"' || ch == '\\') {
			fprintf(out, "\\%c", ch);
		} else if (ch < 0x20 || ch == 0x7f) {
			fprintf(out, "\\u%04x", ch);
		} else if (ch < 0x80) {
			fputc(ch, out);
		} else {
			if (ch >= 0xc2 && ch <= 0xdf)
				n = 1;
			else if (ch >= 0xe0 && ch <= 0xef)
				n = 2;
			else if (ch >= 0xf0 && ch <= 0xf4)
				n = 3;
			for (i = 1; n && i <= n; i++)
				if ((p[i] & 0xc0) != 0x80)
					n = 0;
			/* overlongs / surrogates / > U+10FFFF */
			if ((n == 2 && ch == 0xe0 && p[1] < 0xa0) ||
			    (n == 2 && ch == 0xed && p[1] >= 0xa0) ||
			    (n == 3 && ch == 0xf0 && p[1] < 0x90) ||
			    (n == 3 && ch == 0xf4 && p[1] >= 0x90))
				n = 0;
			if (n == 0) {
				fputs("\\ufffd", out);
			} else {
				fwrite(p, 1, (size_t)n + 1, out);
				p += n;
			}
		}
		p++;
	}
	fputc('"', out);
}

static const char *mirrorctl_bool(bool b)
{
	return b ? "true" : "false";
}

static void mirrorctl_print_json(FILE *out, const struct ctl_status *st)
{
	static const char hex[] = "0123456789abcdef";
	char gen[33];
	unsigned int i;

	for (i = 0; i < 16; i++) {
		gen[2 * i] = hex[st->gen[i] >> 4];
		gen[2 * i + 1] = hex[st->gen[i] & 0xf];
	}
	gen[32] = '\0';
	fputs("{\"resource\":", out);
	mirrorctl_json_str(out, st->name);
	fprintf(out, ",\"node_id\":%u,\"role\":\"%s\"", st->node_id,
		ctl_role_name(st->role));
	fprintf(out, ",\"up_to_date\":%s,\"syncing\":%s,\"sync_permille\":%u",
		mirrorctl_bool(st->up_to_date), mirrorctl_bool(st->syncing),
		st->sync_permille);
	fprintf(out, ",\"generation\":\"%s\",\"quorate\":%s", gen,
		mirrorctl_bool(st->quorate));
	fprintf(out,
		",\"ops_replicated\":%llu,\"bytes_replicated\":%llu,\"seq\":%llu",
		(unsigned long long)st->ops_replicated,
		(unsigned long long)st->bytes_replicated,
		(unsigned long long)st->seq);
	fprintf(out, ",\"link_sent\":%llu,\"link_received\":%llu",
		(unsigned long long)st->link_sent,
		(unsigned long long)st->link_received);
	fprintf(out, ",\"last_primary\":%u", st->last_primary);
	fputs(",\"last_error\":", out);
	mirrorctl_json_str(out, st->last_error);
	fputs(",\"directories\":[", out);
	for (i = 0; i < st->n_dirs; i++) {
		if (i)
			fputc(',', out);
		mirrorctl_json_str(out, st->dirs[i]);
	}
	fputs("],\"peers\":[", out);
	for (i = 0; i < st->n_peers; i++) {
		const struct ctl_peer *p = &st->peers[i];

		fprintf(out, "%s{\"node_id\":%u,\"name\":", i ? "," : "",
			p->node_id);
		mirrorctl_json_str(out, p->name);
		fprintf(out,
			",\"role\":\"%s\",\"connected\":%s,\"data_link\":%s,\"up_to_date\":%s,\"sync_permille\":%u,\"acked_seq\":%llu}",
			ctl_role_name(p->role), mirrorctl_bool(p->connected),
			mirrorctl_bool(p->data_link),
			mirrorctl_bool(p->up_to_date), p->sync_permille,
			(unsigned long long)p->acked_seq);
	}
	fputs("]}\n", out);
}

static void mirrorctl_data_state(char *buf, size_t len, bool up_to_date,
				 bool syncing, uint32_t permille)
{
	if (syncing)
		snprintf(buf, len, "syncing %u.%u%%", permille / 10,
			 permille % 10);
	else
		snprintf(buf, len, "%s",
			 up_to_date ? "up to date" : "outdated");
}

static void mirrorctl_print_text(FILE *out, const struct ctl_status *st)
{
	static const char hex[] = "0123456789abcdef";
	char gen[33], data[32];
	unsigned int i;

	for (i = 0; i < 16; i++) {
		gen[2 * i] = hex[st->gen[i] >> 4];
		gen[2 * i + 1] = hex[st->gen[i] & 0xf];
	}
	gen[32] = '\0';
	mirrorctl_data_state(data, sizeof(data), st->up_to_date, st->syncing,
			     st->sync_permille);
	fprintf(out, "resource:    %s\n", st->name);
	fprintf(out, "node:        %u\n", st->node_id);
	fprintf(out, "role:        %s\n", ctl_role_name(st->role));
	fprintf(out, "data:        %s\n", data);
	fprintf(out, "generation:  %s\n", gen);
	fprintf(out, "quorum:      %s\n", st->quorate ? "yes" : "no");
	if (!st->last_primary)
		fprintf(out, "last primary: none\n");
	else
		fprintf(out, "last primary: node %u%s\n", st->last_primary,
			st->last_primary == st->node_id ? " (this node)" : "");
	for (i = 0; i < st->n_dirs; i++)
		fprintf(out, "%-13s%s\n", i ? "" : "directories:", st->dirs[i]);
	fprintf(out, "replicated:  %llu operations, %llu bytes, seq %llu\n",
		(unsigned long long)st->ops_replicated,
		(unsigned long long)st->bytes_replicated,
		(unsigned long long)st->seq);
	fprintf(out, "data link:   %llu bytes sent, %llu received\n",
		(unsigned long long)st->link_sent,
		(unsigned long long)st->link_received);
	fprintf(out, "last error:  %s\n",
		st->last_error[0] ? st->last_error : "none");
	if (st->n_peers == 0) {
		fprintf(out, "peers:       none\n");
		return;
	}
	fprintf(out, "\n%-10s %-20s %-7s %-5s %-16s %s\n", "PEER", "NAME",
		"ROLE", "LINK", "DATA", "ACKED");
	for (i = 0; i < st->n_peers; i++) {
		const struct ctl_peer *p = &st->peers[i];

		mirrorctl_data_state(data, sizeof(data), p->up_to_date,
				     p->sync_permille < 1000 &&
					     !p->up_to_date &&
					     p->sync_permille > 0,
				     p->sync_permille);
		fprintf(out, "%-10u %-20s %-7s %-5s %-16s %llu\n", p->node_id,
			p->name[0] ? p->name : "-", ctl_role_name(p->role),
			!p->connected ? "down" :
			p->data_link  ? "tcp" :
					"cpg",
			data, (unsigned long long)p->acked_seq);
	}
}

/* Exit code for a ctl_call() failure. */
static int mirrorctl_call_exit(long rc)
{
	switch (rc) {
	case -ENOENT:
	case -ECONNREFUSED:
		return MIRRORCTL_NOT_RUNNING;
	case -EACCES:
	case -EPERM:
		return MIRRORCTL_DENIED;
	default:
		return MIRRORCTL_PROTOCOL;
	}
}

int main(int argc, char **argv)
{
	struct mirrorctl_args args = { 0 };
	struct ctl_status *st = NULL;
	char *resp = NULL;
	char err[CTL_MSG_MAX + 128];
	const char *body = NULL;
	size_t body_len = 0;
	long rc;
	int ret = MIRRORCTL_OK;

	if (mirrorctl_parse(&args, argc, argv) < 0)
		return MIRRORCTL_USAGE;
	if (args.help) {
		mirrorctl_usage(stdout);
		return MIRRORCTL_OK;
	}
	if (args.version) {
		printf("mirrorctl %s\n", PACKAGE_VERSION);
		return MIRRORCTL_OK;
	}
	resp = calloc(1, CTL_RESPONSE_MAX + 1);
	st = calloc(1, sizeof(*st));
	if (!resp || !st) {
		fprintf(stderr, "mirrorctl: out of memory\n");
		ret = MIRRORCTL_FAILED;
		goto out_free;
	}
	rc = ctl_call(args.path, args.command, resp, CTL_RESPONSE_MAX + 1,
		      args.timeout_ms);
	if (rc < 0) {
		fprintf(stderr, "mirrorctl: %s\n",
			ctl_call_strerror(rc, args.path, args.resource, err,
					  sizeof(err)));
		ret = mirrorctl_call_exit(rc);
		goto out_free;
	}
	if (strcmp(args.command, "status") == 0)
		rc = ctl_status_decode(resp, (size_t)rc, st, err, sizeof(err));
	else
		rc = ctl_response_decode(resp, (size_t)rc, &body, &body_len,
					 err, sizeof(err));
	if (rc == -EBADMSG) {
		fprintf(stderr,
			"mirrorctl: unexpected answer from replicd: %s\n", err);
		ret = MIRRORCTL_PROTOCOL;
	} else if (rc < 0) {
		fprintf(stderr, "mirrorctl: %s failed: %s\n", args.command,
			err);
		ret = MIRRORCTL_FAILED;
	} else if (strcmp(args.command, "status") != 0) {
		/* quiet on success, like the other HA tools */
	} else if (args.json) {
		mirrorctl_print_json(stdout, st);
	} else {
		mirrorctl_print_text(stdout, st);
	}
	if (fflush(stdout) != 0 && ret == MIRRORCTL_OK) {
		fprintf(stderr, "mirrorctl: cannot write the output: %s\n",
			strerror(errno));
		ret = MIRRORCTL_FAILED;
	}
out_free:
	free(st);
	free(resp);
	return ret;
}
