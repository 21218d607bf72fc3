# SPDX-License-Identifier: ISC
"""Issue 4, "safe to leave running for years": privileges and confinement,
reload without a dropped request, limits against abuse, the PROXY protocol
(with real HAProxy in front of two instances), and access-log formats.

Every process a test starts is stopped by its PID (the harness stops the
servers; HAProxy is stopped here)."""
import errno
import hashlib
import os
import pwd
import re
import select
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import time

import pytest

from conftest import (REPO, calls_in, children, proc_status, read_all,
                      received_unread, wait_for)

ROOT = os.geteuid() == 0
SIG_TIMEOUT = 10.0


# -- helpers -----------------------------------------------------------------

def workers(srv, want=1, timeout=SIG_TIMEOUT):
    return wait_for(lambda: (lambda k: k if len(k) >= want else None)(
        children(srv.proc.pid)), timeout=timeout,
        what="%d worker(s) of %d" % (want, srv.proc.pid))


def log_count(srv, text):
    return srv.log_text().count(text)


def new_generation(srv, old):
    """Wait until the server's workers are all different from `old`."""
    def check():
        kids = set(children(srv.proc.pid))
        new = kids - set(old)
        return new if new and srv._port_open(srv.gopher_port) else None
    return wait_for(check, what="a new generation of workers")


def gopher_first_line(srv, selector="/"):
    return srv.gopher(selector).split(b"\r\n", 1)[0]


