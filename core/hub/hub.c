/*
 * The model hub (include/polyvis/hub.h): cache paths, locked and resumable
 * downloads with libcurl, SHA-256 verification with OpenSSL's EVP.
 */
#include "internal.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <polyvis/hub.h>
#include <polyvis/models.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

pv_fetch_options pv_fetch_options_default(void) {
  pv_fetch_options o;
  memset(&o, 0, sizeof o);
  o.struct_size = sizeof o;
  return o;
}

static pv_fetch_options get_opts(const pv_fetch_options *opts) {
  pv_fetch_options o = pv_fetch_options_default();
  if (opts)
    memcpy(&o, opts,
           opts->struct_size && opts->struct_size < sizeof o ? opts->struct_size
                                                             : sizeof o);
  return o;
}

static void weights_dir(const pv_fetch_options *o, char *buf, size_t n) {
  if (o->dest_dir && *o->dest_dir) {
    snprintf(buf, n, "%s", o->dest_dir);
    return;
  }
  const char *home = pv_get_option("POLYVIS_HOME");
  const char *h = getenv("HOME");
  if (home && *home)
    snprintf(buf, n, "%s/weights", home);
  else
    snprintf(buf, n, "%s/.cache/polyvis/weights", h && *h ? h : "/tmp");
}

/* The file name and hash prefix to verify: a re-uploaded file's corrected
 * name carries the real prefix (0.14.1's EfficientNet names do not). */
static const char *entry_file(const pv_pretrained_info *w) {
  return w->corrected_file ? w->corrected_file : w->file;
}

static void prefix_of(const char *file, char *out, size_t n) {
  const char *dash = strrchr(file, '-'), *dot = strrchr(file, '.');
  out[0] = 0;
  if (dash && dot && dot > dash + 1) {
    size_t len = (size_t)(dot - dash - 1);
    for (size_t i = 0; i < len; i++)
      if (!strchr("0123456789abcdef", dash[1 + i]))
        return;
    snprintf(out, n, "%.*s", (int)len, dash + 1);
  }
}

int pv_hub_weights_path(const char *spec, const pv_fetch_options *opts,
                        char *path, size_t size) {
  const pv_pretrained_info *w = spec ? pv_pretrained_find(spec) : NULL;
  if (!w)
    return pv_set_error(PV_ERR_NOT_FOUND,
                        "hub: unknown weights '%s' (e.g. resnet50 or "
                        "resnet50.IMAGENET1K_V2)",
                        spec ? spec : "(null)");
  pv_fetch_options o = get_opts(opts);
  char dir[2048];
  weights_dir(&o, dir, sizeof dir);
  if ((size_t)snprintf(path, size, "%s/%s", dir, entry_file(w)) >= size)
    return pv_set_error(PV_ERR_RANGE, "hub: path too long for the buffer");
  return 0;
}

int pv_hub_sha256_file(const char *path, char hex[65]) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return pv_set_error(PV_ERR_IO, "hub: cannot read %s: %s", path,
                        strerror(errno));
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  int rc = 0;
  if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
    rc = pv_set_error(PV_ERR_INTERNAL, "hub: SHA-256 unavailable");
  } else {
    unsigned char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
      EVP_DigestUpdate(ctx, buf, n);
    if (ferror(f))
      rc = pv_set_error(PV_ERR_IO, "hub: read error on %s", path);
    unsigned char md[32];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx, md, &len);
    for (unsigned i = 0; i < 32; i++)
      snprintf(hex + 2 * i, 3, "%02x", md[i]);
  }
  EVP_MD_CTX_free(ctx);
  fclose(f);
  return rc;
}

static int verify(const char *path, const char *prefix, char hex[65]) {
  int rc = pv_hub_sha256_file(path, hex);
  if (rc)
    return rc;
  if (prefix && *prefix && strncasecmp(hex, prefix, strlen(prefix)))
    return PV_ERR_HASH;
  return 0;
}

typedef struct dl_state {
  int fd;
  int64_t resume_from;
  int checked; /* the response code was looked at */
  CURL *curl;
  int progress;
  int64_t written;
  int io_error;
} dl_state;

static size_t on_write(char *data, size_t size, size_t nmemb, void *user) {
  dl_state *s = user;
  size_t n = size * nmemb;
  if (!s->checked) {
    s->checked = 1;
    long code = 0;
    curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
    if (s->resume_from > 0 && code == 200) { /* the server ignored Range */
      if (ftruncate(s->fd, 0) != 0 || lseek(s->fd, 0, SEEK_SET) != 0) {
        s->io_error = 1;
        return 0;
      }
      s->resume_from = 0;
    }
  }
  size_t off = 0;
  while (off < n) {
    ssize_t w = write(s->fd, data + off, n - off);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      s->io_error = 1;
      return 0;
    }
    off += (size_t)w;
  }
  s->written += (int64_t)n;
  return n;
}

static int on_progress(void *user, curl_off_t total, curl_off_t now,
                       curl_off_t ut, curl_off_t un) {
  (void)ut;
  (void)un;
  dl_state *s = user;
  if (!s->progress || total <= 0)
    return 0;
  int64_t all = s->resume_from + total, got = s->resume_from + now;
  int w = 30, f = (int)(got * w / (all ? all : 1));
  fprintf(stderr, "\r[%.*s%*s] %5.1f / %.1f MB", f,
          "##############################", w - f, "", (double)got / 1e6,
          (double)all / 1e6);
  return 0;
}

