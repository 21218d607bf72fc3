# SPDX-License-Identifier: ISC
"""End-to-end tests of the Gopher side: menus, text, binaries, errors,
traversal, limits, charset, caps.txt and the access log."""
import os
import shutil
import socket
import subprocess
import time

import pytest

from conftest import DEFAULT_FILES, read_all, wait_for


def lines_of(data):
    assert data.endswith(b".\r\n"), data[-60:]
    body = data[:-3]
    assert body == b"" or body.endswith(b"\r\n"), body[-60:]
    parts = body.split(b"\r\n")[:-1] if body else []
    for p in parts:
        assert b"\n" not in p and b"\r" not in p
    return parts


def menu_lines(data):
    lines = lines_of(data)
    for ln in lines:
        assert ln.count(b"\t") == 3, ln
    return lines


def test_root_menu(server):
    data = server.gopher("")
    lines = menu_lines(data)
    assert lines
    for ln in lines:
        ln.decode("utf-8")          # valid UTF-8
        host, port = ln.split(b"\t")[2:4]
        if ln[:1] != b"3":
            assert port == str(server.gopher_port).encode()
    assert server.gopher("/") == data


def test_text_file(server):
    data = server.gopher("/plain.txt")
    assert data == b"Just text.\r\n..starts with a dot\r\n.\r\n"
    assert server.gopher("0/plain.txt") == data
    assert server.gopher("plain.txt") == data


def test_curl_text_and_binary(server):
    if shutil.which("curl") is None:
        pytest.skip("curl missing")
    base = "gopher://127.0.0.1:%d" % server.gopher_port
    out = subprocess.run(["curl", "-s", "--max-time", "10",
                          base + "/0/plain.txt"],
                         capture_output=True, timeout=20).stdout
    assert b"Just text." in out and b"..starts with a dot" in out
    out = subprocess.run(["curl", "-s", "--max-time", "10", base + "/9/noext"],
                         capture_output=True, timeout=20).stdout
    assert out == DEFAULT_FILES["noext"]


def test_binary_exact(server):
    assert server.gopher("/noext") == DEFAULT_FILES["noext"]
    assert server.gopher("I/image.png") == DEFAULT_FILES["image.png"]


def test_lynx_renders_gemtext(server):
    if shutil.which("lynx") is None:
        pytest.skip("lynx missing")
    # The URL's type char is not sent: the selector "0/hello.gmi" asks
    # for the text rendering of a page (a plain "/hello.gmi" is a menu).
    url = "gopher://127.0.0.1:%d/00/hello.gmi" % server.gopher_port
    out = subprocess.run(["lynx", "-dump", "-nolist", url],
                         capture_output=True, timeout=30).stdout.decode(
                             "utf-8", "replace")
    assert "Hello" in out and "=====" in out
    assert "[1] plain text" in out
    assert "References" in out


def test_gemtext_page_is_a_menu_by_default(server):
    data = server.gopher("/hello.gmi")
    assert data.endswith(b"\r\n.\r\n")
    lines = lines_of(data)
    assert any(l.startswith(b"iHello") or l.startswith(b"i# Hello") for l in lines)
    assert any(l.startswith(b"0plain text\t/plain.txt\t") for l in lines), lines


def test_gemtext_as_text(server):
    data = server.gopher("0/hello.gmi")
    lines = lines_of(data)
    assert lines[0] == b"Hello" and lines[1] == b"====="
    assert b"A test page." in lines
    assert b"[1] plain text" in lines
    ref = ("[1] gopher://localhost:%d/0/plain.txt" % server.gopher_port)
    assert ref.encode() in lines
    for ln in lines:
        assert len(ln.decode("utf-8")) <= 70


def test_gemtext_as_menu(server):
    data = server.gopher("1/hello.gmi")
    lines = menu_lines(data)
    assert any(ln.startswith(b"0plain text\t/plain.txt\t") for ln in lines)
    data = server.gopher("/withindex/")
    lines = menu_lines(data)
    assert lines[0].startswith(b"iIndex page\t")


def test_directory_menu(server):
    data = server.gopher("/listed/")
    lines = menu_lines(data)
    sel = {ln.split(b"\t")[1]: ln[:1] for ln in lines}
    assert sel[b"/listed/a.gmi"] == b"1"
    assert sel[b"/listed/b.txt"] == b"0"
    assert sel[b"/listed/sub/"] == b"1"
    assert b"secret" not in data
    assert server.gopher("/listed") == data
    assert server.gopher("1/listed/") == data
    assert server.gopher("/listed/.secret")[:1] == b"3"


def test_url_selector(server):
    data = server.gopher('URL:https://example.com/?a=1&b="<x>')
    assert b"<html" in data.lower()
    assert b'href="https://example.com/?a=1&amp;b=&quot;&lt;x&gt;"' in data
    assert b"<x>" not in data