def cert_fingerprint(srv):
    ctx = srv.tls_context()
    with socket.create_connection(("127.0.0.1", srv.gemini_port),
                                  timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            return hashlib.sha256(s.getpeercert(binary_form=True)).hexdigest()


def closed_without_data(sock, timeout=5.0):
    """True when the peer closes (EOF or reset) having sent nothing."""
    sock.settimeout(timeout)
    try:
        return sock.recv(4096) == b""
    except ConnectionResetError:
        return True


def proxy_v2(src, dst, sport, dport):
    sig = b"\r\n\r\n\x00\r\nQUIT\n"
    if ":" in src:
        body = (socket.inet_pton(socket.AF_INET6, src) +
                socket.inet_pton(socket.AF_INET6, dst) +
                struct.pack("!HH", sport, dport))
        fam = 0x21
    else:
        body = (socket.inet_aton(src) + socket.inet_aton(dst) +
                struct.pack("!HH", sport, dport))
        fam = 0x11
    return sig + bytes([0x21, fam]) + struct.pack("!H", len(body)) + body


def gemini_after_header(srv, header, path="/hello.gmi"):
    """Send a PROXY header, then TLS and a request; the response head."""
    raw = socket.create_connection(("127.0.0.1", srv.gemini_port), timeout=5)
    raw.sendall(header)
    with srv.tls_context().wrap_socket(raw, server_hostname="localhost") as s:
        s.sendall(srv.url(path).encode() + b"\r\n")
        data = read_all(s)
    return data.split(b"\r\n", 1)[0].decode()


def gopher_after_header(srv, header, selector=b"/plain.txt"):
    with socket.create_connection(("127.0.0.1", srv.gopher_port),
                                  timeout=5) as s:
        s.sendall(header + selector + b"\r\n")
        return read_all(s)


def access_wait(srv, pattern, timeout=5.0):
    rx = re.compile(pattern)
    return wait_for(lambda: [l for l in srv.access_lines() if rx.search(l)],
                    timeout=timeout, what="access log line /%s/" % pattern)


needs_root = pytest.mark.skipif(
    not ROOT, reason="privilege drop and confinement need root: run the "
    "suite as root to test them")


def seccomp_supported():
    try:
        with open("/proc/self/status") as f:
            return "Seccomp:" in f.read()
    except OSError:
        return False


# -- 1. privileges -------------------------------------------------------------

@needs_root
def test_workers_run_as_user_confined(make_server):
    if not seccomp_supported():
        pytest.skip("this kernel has no seccomp")
    srv = make_server()
    nobody = pwd.getpwnam("nobody")
    assert proc_status(srv.proc.pid)["Uid"].split()[0] == "0"
    for pid in workers(srv):
        st = proc_status(pid)
        assert st["Uid"].split() == [str(nobody.pw_uid)] * 4, st["Uid"]
        assert st["Gid"].split() == [str(nobody.pw_gid)] * 4, st["Gid"]
        # Supplementary groups: root's are gone; at most the user's own.
        assert set(st["Groups"].split()) <= {str(nobody.pw_gid)}, st
        assert st["NoNewPrivs"] == "1"
        assert st["Seccomp"] == "2", "no seccomp filter in the worker"
    head, _ = srv.gemini("/hello.gmi")
    assert head.startswith("20 ")


@needs_root
def test_chroot_to_content_root(make_server):
    # LeakSanitizer needs /proc at exit, which the chroot hides.
    srv = make_server(conf={"server": {"chroot": "yes"}},
                      env={"ASAN_OPTIONS": "detect_leaks=0"})
    # The parent listens before the worker is confined; it serves after.
    assert srv.gopher("/plain.txt").startswith(b"Just text.")
    for pid in workers(srv):
        assert os.readlink("/proc/%d/root" % pid) == \
            os.path.realpath(srv.content)
        assert proc_status(pid)["Seccomp"] == "2"
    assert srv.gemini("/hello.gmi")[0].startswith("20 ")
    assert srv.gopher("/plain.txt").startswith(b"Just text.")
    # Nothing outside the root, whatever the request says.
    for path in ("/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd"):
        head, body = srv.gemini(path)
        assert not head.startswith("20 ") and b"root:" not in body
    assert b"root:" not in srv.gopher("../../../../etc/passwd")


@needs_root
def test_landlock_when_chroot_off(make_server):
    """chroot = no: the worker's view of / is the real one, yet it serves
    only the content root (Landlock); a symlink out of the root fails."""
    srv = make_server(files={"out": b""}, start=False)
    os.unlink(os.path.join(srv.content, "out"))
    os.symlink("/etc/passwd", os.path.join(srv.content, "out"))
    srv.start()
    for pid in workers(srv):
        assert os.readlink("/proc/%d/root" % pid) == "/"
    head, body = srv.gemini("/out")
    assert not head.startswith("20 ") and b"root:" not in body


@needs_root
def test_root_without_user_refused(make_server):
    srv = make_server(conf={"server": {"user": None}}, start=False)
    with pytest.raises(RuntimeError):
        srv.start()
    assert "refusing to serve as root" in srv.output()
    srv2 = make_server(conf={"server": {"user": "root"}}, start=False)
    with pytest.raises(RuntimeError):
        srv2.start()
    assert 'user "root" is root' in srv2.output()


# -- 2. reload, rotate, stop, restart ----------------------------------------

def test_sighup_keeps_slow_client(make_server):
    srv = make_server(conf={"server": {"timeout": "8"}})
    old = workers(srv)
    raw = socket.create_connection(("127.0.0.1", srv.gemini_port), timeout=8)
    s = srv.tls_context().wrap_socket(raw, server_hostname="localhost")
    try:
        srv.signal(signal.SIGHUP)
        new_generation(srv, old)
        # The old worker still holds this client; the request comes late,
        # once it has been told to leave (it closes its listeners first).
        wait_for(lambda: not any(srv.holds_listener(p) for p in old),
                 what="the old worker to stop listening")
        assert set(old) <= set(srv.worker_pids()), "the old worker left"
        s.sendall(srv.url("/hello.gmi").encode() + b"\r\n")
        data = read_all(s)
    finally:
        s.close()
    assert data.startswith(b"20 "), data[:100]
    assert b"# Hello" in data
    assert srv.gemini("/hello.gmi")[0].startswith("20 ")


def test_sighup_applies_config_and_survives_broken_one(make_server):
    srv = make_server()
    assert gopher_first_line(srv) == b"iStatements\t\tlocalhost\t%d" % \
        srv.gopher_port
    old = workers(srv)
    srv.conf["server"]["title"] = "Renamed Title"
    srv.write_conf()
    srv.signal(signal.SIGHUP)
    old = new_generation(srv, old)
    wait_for(lambda: gopher_first_line(srv).startswith(b"iRenamed Title"),
             what="the new title")
    # A broken config: logged with its error, the old one keeps serving.
    with open(srv.conf_path, "a") as f:
        f.write("[server]\nno_such_key = 1\ntimeout = many\n")
    fails = log_count(srv, "reload failed")
    srv.signal(signal.SIGHUP)
    wait_for(lambda: log_count(srv, "reload failed") > fails,
             what="the reload failure in the log")
    out = srv.output()
    assert "no_such_key" in out and "timeout" in out
    assert srv.alive()
    assert gopher_first_line(srv).startswith(b"iRenamed Title")
    assert srv.gemini("/hello.gmi")[0].startswith("20 ")


def test_sighup_picks_up_new_certificate(make_server, tmp_path):
    srv = make_server()
    before = cert_fingerprint(srv)
    crt, key = srv.conf["gemini"]["cert"], srv.conf["gemini"]["key"]
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                    "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", str(tmp_path / "k"), "-out",
                    str(tmp_path / "c"), "-days", "30", "-subj",
                    "/CN=localhost"], check=True, capture_output=True,
                   timeout=30)
    # A broken certificate first: logged, the old one keeps serving.
    with open(crt, "w") as f:
        f.write("-----BEGIN CERTIFICATE-----\nnot base64\n")
    old = workers(srv)
    fails = log_count(srv, "reload failed")
    srv.signal(signal.SIGHUP)
    wait_for(lambda: log_count(srv, "reload failed") > fails,
             what="the certificate error")
    assert cert_fingerprint(srv) == before
    shutil.copy(str(tmp_path / "c"), crt)
    shutil.copy(str(tmp_path / "k"), key)
    srv.signal(signal.SIGHUP)
    new_generation(srv, old)
    after = wait_for(lambda: (lambda f: f if f != before else None)(
        cert_fingerprint(srv)), what="the new certificate")
    with open(str(tmp_path / "c"), "rb") as f:
        der = ssl.PEM_cert_to_DER_cert(f.read().decode())
    assert after == hashlib.sha256(der).hexdigest()


