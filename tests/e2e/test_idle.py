# SPDX-License-Identifier: ISC
"""Idle connections and unbounded work on the event loop: connections that
send nothing must not lock readers out, a huge folder must not freeze the
worker, and a large page rendered for Gopher is rendered once and lent."""
import socket
import time

from conftest import wait_for

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
