/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config.h - replicd settings: config file, command line, checks.
 *
 * NOTE: this header shares its name with the config.h that configure
 * generates.  It includes the generated one (REPLICD_STATE_DIR,
 * REPLICD_RUN_DIR, PACKAGE_VERSION...), so `#include "config.h"` from a
 * file in replicd/ gets both.
 *
 * Everything lives in one struct config.  It is large (the directory
 * paths are inline arrays), so allocate it with calloc() or keep it in a
 * long-lived context, not on a small stack.  It owns no pointers: copy
 * it freely, nothing to free.
 *
 * Parsing is pure: config_parse_line(), config_parse_buffer(),
 * config_parse_args() and config_finish() take strings and return 0 or
 * -EINVAL with a message in the caller's err buffer.  The message names
 * the key (and file:line for the config file, the option for the command
 * line) and the allowed values or range.  Only config_load_file() reads
 * a file and only config_check_dirs() looks at the directories; nothing
 * creates or changes anything on disk.
 *
 * Typical use in main():
 *
 *	struct config *cfg = calloc(1, sizeof(*cfg));
 *	struct config_cli *cli = calloc(1, sizeof(*cli));
 *	char err[CONFIG_ERR_MAX];
 *
 *	if (config_parse_args(cli, argc, argv, err, sizeof(err)) < 0)
 *		-> print err and usage hint, exit 2
 *	if (cli->help) -> config_usage(stdout, argv[0]), exit 0
 *	if (cli->version) -> print PACKAGE_VERSION, exit 0
 *	if (config_resolve(cfg, cli, err, sizeof(err)) < 0)
 *		-> print err, exit 2   (loads cli->config_file if any,
 *				        applies cli over it, config_finish)
 *	if (config_check_dirs(cfg, err, sizeof(err)) < 0)
 *		-> log err, exit 1
 */
#ifndef REPLICD_CONFIG_H
#define REPLICD_CONFIG_H

#ifdef HAVE_CONFIG_H
#include <config.h> /* the generated one: -I. comes first in the flags */
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "proto.h"

#ifndef REPLICD_STATE_DIR
#define REPLICD_STATE_DIR "/var/lib/replicd"
#endif
#ifndef REPLICD_RUN_DIR
#define REPLICD_RUN_DIR "/run/replicd"
#endif

/* There is no implied config file: without --config, only the command
 * line is used. */

#define CONFIG_ERR_MAX	512	       /* enough for every message below */
#define CONFIG_LINE_MAX 4608	       /* one config file line, with the \n */
#define CONFIG_FILE_MAX (256u * 1024u) /* whole config file */

#define CONFIG_NAME_MAX	  63 /* resource name: [A-Za-z0-9_.-]{1,63} */
#define CONFIG_PATH_MAX	  (PROTO_MAX_PATH + 1) /* buffer size, with the NUL */
#define CONFIG_SOCKET_MAX 108 /* sizeof(sockaddr_un.sun_path) */

#define CONFIG_DIRS_MIN 1u
#define CONFIG_DIRS_MAX PROTO_MAX_DIRS

#define CONFIG_THREADS_DEFAULT 0u /* 0 = libfuse's default */
#define CONFIG_THREADS_MIN     0u
#define CONFIG_THREADS_MAX     256u

#define CONFIG_MAX_INFLIGHT_DEFAULT (64ull * 1024 * 1024)
#define CONFIG_MAX_INFLIGHT_MIN	    (1ull * 1024 * 1024)
#define CONFIG_MAX_INFLIGHT_MAX	    (4096ull * 1024 * 1024)

#define CONFIG_ACK_TIMEOUT_DEFAULT 0u /* 0 = rely on CPG membership */
#define CONFIG_ACK_TIMEOUT_MIN	   0u
#define CONFIG_ACK_TIMEOUT_MAX	   3600000u /* ms */

enum config_no_quorum {
	CONFIG_NO_QUORUM_SUSPEND = 0, /* default: block writes */
	CONFIG_NO_QUORUM_CONTINUE,    /* keep serving (no witness) */
};
#define CONFIG_NO_QUORUM_DEFAULT CONFIG_NO_QUORUM_SUSPEND

#define CONFIG_DATA_LINK_DEFAULT true /* write payloads over TCP (link.h) */

/* pack the primary's CPG messages for up to this long (0: one each);
 * 5 ms halved a 4 KiB write + fdatasync in doc/PERFORMANCE.md */
#define CONFIG_CPG_PACK_DEFAULT 5u
#define CONFIG_CPG_PACK_MIN	0u
#define CONFIG_CPG_PACK_MAX	100u /* ms */

/* Bits of config.set: which settings were given explicitly. */
enum {
	CONFIG_SET_NAME = 1u << 0,
	CONFIG_SET_DIRS = 1u << 1,
	CONFIG_SET_STATE_DIR = 1u << 2,
	CONFIG_SET_SOCKET = 1u << 3,
	CONFIG_SET_LOG_LEVEL = 1u << 4,
	CONFIG_SET_THREADS = 1u << 5,
	CONFIG_SET_MAX_INFLIGHT = 1u << 6,
	CONFIG_SET_NO_QUORUM = 1u << 7,
	CONFIG_SET_ACK_TIMEOUT = 1u << 8,
	CONFIG_SET_DATA_LINK = 1u << 9,
	CONFIG_SET_CPG_PACK = 1u << 10,
};

