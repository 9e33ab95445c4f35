// SPDX-License-Identifier: MIT
/* log.c - see log.h.  One write(2) per line so that lines of processes sharing
 * stderr do not interleave. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum log_level log_level = LOG_WARN;
static const char *component = "moat";

void log_set_component(const char *name)
{
	component = name;
}

static const char *const level_names[] = { "error", "warn", "info", "debug" };

const char *log_level_name(enum log_level lvl)
{
	return (unsigned)lvl < sizeof(level_names) / sizeof(level_names[0]) ? level_names[lvl]
									     : "error";
}

int log_parse_level(const char *name, enum log_level *out)
{
	for (unsigned i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (!strcmp(name, level_names[i])) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	char line[1024];
	int saved = errno, n;
	va_list ap;

	if (lvl > log_level)
		return;
	n = snprintf(line, sizeof(line), "moat[%s]: ", component);
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0) {
		/* nowhere left to report it */
	}
	errno = saved;
}

static struct timespec log_start;

static void __attribute__((constructor)) log_start_clock(void)
{
	clock_gettime(CLOCK_MONOTONIC, &log_start);
}

void log_phase(const char *what)
{
	struct timespec now;

	if (log_level < LOG_DEBUG)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	log_msg(LOG_DEBUG, "%6ld us %s", (long)((now.tv_sec - log_start.tv_sec) * 1000000 +
						 (now.tv_nsec - log_start.tv_nsec) / 1000), what);
}

void log_timestamp(char *buf, unsigned cap)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}