/* One transfer into `part` (appending); 0 or an error. */
static int transfer(const char *url, const char *part, int progress) {
  int fd = open(part, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    return pv_set_error(PV_ERR_IO, "hub: cannot write %s: %s", part,
                        strerror(errno));
  struct stat st;
  dl_state s;
  memset(&s, 0, sizeof s);
  s.fd = fd;
  s.resume_from = fstat(fd, &st) == 0 ? (int64_t)st.st_size : 0;
  s.progress = progress && isatty(2);
  CURL *c = curl_easy_init();
  if (!c) {
    close(fd);
    return pv_set_error(PV_ERR_INTERNAL, "hub: libcurl failed to start");
  }
  char err[CURL_ERROR_SIZE] = "";
  s.curl = c;
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &s);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L); /* stalled for 60 s */
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
  if (s.resume_from > 0)
    curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)s.resume_from);
  CURLcode cr = curl_easy_perform(c);
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  curl_easy_cleanup(c);
  if (s.progress)
    fputc('\n', stderr);
  int crc = close(fd);
  if (s.io_error || crc != 0)
    return pv_set_error(PV_ERR_IO, "hub: cannot write %s", part);
  if (cr == CURLE_RANGE_ERROR ||
      (cr == CURLE_HTTP_RETURNED_ERROR && code == 416 && s.resume_from > 0)) {
    /* the partial file is not a prefix the server can continue */
    unlink(part);
    return pv_set_error(PV_ERR_NETWORK, "hub: %s: cannot resume (HTTP %ld)",
                        url, code);
  }
  if (cr != CURLE_OK)
    return pv_set_error(PV_ERR_NETWORK, "hub: %s: %s", url,
                        err[0] ? err : curl_easy_strerror(cr));
  return 0;
}

int pv_hub_download(const char *url, const char *sha256_prefix,
                    const char *dest_path, const pv_fetch_options *opts) {
  if (!url || !dest_path)
    return pv_set_error(PV_ERR_INVALID_ARG, "hub: NULL url or destination");
  pv_fetch_options o = get_opts(opts);
  char dir[4096], part[4200], lock[4200], hex[65];
  snprintf(dir, sizeof dir, "%s", dest_path);
  char *slash = strrchr(dir, '/');
  if (slash && slash != dir) {
    *slash = 0;
    pv__mkdirs(dir);
  }
  snprintf(part, sizeof part, "%s.part", dest_path);
  snprintf(lock, sizeof lock, "%s.lock", dest_path);
  int lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lfd < 0)
    return pv_set_error(PV_ERR_IO, "hub: cannot create %s: %s", lock,
                        strerror(errno));
  while (flock(lfd, LOCK_EX) != 0 && errno == EINTR) {
  }
  int rc = 0;
  struct stat st;
  if (stat(dest_path, &st) == 0) { /* already there (maybe from a peer) */
    rc = verify(dest_path, sha256_prefix, hex);
    if (rc == PV_ERR_HASH)
      rc = pv_set_error(PV_ERR_HASH,
                        "hub: %s exists but its SHA-256 %s does not start "
                        "with %s; delete it to download again",
                        dest_path, hex, sha256_prefix);
    goto out;
  }
  static int curl_ready;
  if (!__atomic_exchange_n(&curl_ready, 1, __ATOMIC_ACQ_REL))
    curl_global_init(CURL_GLOBAL_DEFAULT);
  rc = transfer(url, part, o.progress);
  if (rc)
    goto out;
  rc = verify(part, sha256_prefix, hex);
  if (rc == PV_ERR_HASH) {
    unlink(part);
    rc = pv_set_error(PV_ERR_HASH,
                      "hub: %s: SHA-256 %s does not start with %s (the file "
                      "was deleted)",
                      url, hex, sha256_prefix);
    goto out;
  }
  if (!rc && rename(part, dest_path) != 0)
    rc = pv_set_error(PV_ERR_IO, "hub: cannot move %s into place: %s", part,
                      strerror(errno));
out:
  flock(lfd, LOCK_UN);
  close(lfd);
  return rc;
}

int pv_hub_fetch(const char *spec, const pv_fetch_options *opts, char *path,
                 size_t size) {
  pv_fetch_options o = get_opts(opts);
  char dest[4096], url[4096], prefix[80];
  int rc = pv_hub_weights_path(spec, &o, dest, sizeof dest);
  if (rc)
    return rc;
  const pv_pretrained_info *w = pv_pretrained_find(spec);
  const char *base =
      o.base_url && *o.base_url ? o.base_url : pv_get_option("POLYVIS_HUB_URL");
  const char *file = entry_file(w);
  if (base && *base)
    snprintf(url, sizeof url, "%s/%s", base, file);
  else if (w->corrected_file) { /* the official directory, corrected name */
    const char *s = strrchr(w->url, '/');
    snprintf(url, sizeof url, "%.*s/%s", s ? (int)(s - w->url) : 0, w->url,
             file);
  } else
    snprintf(url, sizeof url, "%s", w->url);
  prefix_of(file, prefix, sizeof prefix);
  rc = pv_hub_download(url, prefix, dest, &o);
  if (rc == PV_ERR_NETWORK)
    pv_set_error(PV_ERR_NETWORK,
                 "%s; to install it by hand, download %s and save it as %s",
                 pv_last_error(), url, dest);
  if (!rc && path && (size_t)snprintf(path, size, "%s", dest) >= size)
    return pv_set_error(PV_ERR_RANGE, "hub: path too long for the buffer");
  return rc;
}
