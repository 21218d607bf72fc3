# SPDX-License-Identifier: ISC
"""Files swapped under a running server: every open of content resolves
beneath the content root, whatever is renamed over a folder meanwhile,
and the server started unprivileged (as the shipped systemd unit runs it)
is no less careful than as root."""
import ctypes
import os
import threading
import time

from conftest import wait_for

STMT = "statements/2024/2024-03-01-swap.gmi"
PUBLIC = "# Swapped statement\n\nThe public text about the harbour.\n"
SECRET = "# s3cr3t title\n\nThe s3cr3t text about the harbour.\n"
RENAME_EXCHANGE = 2


def exchanger():
    """A function exchanging two names atomically (renameat2), or, where
    libc has no renameat2, by two renames through a third name."""
    libc = ctypes.CDLL(None, use_errno=True)
    fn = getattr(libc, "renameat2", None)
    AT_FDCWD = -100

    def exchange(a, b):
        if fn is not None and fn(AT_FDCWD, a.encode(), AT_FDCWD, b.encode(),
                                 RENAME_EXCHANGE) == 0:
            return
        tmp = a + ".tmp"
        os.rename(a, tmp)
        os.rename(b, a)
        os.rename(tmp, b)
    return exchange


def test_swapped_folder_never_serves_outside_the_root(
        make_unprivileged_server):
    """A thread swaps statements/2024 with a symbolic link to a folder
    outside the root that holds a same-named file, back and forth, while
    clients read the statement over Gopher (text) and Gemini and search
    (snippets): the outside file's words never appear."""
    srv = make_unprivileged_server(files={STMT: PUBLIC}, start=False)
    outside = os.path.join(srv.base, "outside")
    os.makedirs(outside)
    with open(os.path.join(outside, os.path.basename(STMT)), "w") as f:
        f.write(SECRET)
    folder = os.path.join(srv.content, "statements", "2024")
    link = os.path.join(srv.content, "statements", ".swap")
    os.symlink(outside, link)
    srv.start()
    sel = "/" + STMT
    wait_for(lambda: b"public text" in srv.gopher(sel),
             what="the statement to be published")

    exchange = exchanger()
    stop = threading.Event()
    swaps = [0]

    def swapper():
        # Half a millisecond each way, until the clients are done.
        while not stop.is_set():
            exchange(folder, link)
            swaps[0] += 1
            stop.wait(0.0005)
            exchange(folder, link)
            swaps[0] += 1
            stop.wait(0.0005)

    asks = [
        ("gopher text", lambda: srv.gopher(sel)),
        ("gopher search", lambda: srv.gopher(b"/search\tharbour")),
        ("gemini", lambda: srv.gemini(sel)[1]),
        ("gemini search", lambda: srv.gemini("/search?harbour")[1]),
    ]
    th = threading.Thread(target=swapper, daemon=True)
    leaks, served, n = [], 0, 0
    th.start()
    try:
        deadline = time.monotonic() + 4.0
        while n < 400 and time.monotonic() < deadline:
            what, ask = asks[n % len(asks)]
            out = ask()
            n += 1
            if b"s3cr3t" in out:
                leaks.append((what, out[:160]))
            if b"public text" in out:
                served += 1
    finally:
        stop.set()
        th.join()
    if os.path.islink(folder):
        exchange(folder, link)
    assert not leaks, "%d of %d requests leaked (%d swaps): %r" % (
        len(leaks), n, swaps[0], leaks[:4])
    assert served > 0, "no request was served the statement"
    assert srv.alive(), srv.output()