def test_sigusr1_reopens_logs(make_server):
    srv = make_server()
    assert srv.gemini("/hello.gmi")[0].startswith("20 ")
    access_wait(srv, r"hello\.gmi")
    os.rename(srv.acclog, srv.acclog + ".1")
    old = workers(srv)
    srv.signal(signal.SIGUSR1)
    new_generation(srv, old)
    # The old worker accepts too until it leaves, and it writes to the old
    # log: wait for it to go (it has nothing in flight), or the request
    # below may land there.
    wait_for(lambda: not set(children(srv.proc.pid)) & set(old),
             what="the old worker to leave")
    wait_for(lambda: os.path.exists(srv.acclog), what="a new access log")
    assert srv.gopher("/plain.txt").startswith(b"Just text.")
    access_wait(srv, r"plain\.txt")
    with open(srv.acclog + ".1") as f:
        assert "plain.txt" not in f.read()


def test_sigterm_finishes_inflight_response(make_server):
    size = 24 * 1024 * 1024
    srv = make_server(files={"big.bin": os.urandom(1024) * (size // 1024)})
    s = socket.create_connection(("127.0.0.1", srv.gopher_port), timeout=10)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    s.sendall(b"/big.bin\r\n")
    got = len(s.recv(65536))
    (worker,) = workers(srv)
    srv.signal(signal.SIGTERM)
    # The rest is read once the worker has the stop (it stops listening).
    wait_for(lambda: not srv.holds_listener(worker),
             what="the worker to stop listening")
    while True:
        b = s.recv(1 << 20)
        if not b:
            break
        got += len(b)
    s.close()
    assert got == size
    srv.proc.wait(timeout=20)
    assert "stopping" in srv.output()


def test_killed_worker_restarted(make_server):
    srv = make_server()
    (pid,) = workers(srv)
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: "worker %d killed by signal 9" % pid in srv.output(),
             what="the restart in the log")
    new_generation(srv, [pid])
    assert srv.gemini("/hello.gmi")[0].startswith("20 ")
    assert srv.alive()


# -- 3. limits -------------------------------------------------------------------

def test_max_clients_per_ip(make_server):
    srv = make_server(conf={"server": {"max_clients_per_ip": "2",
                                       "timeout": "5"}})
    held = [socket.create_connection(("127.0.0.1", srv.gopher_port),
                                     timeout=5) for _ in range(2)]
    ports = [s.getsockname()[1] for s in held]
    try:
        wait_for(lambda: srv.accepted(ports) == 2,
                 what=lambda: "the worker to hold the 2 connections (it "
                 "holds %d)" % srv.accepted(ports))
        third = socket.create_connection(("127.0.0.1", srv.gopher_port),
                                         timeout=5)
        third.sendall(b"/plain.txt\r\n")
        assert closed_without_data(third, timeout=3)
        third.close()
        # The two held ones are still served.
        held[0].sendall(b"/plain.txt\r\n")
        held[0].settimeout(5)
        assert held[0].recv(100).startswith(b"Just text.")
    finally:
        for s in held:
            s.close()
    wait_for(lambda: srv.accepted(ports) == 0,
             what="the worker to close the held connections")
    assert srv.gopher("/plain.txt").startswith(b"Just text.")


def test_rate_gemini_44(make_server):
    srv = make_server(conf={"server": {"rate": "3/60s"}})
    for _ in range(3):
        assert srv.gemini("/hello.gmi")[0].startswith("20 ")
    head, _ = srv.gemini("/hello.gmi")
    m = re.fullmatch(r"44 (\d+)", head)
    assert m, head
    assert 1 <= int(m.group(1)) <= 20


def test_rate_gopher_type3(make_server):
    srv = make_server(conf={"server": {"rate": "3/60s"}})
    for _ in range(3):
        assert srv.gopher("/plain.txt").startswith(b"Just text.")
    out = srv.gopher("/plain.txt")
    assert out.startswith(b"3"), out[:100]
    assert b"Too many requests" in out


def test_slow_reader_dropped(make_server):
    size = 48 * 1024 * 1024
    srv = make_server(conf={"server": {"timeout": "2"}},
                      files={"huge.bin": b"\0" * size})
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(10)
    s.connect(("127.0.0.1", srv.gopher_port))
    s.sendall(b"/huge.bin\r\n")
    start = time.monotonic()
    port = s.getsockname()[1]
    # Never read while the deadline runs; others are still served.
    wait_for(lambda: srv.accepted([port]) == 1, what="the transfer to start")
    assert srv.gemini("/hello.gmi")[0].startswith("20 ")
    wait_for(lambda: srv.accepted([port]) == 0, timeout=8,
             what="the stalled reader to be dropped")
    got = 0
    try:
        while True:
            b = s.recv(1 << 20)
            if not b:
                break
            got += len(b)
    except ConnectionResetError:
        pass
    s.close()
    assert got < size, "a stalled reader got the whole file"
    assert time.monotonic() - start < 9
    assert srv.alive()


def test_max_clients_closes_the_oldest_silent_one(make_server):
    srv = make_server(conf={"server": {"max_clients": "5", "timeout": "6"}})
    held = []
    for _ in range(5):
        held.append(socket.create_connection(("127.0.0.1", srv.gopher_port),
                                             timeout=5))
        # Silent connections are handed over by the kernel a second
        # after their connect (TCP_DEFER_ACCEPT), in the order of its
        # timers, which cannot tell apart connects a few ms apart.
        time.sleep(0.1)
    wait_for(lambda: srv.accepted(held) == 5,
             what=lambda: "the worker to hold the 5 connections (it holds "
             "%d)" % srv.accepted(held))
    try:
        # Every slot holds a connection that sent nothing: the sixth is
        # served at once, and the first one makes room for it.
        assert srv.gopher("/plain.txt", timeout=2).startswith(b"Just text.")
        assert held[0].recv(100) == b""
        wait_for(lambda: srv.accepted(held[1:]) == 4,
                 what="the four newer ones to stay")
    finally:
        for s in held:
            s.close()
    assert srv.alive()


def test_max_clients_never_closes_a_response(make_server):
    """A connection writing its response is never closed to make room: with
    every slot writing, the sixth waits for one to finish."""
    srv = make_server(conf={"server": {"max_clients": "5", "timeout": "6"}},
                      files={"big.bin": b"\0" * (16 * 1024 * 1024)})
    held = []
    for _ in range(5):
        s = socket.create_connection(("127.0.0.1", srv.gopher_port),
                                     timeout=5)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(b"/big.bin\r\n")
        held.append(s)
    wait_for(lambda: srv.accepted(held) == 5,
             what=lambda: "the worker to hold the 5 connections (it holds "
             "%d)" % srv.accepted(held))
    sixth = socket.create_connection(("127.0.0.1", srv.gopher_port),
                                     timeout=5)
    try:
        sixth.sendall(b"/plain.txt\r\n")
        # Deliberate: a window in which the sixth must not be served (it
        # would be within milliseconds); the worker does not even take it.
        sixth.settimeout(0.5)
        with pytest.raises(socket.timeout):
            sixth.recv(100)
        assert srv.accepted(held) == 5 and srv.accepted([sixth]) == 0
        held[0].close()
        sixth.settimeout(5)
        assert sixth.recv(100).startswith(b"Just text.")
    finally:
        sixth.close()
        for s in held:
            s.close()
    # Queued, not refused, until the worker has let the others go.
    assert srv.gopher("/plain.txt").startswith(b"Just text.")
    assert srv.alive()


# -- 4. PROXY protocol ---------------------------------------------------------

@pytest.fixture
def proxied(make_server):
    return make_server(conf={"gemini": {"proxy_protocol": "yes"},
                             "gopher": {"proxy_protocol": "yes"}})


def test_proxy_v1_gemini_and_gopher(proxied):
    srv = proxied
    head = gemini_after_header(
        srv, b"PROXY TCP4 203.0.113.7 127.0.0.1 5555 1965\r\n")
    assert head.startswith("20 "), head
    access_wait(srv, r"^\S*\s*203\.0\.113\.7 .*gemini.*hello\.gmi|"
                     r"203\.0\.113\.7.*hello\.gmi")
    out = gopher_after_header(
        srv, b"PROXY TCP4 198.51.100.9 127.0.0.1 4444 70\r\n")
    assert out.startswith(b"Just text.")
    access_wait(srv, r"198\.51\.100\.9.*plain\.txt")


def test_proxy_v2_ipv4_and_ipv6(proxied):
    srv = proxied
    head = gemini_after_header(
        srv, proxy_v2("2001:db8::7", "2001:db8::1", 40000, 1965))
    assert head.startswith("20 "), head
    access_wait(srv, r"2001:db8::7.*hello\.gmi")
    out = gopher_after_header(
        srv, proxy_v2("192.0.2.44", "192.0.2.1", 40001, 70))
    assert out.startswith(b"Just text.")
    access_wait(srv, r"192\.0\.2\.44.*plain\.txt")
    # LOCAL (a health check): the connection's own address is kept.
    local = b"\r\n\r\n\x00\r\nQUIT\n\x20\x00\x00\x00"
    assert gopher_after_header(srv, local).startswith(b"Just text.")


HOSTILE_HEADERS = [
    b"",                                                   # none at all
    b"PROXY GARBAGE\r\n",
    b"PROXY TCP4 203.0.113.7 127.0.0.1 99999 1965\r\n",    # bad port
    b"PROXY TCP4 203.0.113.7 127.0.0.1 5555 1965\n",       # no CR
    b"PROXY TCP6 203.0.113.7 127.0.0.1 5555 1965\r\n",     # wrong family
    b"PROXY TCP4 " + b"1" * 200 + b"\r\n",                 # too long
    b"\r\n\r\n\x00\r\nQUIT\n\x31\x11\x00\x0c" + b"\0" * 12,  # v2 version 3
    b"\r\n\r\n\x00\r\nQUIT\n\x21\x11\xff\xff" + b"\0" * 600,  # v2 too long
    b"\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x04" + b"\0" * 4,  # v2 short body
    b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
]


@pytest.mark.parametrize("header", HOSTILE_HEADERS)
def test_proxy_bad_header_refused(proxied, header):
    srv = proxied
    with socket.create_connection(("127.0.0.1", srv.gopher_port),
                                  timeout=5) as s:
        s.sendall(header + b"/plain.txt\r\n")
        assert closed_without_data(s)
    # Gemini: the TLS handshake never starts.
    raw = socket.create_connection(("127.0.0.1", srv.gemini_port), timeout=5)
    raw.sendall(header)
    with pytest.raises((ssl.SSLError, OSError)):
        with srv.tls_context().wrap_socket(raw, server_hostname="localhost"):
            pass
    raw.close()
    assert srv.alive()


def test_proxy_header_split_and_slow(proxied):
    """A header arriving in pieces is still read; one that never ends is
    dropped at timeout."""
    srv = proxied
    with socket.create_connection(("127.0.0.1", srv.gopher_port),
                                  timeout=8) as s:
        sent, peer = 0, s.getsockname()[1]
        for piece in (b"PROXY TCP4 ", b"203.0.113.50 127.0.0.1 ",
                      b"1 70\r\n/plain.txt\r\n"):
            s.sendall(piece)
            sent += len(piece)
            # Each piece reaches the server alone: the worker only peeks
            # at a header not complete yet, so the bytes wait there.
            wait_for(lambda: received_unread(srv.gopher_port, peer) in
                     (sent, 0, None), what="the piece at the server")
        assert s.recv(100).startswith(b"Just text.")
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", srv.gopher_port),
                                  timeout=10) as s:
        s.sendall(b"PROXY TCP4 ")
        assert closed_without_data(s, timeout=10)
    assert time.monotonic() - start < 3 + 3


def test_haproxy_two_instances(make_server, tmp_path):
    haproxy = shutil.which("haproxy") or (
        "/usr/sbin/haproxy" if os.path.exists("/usr/sbin/haproxy") else None)
    if haproxy is None:
        pytest.skip("haproxy is not installed (contrib/deps.sh test)")
    conf = {"gemini": {"proxy_protocol": "yes"},
            "gopher": {"proxy_protocol": "yes"}}
    a = make_server(conf=conf)
    b = make_server(conf=conf)
    from conftest import free_port
    gem, gop = free_port(), free_port()
    with open(os.path.join(REPO, "contrib", "haproxy-test.cfg.in")) as f:
        text = f.read()
    for k, v in (("GEMINI_PORT", gem), ("GOPHER_PORT", gop),
                 ("A_GEMINI", a.gemini_port), ("A_GOPHER", a.gopher_port),
                 ("B_GEMINI", b.gemini_port), ("B_GOPHER", b.gopher_port)):
        text = text.replace("@%s@" % k, str(v))
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(text)
    # The harness's own port probes (one or more per port) carry no
    # header: count from when their refusals are all logged.
    refused = [wait_for(lambda: (lambda n: n if n == srv.probes else None)(
        log_count(srv, "PROXY header refused")),
        what="the %d probes' refusals" % srv.probes) for srv in (a, b)]
    log = open(str(tmp_path / "haproxy.log"), "wb")
    hp = subprocess.Popen([haproxy, "-db", "-f", str(cfg)], stdout=log,
                          stderr=log)

    def through(port=gop):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"/plain.txt\r\n")
            return read_all(s)

    def ready():
        # A full request, not a bare connect: a connection closed at
        # once would reach broadside without its PROXY header.
        try:
            return through().startswith(b"Just text.")
        except OSError:
            return False

    try:
        wait_for(ready, what="haproxy forwarding")
        for i in range(10):
            data = through()
            assert data.startswith(b"Just text."), data[:100]
        ctx = a.tls_context()
        for i in range(10):
            with socket.create_connection(("127.0.0.1", gem),
                                          timeout=5) as raw:
                with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                    s.sendall(b"gemini://localhost/hello.gmi\r\n")
                    data = b""
                    while True:
                        try:
                            chunk = s.recv(65536)
                        except ssl.SSLZeroReturnError:
                            break
                        if not chunk:
                            break
                        data += chunk
            assert data.startswith(b"20 "), data[:100]
    finally:
        hp.terminate()
        try:
            hp.wait(timeout=10)
        except subprocess.TimeoutExpired:
            hp.kill()
            hp.wait()
        log.close()
    for srv, before in zip((a, b), refused):
        wait_for(lambda: len([l for l in srv.access_lines()
                              if "plain.txt" in l or "hello.gmi" in l]) >= 8,
                 what="both protocols balanced")
        lines = [l for l in srv.access_lines()
                 if "plain.txt" in l or "hello.gmi" in l]
        assert all("127.0.0.1" in l for l in lines), lines
        assert any("gemini" in l for l in lines)
        assert any("gopher" in l for l in lines)
        assert log_count(srv, "PROXY header refused") == before


