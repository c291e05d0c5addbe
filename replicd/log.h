/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * log.h - thin logging macros over libqb's qb_log().
 *
 * Messages go to syslog and (when asked) to stderr, both libqb targets.
 * House rule: the first part of a message is for the admin, the details
 * come after QB_XS (libqb renders it as " | " on stderr and hides nothing
 * from syslog):
 *
 *	log_err("cannot mount the mirror over %s " QB_XS " mount: %s",
 *		dir, strerror(-rc));
 *
 * Never split a user-visible string across source lines (grep must find
 * it).  The only state is libqb's own logging state, set up once by
 * log_init() in main().
 */
#ifndef REPLICD_LOG_H
#define REPLICD_LOG_H

#include <syslog.h>

#include <qb/qblog.h>

#define log_err(fmt, ...)    qb_log(LOG_ERR, fmt, ##__VA_ARGS__)
#define log_warn(fmt, ...)   qb_log(LOG_WARNING, fmt, ##__VA_ARGS__)
#define log_notice(fmt, ...) qb_log(LOG_NOTICE, fmt, ##__VA_ARGS__)
#define log_info(fmt, ...)   qb_log(LOG_INFO, fmt, ##__VA_ARGS__)
#define log_debug(fmt, ...)  qb_log(LOG_DEBUG, fmt, ##__VA_ARGS__)

#define LOG_LEVEL_DEFAULT LOG_NOTICE

/*
 * Start logging as `name` (syslog ident, facility daemon) at `level`
 * (LOG_ERR..LOG_DEBUG): syslog always, stderr too when to_stderr is set.
 * Returns 0 or -errno.  Call once from main(); log_fini() at exit.
 */
int log_init(const char *name, int level, int to_stderr);

/* Change the threshold of every enabled target (LOG_ERR..LOG_DEBUG). */
void log_set_level(int level);

/* Flush and close the targets. */
void log_fini(void);

/*
 * Level names as the config file and --log-level spell them: "error",
 * "warning", "notice", "info", "debug".  log_level_parse() stores the
 * LOG_* value in *level and returns 0, or -EINVAL for any other string.
 * log_level_name() returns NULL for a level outside LOG_ERR..LOG_DEBUG.
 */
int log_level_parse(const char *name, int *level);
const char *log_level_name(int level);

/* "error|warning|notice|info|debug", for error and usage messages. */
#define LOG_LEVEL_NAMES "error|warning|notice|info|debug"

#endif /* REPLICD_LOG_H */