def test_caps(server):
    data = server.gopher("caps.txt")
    lines = lines_of(data)
    assert b"CapsVersion=1" in lines
    assert b"PathDelimiter=/" in lines
    assert b"ServerSoftware=broadside" in lines
    assert b"DefaultEncoding=UTF-8" in lines
    assert server.gopher("/caps.txt") == data


@pytest.mark.parametrize("sel", [
    "../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "..\\..\\etc\\passwd",
    "/etc/passwd", "0/../../../../etc/passwd", "/../../../../etc/passwd",
    "/%2e%2e%2f%2e%2e%2fetc/passwd", "9/%2e%2e/%2e%2e/etc/passwd",
])
def test_traversal(server, sel):
    data = server.gopher(sel)
    assert b"root:" not in data
    assert data[:1] == b"3"
    menu_lines(data)


def test_not_found(server):
    data = server.gopher("/no/such/thing")
    lines = menu_lines(data)
    assert lines[0][:1] == b"3"
    assert b"Not found" in lines[0]


def test_nul_rejected(server):
    data = server.gopher(b"/plain.txt\x00x")
    assert data[:1] == b"3"


def test_gopher_plus_and_search(server):
    assert server.gopher("/plain.txt\t+").startswith(b"Just text.")
    assert server.gopher("/plain.txt\t$").startswith(b"Just text.")
    assert server.gopher("/plain.txt\t!").startswith(b"Just text.")


def test_overlong_selector(server):
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.gopher_port),
                                  timeout=10) as s:
        try:
            s.sendall(b"/" + b"a" * 1999 + b"\r\n")
        except OSError:
            pass
        chunks = []
        while True:
            try:
                b = s.recv(65536)
            except ConnectionResetError:
                break
            if not b:
                break
            chunks.append(b)
    data = b"".join(chunks)
    assert data[:1] == b"3"
    assert time.monotonic() - start < 2.5


# The server side of the Gopher protocol, as a refusal comes back: every
# type 3 line names this host and port, never a dummy "error.host" 1.
ADVERTISED = {"server": {"hostname": "gopher.example"},
              "gopher": {"port": "7070"}}


def error_item(data):
    """The one type 3 line of an error menu, as (text, host, port)."""
    lines = menu_lines(data)
    assert len(lines) == 1 and lines[0][:1] == b"3", data[:200]
    text, selector, host, port = lines[0][1:].split(b"\t")
    assert selector == b""
    return text.decode(), host.decode(), port.decode()


def test_line_limit_is_gophers_own_1024(make_server):
    """The Gopher request line (selector, then a TAB and search words) may
    hold GOPHER_SELECTOR_MAX = 1024 bytes, line end not counted: 1024 is
    parsed and answered, 1025 is refused at once, with a CRLF, a bare LF or
    no line end at all.  The refusal carries the configured host and port."""
    srv = make_server(conf=ADVERTISED)
    line = b"/" + b"a" * 1023
    assert error_item(srv.gopher(line)) == ("Not found", "gopher.example",
                                            "7070")
    with_search = b"/" + b"a" * 1018 + b"\tword"
    assert len(with_search) == 1024
    assert error_item(srv.gopher(with_search)) == ("Not found",
                                                   "gopher.example", "7070")
    too_long = ("Selector too long", "gopher.example", "7070")
    assert error_item(srv.gopher(line + b"a")) == too_long
    assert error_item(srv.gopher(with_search + b"s")) == too_long
    with socket.create_connection(("127.0.0.1", srv.gopher_port),
                                  timeout=10) as s:
        s.sendall(line + b"a\n")
        assert error_item(read_all(s)) == too_long
    with socket.create_connection(("127.0.0.1", srv.gopher_port),
                                  timeout=10) as s:
        s.sendall(line + b"aa")       # no line end, the connection open
        assert error_item(read_all(s)) == too_long


def test_rate_refusal_names_host_and_port(make_server):
    conf = {k: dict(v) for k, v in ADVERTISED.items()}
    conf["server"]["rate"] = "2/60s"
    srv = make_server(conf=conf)
    for _ in range(2):
        assert srv.gopher("/plain.txt").startswith(b"Just text.")
    text, host, port = error_item(srv.gopher("/plain.txt"))
    assert text.startswith("Too many requests")
    assert (host, port) == ("gopher.example", "7070")


