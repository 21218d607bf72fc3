# SPDX-License-Identifier: ISC
"""The TLS private key lives in the key process only (src/keyproc.c): the
workers, which talk to the network, hold the certificate and a signing
method that asks the key process.  These tests read the workers' memory
for the key, check that full handshakes (TLS 1.2 and 1.3) are signed by
the key process and resumed ones need it not, that a killed key process
is replaced, and that a key it cannot use is refused at start."""
import os
import re
import signal
import socket
import ssl
import subprocess
import time

import pytest

from conftest import read_all, received_unread, wait_for

ROOT = os.geteuid() == 0
VERSIONS = [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3]
REGION_MAX = 1 << 30        # ASan's shadow: huge, never the heap
CHUNK = 16 << 20


def private_scalar(keyfile):
    """The 32 bytes after "priv:" in openssl's text dump of an EC key."""
    out = subprocess.run(["openssl", "pkey", "-in", keyfile, "-text",
                          "-noout"], check=True, capture_output=True,
                         text=True).stdout
    m = re.search(r"priv:\s*\n((?:\s+[0-9a-f:]+\n)+)", out)
    assert m, out
    raw = bytes.fromhex(re.sub(r"[\s:]", "", m.group(1)))
    # openssl may print a leading 00 byte; the scalar is 32 bytes.
    raw = raw[-32:] if len(raw) > 32 else raw.rjust(32, b"\0")
    return raw


def needles(keyfile):
    """What must not be in a worker: the scalar and the PEM text (the
    whole file, and each of its base64 lines, all unique to this key)."""
    with open(keyfile, "rb") as f:
        pem = f.read()
    lines = [ln for ln in pem.splitlines()
             if ln and not ln.startswith(b"-----") and len(ln) >= 40]
    return {"private scalar": private_scalar(keyfile), "PEM file": pem,
            **{"PEM line %d" % i: ln for i, ln in enumerate(lines)}}


def memory_holds(pid, wanted):
    """The names of the `wanted` byte strings found in pid's readable
    memory (/proc/PID/maps, then /proc/PID/mem)."""
    found = set()
    longest = max(len(v) for v in wanted.values())
    with open("/proc/%d/maps" % pid) as f:
        regions = f.read().splitlines()
    with open("/proc/%d/mem" % pid, "rb", buffering=0) as mem:
        for line in regions:
            fl = line.split()
            start, end = (int(x, 16) for x in fl[0].split("-"))
            name = fl[5] if len(fl) > 5 else ""
            if "r" not in fl[1] or name in ("[vvar]", "[vsyscall]") or \
                    end - start > REGION_MAX:
                continue
            tail = b""
            pos = start
            while pos < end:
                n = min(CHUNK, end - pos)
                try:
                    mem.seek(pos)
                    block = mem.read(n)
                except (OSError, ValueError, OverflowError):
                    break
                if not block:
                    break
                data = tail + block
                for what, needle in wanted.items():
                    if needle in data:
                        found.add(what)
                tail = data[-(longest - 1):]
                pos += len(block)
    return found


def ctx_for(srv, version):
    ctx = srv.tls_context()
    ctx.minimum_version = version
    ctx.maximum_version = version
    return ctx


def handshake(srv, ctx, session=None, timeout=10):
    """One request; (status line, the session, whether it was resumed)."""
    with socket.create_connection(("127.0.0.1", srv.gemini_port),
                                  timeout=timeout) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost",
                             session=session) as s:
            s.sendall(srv.url("/hello.gmi").encode() + b"\r\n")
            data = read_all(s)
            return data.split(b"\r\n", 1)[0], s.session, s.session_reused


def key_pid(srv):
    pids = wait_for(srv.key_pids, what="the key process")
    assert len(pids) == 1, pids
    return pids[0]


@pytest.mark.skipif(not ROOT, reason="reading another process's memory "
                    "needs root")
def test_workers_hold_no_private_key(make_server):
    srv = make_server(conf={"server": {"workers": "2"}})
    for v in VERSIONS:
        assert handshake(srv, ctx_for(srv, v))[0].startswith(b"20 ")
    wanted = needles(srv.conf["gemini"]["key"])
    workers = wait_for(lambda: (lambda w: w if len(w) == 2 else None)(
        srv.worker_pids()), what="two workers")
    for pid in workers:
        found = memory_holds(pid, wanted)
        assert not found, "worker %d holds the key: %s" % (pid, found)
    # Nor does the parent, which forks them.
    found = memory_holds(srv.proc.pid, wanted)
    assert not found, "the parent holds the key: %s" % found
    # The search is not blind: the key process does hold the scalar.
    assert "private scalar" in memory_holds(key_pid(srv), wanted)


def test_full_handshakes_are_signed_by_the_key_process(make_server):
    srv = make_server()
    for v in VERSIONS:
        head, _, reused = handshake(srv, ctx_for(srv, v))
        assert head.startswith(b"20 ") and not reused, (v, head)
    # With the key process stopped, no full handshake completes: the
    # worker has nothing to sign with (it waits 2 s, then fails).
    kp = key_pid(srv)
    os.kill(kp, signal.SIGSTOP)
    try:
        for v in VERSIONS:
            with pytest.raises((ssl.SSLError, OSError)):
                handshake(srv, ctx_for(srv, v))
    finally:
        os.kill(kp, signal.SIGCONT)
    # Late answers to the requests that timed out are skipped.
    for v in VERSIONS:
        assert handshake(srv, ctx_for(srv, v))[0].startswith(b"20 ")
    assert "did not answer" in srv.log_text()


