# SPDX-License-Identifier: ISC
"""Gemini end to end: the real binary on loopback, spoken to as clients do."""
import hashlib
import os
import random
import socket
import ssl
import subprocess
import threading
import time

import pytest

from conftest import BIN, DEFAULT_FILES, ipv6_available, read_all, wait_for


def worker_pids(srv):
    path = "/proc/%d/task/%d/children" % (srv.proc.pid, srv.proc.pid)
    with open(path) as f:
        return [int(p) for p in f.read().split()]


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


# -- statuses -----------------------------------------------------------------

def test_home_page_is_gemtext_with_lang(server):
    head, body = server.gemini("/")
    assert head.startswith("20 text/gemini")
    assert "charset=utf-8" in head and "lang=en" in head
    assert body.startswith(b"#")


def test_empty_path_is_served_without_redirect(server):
    head_empty, body_empty = server.gemini("gemini://localhost:%d" % server.gemini_port)
    head_slash, body_slash = server.gemini("/")
    assert head_empty == head_slash
    assert head_empty.startswith("20 ")
    assert body_empty == body_slash


def test_file_served_as_written(server):
    head, body = server.gemini("/hello.gmi")
    assert head == "20 text/gemini; charset=utf-8; lang=en"
    with open(os.path.join(server.content, "hello.gmi"), "rb") as f:
        assert body == f.read()


def test_mime_from_extension_and_libmagic(server):
    assert server.gemini("/plain.txt")[0] == "20 text/plain; charset=utf-8"
    assert server.gemini("/image.png")[0] == "20 image/png"
    head, body = server.gemini("/noext")
    assert head.startswith("20 ") and not head.startswith("20 text/")
    assert body == open(os.path.join(server.content, "noext"), "rb").read()


def test_directory_without_slash_redirects(server):
    assert server.gemini("/listed")[0] == "31 /listed/"


def test_directory_with_index(server):
    head, body = server.gemini("/withindex/")
    assert head.startswith("20 text/gemini")
    assert body == b"# Index page\n"


def test_autoindex_lists_files_hides_dotfiles(server):
    head, body = server.gemini("/listed/")
    assert head.startswith("20 text/gemini")
    text = body.decode()
    assert "=> a.gmi" in text and "=> b.txt" in text and "=> sub/" in text
    assert ".secret" not in text


def test_autoindex_off_gives_51(make_server):
    srv = make_server(conf={"server": {"autoindex": "no"}})
    assert srv.gemini("/listed/")[0].startswith("51 ")


def test_missing_file_51(server):
    assert server.gemini("/nope.gmi")[0] == "51 Not found"


def test_dotfiles_never_served(server):
    assert server.gemini("/.hidden.gmi")[0].startswith("51")
    assert server.gemini("/listed/.secret")[0].startswith("51")
    assert server.gemini("/listed/%2esecret")[0].startswith("51")


@pytest.mark.parametrize("url,code", [
    ("http://localhost/", "53"),
    ("https://localhost/", "53"),
    ("gopher://localhost/", "53"),
    ("gemini://example.org/", "53"),
    ("gemini://localhost:1/", "53"),
])
def test_other_schemes_hosts_ports_refused_53(server, url, code):
    assert server.gemini(url)[0].startswith(code + " ")


def test_host_is_case_insensitive_and_ip_literal_served(server):
    assert server.gemini("GEMINI://LocalHost:%d/hello.gmi" % server.gemini_port)[0].startswith("20 ")
    assert server.gemini("gemini://127.0.0.1:%d/hello.gmi" % server.gemini_port)[0].startswith("20 ")


