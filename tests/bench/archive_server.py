#!/usr/bin/env python3
"""broadside bench: the archive at scale in the real server.

    archive_server.py BROADSIDE ROOT [WORKERS]

Starts the real binary on loopback ports with WORKERS workers (default:
one per core, as `workers = auto`) over ROOT, an archive made by
tests/gen_archive.py, and reports what an operator sees: how long after
the start the first archive page answers, how long until every worker has
built its index, and each worker's resident memory against the archive's
bytes.  Stops the server it started, by PID, and exits 0; the targets are
checked by archive_bench (one build in one process), these figures are
for the closing notes.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

TIMEOUT = 300.0


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def gopher(port, selector):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(selector.encode() + b"\r\n")
        chunks = []
        while True:
            b = s.recv(65536)
            if not b:
                return b"".join(chunks)
            chunks.append(b)


def archive_bytes(top):
    total = 0
    for folder, _, names in os.walk(top):
        for name in names:
            total += os.lstat(os.path.join(folder, name)).st_size
    return total


def children(pid):
    with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
        return sorted(int(p) for p in f.read().split())


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    binary, root = sys.argv[1], os.path.abspath(sys.argv[2])
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else os.cpu_count()
    base = tempfile.mkdtemp(prefix="broadside-archive-server-")
    gem, gop = free_port(), free_port()
    log = os.path.join(base, "error.log")
    conf = os.path.join(base, "broadside.ini")
    with open(conf, "w") as f:
        f.write("[server]\nhostname = localhost\nroot = %s\n"
                "archive = statements\nworkers = %d\nlog = %s\n"
                "access_log = off\nrate = off\nmax_clients_per_ip = 0\n"
                % (root, workers, log))
        if os.geteuid() == 0:
            f.write("user = nobody\nchroot = no\n")
        f.write("[gemini]\nlisten = 127.0.0.1:%d\ncert = %s/c.crt\n"
                "key = %s/c.key\n[gopher]\nlisten = 127.0.0.1:%d\n"
                "port = %d\n" % (gem, base, base, gop, gop))
    size = archive_bytes(os.path.join(root, "statements"))
    t0 = time.monotonic()
    proc = subprocess.Popen([binary, "-c", conf],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    first = ready = None
    try:
        built = re.compile(r"worker (\d+): archive: (\d+) statements")
        while time.monotonic() - t0 < TIMEOUT and proc.poll() is None:
            if first is None:
                try:
                    # The root menu lists the latest as type 0 items.
                    if b"\r\n0" in gopher(gop, ""):
                        first = time.monotonic() - t0
                except OSError:
                    pass
            try:
                with open(log, errors="replace") as f:
                    done = {m[0] for m in built.findall(f.read())}
            except FileNotFoundError:
                done = set()
            if len(done) >= workers:
                ready = time.monotonic() - t0
                if first is None:
                    first = ready
                break
            time.sleep(0.05)
        time.sleep(1.0)		# the build's memory handed back
        pids = children(proc.pid)
        rss = [rss_kib(p) for p in pids]
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(base, ignore_errors=True)	# its generated key too
    if ready is None:
        print("server: the archive was not built within %d s" % TIMEOUT)
        return 0
    total = sum(rss)
    print("server (%d workers): first archive page %.1f s after start, "
          "every worker indexed after %.1f s" % (workers, first, ready))
    print("server: worker RSS %s MiB, together %.0f MiB = %.1f%% of the "
          "archive bytes" % (", ".join("%.0f" % (r / 1024) for r in rss),
                             total / 1024, 100.0 * total * 1024 / size))
    return 0


if __name__ == "__main__":
    sys.exit(main())
