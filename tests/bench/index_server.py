#!/usr/bin/env python3
"""broadside bench: one archive for all workers, in the real server.

    index_server.py BROADSIDE ROOT [WORKERS] [SIGHUPS SECONDS]

Starts the real binary on loopback ports (WORKERS workers, default 2)
over ROOT, an archive made by tests/gen_archive.py, with its index in a
fresh state directory, and prints each figure of the "one archive" issue
with its target and PASS or MISS:

  first full build        the indexer's first build (log line), <= 10 s
  worker memory           after searches: each worker's private dirty
                          memory (smaps_rollup) <= 16 MiB, and the
                          workers' Pss together <= the index's size +
                          16 MiB a worker
  restart                 a restart over the unchanged archive, to the
                          first archive page, < 1 s
  new statement           a statement written in a year folder, until the
                          archive page, its year, its tag, the feed, a
                          search and the Gopher root show it on both
                          protocols and every worker maps the generation
                          that has it, < 2 s
  reloads                 SIGHUPS SIGHUPs (default 20) in SECONDS (10)
                          under load: at most 2 generations of workers,
                          memory <= 2 x at rest, 0 failed requests, and
                          the time until the processes are back

Talks to 127.0.0.1 only; stops the server it started, by PID; removes
its state directory.  Exit status 0 (the figures are the output).
"""
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

TIMEOUT = 300.0
MIB = 1024 * 1024


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def read_all(s):
    chunks = []
    while True:
        b = s.recv(65536)
        if not b:
            return b"".join(chunks)
        chunks.append(b)


def gopher(port, selector):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(selector.encode() + b"\r\n")
        return read_all(s)


CTX = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
CTX.check_hostname = False
CTX.verify_mode = ssl.CERT_NONE


def gemini(port, path):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with CTX.wrap_socket(raw, server_hostname="localhost") as s:
            s.sendall(("gemini://localhost:%d%s\r\n" % (port, path))
                      .encode())
            data = read_all(s)
    head, _, body = data.partition(b"\r\n")
    return head.decode("utf-8", "replace"), body


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return sorted(int(p) for p in f.read().split())
    except OSError:
        return []


def comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return ""


def workers_of(pid):
    return [p for p in children(pid)
            if comm(p) not in ("broadside-key", "broadside-idx")]


def rollup(pid):
    """{field: KiB} of /proc/PID/smaps_rollup."""
    out = {}
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                m = re.match(r"(\w+):\s+(\d+) kB", line)
                if m:
                    out[m.group(1)] = int(m.group(2))
    except OSError:
        pass
    return out


def mapped_gen(pid):
    try:
        with open("/proc/%d/maps" % pid) as f:
            gens = [int(g) for g in re.findall(r"/meta-(\d+)", f.read())]
    except OSError:
        return 0
    return max(gens) if gens else 0


def verdict(ok):
    return "PASS" if ok else "MISS"