@pytest.mark.parametrize("bind", ["127.0.0.1", "0.0.0.0"])
def test_ip_literal_is_the_address_dialled(make_server, bind):
    # A request may name the server by the address the client dialled:
    # the listener's own when it is bound to one, the connection's when
    # it is a wildcard (every loopback address then reaches it).
    srv = make_server(start=False)
    srv.conf["gemini"]["listen"] = "%s:%d" % (bind, srv.gemini_port)
    srv.write_conf()
    srv.start()
    port = srv.gemini_port
    ok = srv.gemini("gemini://127.0.0.1:%d/hello.gmi" % port)
    assert ok[0].startswith("20 "), ok[0]
    other = srv.gemini("gemini://127.0.0.2:%d/hello.gmi" % port)
    assert other[0].startswith("53 "), other[0]
    if bind == "0.0.0.0":
        dialled = srv.gemini("gemini://127.0.0.2:%d/hello.gmi" % port,
                             host="127.0.0.2")
        assert dialled[0].startswith("20 "), dialled[0]
        wrong = srv.gemini("gemini://127.0.0.1:%d/hello.gmi" % port,
                           host="127.0.0.2")
        assert wrong[0].startswith("53 "), wrong[0]


@pytest.mark.parametrize("raw", [
    b"\r\n",                                   # empty
    b"/hello.gmi\r\n",                         # relative reference
    b"//localhost/hello.gmi\r\n",              # network-path reference
    b"gemini://localhost/he\x00llo.gmi\r\n",   # NUL
    b"gemini://localhost/\xff\xfe\r\n",        # not UTF-8
    b"\xef\xbb\xbfgemini://localhost/\r\n",    # byte-order mark
    b"gemini://user@localhost/\r\n",           # userinfo
    b"gemini://localhost/#frag\r\n",           # fragment
    b"gemini://localhost/a b\r\n",             # space
    b"gemini://localhost/%zz\r\n",             # bad escape
    b"gemini://localhost/\n",                  # bare LF
])
def test_malformed_requests_59(server, raw):
    head, body = server.gemini_raw(raw)
    assert head.startswith("59 "), (raw, head)
    assert body == b""


def test_1024_byte_request_accepted_1025_refused(server):
    base = "gemini://localhost:%d/" % server.gemini_port
    ok = base + "a" * (1024 - len(base))
    assert len(ok) == 1024
    assert server.gemini(ok)[0].startswith("51 ")
    head, _ = server.gemini(ok + "a")
    assert head.startswith("59 ")


def test_1025_byte_request_refused_whatever_its_line_end(server):
    """The limit is Gemini's own 1024 bytes (GEMINI_URI_MAX), line end not
    counted; a bare LF is refused too, before the length."""
    base = "gemini://localhost:%d/" % server.gemini_port
    ok = (base + "a" * (1024 - len(base))).encode()
    assert server.gemini_raw(ok + b"\r\n")[0].startswith("51 ")
    assert server.gemini_raw(ok + b"a\r\n") == ("59 Request too long", b"")
    assert server.gemini_raw(ok + b"\n") == (
        "59 Request must end with CRLF", b"")
    assert server.gemini_raw(ok + b"a" * 3) == ("59 Request too long", b"")


def test_overlong_request_answered_at_once(server):
    """No CRLF within the limit: answer and close without waiting."""
    ctx = server.tls_context()
    with socket.create_connection(("127.0.0.1", server.gemini_port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            t0 = time.monotonic()
            s.sendall(b"gemini://localhost/" + b"x" * 1100)   # no CRLF, keep open
            data = b""
            while True:
                try:
                    b = s.recv(4096)
                except (ssl.SSLError, ConnectionResetError):
                    break
                if not b:
                    break
                data += b
            assert data.startswith(b"59 ")
            assert time.monotonic() - t0 < 2.0


def test_meta_never_over_1024(server):
    head, _ = server.gemini("/" + "d" * 1000)
    assert len(head.encode()) - 3 <= 1024


# -- traversal ------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/../../../../etc/passwd",
    "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/%2E%2E/%2E%2E/etc/passwd",
    "/listed/..%2f..%2f..%2f..%2fetc/passwd",
    "/..%2f..%2f..%2fetc%2fpasswd",
    "/%2fetc%2fpasswd",
    "//etc/passwd",
    "/..\\..\\..\\etc\\passwd",
    "/escape-link",
    "/escape-dir/passwd",
    "/inside-dir-link/../../etc/passwd",
])
def test_traversal_never_leaves_root(make_server, path):
    srv = getattr(test_traversal_never_leaves_root, "srv", None)
    if srv is None or not srv.alive():
        srv = make_server()
        os.symlink("/etc/passwd", os.path.join(srv.content, "escape-link"))
        os.symlink("/etc", os.path.join(srv.content, "escape-dir"))
        test_traversal_never_leaves_root.srv = srv
    raw = ("gemini://localhost:%d%s\r\n" % (srv.gemini_port, path)).encode()
    head, body = srv.gemini_raw(raw)
    assert b"root:" not in body
    assert head[:2] in ("51", "59", "31"), head
    assert srv.alive()


