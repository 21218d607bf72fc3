# SPDX-License-Identifier: ISC
"""Limits that must not be walked around: a crowded per-address table, the
number of workers, IPv6 prefixes and the PROXY header.

Distinct client addresses come from 127.0.0.0/8 (every address in it is
loopback on Linux: a client binds to one before it connects) or, for
IPv6, from PROXY headers sent by a trusted proxy (loopback), so nothing
is added to the machine's interfaces."""
import signal
import socket

from conftest import read_all, socket_inodes, tcp_sockets, wait_for


def connect_from(srv, src, port=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(5)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port or srv.gopher_port))
    return s


def gopher_from(srv, src, selector=b"/plain.txt", header=b""):
    with connect_from(srv, src) as s:
        s.sendall(header + selector + b"\r\n")
        return read_all(s)


def served(out):
    return out.startswith(b"Just text.")


def refused_by_rate(out):
    return out.startswith(b"3") and b"Too many requests" in out


def closed_without_data(sock, timeout=5.0):
    sock.settimeout(timeout)
    try:
        return sock.recv(4096) == b""
    except ConnectionResetError:
        return True


def holder(srv, sock):
    """The worker holding the server's end of this client connection."""
    peer = sock.getsockname()[1]
    ends = {ino for ino, (st, p) in tcp_sockets(srv.gopher_port).items()
            if p == peer}
    for pid in srv.worker_pids():
        if socket_inodes(pid) & ends:
            return pid
    return None


# -- 1. a crowded table still limits -----------------------------------------

