/*
 * polyvis: error codes, the thread-local detailed message, and logging.
 *
 * Every fallible polyvis function returns a pv_status (0 on success) or a
 * NULL handle, and leaves a message in a thread-local buffer that names the
 * file, op, shape or plugin at fault. The library never aborts or exits on
 * bad input: an error is always reported through these two channels.
 */
#ifndef POLYVIS_ERROR_H
#define POLYVIS_ERROR_H

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define PV_API __declspec(dllexport)
#else
#define PV_API __attribute__((visibility("default")))
#endif

/* The one table of error codes. Codes are negative so that functions that
 * return a count can share the return channel; the table order is ABI. */
#define PV_ERRNO_MAP(X)                                                        \
  X(OK, 0, "success")                                                          \
  X(INVALID_ARG, -1, "invalid argument")                                       \
  X(NOMEM, -2, "out of memory")                                                \
  X(IO, -3, "input/output error")                                              \
  X(FORMAT, -4, "malformed or corrupt data")                                   \
  X(UNSUPPORTED, -5, "unsupported feature")                                    \
  X(SHAPE, -6, "shape mismatch")                                               \
  X(DTYPE, -7, "dtype mismatch")                                               \
  X(NOT_FOUND, -8, "not found")                                                \
  X(DEVICE, -9, "device error")                                                \
  X(PLUGIN, -10, "plugin error")                                               \
  X(ABI, -11, "plugin ABI mismatch")                                           \
  X(UNKNOWN_OP, -12, "unknown op")                                             \
  X(FALLBACK, -13, "op fell back to the CPU in strict no-fallback mode")       \
  X(STATE, -14, "invalid state")                                               \
  X(RANGE, -15, "value out of range")                                          \
  X(NETWORK, -16, "network error")                                             \
  X(HASH, -17, "hash mismatch")                                                \
  X(INTERNAL, -18, "internal error")

typedef enum pv_status {
#define PV__ERR_ENUM(name, code, msg) PV_ERR_##name = code,
  PV_ERRNO_MAP(PV__ERR_ENUM)
#undef PV__ERR_ENUM
} pv_status;

/* Returns the fixed, human-readable description of a status code. It never
 * returns NULL, so it is safe to print the result of any call directly. */
PV_API const char *pv_strerror(int status);

/* Returns the symbolic name of a status code ("PV_ERR_SHAPE"), for logs and
 * tests that want to match on a stable string. */
PV_API const char *pv_err_name(int status);

/* Returns the detailed message of the last error raised on the calling
 * thread ("conv2d: input channels 3 != weight channels 4 ..."). The message
 * stays valid until the next polyvis call on this thread fails. It is the
 * empty string when no error has been raised. */
PV_API const char *pv_last_error(void);

/* Returns the status code of the last error raised on the calling thread. */
PV_API int pv_last_status(void);

/* Clears the thread-local error, for callers that want to tell a fresh
 * failure from an old one. */
PV_API void pv_clear_error(void);

/* Records an error on the calling thread and returns `status`, so library
 * code can write `return pv_set_error(PV_ERR_SHAPE, "...", ...)`. Exposed so
 * that plugins and applications built on polyvis report errors the same way. */
PV_API int pv_set_error(int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Log levels, selected at run time with POLYVIS_LOG=debug|info|warn|error|off.
 */
typedef enum pv_log_level {
  PV_LOG_DEBUG = 0,
  PV_LOG_INFO = 1,
  PV_LOG_WARN = 2,
  PV_LOG_ERROR = 3,
  PV_LOG_OFF = 4
} pv_log_level;

/* A log sink. The default writes "polyvis[level] msg" to stderr. */
typedef void (*pv_log_fn)(int level, const char *msg, void *user);

/* Replaces the log sink (NULL restores the default). Applications that embed
 * polyvis route its messages into their own logging with this. */
PV_API void pv_log_set_callback(pv_log_fn fn, void *user);

/* Overrides the level read from POLYVIS_LOG. */
PV_API void pv_log_set_level(int level);

/* Returns the active level (after reading POLYVIS_LOG once). */
PV_API int pv_log_get_level(void);

/* Emits one log line if `level` is at or above the active level. */
PV_API void pv_log(int level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#ifdef __cplusplus
}
#endif
#endif
