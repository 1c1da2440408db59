#include "internal.h"

#include <stdarg.h>

static _Thread_local char tls_msg[1024];
static _Thread_local int tls_status;

const char *pv_strerror(int status) {
  switch (status) {
#define PV__ERR_CASE(name, code, msg)                                          \
  case code:                                                                   \
    return msg;
    PV_ERRNO_MAP(PV__ERR_CASE)
#undef PV__ERR_CASE
  default:
    return "unknown error";
  }
}

const char *pv_err_name(int status) {
  switch (status) {
#define PV__ERR_CASE(name, code, msg)                                          \
  case code:                                                                   \
    return "PV_ERR_" #name;
    PV_ERRNO_MAP(PV__ERR_CASE)
#undef PV__ERR_CASE
  default:
    return "PV_ERR_UNKNOWN";
  }
}

const char *pv_last_error(void) { return tls_msg; }
int pv_last_status(void) { return tls_status; }

void pv_clear_error(void) {
  tls_msg[0] = 0;
  tls_status = 0;
}

int pv_set_error(int status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char tmp[sizeof tls_msg];
  vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  memcpy(tls_msg, tmp, sizeof tls_msg);
  tls_status = status;
  pv_log(PV_LOG_DEBUG, "error %s: %s", pv_err_name(status), tls_msg);
  return status;
}