def test_symlink_inside_root_is_followed(make_server):
    srv = make_server(start=False)
    os.symlink("hello.gmi", os.path.join(srv.content, "alias.gmi"))
    srv.start()
    head, body = srv.gemini("/alias.gmi")
    assert head.startswith("20 ") and body.startswith(b"# Hello")


# -- TLS ------------------------------------------------------------------------

def test_close_notify_is_sent(server):
    ctx = server.tls_context()
    with socket.create_connection(("127.0.0.1", server.gemini_port), timeout=5) as raw:
        # Without suppress_ragged_eofs a TCP close with no close_notify
        # raises SSLEOFError; a proper close_notify reads as b"".
        with ctx.wrap_socket(raw, server_hostname="localhost",
                             suppress_ragged_eofs=False) as s:
            s.sendall(server.url("/hello.gmi").encode() + b"\r\n")
            data = read_all(s)
    assert data.startswith(b"20 ")


def test_no_sni_still_served(server):
    head, _ = server.gemini("/hello.gmi", sni=None)
    assert head.startswith("20 ")


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3])
def test_tls12_and_13_work(server, version):
    ctx = server.tls_context()
    ctx.minimum_version = ctx.maximum_version = version
    head, _ = server.gemini("/hello.gmi", ctx=ctx)
    assert head.startswith("20 ")


def test_tls11_refused(server):
    ctx = server.tls_context()
    try:
        ctx.minimum_version = ssl.TLSVersion.TLSv1_1
        ctx.maximum_version = ssl.TLSVersion.TLSv1_1
        ctx.set_ciphers("ALL:@SECLEVEL=0")
    except (ValueError, ssl.SSLError):
        pytest.skip("this OpenSSL cannot even offer TLS 1.1")
    with pytest.raises((ssl.SSLError, ConnectionResetError, OSError)):
        server.gemini("/hello.gmi", ctx=ctx)


def test_alpn_offer_does_not_break_handshake(server):
    ctx = server.tls_context()
    ctx.set_alpn_protocols(["gemini", "http/1.1"])
    assert server.gemini("/hello.gmi", ctx=ctx)[0].startswith("20 ")


def test_certificate_generated_once_with_private_key_mode(make_server):
    srv = make_server()
    key = srv.conf["gemini"]["key"]
    crt = srv.conf["gemini"]["cert"]
    assert os.stat(key).st_mode & 0o777 == 0o600
    first = open(crt, "rb").read()
    out = subprocess.run(["openssl", "x509", "-in", crt, "-noout", "-text",
                          "-fingerprint", "-sha256"], capture_output=True, text=True).stdout
    assert "DNS:localhost" in out and "prime256v1" in out
    fp = out.split("Fingerprint=")[1].strip()
    assert fp in srv.log_text(), "fingerprint not logged"
    srv.stop()
    srv.start()
    assert open(crt, "rb").read() == first, "certificate was replaced"
    assert srv.log_text().count(fp) >= 2, "fingerprint not logged at every start"