def test_a_handshake_waiting_for_its_signature_stops_no_one(make_server):
    """A worker with other connections does not wait for the key process:
    the handshake pauses (an OpenSSL async job) and the others are served;
    it goes on when the signature comes."""
    srv = make_server(conf={"server": {"workers": "1"}})
    assert handshake(srv, ctx_for(srv, VERSIONS[1]))[0].startswith(b"20 ")
    kp = key_pid(srv)
    # Another connection first (half a Gopher request): the worker is busy.
    other = socket.create_connection(("127.0.0.1", srv.gopher_port),
                                     timeout=10)
    other.sendall(b"/hello")
    ctx = ctx_for(srv, VERSIONS[1])
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(inc, out, server_hostname="localhost")
    raw = socket.create_connection(("127.0.0.1", srv.gemini_port),
                                   timeout=10)
    os.kill(kp, signal.SIGSTOP)
    try:
        with pytest.raises(ssl.SSLWantReadError):
            tls.do_handshake()
        raw.sendall(out.read())
        # The worker has read the ClientHello: it asked for a signature.
        wait_for(lambda: received_unread(srv.gemini_port,
                                         raw.getsockname()[1]) == 0,
                 what="the server to read the ClientHello")
        for _ in range(3):
            t0 = time.monotonic()
            assert srv.gopher("/hello.gmi").startswith(b"iHello")
            assert time.monotonic() - t0 < 1.0
    finally:
        os.kill(kp, signal.SIGCONT)
    # The signature comes: the handshake ends, the request is answered.
    while True:
        try:
            tls.do_handshake()
            break
        except ssl.SSLWantReadError:
            if out.pending:
                raw.sendall(out.read())
            data = raw.recv(65536)
            assert data, "the server closed the connection"
            inc.write(data)
    tls.write(srv.url("/hello.gmi").encode() + b"\r\n")
    raw.sendall(out.read())
    reply = b""
    while b"\r\n" not in reply:
        data = raw.recv(65536)
        assert data
        inc.write(data)
        try:
            reply += tls.read(65536)
        except ssl.SSLWantReadError:
            pass
    assert reply.startswith(b"20 ")
    raw.close()
    other.close()


def test_resumed_handshakes_need_no_key_process(make_server):
    srv = make_server()
    sessions = {}
    for v in VERSIONS:
        ctx = ctx_for(srv, v)
        head, sess, _ = handshake(srv, ctx)
        assert head.startswith(b"20 ")
        sessions[v] = (ctx, sess)
    kp = key_pid(srv)
    os.kill(kp, signal.SIGSTOP)
    try:
        for v, (ctx, sess) in sessions.items():
            head, sess, reused = handshake(srv, ctx, sess)
            assert head.startswith(b"20 ") and reused, (v, head)
            # The ticket it got is good for the next one as well.
            head, _, reused = handshake(srv, ctx, sess)
            assert head.startswith(b"20 ") and reused, (v, head)
    finally:
        os.kill(kp, signal.SIGCONT)


def test_killed_key_process_is_replaced(make_server):
    srv = make_server()
    assert handshake(srv, ctx_for(srv, VERSIONS[1]))[0].startswith(b"20 ")
    old = key_pid(srv)
    old_workers = set(srv.worker_pids())
    os.kill(old, signal.SIGKILL)
    new = wait_for(lambda: [p for p in srv.key_pids() if p != old],
                   what="a new key process")
    assert len(new) == 1, new
    # A new generation of workers, with channels to it, takes over.
    wait_for(lambda: (lambda w: w and not w & old_workers)(
        set(srv.worker_pids())), what="new workers")

    def works():
        try:
            return all(handshake(srv, ctx_for(srv, v), timeout=3)[0]
                       .startswith(b"20 ") for v in VERSIONS)
        except (ssl.SSLError, OSError):
            return False
    wait_for(works, what="handshakes with the new key process")
    assert "the key process was killed by signal 9" in srv.log_text()
    assert srv.alive()


def test_a_reload_restarts_the_key_process(make_server):
    srv = make_server()
    old = key_pid(srv)
    srv.signal(signal.SIGHUP)
    wait_for(lambda: srv.key_pids() and old not in srv.key_pids(),
             what="the old key process to leave")
    for v in VERSIONS:
        assert handshake(srv, ctx_for(srv, v))[0].startswith(b"20 ")


def test_an_rsa_key_is_refused_at_start(make_server):
    srv = make_server(start=False)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-keyout", srv.conf["gemini"]["key"],
                    "-out", srv.conf["gemini"]["cert"], "-days", "30",
                    "-subj", "/CN=localhost"], check=True,
                   capture_output=True)
    with pytest.raises(RuntimeError) as e:
        srv.start()
    assert "only EC (ECDSA)" in str(e.value), str(e.value)