struct config {
	char name[CONFIG_NAME_MAX + 1]; /* key "name" */
	unsigned int n_dirs;		/* key "directory" (repeats) */
	char dirs[CONFIG_DIRS_MAX][CONFIG_PATH_MAX]; /* absolute, normalised:
						 * no trailing or double
						 * slash, no . or .. */
	char state_dir[CONFIG_PATH_MAX];	     /* key "state_dir", default
						 * REPLICD_STATE_DIR/NAME */
	char socket_path[CONFIG_SOCKET_MAX];	     /* key "socket", default
						 * REPLICD_RUN_DIR/NAME.sock */
	int log_level;			    /* key "log_level", LOG_* */
	unsigned int threads;		    /* key "threads" */
	uint64_t max_inflight_bytes;	    /* key "max_inflight_bytes" */
	enum config_no_quorum on_no_quorum; /* key "on_no_quorum" */
	uint32_t ack_timeout_ms;	    /* key "ack_timeout_ms" */
	bool data_link;			    /* key "data_link" (yes / no) */
	uint32_t cpg_pack_ms;		    /* key "cpg_pack_ms" */
	bool foreground;		    /* --foreground only */
	unsigned int set;		    /* CONFIG_SET_* */
};

/* The command line, as config_parse_args() found it. */
struct config_cli {
	const char *config_file; /* --config, points into argv, or NULL */
	struct config over;	 /* values given on the command line;
					 * over.set says which */
	bool help;		 /* --help */
	bool version;		 /* --version */
};

/* Set every field to its default; name, dirs, state_dir and socket_path
 * empty, set = 0. */
void config_init(struct config *cfg);

/*
 * Parse one config file line ("key = value", "# comment", blank) into
 * cfg.  `file` and `lineno` only decorate error messages ("FILE:LINE: ").
 * A key given twice is an error, except "directory", which appends.
 * Returns 0 or -EINVAL (message in err).
 */
int config_parse_line(struct config *cfg, const char *line, const char *file,
		      unsigned int lineno, char *err, size_t errlen);

/* Parse a whole config file held in buf (len bytes, need not be NUL
 * terminated; a NUL byte inside is an error).  0 or -EINVAL. */
int config_parse_buffer(struct config *cfg, const char *buf, size_t len,
			const char *file, char *err, size_t errlen);

/* Read `path` (at most CONFIG_FILE_MAX bytes) and config_parse_buffer()
 * it.  -errno with a message naming the file when it can't be read. */
int config_load_file(struct config *cfg, const char *path, char *err,
		     size_t errlen);

/*
 * getopt_long over argv for replicd:
 *   [--config FILE] [--name NAME] [--directory DIR]... [--state-dir DIR]
 *   [--log-level L] [--socket PATH] [--foreground] [--help] [--version]
 * (short forms -c -n -d -s -l -S -f -h -V).  Values are validated as in
 * the file.  Stray arguments and unknown options are errors naming them.
 * Does not print; resets optind.  0 or -EINVAL.
 */
int config_parse_args(struct config_cli *cli, int argc, char *const argv[],
		      char *err, size_t errlen);

/* Overlay the settings cli->over.set names onto cfg (directories given on
 * the command line replace those of the file). */
void config_apply(struct config *cfg, const struct config *over);

/*
 * Complete and cross-check cfg (pure): a name and at least one directory
 * are required; fills the defaults that depend on the name (state_dir,
 * socket_path); rejects duplicate or nested directories, a socket path
 * too long for sockaddr_un, a state_dir inside a replicated directory.
 * 0 or -EINVAL.
 */
int config_finish(struct config *cfg, char *err, size_t errlen);

/* config_init(cfg); load cli->config_file if set; config_apply(cli->over);
 * config_finish().  0 or -errno. */
int config_resolve(struct config *cfg, const struct config_cli *cli, char *err,
		   size_t errlen);

/*
 * The I/O part of the checks: each directory exists, is a directory (not
 * a symlink to one), and is not on a network or FUSE filesystem (fuse,
 * nfs, cifs/smb2, ceph...; glusterfs is fuse).  Two paths naming the
 * same directory are refused too.  The message names the directory and
 * the filesystem type.  Touches nothing.  0, -ENOENT, -ENOTDIR,
 * -EMEDIUMTYPE (refused filesystem), -EINVAL or another -errno.
 */
int config_check_dirs(const struct config *cfg, char *err, size_t errlen);

/* Name of a filesystem that replicd refuses (statfs f_type), or NULL
 * when f_type is acceptable.  Pure. */
const char *config_fs_refused(long f_type);

/* 1 if name is a valid resource name ([A-Za-z0-9_.-], 1..63 chars, not
 * "." or ".."), else 0. */
int config_name_valid(const char *name);

/* REPLICD_RUN_DIR "/" name ".sock" into buf.  0, -EINVAL (bad name) or
 * -ENAMETOOLONG. */
int config_default_socket(const char *name, char *buf, size_t len);

/*
 * The one strict number parser: decimal digits only (no sign, no
 * spaces, no suffix, not empty), no overflow, min <= value <= max.
 * 0, -EINVAL (not a number) or -ERANGE.
 */
int config_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* Print replicd's --help text. */
void config_usage(FILE *out, const char *prog);

/* "suspend" / "continue". */
const char *config_no_quorum_name(enum config_no_quorum v);

#endif /* REPLICD_CONFIG_H */