def test_crowded_table_still_limits(make_server):
    """1,500 distinct addresses each spend a token (the table of the
    start commit had 1,024 slots and then let everybody through): a fresh
    address is still rate-limited and connection-limited."""
    srv = make_server(conf={"server": {"max_clients": "16",
                                       "max_clients_per_ip": "4",
                                       "rate": "5/3600s",
                                       "timeout": "5"}})
    for i in range(1500):
        src = "127.1.%d.%d" % (i // 250, i % 250 + 1)
        assert served(gopher_from(srv, src)), src
    fresh = "127.200.0.1"
    outs = [gopher_from(srv, fresh) for _ in range(6)]
    assert all(served(o) for o in outs[:5]), [o[:40] for o in outs]
    assert refused_by_rate(outs[5]), outs[5][:100]

    other = "127.200.0.2"
    held = [connect_from(srv, other) for _ in range(4)]
    try:
        wait_for(lambda: srv.accepted(held) == 4,
                 what=lambda: "the worker to hold 4 connections (it holds "
                 "%d)" % srv.accepted(held))
        fifth = connect_from(srv, other)
        fifth.sendall(b"/plain.txt\r\n")
        assert closed_without_data(fifth), "a fifth connection was served"
        fifth.close()
    finally:
        for s in held:
            s.close()


# -- 2. one table for all workers --------------------------------------------

def download(srv, src):
    """A big download that is not read: its worker's one slot stays busy
    writing, and a worker that is writing in every slot accepts no more."""
    s = connect_from(srv, src)
    s.sendall(b"/big.txt\r\n")
    assert s.recv(10) == b"Just text."
    return s, wait_for(lambda: holder(srv, s), what="a worker to hold it")


def test_limits_shared_by_workers(make_server):
    """Two workers of one slot each: while one is kept busy, the address
    under test is served by the other, then the other way round.  It
    still gets the configured 5 requests, not 5 per worker."""
    srv = make_server(conf={"server": {"workers": "2", "max_clients": "1",
                                       "rate": "5/3600s", "timeout": "10"}},
                      files={"big.txt": "Just text." + "x" * (16 << 20)})
    wait_for(lambda: len(srv.worker_pids()) == 2, what="two workers")

    def three():
        out = []
        for _ in range(3):
            s = connect_from(srv, "127.0.0.9")
            s.sendall(b"/plain.txt\r\n")
            out.append(read_all(s))
            s.close()
        return out

    first, w1 = download(srv, "127.0.0.50")
    results = three()                   # served by the other worker
    second, w2 = download(srv, "127.0.0.51")
    assert w1 != w2, "the busy worker took a second download"
    first.close()
    wait_for(lambda: not socket_inodes(w1) & {
        ino for ino, (st, _) in tcp_sockets(srv.gopher_port).items()
        if st != "0A"}, what="the first download to end")   # 0A: listening
    results += three()                  # served by the first worker
    second.close()
    ok = [r for r in results if served(r)]
    assert len(ok) == 5, "%d of 6 requests served" % len(ok)
    assert all(refused_by_rate(r) for r in results if not served(r))


# -- 3. IPv6 by prefix -------------------------------------------------------

def proxy_v1_tcp6(src):
    return ("PROXY TCP6 %s 2001:db8::ffff 40000 70\r\n" % src).encode()


def test_ipv6_limited_per_prefix(make_server):
    """Addresses of one /64 share one bucket; another /64 has its own.
    The addresses arrive in PROXY headers from a trusted proxy (loopback:
    proxy_from unset)."""
    srv = make_server(conf={"server": {"rate": "3/3600s"},
                            "gopher": {"proxy_protocol": "yes"}})
    outs = [gopher_from(srv, "127.0.0.1",
                        header=proxy_v1_tcp6("2001:db8:0:7::%x" % (i + 1)))
            for i in range(4)]
    assert all(served(o) for o in outs[:3]), [o[:40] for o in outs]
    assert refused_by_rate(outs[3]), outs[3][:100]
    out = gopher_from(srv, "127.0.0.1",
                      header=proxy_v1_tcp6("2001:db8:0:8::1"))
    assert served(out), out[:100]


def test_ipv6_prefix_configurable(make_server):
    """ipv6_prefix = 48: the whole /48 is one client."""
    srv = make_server(conf={"server": {"rate": "2/3600s",
                                       "ipv6_prefix": "48"},
                            "gopher": {"proxy_protocol": "yes"}})
    outs = [gopher_from(srv, "127.0.0.1", header=proxy_v1_tcp6(a))
            for a in ("2001:db8:5:1::1", "2001:db8:5:2::1",
                      "2001:db8:5:3::1")]
    assert served(outs[0]) and served(outs[1])
    assert refused_by_rate(outs[2]), outs[2][:100]
    assert served(gopher_from(srv, "127.0.0.1",
                              header=proxy_v1_tcp6("2001:db8:6::1")))


# -- 4. who may send a PROXY header ------------------------------------------

def test_proxy_from_refuses_direct_clients(make_server):
    """A client outside proxy_from that claims another address is closed
    before anything is read, and logged (one line, not one per try); the
    claimed address never reaches the access log."""
    srv = make_server(conf={"gemini": {"proxy_protocol": "yes",
                                       "proxy_from": "10.0.0.0/8"},
                            "gopher": {"proxy_protocol": "yes",
                                       "proxy_from": "10.0.0.0/8, fd00::/8"}})
    header = b"PROXY TCP4 203.0.113.7 127.0.0.1 5555 70\r\n"
    for _ in range(20):
        with connect_from(srv, "127.0.0.1") as s:
            s.sendall(header + b"/plain.txt\r\n")
            assert closed_without_data(s)
    wait_for(lambda: "not in proxy_from" in srv.log_text(),
             what="the refusal in the log")
    lines = [l for l in srv.log_text().splitlines()
             if "not in proxy_from" in l]
    assert len(lines) <= 2, lines       # rate-limited, not one per try
    assert "127.0.0.1" in lines[0]
    # Gemini too: the TLS handshake never starts.
    with connect_from(srv, "127.0.0.1", port=srv.gemini_port) as s:
        s.sendall(b"PROXY TCP4 203.0.113.7 127.0.0.1 5555 1965\r\n")
        assert closed_without_data(s)
    assert not any("203.0.113.7" in l for l in srv.access_lines())
    assert srv.alive()


def test_proxy_from_serves_listed_proxy(make_server):
    srv = make_server(conf={"gopher": {"proxy_protocol": "yes",
                                       "proxy_from": "127.0.0.1"}})
    header = b"PROXY TCP4 203.0.113.7 127.0.0.1 5555 70\r\n"
    assert served(gopher_from(srv, "127.0.0.1", header=header))
    wait_for(lambda: [l for l in srv.access_lines()
                      if "203.0.113.7" in l and "plain.txt" in l],
             what="the claimed address in the access log")
    # Another loopback address is not the listed one.
    with connect_from(srv, "127.0.0.2") as s:
        s.sendall(header + b"/plain.txt\r\n")
        assert closed_without_data(s)


def test_limits_survive_reload(make_server):
    """SIGHUP starts a new generation of workers on the same table: the
    tokens an address spent stay spent."""
    srv = make_server(conf={"server": {"rate": "3/3600s"}})
    for _ in range(3):
        assert served(gopher_from(srv, "127.0.0.7"))
    old = set(srv.worker_pids())
    srv.signal(signal.SIGHUP)

    def new_generation():
        # The old worker leaves once the new one serves.
        pids = set(srv.worker_pids())
        return pids and not pids & old
    wait_for(new_generation, what="a new generation of workers only")
    out = gopher_from(srv, "127.0.0.7")
    assert refused_by_rate(out), out[:100]
    assert served(gopher_from(srv, "127.0.0.8"))