# -- 5. logging ------------------------------------------------------------------

COMMON_RX = (r'^127\.0\.0\.1 - - \[\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:'
             r'\d{2} [+-]\d{4}\] "/plain\.txt" 0 \d+')


def test_log_format_common(make_server):
    srv = make_server(conf={"server": {"log_format": "common"}})
    srv.gopher("/plain.txt")
    (line,) = access_wait(srv, r"plain\.txt")
    assert re.match(COMMON_RX + "$", line), line


def test_log_format_combined(make_server):
    srv = make_server(conf={"server": {"log_format": "combined"}})
    srv.gopher("/plain.txt")
    srv.gemini("/hello.gmi")
    (line,) = access_wait(srv, r"plain\.txt")
    assert re.match(COMMON_RX + r' "-" "gopher"$', line), line
    (line,) = access_wait(srv, r"hello\.gmi")
    assert re.search(r'" 20 \d+ "-" "gemini"$', line), line


def test_log_ip_anonymized_and_off(make_server):
    srv = make_server(conf={"server": {"log_ip": "anonymized"}})
    srv.gopher("/plain.txt")
    (line,) = access_wait(srv, r"plain\.txt")
    assert "127.0.0.0" in line and "127.0.0.1" not in line, line
    srv2 = make_server(conf={"server": {"log_ip": "off",
                                        "log_format": "common"}})
    srv2.gopher("/plain.txt")
    (line,) = access_wait(srv2, r"plain\.txt")
    assert line.startswith("- - - ["), line
    assert "127.0.0" not in line


