# SPDX-License-Identifier: ISC
"""Idle connections and unbounded work on the event loop: connections that
send nothing must not lock readers out, a huge folder must not freeze the
worker, and a large page rendered for Gopher is rendered once and lent."""
import socket
import ssl
import threading
import time

from conftest import read_all, wait_for

MAX_CLIENTS = 20
IDLE = 3 * MAX_CLIENTS
QUICK_SEC = 1.0         # the server's own timeout is 10 s


def hold_idle(srv, port, n):
    """n connections to port that send nothing (connected: accepted by
    the worker or waiting in the kernel's listen queue)."""
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        socks.append(s)
    return socks


def test_idle_connections_do_not_lock_readers_out(make_server):
    srv = make_server(conf={"server": {"max_clients": str(MAX_CLIENTS),
                                       "max_clients_per_ip": "0",
                                       "timeout": "10"}})
    idle = []
    try:
        for port in (srv.gopher_port, srv.gemini_port):
            idle += hold_idle(srv, port, IDLE)
        # The worker has taken all it may (the harness's start probes may
        # still hold a slot or two): the slots hold idle connections.
        wait_for(lambda: srv.accepted(idle, srv.gopher_port) +
                 srv.accepted(idle, srv.gemini_port) >= MAX_CLIENTS - 2,
                 what="the idle connections to fill the slots")
        for _ in range(3):
            t0 = time.monotonic()
            body = srv.gopher("/plain.txt", timeout=5)
            assert b"Just text." in body
            assert time.monotonic() - t0 < QUICK_SEC
            t0 = time.monotonic()
            head, body = srv.gemini("/hello.gmi", timeout=5)
            assert head.startswith("20 ")
            assert time.monotonic() - t0 < QUICK_SEC
            idle += hold_idle(srv, srv.gopher_port, MAX_CLIENTS)
        wait_for(lambda: "that sent no request" in
                 srv.log_text(), what="the eviction report")
        # One line per burst, not one per connection closed.
        assert srv.log_text().count("that sent no request") <= 2
    finally:
        for s in idle:
            s.close()


def tls_pump(raw, out):
    """Send what the TLS object has written to out."""
    pending = out.read()
    if pending:
        raw.sendall(pending)


def tls_step(tls, inc, out, raw, op):
    """Run op on a MemoryBIO TLS object over raw until it needs no more
    bytes from the server; return its result."""
    while True:
        try:
            r = op()
            tls_pump(raw, out)
            return r
        except ssl.SSLWantReadError:
            tls_pump(raw, out)
            data = raw.recv(65536)
            if not data:
                raise AssertionError("the server closed the connection")
            inc.write(data)


def test_burst_of_silent_ones_spares_readers_under_way(make_server):
    """A burst of connections that send nothing closes the silent ones
    first: not a Gemini reader in the middle of its handshake, nor a
    Gopher reader whose request has begun."""
    srv = make_server(conf={"server": {"max_clients": str(MAX_CLIENTS),
                                       "max_clients_per_ip": "0",
                                       "timeout": "20"}})
    held = []
    try:
        first = hold_idle(srv, srv.gopher_port, MAX_CLIENTS)
        held += first
        wait_for(lambda: srv.accepted(first) >= MAX_CLIENTS - 2,
                 what="the silent connections to fill the slots")
        # A Gemini reader: its ClientHello is read, the handshake waits on
        # the client's Finished.
        ctx = srv.tls_context()
        inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = ctx.wrap_bio(inc, out, server_hostname="localhost")
        raw = socket.create_connection(("127.0.0.1", srv.gemini_port),
                                       timeout=10)
        held.append(raw)
        try:
            tls.do_handshake()
        except ssl.SSLWantReadError:
            pass
        raw.sendall(out.read())
        # And a Gopher reader that has sent half its selector.
        half = socket.create_connection(("127.0.0.1", srv.gopher_port),
                                        timeout=10)
        held.append(half)
        half.sendall(b"/plain")
        wait_for(lambda: srv.accepted([raw], srv.gemini_port) == 1 and
                 srv.accepted([half]) == 1,
                 what="the two readers to be accepted")
        # Twice as many silent ones as there are slots: each one accepted
        # closes another.
        burst = hold_idle(srv, srv.gopher_port, 2 * MAX_CLIENTS)
        held += burst
        wait_for(lambda: srv.accepted(burst) >= MAX_CLIENTS - 4 and
                 srv.accepted(first) == 0,
                 what="the burst to take the silent ones' slots")
        assert srv.accepted([raw], srv.gemini_port) == 1
        assert srv.accepted([half]) == 1
        half.sendall(b".txt\r\n")
        assert b"Just text." in read_all(half)
        tls_step(tls, inc, out, raw, tls.do_handshake)
        tls.write(srv.url("/hello.gmi").encode() + b"\r\n")
        tls_pump(raw, out)
        head = tls_step(tls, inc, out, raw, lambda: tls.read(1024))
        assert head.startswith(b"20 ")
    finally:
        for s in held:
            s.close()


HUGE = 10000            # site.h SITE_DIR_MAX: every one is listed
PAGE = 200              # site.h SITE_PAGE_ITEMS


def menu_items(menu):
    """(type, display, selector) of each item line of a Gopher menu."""
    out = []
    for line in menu.decode("utf-8", "replace").split("\r\n"):
        if line in ("", ".") or line[0] == "i":
            continue
        f = line[1:].split("\t")
        out.append((line[0], f[0], f[1] if len(f) > 1 else ""))
    return out


