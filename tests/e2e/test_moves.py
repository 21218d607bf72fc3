# SPDX-License-Identifier: ISC
"""Moves: the archive folder's .redirects (OLD NEW lines, relative to the
archive folder).  Over Gemini OLD answers 31 to NEW; over Gopher NEW is
served in its place.  Errors are logged with file:line and the other
lines still work; loops and redirects to nothing are reported, not
followed; a change is live; a restart over it reads nothing again."""
import os
import re
import xml.etree.ElementTree as ET

from conftest import wait_for

Y = "statements/2024/"
NEW = Y + "2024-02-02-new.gmi"
REDIRECTS = "statements/.redirects"
FILES = {
    NEW: "# Moved statement\n\nThe words of the moved statement.\n",
    Y + "2024-03-03-here.gmi": "# Still here\n\nA statement that stays.\n",
    REDIRECTS: "# moves of 2024\n"
               "2024/2024-01-01-old.gmi 2024/2024-02-02-new.gmi\n"
               "this line is wrong\n"
               "2024/a.gmi 2024/b.gmi\n"
               "2024/b.gmi 2024/a.gmi\n"
               "2024/lost.gmi 2024/nowhere.gmi\n"
               "2024/2024-03-03-here.gmi 2024/2024-02-02-new.gmi\n"
               "2024/older.gmi 2024/2024-01-01-old.gmi\n",
}


def conf():
    return {"server": {"state": "state", "workers": "2"}}


def log_has(srv, pattern):
    return re.search(pattern, srv.output()) is not None


def test_old_paths_lead_to_the_new_one_on_both_protocols(make_server):
    srv = make_server(conf=conf(), files=FILES)
    for old in ("2024-01-01-old.gmi", "older.gmi"):
        head, _ = srv.gemini("/" + Y + old)
        assert head == "31 /" + NEW, (old, head)
        text = srv.gopher("/" + Y + old).decode()
        assert "Moved statement" in text and "words of the moved" in text
        menu = srv.gopher("/1/" + Y + old).decode()
        assert menu.rstrip().endswith(".") and "\t" in menu
    # The redirect a client follows answers.
    assert srv.gemini("/" + NEW)[0].startswith("20 ")


def test_errors_are_reported_and_the_rest_works(make_server):
    srv = make_server(conf=conf(), files=FILES)
    out = srv.output()
    assert re.search(r"statements/\.redirects:3: ", out), out
    assert re.search(r"statements/\.redirects:4: redirect loop", out), out
    assert re.search(r"statements/\.redirects:6: 2024/lost\.gmi leads to "
                     r"2024/nowhere\.gmi, which is no published statement",
                     out), out
    for gone in ("a.gmi", "b.gmi", "lost.gmi"):
        assert srv.gemini("/" + Y + gone)[0].startswith("51"), gone
        assert srv.gopher("/" + Y + gone).startswith(b"3"), gone
    # A statement at OLD wins over the redirect.
    head, body = srv.gemini("/" + Y + "2024-03-03-here.gmi")
    assert head.startswith("20 ") and b"stays" in body


def test_a_change_is_live_and_a_restart_reads_nothing(make_server):
    srv = make_server(conf=conf(), files=FILES)
    path = os.path.join(srv.content, REDIRECTS)
    with open(path, "a") as f:
        f.write("2024/newest-old-name.gmi 2024/2024-02-02-new.gmi\n")
    wait_for(lambda: srv.gemini("/" + Y + "newest-old-name.gmi")[0] ==
             "31 /" + NEW, what="the new line followed")
    assert log_has(srv, r"the archive's moves")
    srv.stop()
    srv.start()
    wait_for(lambda: log_has(srv, r"matches the archive"),
             what="the restart's walk")
    assert srv.gemini("/" + Y + "newest-old-name.gmi")[0] == "31 /" + NEW
    os.unlink(path)
    wait_for(lambda: srv.gemini("/" + Y + "2024-01-01-old.gmi")[0]
             .startswith("51"), what="the moves gone with the file")


def test_the_feed_id_survives_a_rename(make_server):
    """Atom ids stay those of the first name once .redirects records the
    rename, so subscribers do not see the statement as new."""
    srv = make_server(conf=conf(), files={
        Y + "2024-01-01-first.gmi": "# Renamed later\n\nWords.\n"})
    ns = {"a": "http://www.w3.org/2005/Atom"}

    def entry_id(title):
        feed = ET.fromstring(srv.gemini("/statements/atom.xml")[1])
        for e in feed.findall("a:entry", ns):
            if e.find("a:title", ns).text == title:
                return e.find("a:id", ns).text
        return None
    before = entry_id("Renamed later")
    assert before and before.endswith("2024-01-01-first.gmi")
    os.rename(os.path.join(srv.content, Y + "2024-01-01-first.gmi"),
              os.path.join(srv.content, Y + "2024-01-01-second.gmi"))
    with open(os.path.join(srv.content, REDIRECTS), "w") as f:
        f.write("2024/2024-01-01-first.gmi 2024/2024-01-01-second.gmi\n")
    wait_for(lambda: b"2024-01-01-second.gmi" in
             srv.gemini("/statements/atom.xml")[1], what="the rename")
    assert entry_id("Renamed later") == before