def test_syslog_target_accepted(make_server):
    srv = make_server(conf={"server": {"access_log": "syslog"}})
    assert srv.gopher("/plain.txt").startswith(b"Just text.")
    assert srv.alive()


def test_proxy_bad_headers_do_not_leak_per_ip_slots(make_server):
    """A refused header must give back the connection's per-address slot:
    otherwise a few bad headers lock the load balancer out for good."""
    srv = make_server(conf={"server": {"max_clients_per_ip": "2"},
                            "gopher": {"proxy_protocol": "yes"}})
    ports = []
    for header in HOSTILE_HEADERS[1:6] * 2:
        with socket.create_connection(("127.0.0.1", srv.gopher_port),
                                      timeout=5) as s:
            ports.append(s.getsockname()[1])
            s.sendall(header + b"/plain.txt\r\n")
            assert closed_without_data(s)
    wait_for(lambda: srv.accepted(ports) == 0,
             what="the worker to let go of the refused connections")
    for _ in range(3):
        out = gopher_after_header(
            srv, b"PROXY TCP4 203.0.113.8 127.0.0.1 1234 70\r\n")
        assert out.startswith(b"Just text."), out[:100]


def open_in(pid, paths):
    """Have process `pid` itself call open(path, O_RDONLY) for each path
    (conftest.calls_in): [(fd, errno)], None without a way in."""
    return calls_in(pid, [("open", p, 0, 0) for p in paths])