def test_certificate_valid_twenty_years(make_server):
    srv = make_server()
    out = subprocess.run(["openssl", "x509", "-in", srv.conf["gemini"]["cert"],
                          "-noout", "-checkend", str(20 * 365 * 86400)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout


def test_missing_key_with_existing_cert_is_an_error(make_server):
    srv = make_server()
    srv.stop()
    os.unlink(srv.conf["gemini"]["key"])
    with pytest.raises(RuntimeError):
        srv.start()
    assert os.path.exists(srv.conf["gemini"]["cert"])
    assert not os.path.exists(srv.conf["gemini"]["key"])


def make_expired_cert(tmp, key, crt):
    """A self-signed certificate valid in 2000 only, via `openssl ca`."""
    (tmp / "index.txt").write_text("")
    (tmp / "serial").write_text("01\n")
    cnf = tmp / "ca.cnf"
    cnf.write_text("[ca]\ndefault_ca = d\n[d]\ndatabase = %s/index.txt\n"
                   "new_certs_dir = %s\nserial = %s/serial\ndefault_md = sha256\n"
                   "policy = p\n[p]\ncommonName = supplied\n" % (tmp, tmp, tmp))
    csr = tmp / "req.csr"
    subprocess.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
                    "-out", str(csr), "-subj", "/CN=localhost"],
                   check=True, capture_output=True)
    subprocess.run(["openssl", "ca", "-batch", "-selfsign", "-config", str(cnf),
                    "-keyfile", key, "-in", str(csr), "-out", crt,
                    "-startdate", "20000101000000Z", "-enddate", "20010101000000Z"],
                   check=True, capture_output=True)


def test_expired_certificate_is_an_error(make_server, tmp_path):
    srv = make_server(start=False)
    key, crt = srv.conf["gemini"]["key"], srv.conf["gemini"]["cert"]
    make_expired_cert(tmp_path, key, crt)
    before = open(crt, "rb").read()
    with pytest.raises(RuntimeError) as exc:
        srv.start()
    assert "expired" in str(exc.value)
    assert open(crt, "rb").read() == before, "an expired certificate was replaced"


# -- connections ------------------------------------------------------------------

def test_silent_client_dropped_at_timeout_others_served(server):
    silent = socket.create_connection(("127.0.0.1", server.gemini_port), timeout=10)
    try:
        t0 = time.monotonic()
        assert server.gemini("/hello.gmi")[0].startswith("20 ")
        assert time.monotonic() - t0 < 1.5
        silent.settimeout(10)
        data = silent.recv(100)       # returns b"" when the server drops us
        elapsed = time.monotonic() - t0
        assert data == b""
        assert 2.0 <= elapsed <= 6.0, elapsed   # timeout = 3 in the harness
    finally:
        silent.close()


