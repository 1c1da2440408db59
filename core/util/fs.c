#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int pv__read_file(const char *path, void **data, size_t *size) {
  *data = NULL;
  *size = 0;
  FILE *f = fopen(path, "rb");
  if (!f)
    return pv_set_error(errno == ENOENT ? PV_ERR_NOT_FOUND : PV_ERR_IO,
                        "%s: cannot open: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
    fclose(f);
    return pv_set_error(PV_ERR_IO, "%s: not a regular file", path);
  }
  size_t n = (size_t)st.st_size;
  void *buf = malloc(n ? n : 1);
  if (!buf) {
    fclose(f);
    return pv_set_error(PV_ERR_NOMEM, "%s: cannot allocate %zu bytes", path, n);
  }
  if (n && fread(buf, 1, n, f) != n) {
    free(buf);
    fclose(f);
    return pv_set_error(PV_ERR_IO, "%s: short read", path);
  }
  fclose(f);
  *data = buf;
  *size = n;
  return 0;
}

int pv__write_file_atomic(const char *path, const void *data, size_t size) {
  size_t n = strlen(path);
  char *tmp = malloc(n + 32);
  if (!tmp)
    return pv_set_error(PV_ERR_NOMEM, "%s: out of memory", path);
  snprintf(tmp, n + 32, "%s.tmp.%d", path, (int)getpid());
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    int e = errno;
    free(tmp);
    return pv_set_error(PV_ERR_IO, "%s: cannot create: %s", path, strerror(e));
  }
  const char *p = data;
  size_t left = size;
  while (left) {
    ssize_t w = write(fd, p, left);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      int e = errno;
      close(fd);
      unlink(tmp);
      free(tmp);
      return pv_set_error(PV_ERR_IO, "%s: write failed: %s", path, strerror(e));
    }
    p += w;
    left -= (size_t)w;
  }
  if (close(fd) != 0 || rename(tmp, path) != 0) {
    int e = errno;
    unlink(tmp);
    free(tmp);
    return pv_set_error(PV_ERR_IO, "%s: cannot finish write: %s", path,
                        strerror(e));
  }
  free(tmp);
  return 0;
}

int pv__mkdirs(const char *path) {
  char buf[4096];
  size_t n = strlen(path);
  if (n == 0 || n >= sizeof buf)
    return pv_set_error(PV_ERR_INVALID_ARG, "bad directory path '%s'", path);
  memcpy(buf, path, n + 1);
  for (size_t i = 1; i <= n; i++) {
    if (buf[i] == '/' || buf[i] == 0) {
      char c = buf[i];
      buf[i] = 0;
      if (mkdir(buf, 0755) != 0 && errno != EEXIST)
        return pv_set_error(PV_ERR_IO, "cannot create directory %s: %s", buf,
                            strerror(errno));
      buf[i] = c;
    }
  }
  return 0;
}