def test_unprivileged_is_confined_and_says_so_once(
        make_unprivileged_server):
    """Started as an ordinary user (as the systemd unit starts it): no drop
    and no chroot, which need root, but no_new_privs, the seccomp filter
    and Landlock all the same: the worker itself cannot open a file
    outside the root, and can inside it.  One log line says which
    confinement is in force (not one per reload)."""
    srv = make_unprivileged_server(conf={"gemini": {"listen": ""}},
                                   start=False)
    outside = os.path.join(srv.base, "outside.txt")
    with open(outside, "w") as f:
        f.write("outside the root\n")
    srv.start()
    # A worker answers only once confined.
    assert srv.gopher("/plain.txt").startswith(b"Just text.")
    (w,) = workers(srv)
    st = proc_status(w)
    assert st["Seccomp"] == "2", st
    assert st["NoNewPrivs"] == "1", st
    assert os.readlink("/proc/%d/root" % w) == "/"
    got = open_in(w, [outside, os.path.join(srv.content, "plain.txt")])
    assert got is not None or os.uname().machine != "x86_64", \
        "could not call into the worker"
    if got is not None:
        (out_fd, out_errno), (in_fd, _) = got
        assert in_fd >= 0, got
        assert out_fd == -1 and out_errno == errno.EACCES, got
    srv.signal(signal.SIGHUP)
    wait_for(lambda: srv.output().count("serving") >= 2, what="reload")
    assert srv.gopher("/plain.txt").startswith(b"Just text.")
    out = srv.output()
    lines = [l for l in out.splitlines() if "confinement:" in l]
    assert len(lines) == 1, out
    assert "not started as root" in lines[0], lines
    assert "Landlock ABI" in lines[0] and "system call filter" in lines[0] \
        and "NO " not in lines[0], lines