def test_listing_that_would_outgrow_the_bound_is_paged(make_server):
    """A listing that would outgrow the 4 MiB response bound whole is sent
    a page at a time (it was a type 3 "Temporary failure" and a 40 when
    listings were whole); the server lives on."""
    srv = make_server(conf=ADVERTISED, start=False)
    # 9000 items of some 550 bytes (Gopher: a long selector) or 500
    # (Gemini: the name twice), over 4 MiB either way.
    folder = "d" * 200
    big = os.path.join(srv.content, folder)
    os.makedirs(big)
    for i in range(9000):
        open(os.path.join(big, "%05d-%s.txt" % (i, "x" * 241)), "w").close()
    srv.start()
    data = srv.gopher("/%s/" % folder)
    assert data.endswith(b".\r\n") and data[:1] == b"i"
    assert ("/%s/.page/2/" % folder).encode() in data
    assert len(data) < 4 * 1024 * 1024
    head, body = srv.gemini_raw(b"gemini://gopher.example/%s/\r\n" %
                                folder.encode())
    assert head.startswith("20 ") and b"=> .page/2/ Next page" in body
    assert srv.gopher("/plain.txt").startswith(b"Just text.")


def test_silent_client_dropped(server):
    silent = socket.create_connection(("127.0.0.1", server.gopher_port),
                                      timeout=10)
    try:
        t0 = time.monotonic()
        # Another client is served meanwhile.
        assert server.gopher("/plain.txt").startswith(b"Just text.")
        assert time.monotonic() - t0 < 2
        silent.settimeout(10)
        try:
            rest = silent.recv(65536)
            while rest and rest.endswith(b".\r\n") is False:
                more = silent.recv(65536)
                if not more:
                    break
                rest += more
        except ConnectionResetError:
            rest = b""
        elapsed = time.monotonic() - t0
        assert 1 < elapsed < 8, elapsed
    finally:
        silent.close()


def slow_gopher(srv, selector):
    """A Gopher reply read through a 4 KiB receive window, 512 bytes at a
    time."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(10)
    s.connect(("127.0.0.1", srv.gopher_port))
    s.sendall(selector + b"\r\n")
    chunks = []
    while True:
        b = s.recv(512)
        if not b:
            break
        chunks.append(b)
    s.close()
    return b"".join(chunks)


def test_large_rendered_page_to_slow_reader(make_server):
    # 3.5 MiB of rendered menu (the bound is 4): more than a loopback
    # socket's send buffer takes at once, so the reply leaves in partial
    # writes, the first time as it is rendered, the next from the cache; a
    # reader with a small window must get every byte, in order.
    lines = ["Line %05d of a long page, said plainly." % i
             for i in range(60000)]
    srv = make_server(files={"long.gmi": "# Long\n\n" + "\n".join(lines)
                             + "\n"})
    rendered = slow_gopher(srv, b"/long.gmi")
    cached = slow_gopher(srv, b"/long.gmi")
    assert cached == rendered == srv.gopher("/long.gmi")
    shown = [ln[1:].split(b"\t")[0].decode() for ln in menu_lines(cached)]
    assert [t for t in shown if t.startswith("Line ")] == lines


def test_charset_ascii(make_server):
    files = {"quotes.gmi": "# Caf\u00e9 \u201cquotes\u201d\n\n"
                           "Na\u00efve \u2014 wait\u2026 \u4e2d\n",
             "quotes.txt": "\u201chello\u201d \u00e9t\u00e9\n\u2026dots\n"}
    srv = make_server(conf={"gopher": {"charset": "ascii"}}, files=files)
    data = srv.gopher("/quotes.gmi")
    assert all(b < 0x80 for b in data)
    assert b'Cafe "quotes"' in data
    assert b"Naive -- wait... ?" in data
    data = srv.gopher("/quotes.txt")
    assert data == b'"hello" ete\r\n....dots\r\n.\r\n'
    data = srv.gopher("/listed/")
    assert all(b < 0x80 for b in data)
    assert b"DefaultEncoding=US-ASCII" in srv.gopher("caps.txt")


def test_access_log(make_server):
    srv = make_server()
    srv.gopher("/plain.txt")
    srv.gopher("/nope")
    lines = wait_for(lambda: (lambda ls: ls if len(ls) >= 2 else None)(
        [ln for ln in srv.access_lines() if "gopher" in ln]), timeout=5,
        what="two gopher lines in the access log")
    assert any("plain.txt" in ln for ln in lines)
    assert any("nope" in ln for ln in lines)


def test_charset_latin1(make_server):
    files = {"l1.gmi": "# \u00c9t\u00e9 \u201cq\u201d \u4e2d\n",
             "l1.txt": "\u00e9\u2014\u0153\n"}
    srv = make_server(conf={"gopher": {"charset": "latin1"}}, files=files)
    data = srv.gopher("0/l1.gmi")
    assert data.startswith(b'\xc9t\xe9 "q" ?\r\n')
    assert srv.gopher("/l1.txt") == b"\xe9--oe\r\n.\r\n"
    assert b"DefaultEncoding=ISO-8859-1" in srv.gopher("caps.txt")