def test_huge_folder_is_listed_quickly_and_paged(make_server):
    # Files with no known extension: typed by libmagic before, reading
    # each one on the event loop.
    files = {"huge/f%05d" % i: "plain text number %d\n" % i
             for i in range(HUGE)}
    files["huge/page.gmi"] = "# A titled page\n"
    srv = make_server(files=files)
    result = {}

    def big():
        t0 = time.monotonic()
        result["menu"] = srv.gopher("/huge/", timeout=60)
        result["sec"] = time.monotonic() - t0

    th = threading.Thread(target=big)
    th.start()
    # A reader of something else meanwhile is not held up by the listing.
    t0 = time.monotonic()
    assert b"Just text." in srv.gopher("/plain.txt", timeout=60)
    other = time.monotonic() - t0
    th.join(70)
    assert result["sec"] < 3.0, "menu took %.1f s" % result["sec"]
    assert other < 1.0, "a concurrent request took %.1f s" % other
    items = menu_items(result["menu"])
    files_shown = [i for i in items if i[2].startswith("/huge/f")]
    assert 0 < len(files_shown) <= PAGE
    assert all(t == "9" for t, _, _ in files_shown)   # by extension: none
    nxt = [sel for t, d, sel in items if d == "Next page"]
    assert nxt == ["/huge/.page/2/"]
    # Every entry is on some page, once; the last page has no next item.
    seen = set(sel for _, _, sel in files_shown)
    sel, pages = nxt[0], 1
    while sel:
        t0 = time.monotonic()
        items = menu_items(srv.gopher(sel, timeout=30))
        assert time.monotonic() - t0 < 3.0
        pages += 1
        assert [s for t, d, s in items if d == "Previous page"]
        shown = [s for _, _, s in items if s.startswith("/huge/f")]
        assert not seen & set(shown)
        seen |= set(shown)
        nxt = [s for t, d, s in items if d == "Next page"]
        sel = nxt[0] if nxt else None
    # SITE_DIR_MAX entries are read, in the order of the directory: the
    # page may be one of them.
    assert len(seen) >= HUGE - 1
    assert pages == HUGE // PAGE
    assert srv.gopher("/huge/.page/999/").startswith(b"3")
    # The same over Gemini: a page, then the next one.
    head, body = srv.gemini("/huge/", timeout=30)
    assert head.startswith("20 ")
    body = body.decode()
    links = [l for l in body.splitlines() if l.startswith("=> ")]
    assert len(links) <= PAGE + 2
    assert "=> .page/2/ Next page" in links
    head, body = srv.gemini("/huge/.page/2/", timeout=30)
    assert head.startswith("20 ")
    body = body.decode()
    assert "=> ../../ Previous page" in body
    assert "=> ../3/ Next page" in body
    assert "=> ../../f0" in body
    head, _ = srv.gemini("/huge/.page/0/")
    assert head.startswith("51 ")


def vm_rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for %d" % pid)


def send_queues(port, peers):
    """Bytes waiting in the server's send queue, per client port."""
    out = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            next(f)
            for line in f:
                fl = line.split()
                local = int(fl[1].rsplit(":", 1)[1], 16)
                peer = int(fl[2].rsplit(":", 1)[1], 16)
                if local == port and peer in peers:
                    out[peer] = int(fl[4].split(":")[0], 16)
    return out


def big_gmi():
    para = ("Every reader gets the same words, and the server should "
            "not make a fresh copy of them for each one. ") * 6
    lines = ["# A long page", ""]
    for i in range(3 * 1024 * 1024 // (len(para) + 2)):
        lines += ["%d %s" % (i, para), ""]
    return "\n".join(lines) + "\n"


READERS = 30


def test_large_page_rendered_once_and_shared(make_server):
    srv = make_server(conf={"server": {"timeout": "60"}},
                      files={"long.gmi": big_gmi()})
    first = srv.gopher("0/long.gmi", timeout=60)
    assert first.startswith(b"A long page") and first.endswith(b".\r\n")
    assert len(first) > 2 * 1024 * 1024
    assert srv.gopher("0/long.gmi", timeout=60) == first
    menu = srv.gopher("/long.gmi", timeout=60)
    assert menu.startswith(b"iA long page\t") and menu != first
    assert srv.gopher("/long.gmi", timeout=60) == menu
    (pid,) = srv.worker_pids()
    before = vm_rss_kib(pid)
    readers = []
    try:
        for _ in range(READERS):
            s = socket.create_connection(("127.0.0.1", srv.gopher_port))
            s.sendall(b"0/long.gmi\r\n")
            readers.append(s)
        peers = {s.getsockname()[1] for s in readers}
        # Every response is made and on its way: the server's send queue
        # to each reader, who reads nothing, holds bytes.
        wait_for(lambda: len([q for q in send_queues(
            srv.gopher_port, peers).values() if q > 0]) == READERS,
            timeout=60, what="every reader's response to be under way")
        grown = vm_rss_kib(pid) - before
        # A copy each was 3 MiB a reader (about 90 MiB here).
        assert grown < 24 * 1024, "the worker grew %d KiB" % grown
    finally:
        for s in readers:
            s.close()
    # A new version of the file is rendered afresh.
    with open(srv.content + "/long.gmi", "w") as f:
        f.write("# Changed\n\nShort now.\n")
    wait_for(lambda: srv.gopher("0/long.gmi").startswith(b"Changed"),
             what="the changed page")