def test_slow_sender_dropped_at_timeout(make_server):
    """The request deadline is absolute: a client trickling one byte every
    half second is dropped at `timeout`, as is one that sends nothing."""
    srv = make_server(conf={"server": {"timeout": "2"}})
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", srv.gopher_port),
                                  timeout=8) as s:
        assert closed_without_data(s, timeout=8)
    assert 1.5 < time.monotonic() - start < 4.5
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", srv.gopher_port),
                                  timeout=8) as s:
        closed = False
        for ch in b"/plain.txt/and/more/and/more":
            try:
                s.sendall(bytes([ch]))
            except OSError:
                closed = True
                break
            # The trickle: the next byte after half a second, unless the
            # server closes first (the socket turns readable).
            if select.select([s], [], [], 0.5)[0]:
                break
            if time.monotonic() - start > 6:
                break
        if not closed:
            try:
                closed = s.recv(100) == b""
            except OSError:
                closed = True
    assert closed and time.monotonic() - start < 5.5
    assert srv.gopher("/plain.txt").startswith(b"Just text.")


def test_filter_allows_all_serving_paths(make_server):
    """Every kind of response under the seccomp filter, then no worker may
    have been killed by it (the parent says so in the log)."""
    srv = make_server(files={"big.bin": b"x" * (3 * 1024 * 1024)})
    for path in ("/", "/hello.gmi", "/plain.txt", "/listed/", "/image.png",
                 "/noext", "/statements/", "/statements/atom.xml",
                 "/search", "/search?migrants", "/big.bin", "/nope"):
        head, _ = srv.gemini(path)
        assert head[:1] in "123456", head
    for sel in ("", "/", "/plain.txt", "/listed/", "/statements/",
                "/search\tmigrants", "/big.bin", "/image.png", "/nope"):
        assert srv.gopher(sel)
    old = workers(srv)
    srv.signal(signal.SIGHUP)
    new = new_generation(srv, old)
    assert srv.gemini("/hello.gmi")[0].startswith("20 ")
    with open(os.path.join(srv.content, "statements",
                           "2026-01-01-new.gmi"), "w") as f:
        f.write("# New\n\nPublished live.\n")
    wait_for(lambda: b"New" in srv.gemini("/statements/")[1],
             what="live publishing")
    # A worker the filter killed is a zombie or gone at once, before the
    # parent logs it: the new ones must all still be there.
    assert new <= set(srv.worker_pids()), srv.output()
    out = srv.output()
    assert "seccomp" not in out and "killed by signal" not in out, out
