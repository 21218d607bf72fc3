# SPDX-License-Identifier: ISC
"""End-to-end tests of the bytes that reach logs and terminals: a request
path cannot split an error-log line, a file name cannot inject gemtext
into a listing, a statement cannot send terminal control sequences to a
Gopher reader or into a generated Gemini page, and a title cannot make the
Atom feed invalid XML."""
import os
import xml.etree.ElementTree as ET

import pytest

from conftest import wait_for

ESC_TXT = "statements/2025-01-02-colours.txt"
ESC_GMI = "statements/2025-01-03-more-colours.gmi"
# ESC [ 31 m (colour), an OSC title (ESC ] 0 ; ... BEL), U+009B (the
# 8-bit CSI, written in UTF-8), a form feed and invalid UTF-8 (\xff).
HOSTILE = {
    ESC_TXT: b"Colours \x1b[31mred\x1b[0m \xc2\x9b2J title\n\n"
             b"Body \x1b]0;pwned\x07 text \xc2\x9b31m and\x0cbad \xff byte.\n"
             b".dot line \x1b[2J\n",
    ESC_GMI: b"# More \x1b[31mcolours\xc2\x9b1m\n\n"
             b"Para \x1b]0;pwned\x07 \xc2\x9bK \xfe end.\n\n"
             b"* item \x1b[5m\n=> /x.gmi link \x1b[1m\xc2\x9b\n"
             b"```\npre \x1b[7m \xc2\x9b\n```\n",
}
TERMINAL_BAD = (b"\x1b", b"\x07", b"\x0c", b"\x9b")


def assert_terminal_safe(data, charset, what):
    for bad in TERMINAL_BAD:
        assert bad not in data, (what, bad, data[:400])
    for i, c in enumerate(data):
        assert c >= 0x20 or c in (0x09, 0x0a, 0x0d), (what, i, data[:400])
        assert c != 0x7f, (what, i)
        if charset == "latin1":
            assert not 0x80 <= c <= 0x9f, (what, i, data[:400])
        elif charset == "ascii":
            assert c < 0x80, (what, i)
    if charset == "utf-8":
        text = data.decode("utf-8")     # strict: valid UTF-8 only
        assert not any(0x80 <= ord(ch) <= 0x9f for ch in text), what


def wait_listed(srv, word):
    wait_for(lambda: word.encode() in srv.gemini("/statements/")[1],
             what="%r in the archive" % word)


# -- 1. the error log ---------------------------------------------------------

def test_error_log_line_not_split(make_server):
    srv = make_server(files={"locked/x.gmi": "# x\n"}, start=False)
    os.chmod(os.path.join(srv.content, "locked"), 0)
    try:
        srv.start()
        head, _ = srv.gemini("/locked/a%0D%0Afake%1B%5B31m%C2%9Bline.gmi")
        assert head.startswith("51 "), head
        wait_for(lambda: "cannot open" in srv.log_text(),
                 what="the cannot open line")
        with open(srv.errlog, "rb") as f:
            log = f.read()
    finally:
        os.chmod(os.path.join(srv.content, "locked"), 0o755)
    assert b"\r" not in log and b"\x1b" not in log and b"\xc2\x9b" not in log
    lines = [l for l in log.split(b"\n") if b"/locked/" in l]
    assert len(lines) == 1, lines
    assert b"cannot open" in lines[0]
    assert b"\\x0d\\x0afake\\x1b[31m\\xc2\\x9bline" in lines[0], lines[0]
    assert not any(l.startswith(b"fake") for l in log.split(b"\n"))


# -- 2. Gemini directory listings ---------------------------------------------

def test_listing_name_cannot_inject_gemtext(make_server):
    name = "a\n=> evil.gmi Fake link\x1b[31m\r\n```\n\xc2\x9bz".encode(
        "latin1")
    srv = make_server(files={"odd/plain.gmi": "# p\n"})
    with open(os.path.join(srv.content.encode(), b"odd", name), "wb") as f:
        f.write(b"x\n")
    with open(os.path.join(srv.content.encode(), b"odd", b"bad\xffname"),
              "wb") as f:
        f.write(b"x\n")
    head, body = srv.gemini("/odd/")
    assert head.startswith("20 text/gemini"), head
    assert_terminal_safe(body, "utf-8", "listing")
    lines = body.decode("utf-8").split("\n")
    assert not any(l.startswith("=> evil.gmi") for l in lines), body
    assert not any(l.startswith("```") for l in lines), body
    links = [l for l in lines if l.startswith("=> ")]
    # Parent, plain.gmi, and the two odd names: one link line each.
    assert len(links) == 4, links
    odd = [l for l in links if "Fake link" in l]
    assert len(odd) == 1 and odd[0].startswith("=> a%0A"), odd
    assert any(l.startswith("=> bad%FFname ") and "\ufffd" in l
               for l in links), links


# -- 3. terminal control sequences --------------------------------------------

@pytest.mark.parametrize("charset", ["utf-8", "latin1", "ascii"])
def test_no_control_sequences_reach_terminals(make_server, charset):
    srv = make_server(conf={"gopher": {"charset": charset}}, files=HOSTILE)
    wait_listed(srv, "2025-01-03")
    for sel in ("/" + ESC_TXT, "/" + ESC_GMI, "1/" + ESC_GMI, "",
                "/statements/", "/statements/2025/"):
        data = srv.gopher(sel)
        assert data.endswith(b".\r\n"), (sel, data[-40:])
        assert_terminal_safe(data, charset, sel)
    text = srv.gopher("/" + ESC_TXT)
    assert b"Body " in text and b"text " in text and b"\r\n..dot line" in text
    menu = srv.gopher("/statements/")
    assert b"Colours" in menu and b"More" in menu


def test_generated_gemini_pages_are_clean(make_server):
    srv = make_server(files=HOSTILE)
    wait_listed(srv, "2025-01-03")
    for path in ("/", "/statements/", "/statements/2025/", "/search?body",
                 "/search?para"):
        head, body = srv.gemini(path)
        assert head.startswith("20 "), (path, head)
        assert_terminal_safe(body, "utf-8", path)
    assert b"Colours" in srv.gemini("/statements/")[1]
    assert b"> " in srv.gemini("/search?body")[1]
    # A file served as it is over Gemini keeps the publisher's bytes.
    assert srv.gemini("/" + ESC_TXT)[1] == HOSTILE[ESC_TXT]


# -- 4. the Atom feed ---------------------------------------------------------

def test_atom_feed_parses_with_noncharacters(make_server):
    files = {
        "statements/2025-02-01-nonchar.gmi":
            "# Title \uffff and \ufffe end\n\nSummary \uffff here.\n",
        "statements/2025-02-02-controls.gmi":
            b"# Ctl \x01\x1b[1m \xc2\x9b \xff end\n\nText.\n",
    }
    srv = make_server(files=files)
    wait_listed(srv, "2025-02-02")
    head, body = srv.gemini("/statements/atom.xml")
    assert head.startswith("20 "), head
    root = ET.fromstring(body)
    ns = "{http://www.w3.org/2005/Atom}"
    titles = [e.findtext(ns + "title") for e in root.iter(ns + "entry")]
    assert "Title  and  end" in titles, titles
    assert any(t.startswith("Ctl") and t.endswith("end") for t in titles)
    assert b"\xc2\x9b" not in body and b"\x1b" not in body
