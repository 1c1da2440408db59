"""A small HTTP server for tests/hub on 127.0.0.1: serves files from a
directory with Range support, plus /trunc/NAME (declares the full length,
sends half, closes) and 404 for anything missing. Every request is logged
to DIR/requests.log as "PATH RANGE". Prints the port on stdout.
usage: server.py DIR"""
import http.server
import os
import sys

root = sys.argv[1]


class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        rng = self.headers.get("Range", "-")
        with open(os.path.join(root, "requests.log"), "a") as f:
            f.write("%s %s\n" % (self.path, rng))
        trunc = self.path.startswith("/trunc/")
        name = self.path.split("/")[-1]
        p = os.path.join(root, "files", name)
        if not os.path.isfile(p):
            self.send_error(404)
            return
        data = open(p, "rb").read()
        start = 0
        if rng.startswith("bytes="):
            start = int(rng[6:].split("-")[0])
            if start >= len(data):
                self.send_error(416)
                return
            self.send_response(206)
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if trunc:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
# One write of the whole line, then stdout is done with: the test may close
# its end of the pipe as soon as it has the port.
os.write(1, b"%d\n" % srv.server_address[1])
os.close(1)
srv.serve_forever()
