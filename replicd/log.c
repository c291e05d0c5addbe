/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * log.c - set up libqb logging for replicd and mirrorctl.
 */
#include "config.h" /* first: the generated config.h too */

#include <errno.h>
#include <string.h>

#include "log.h"

struct log_level_entry {
	const char *name;
	int level;
};

static const struct log_level_entry log_levels[] = {
	{ "error", LOG_ERR },	  { "warning", LOG_WARNING },
	{ "notice", LOG_NOTICE }, { "info", LOG_INFO },
	{ "debug", LOG_DEBUG },
};

int log_level_parse(const char *name, int *level)
{
	size_t i;

	if (!name)
		return -EINVAL;
	for (i = 0; i < sizeof(log_levels) / sizeof(log_levels[0]); i++) {
		if (strcmp(name, log_levels[i].name) == 0) {
			*level = log_levels[i].level;
			return 0;
		}
	}
	return -EINVAL;
}

const char *log_level_name(int level)
{
	size_t i;

	for (i = 0; i < sizeof(log_levels) / sizeof(log_levels[0]); i++)
		if (log_levels[i].level == level)
			return log_levels[i].name;
	return NULL;
}

static void log_set_target_level(int32_t target, int level)
{
	qb_log_filter_ctl(target, QB_LOG_FILTER_CLEAR_ALL, QB_LOG_FILTER_FILE,
			  "*", LOG_TRACE);
	qb_log_filter_ctl(target, QB_LOG_FILTER_ADD, QB_LOG_FILTER_FILE, "*",
			  level);
}

int log_init(const char *name, int level, int to_stderr)
{
	if (!name || !log_level_name(level))
		return -EINVAL;
	qb_log_init(name, LOG_DAEMON, level);
	qb_log_ctl(QB_LOG_SYSLOG, QB_LOG_CONF_ENABLED, QB_TRUE);
	qb_log_ctl(QB_LOG_STDERR, QB_LOG_CONF_ENABLED,
		   to_stderr ? QB_TRUE : QB_FALSE);
	qb_log_format_set(QB_LOG_STDERR, "%t %N[%P] %p: %b");
	qb_log_format_set(QB_LOG_SYSLOG, "%b");
	log_set_level(level);
	return 0;
}

void log_set_level(int level)
{
	if (!log_level_name(level))
		return;
	log_set_target_level(QB_LOG_SYSLOG, level);
	log_set_target_level(QB_LOG_STDERR, level);
}

void log_fini(void)
{
	qb_log_fini();
}