def test_200_concurrent_clients_all_answered(server):
    results = []
    lock = threading.Lock()

    def one():
        try:
            head, body = server.gemini("/hello.gmi", timeout=30)
            ok = head.startswith("20 ") and body.startswith(b"# Hello")
        except Exception as e:  # noqa: BLE001 - count every failure
            ok = repr(e)
        with lock:
            results.append(ok)

    threads = [threading.Thread(target=one) for _ in range(200)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 200
    assert all(r is True for r in results), [r for r in results if r is not True][:5]


def test_50mib_file_streamed_intact_rss_flat(make_server):
    srv = make_server(start=False)
    big = os.path.join(srv.content, "big.bin")
    h = hashlib.sha256()
    with open(big, "wb") as f:
        # The same bytes every run: libmagic takes some random ones for a
        # format of its own ("application/x-ttcomp", 1 run in ~80).
        block = random.Random(1966).randbytes(1 << 20)
        for i in range(50):
            chunk = bytes([i]) + block[1:]
            f.write(chunk)
            h.update(chunk)
    srv.start()
    srv.gemini("/hello.gmi")
    before = max(rss_kib(p) for p in worker_pids(srv))
    ctx = srv.tls_context()
    got = hashlib.sha256()
    n = 0
    peak = before
    with socket.create_connection(("127.0.0.1", srv.gemini_port), timeout=30) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            s.sendall(srv.url("/big.bin").encode() + b"\r\n")
            head = b""
            while b"\r\n" not in head:
                head += s.recv(1)
            assert head == b"20 application/octet-stream\r\n"
            while True:
                b = s.recv(1 << 16)
                if not b:
                    break
                got.update(b)
                n += len(b)
                if n % (8 << 20) < len(b):
                    peak = max(peak, max(rss_kib(p) for p in worker_pids(srv)))
    assert n == 50 << 20
    assert got.hexdigest() == h.hexdigest()
    assert peak - before < 16 * 1024, (before, peak)   # streamed, not loaded


def test_ipv6_loopback(server):
    if not ipv6_available():
        pytest.skip("no IPv6 loopback on this machine")
    ctx = server.tls_context()
    with socket.create_connection(("::1", server.gemini_port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            s.sendall(("gemini://[::1]:%d/hello.gmi\r\n" % server.gemini_port).encode())
            data = read_all(s)
    assert data.startswith(b"20 text/gemini")


def test_access_log_line(server):
    server.gemini("/hello.gmi")
    lines = wait_for(lambda: [l for l in server.access_lines()
                              if '"%s"' % server.url("/hello.gmi") in l],
                     timeout=5, what=lambda: "the access log line; last "
                     "lines: %r" % server.access_lines()[-5:])
    fields = lines[-1].split()
    assert fields[1] == "127.0.0.1" and fields[2] == "gemini"
    assert fields[-3] == "20"
    assert fields[-2] == str(len(open(os.path.join(server.content, "hello.gmi"), "rb").read()))


def test_access_log_counts_body_bytes_not_the_header(make_server):
    """The byte count is the body's, the header the protocol wrote left
    out: for a file read from disk, the same file from the cache, an error
    reply and a refusal; Gopher has no header, every byte counts."""
    srv = make_server()
    size = len(DEFAULT_FILES["hello.gmi"].encode())
    url = srv.url("/hello.gmi")
    for _ in range(2):                      # the second comes from the cache
        assert srv.gemini(url)[0].startswith("20 ")
    assert srv.gemini("/missing")[0].startswith("51 ")
    assert srv.gemini_raw(b"x" * 1100)[0] == "59 Request too long"
    plain = srv.gopher("/plain.txt")
    want = 5
    wait_for(lambda: len(srv.access_lines()) >= want, timeout=5,
             what="%d access log lines" % want)
    lines = srv.access_lines()
    assert len(lines) == want, lines
    counts = [(ln.split()[2], ln.split()[-3], ln.split()[-2]) for ln in lines]
    assert counts == [("gemini", "20", str(size)), ("gemini", "20", str(size)),
                      ("gemini", "51", "0"), ("gemini", "59", "0"),
                      ("gopher", "0", str(len(plain)))], lines


# -- configuration ----------------------------------------------------------------

def test_check_mode_lists_every_error(tmp_path):
    conf = tmp_path / "bad.ini"
    conf.write_text("[server]\nroot = /nonexistent/dir\ntimeout = -5\n"
                    "bogus = 1\n[nosuch]\nx = y\n[gemini]\nlisten = nothere:99999\n")
    r = subprocess.run([BIN, "-n", "-c", str(conf)], capture_output=True, text=True)
    assert r.returncode == 1
    err = r.stderr
    for line in (2, 3, 4, 5, 8):
        assert "%s:%d:" % (conf, line) in err, err


def test_check_mode_ok(tmp_path):
    (tmp_path / "content").mkdir()
    conf = tmp_path / "ok.ini"
    conf.write_text("[server]\nroot = content\n")
    r = subprocess.run([BIN, "-n", "-c", str(conf)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_version_and_usage():
    r = subprocess.run([BIN, "-V"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("broadside ")
    r = subprocess.run([BIN, "-h"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("usage:")
    r = subprocess.run([BIN, "-x"], capture_output=True, text=True)
    assert r.returncode == 1 and "usage:" in r.stderr


# -- session resumption -------------------------------------------------------------

def resume_chain(srv, n, ctx=None):
    """n connections, each offering the ticket the previous one received."""
    if ctx is None:
        ctx = srv.tls_context()
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    sess, out = None, []
    for _ in range(n):
        with socket.create_connection(("127.0.0.1", srv.gemini_port), timeout=5) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost", session=sess) as s:
                s.sendall(srv.url("/hello.gmi").encode() + b"\r\n")
                while s.recv(65536):
                    pass
                out.append((s.session_reused, s.session.id))
                sess = s.session
    return out, sess


def test_every_resumption_issues_a_fresh_ticket(server):
    out, _ = resume_chain(server, 6)
    assert out[0][0] is False
    assert all(reused for reused, _ in out[1:]), out
    ids = [i for _, i in out]
    assert len(set(ids)) == len(ids), "a resumed session got no new ticket"


def test_tickets_work_across_workers_and_reload(make_server):
    import signal as sig
    srv = make_server(conf={"server": {"workers": "2"}})
    ctx = srv.tls_context()
    out, sess = resume_chain(srv, 8, ctx)     # lands on both workers
    assert all(reused for reused, _ in out[1:]), out
    old = set(srv.worker_pids())
    srv.signal(sig.SIGHUP)
    # Once the old workers are gone, the new ones serve every connection.
    wait_for(lambda: (lambda now: len(now) == 2 and not now & old)(
        set(srv.worker_pids())), what="the new workers to replace the old")
    with socket.create_connection(("127.0.0.1", srv.gemini_port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost", session=sess) as s:
            s.sendall(srv.url("/hello.gmi").encode() + b"\r\n")
            while s.recv(65536):
                pass
            assert s.session_reused, "tickets did not survive a reload"


def s_client(srv, *args, stdin=b""):
    cmd = ["openssl", "s_client", "-connect", "127.0.0.1:%d" % srv.gemini_port,
           "-servername", "localhost", "-tls1_3", "-ign_eof", *args]
    return subprocess.run(cmd, input=stdin, capture_output=True, timeout=20)


def test_resumption_keeps_ecdhe_when_the_client_offers_psk_ke(server, tmp_path):
    # Forward secrecy on every handshake: a client that would take a
    # psk_ke-only resumption (no key exchange) still gets (EC)DHE.
    sess = str(tmp_path / "sess.pem")
    req = server.url("/hello.gmi").encode() + b"\r\n"
    first = s_client(server, "-sess_out", sess, stdin=req)
    assert b"20 text/gemini" in first.stdout, first.stderr
    again = s_client(server, "-sess_in", sess, "-allow_no_dhe_kex", stdin=req)
    out = again.stdout.decode(errors="replace")
    assert "Reused, TLSv1.3" in out, out
    assert "Server Temp Key: X25519" in out, out


def test_tls13_reply_ticket_and_close_notify_are_not_held(server):
    # After the TLS 1.3 handshake the server's records wait in the kernel
    # for the close_notify (MSG_MORE): they must still all arrive at once.
    ctx = server.tls_context()
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    worst = 0.0
    for _ in range(5):
        with socket.create_connection(("127.0.0.1", server.gemini_port),
                                      timeout=5) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                t0 = time.monotonic()
                s.sendall(server.url("/hello.gmi").encode() + b"\r\n")
                data = b""
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                worst = max(worst, time.monotonic() - t0)
                assert data.startswith(b"20 ")
                assert s.session is not None and s.session.has_ticket
    # The kernel holds a corked segment up to 200 ms: far below that.
    assert worst < 0.15, worst


@pytest.mark.parametrize("make_dir", [False, True])
def test_empty_or_missing_archive_still_serves(make_server, make_dir):
    srv = make_server(start=False, repo_content=False)
    if make_dir:
        os.makedirs(os.path.join(srv.content, "statements"), exist_ok=True)
    srv.start()
    pids = wait_for(srv.worker_pids, what="the worker")
    for _ in range(3):
        assert srv.gemini("/hello.gmi")[0].startswith("20 ")
        assert srv.gemini("/")[0].startswith("20 ")
        assert srv.gopher("/plain.txt").endswith(b".\r\n")
    # No crash: the worker that started serves still (a dead one is a
    # zombie or gone, and its replacement has another PID), with no wait
    # for the parent to log the restart.
    assert srv.worker_pids() == pids, srv.log_text()
    assert "restarting" not in srv.log_text(), srv.log_text()
