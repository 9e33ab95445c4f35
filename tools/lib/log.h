/* SPDX-License-Identifier: MIT */
/*
 * log.h - diagnostics on stderr, "moat[component]: message", filtered by level.
 * The level is process-wide and set once from --log-level.
 */
#ifndef MOAT_LOG_H
#define MOAT_LOG_H

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern enum log_level log_level;

/**
 * log_set_component() - name this process in every line ("sentry", "gofer")
 */
void log_set_component(const char *name);

/**
 * log_parse_level() - "error", "warn", "info" or "debug" to a level
 * Return: 0, or -EINVAL for an unknown name
 */
int log_parse_level(const char *name, enum log_level *out);

/** log_level_name() - the name log_parse_level() takes for @lvl */
const char *log_level_name(enum log_level lvl);

void log_msg(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * log_phase() - at debug level, "<us since start> <what>": where start-up time goes
 */
void log_phase(const char *what);

/**
 * log_timestamp() - the wall-clock time as "2026-01-02T03:04:05.678Z", for
 * audit records; @cap of LOG_TIMESTAMP_MAX is enough
 */
#define LOG_TIMESTAMP_MAX 32
void log_timestamp(char *buf, unsigned cap);

#define log_err(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) \
	do { if (log_level >= LOG_DEBUG) log_msg(LOG_DEBUG, __VA_ARGS__); } while (0)

#endif