class Server:
    def __init__(self, binary, root, workers, base):
        self.binary, self.root, self.workers = binary, root, workers
        self.base = base
        self.gem, self.gop = free_port(), free_port()
        self.log = os.path.join(base, "error.log")
        self.state = os.path.join(base, "state")
        self.conf = os.path.join(base, "broadside.ini")
        with open(self.conf, "w") as f:
            f.write("[server]\nhostname = localhost\nroot = %s\n"
                    "archive = statements\nworkers = %d\nlog = %s\n"
                    "state = %s\naccess_log = off\nrate = off\n"
                    "max_clients_per_ip = 0\n"
                    % (root, workers, self.log, self.state))
            if os.geteuid() == 0:
                f.write("user = nobody\nchroot = no\n")
            f.write("[gemini]\nlisten = 127.0.0.1:%d\ncert = %s/c.crt\n"
                    "key = %s/c.key\n[gopher]\nlisten = 127.0.0.1:%d\n"
                    "port = %d\n" % (self.gem, base, base, self.gop,
                                     self.gop))
        self.proc = None

    def start(self):
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen([self.binary, "-c", self.conf],
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)

    def stop(self):
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def logtext(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def wait(self, pred, timeout=TIMEOUT, step=0.01):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise SystemExit("the server exited:\n" + self.logtext())
            try:
                v = pred()
            except OSError:
                v = None
            if v:
                return v
            time.sleep(step)
        return None

    def archive_page(self):
        return b"\r\n0" in gopher(self.gop, "/statements/")

    def index_bytes(self):
        return sum(os.path.getsize(os.path.join(self.state, n))
                   for n in os.listdir(self.state)
                   if re.match(r"(meta|search|delta)-\d+$", n))


def first_build(srv):
    rx = re.compile(r"index: generation 1: (\d+) statements.*\((\d+) ms")
    m = srv.wait(lambda: rx.search(srv.logtext()))
    if m is None:
        print("index: no first build within %d s" % TIMEOUT)
        return False
    secs = int(m.group(2)) / 1000.0
    print("index: first full build: %s statements in %.1f s (target <= 10 "
          "s) %s" % (m.group(1), secs, verdict(secs <= 10)))
    srv.wait(lambda: all(mapped_gen(p) >= 1 for p in workers_of(srv.proc.pid))
             and len(workers_of(srv.proc.pid)) == srv.workers)
    return True


QUERIES = ["solidarity", "housing rights", "police", '"the government"',
           '"workers and"', "strik*", "migra*", "govern*", "union wages",
           "occupation"]


def memory(srv):
    for _ in range(10):
        for q in QUERIES:
            gopher(srv.gop, "/search\t" + q)
            gemini(srv.gem, "/search?" + q.replace(" ", "%20")
                   .replace('"', "%22"))
    pids = workers_of(srv.proc.pid)
    rolls = [rollup(p) for p in pids]
    dirty = [r.get("Private_Dirty", 0) / 1024 for r in rolls]
    pss = sum(r.get("Pss", 0) for r in rolls) / 1024
    idx = srv.index_bytes() / MIB
    limit = idx + 16 * len(pids)
    print("index: worker private dirty after %d searches: %s MiB (target "
          "<= 16 each) %s" % (20 * len(QUERIES), ", ".join(
              "%.1f" % d for d in dirty), verdict(max(dirty) <= 16)))
    print("index: workers' Pss together %.0f MiB, the index %.0f MiB "
          "(target <= %.0f) %s" % (pss, idx, limit, verdict(pss <= limit)))
    return sum(r.get("Pss", 0) for r in
               [rollup(p) for p in [srv.proc.pid] + children(srv.proc.pid)])


def restart(srv):
    srv.stop()
    srv.start()
    if srv.wait(srv.archive_page, timeout=60, step=0.005) is None:
        print("index: restart: no archive page within 60 s")
        return
    secs = time.monotonic() - srv.t0
    print("index: restart over the unchanged archive, to the first archive "
          "page: %.2f s (target < 1 s) %s" % (secs, verdict(secs < 1)))
    srv.wait(lambda: "matches the archive" in srv.logtext(), timeout=60)
    srv.wait(lambda: len(workers_of(srv.proc.pid)) == srv.workers and
             all(mapped_gen(p) >= 1 for p in workers_of(srv.proc.pid)))


def new_statement(srv):
    year = os.path.join(srv.root, "statements", "2025")
    os.makedirs(year, exist_ok=True)
    name = "2025-12-31-benchnew-%d" % os.getpid()
    word = "zyxwbench%d" % os.getpid()
    title = "Bench statement %s" % word
    before = max([0] + [int(g) for g in re.findall(
        r"index: generation (\d+)", srv.logtext())])
    t0 = time.monotonic()
    with open(os.path.join(year, name + ".ini"), "w") as f:
        f.write("tags = benchtag\n")
    with open(os.path.join(year, name + ".gmi"), "w") as f:
        f.write("# %s\n\nA new statement about %s.\n" % (title, word))

    def shown():
        for p in ("/statements/", "/statements/2025/",
                  "/statements/tags/benchtag/", "/statements/atom.xml",
                  "/search?" + word):
            if title.encode() not in gemini(srv.gem, p)[1]:
                return False
        for s in ("", "/statements/", "/statements/2025/",
                  "/search\t" + word):
            if title.encode() not in gopher(srv.gop, s):
                return False
        gens = [int(g) for g in re.findall(r"index: generation (\d+):",
                                           srv.logtext())]
        new = [g for g in gens if g > before]
        return new and all(mapped_gen(p) >= new[0]
                           for p in workers_of(srv.proc.pid))
    # How far apart the workers switch: the first to map the new
    # generation, then the last, sampled every millisecond.
    first = last = None
    end = time.monotonic() + 30
    while time.monotonic() < end and last is None:
        gens = [mapped_gen(p) for p in workers_of(srv.proc.pid)]
        now = time.monotonic()
        if first is None and max(gens) > before:
            first = now
        if first is not None and min(gens) > before:
            last = now
        time.sleep(0.001)
    ok = srv.wait(shown, timeout=60, step=0.02)
    secs = time.monotonic() - t0
    for ext in (".gmi", ".ini"):
        os.unlink(os.path.join(year, name + ext))
    if not ok:
        print("index: new statement: not everywhere within 60 s MISS")
        return
    print("index: a new statement everywhere (5 Gemini pages, 4 Gopher "
          "menus, every worker): %.2f s (target < 2 s) %s" %
          (secs, verdict(secs < 2)))
    if first is not None and last is not None:
        print("index: the workers switched to it %.1f ms apart" %
              ((last - first) * 1000))


def reloads(srv, rest_pss, count, seconds):
    failures, done = [0], threading.Event()
    served = [0]

    def client():
        while not done.is_set():
            try:
                if not gemini(srv.gem, "/statements/")[0].startswith("20 "):
                    failures[0] += 1
                elif b"\r\n0" not in gopher(srv.gop, "/statements/"):
                    failures[0] += 1
                else:
                    served[0] += 1
            except OSError:
                failures[0] += 1
    threads = [threading.Thread(target=client) for _ in range(2)]
    for t in threads:
        t.start()
    most_workers, most_pss = 0, 0
    interval = seconds / count

    def sample():
        nonlocal most_workers, most_pss
        kids = children(srv.proc.pid)
        most_workers = max(most_workers, len(workers_of(srv.proc.pid)))
        pss = sum(rollup(p).get("Pss", 0) for p in [srv.proc.pid] + kids)
        most_pss = max(most_pss, pss)
    t0 = time.monotonic()
    for i in range(count):
        srv.proc.send_signal(signal.SIGHUP)
        while time.monotonic() < t0 + (i + 1) * interval:
            sample()
            time.sleep(0.02)
    last = time.monotonic()

    def settled():
        sample()
        text = srv.logtext()
        # Every coalesced SIGHUP has had its reload.
        return len(workers_of(srv.proc.pid)) == srv.workers and \
            text.count("one more after it") <= text.count("a SIGHUP came")
    srv.wait(settled, timeout=120, step=0.05)
    back = time.monotonic() - last
    done.set()
    for t in threads:
        t.join()
    gens = -(-most_workers // srv.workers)
    print("index: %d SIGHUPs in %d s under load: %d requests, %d failed "
          "(target 0), at most %d workers = %d generations (target <= 2), "
          "memory at most %.0f MiB = %.2f x at rest (target <= 2), back to "
          "%d workers %.1f s after the last %s" % (
              count, seconds, served[0], failures[0], most_workers, gens,
              most_pss / 1024, most_pss / max(rest_pss, 1), srv.workers,
              back, verdict(failures[0] == 0 and gens <= 2 and
                            most_pss <= 2 * rest_pss)))


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    binary, root = sys.argv[1], os.path.abspath(sys.argv[2])
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    seconds = int(sys.argv[5]) if len(sys.argv) > 5 else 10
    base = tempfile.mkdtemp(prefix="broadside-index-bench-")
    os.chmod(base, 0o755)
    srv = Server(binary, root, workers, base)
    try:
        srv.start()
        if not first_build(srv):
            return 0
        rest = memory(srv)
        restart(srv)
        new_statement(srv)
        rest = sum(rollup(p).get("Pss", 0) for p in
                   [srv.proc.pid] + children(srv.proc.pid)) or rest
        reloads(srv, rest, count, seconds)
    finally:
        srv.stop()
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
