/* The hub's downloader against a local HTTP server (server.py): a good
 * hash, a bad hash (the partial file is deleted), a truncated transfer
 * (error; a later call resumes with Range), a 404, an already-present file,
 * two processes fetching one file at once, cache paths of weight specs. */
#include "testutil.h"

#include <polyvis/hub.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char g_dir[1024], g_base[256];
static pid_t g_server;

static void write_bytes(const char *path, size_t n, unsigned seed) {
  FILE *f = fopen(path, "wb");
  for (size_t i = 0; f && i < n; i++) {
    seed = seed * 1103515245u + 12345u;
    fputc((int)(seed >> 24), f);
  }
  if (f)
    fclose(f);
}

static int count_requests(const char *needle) {
  char p[1200], line[512];
  snprintf(p, sizeof p, "%s/requests.log", g_dir);
  FILE *f = fopen(p, "r");
  int n = 0;
  while (f && fgets(line, sizeof line, f))
    n += strstr(line, needle) != NULL;
  if (f)
    fclose(f);
  return n;
}

static int exists(const char *p) {
  struct stat st;
  return stat(p, &st) == 0;
}

static int start_server(void) {
  const char *src = getenv("POLYVIS_SOURCE_DIR");
  char cmd[2048];
  int fds[2];
  if (pipe(fds))
    return -1;
  g_server = fork();
  if (g_server == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    snprintf(cmd, sizeof cmd, "%s/tests/hub/server.py", src ? src : ".");
    execl("/usr/bin/python3", "python3", cmd, g_dir, (char *)NULL);
    _exit(127);
  }
  close(fds[1]);
  char port[32] = "";
  size_t got = 0;
  while (got < sizeof port - 1 && !strchr(port, '\n')) {
    ssize_t n = read(fds[0], port + got, sizeof port - 1 - got);
    if (n <= 0)
      break;
    got += (size_t)n;
    port[got] = 0;
  }
  close(fds[0]);
  if (!strchr(port, '\n'))
    return -1;
  port[strcspn(port, "\n")] = 0;
  snprintf(g_base, sizeof g_base, "http://127.0.0.1:%s", port);
  return 0;
}

int main(void) {
  if (access("/usr/bin/python3", X_OK) != 0) {
    printf("SKIP: /usr/bin/python3 missing\n");
    return PV_TEST_SKIP;
  }
  snprintf(g_dir, sizeof g_dir, "%s", pv_test_tmpdir());
  char files[1200], good[1300], hex[65], url[1500], dest[1500], part[1600];
  snprintf(files, sizeof files, "%s/files", g_dir);
  mkdir(files, 0755);
  snprintf(good, sizeof good, "%s/good.bin", files);
  write_bytes(good, 300000, 7);
  CHECK_EQ_INT(pv_hub_sha256_file(good, hex), 0);
  CHECK(start_server() == 0);
  char prefix[9];
  snprintf(prefix, sizeof prefix, "%.8s", hex);

  /* good */
  snprintf(url, sizeof url, "%s/good.bin", g_base);
  snprintf(dest, sizeof dest, "%s/out/good-%s.bin", g_dir, prefix);
  CHECK_EQ_INT(pv_hub_download(url, prefix, dest, NULL), 0);
  char h2[65];
  CHECK(pv_hub_sha256_file(dest, h2) == 0 && !strcmp(h2, hex));
  /* present: no new request */
  int before = count_requests("/good.bin");
  CHECK_EQ_INT(pv_hub_download(url, prefix, dest, NULL), 0);
  CHECK_EQ_INT(count_requests("/good.bin"), before);

  /* bad hash: error naming both, nothing left behind */
  snprintf(dest, sizeof dest, "%s/out/bad.bin", g_dir);
  snprintf(part, sizeof part, "%s.part", dest);
  CHECK_EQ_INT(pv_hub_download(url, "deadbeef", dest, NULL), PV_ERR_HASH);
  CHECK(strstr(pv_last_error(), "deadbeef") && strstr(pv_last_error(), hex));
  CHECK(!exists(dest) && !exists(part));

  /* 404 */
  snprintf(url, sizeof url, "%s/missing.bin", g_base);
  snprintf(dest, sizeof dest, "%s/out/missing.bin", g_dir);
  CHECK_EQ_INT(pv_hub_download(url, NULL, dest, NULL), PV_ERR_NETWORK);
  CHECK(strstr(pv_last_error(), "404") != NULL);
  CHECK(!exists(dest));

  /* truncated: an error and a partial file; then resumed with Range */
  snprintf(url, sizeof url, "%s/trunc/good.bin", g_base);
  snprintf(dest, sizeof dest, "%s/out/resume.bin", g_dir);
  snprintf(part, sizeof part, "%s.part", dest);
  CHECK(pv_hub_download(url, prefix, dest, NULL) == PV_ERR_NETWORK);
  CHECK(!exists(dest) && exists(part));
  snprintf(url, sizeof url, "%s/good.bin", g_base);
  CHECK_EQ_INT(pv_hub_download(url, prefix, dest, NULL), 0);
  CHECK(count_requests("/good.bin bytes=150000-") == 1);
  CHECK(pv_hub_sha256_file(dest, h2) == 0 && !strcmp(h2, hex));

  /* two processes at once: one download, both succeed */
  snprintf(dest, sizeof dest, "%s/out/race.bin", g_dir);
  before = count_requests("/good.bin -");
  pid_t kids[2];
  for (int k = 0; k < 2; k++)
    if ((kids[k] = fork()) == 0)
      _exit(pv_hub_download(url, prefix, dest, NULL) == 0 ? 0 : 1);
  for (int k = 0; k < 2; k++) {
    int st = 0;
    waitpid(kids[k], &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  }
  CHECK_EQ_INT(count_requests("/good.bin -") - before, 1);
  CHECK(pv_hub_sha256_file(dest, h2) == 0 && !strcmp(h2, hex));

  /* specs -> cache paths; unknown spec */
  pv_fetch_options o = pv_fetch_options_default();
  o.dest_dir = "/some/dir";
  char p[1024];
  CHECK_EQ_INT(pv_hub_weights_path("resnet18", &o, p, sizeof p), 0);
  CHECK(!strcmp(p, "/some/dir/resnet18-f37072fd.pth"));
  CHECK_EQ_INT(pv_hub_weights_path("nope_net", &o, p, sizeof p),
               PV_ERR_NOT_FOUND);
  /* a fetch through the base URL: the file is not there -> 404 with a hint */
  o.dest_dir = g_dir;
  o.base_url = g_base;
  CHECK(pv_hub_fetch("resnet18", &o, p, sizeof p) == PV_ERR_NETWORK);
  CHECK(strstr(pv_last_error(), "resnet18-f37072fd.pth") != NULL);

  kill(g_server, SIGTERM);
  waitpid(g_server, NULL, 0);
  return pv_test_finish("test_hub");
}
