# SPDX-License-Identifier: ISC
"""One request path for both protocols: what the archive router decides,
seen by clients.  Each test here failed before the router (a statement in
a year folder answered 51 over Gemini, sidecars were served, a sidecar's
lang did not reach a cached header, "1/" before a statement gave text, an
explicit :1965 was refused, a foreign host went unlogged)."""
import os

from conftest import wait_for

STMT = "statements/2024/2024-03-01-in-a-folder.gmi"
SIDE = "statements/2024/2024-03-01-in-a-folder.ini"
FILES = {
    STMT: "# In a folder\n\nWords of the statement.\n=> /hello.gmi Hello\n",
    SIDE: "tags = police\nlang = en\n; an editor's private note\n",
    "statements/2023/03/2023-03-07-deep.gmi": "# Deep\n\nDeep words.\n",
}


def test_statements_in_folders_on_both_protocols(make_server):
    srv = make_server(files=FILES)
    for path in ("/" + STMT, "/statements/2023/03/2023-03-07-deep.gmi"):
        head, body = srv.gemini(path)
        assert head.startswith("20 text/gemini"), (path, head)
        assert srv.gopher(path).endswith(b".\r\n"), path
    head, body = srv.gemini("/statements/2024/")
    assert head.startswith("20 ") and b"/" + STMT.encode() in body
    # The same shape means the same on both: a year without its slash
    # is a redirect over Gemini and the year's menu over Gopher.
    assert srv.gemini("/statements/2024")[0] == "31 /statements/2024/"
    assert b"Statements of 2024" in srv.gopher("/statements/2024")
    # An unknown tag is "not found" on both.
    assert srv.gemini("/statements/tags/nosuch/")[0].startswith("51 ")
    assert srv.gopher("/statements/tags/nosuch/").startswith(b"3")


def test_sidecars_are_never_served(make_server):
    srv = make_server(files=FILES)
    head, body = srv.gemini("/" + SIDE)
    assert head.startswith("51 ") and b"private" not in body
    for sel in ("/" + SIDE, "0/" + SIDE, "9/" + SIDE):
        data = srv.gopher(sel)
        assert data.startswith(b"3") and b"private" not in data, sel
    head, body = srv.gemini("/statements/2024/")
    assert b".ini" not in body


def test_sidecar_lang_reaches_the_header(make_server):
    srv = make_server(files=FILES)
    assert srv.gemini("/" + STMT)[0].endswith("lang=en")
    with open(os.path.join(srv.content, SIDE), "w") as f:
        f.write("tags = police\nlang = es\n")
    wait_for(lambda: srv.gemini("/" + STMT)[0].endswith("lang=es"),
             what="the new lang in the header")


def test_gopher_menu_rendering_of_a_statement(make_server):
    srv = make_server(files=FILES)
    text = srv.gopher("0/" + STMT).decode()
    assert "Words of the statement." in text and "\t" not in text
    menu = srv.gopher("1/" + STMT).decode()
    assert "1Hello\t/hello.gmi\tlocalhost\t" in menu
    assert menu.endswith(".\r\n")


def test_explicit_default_port_and_foreign_hosts(make_server):
    srv = make_server()
    # The server listens elsewhere; :1965 is the default port, as when
    # the port is left out.
    url = "gemini://localhost:1965/hello.gmi"
    assert srv.gemini(url)[0].startswith("20 ")
    for _ in range(3):
        assert srv.gemini("gemini://example.org/")[0].startswith("53 ")
    line = "request for host example.org, not ours (hostname = localhost)"
    wait_for(lambda: line in srv.output(), what="the foreign host logged")
    assert srv.output().count(line) == 1


def test_no_spelling_of_a_path_reaches_a_sidecar(make_server):
    """Found by fuzz_gopher_handler: "/..//statements/…/x.ini" went past
    the router (it saw "//statements") to the file tree, which served it."""
    srv = make_server(files=FILES)
    os.symlink("statements/2024", os.path.join(srv.content, "alias"))
    for path in ("//" + SIDE, "/..//" + SIDE, "/statements//2024/" +
                 os.path.basename(SIDE), "/%2F" + SIDE,
                 "/alias/" + os.path.basename(SIDE)):
        data = srv.gopher(path)
        assert data.startswith(b"3") and b"private" not in data, path
        if "%" not in path or path.startswith("/%2F"):
            head, body = srv.gemini(path)
            assert head.startswith("51 ") and b"private" not in body, path
