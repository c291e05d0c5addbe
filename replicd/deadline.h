/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * deadline.h - absolute CLOCK_REALTIME deadlines for the timed waits
 * (pthread_cond_timedwait, pthread_timedjoin_np), which take the time to
 * give up at, not a duration.
 */
#ifndef REPLICD_DEADLINE_H
#define REPLICD_DEADLINE_H

#include <time.h>

/* deadline_in_ms: *ts = now + ms */
static inline void deadline_in_ms(struct timespec *ts, unsigned long ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += (time_t)(ms / 1000);
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

#endif /* REPLICD_DEADLINE_H */
