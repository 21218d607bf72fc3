# SPDX-License-Identifier: ISC
"""End-to-end tests of the editorial keys of a statement's sidecar: drafts,
scheduled publication, corrections and withdrawals, on both protocols.
The fixtures are the tests' own; content/ is the publisher's."""
import datetime
import os
import time
import xml.etree.ElementTree as ET

from conftest import gem_body, gopher_text as gopher, wait_for

ATOM = "{http://www.w3.org/2005/Atom}"
LIVE_SECONDS = 5.0
WORD = "zebrafinch"     # a word only the fixtures hold


def text(body):
    return body.decode("utf-8")


def everywhere(srv, needle):
    """Where `needle` (a title or a file name) shows: every generated page
    and feed of both protocols, and search for WORD."""
    return {
        "home": needle in gem_body(srv, "/"),
        "archive": needle in gem_body(srv, "/statements/"),
        "year": needle in text(srv.gemini("/statements/2026/")[1]),
        "tag": needle in text(srv.gemini("/statements/tags/edit/")[1]),
        "feed": needle in gem_body(srv, "/statements/atom.xml"),
        "search": needle in gem_body(srv, "/search?" + WORD),
        "gopher root": needle in gopher(srv, ""),
        "gopher archive": needle in gopher(srv, "/statements/"),
        "gopher year": needle in gopher(srv, "/statements/2026/"),
        "gopher tag": needle in gopher(srv, "/statements/tags/edit/"),
        "gopher feed": needle in gopher(srv, "/statements/atom.xml"),
        "gopher search": needle in gopher(srv, "/search\t" + WORD),
    }


def nowhere(srv, needle):
    return not any(everywhere(srv, needle).values())


def gopher_not_found(data):
    return data.startswith("3") and "Not found" in data.split("\r\n")[0]


PUBLIC = ("statements/2026-01-10-public.gmi",
          "# Public one\n\nA %s is public.\n" % WORD)
PUBLIC_INI = ("statements/2026-01-10-public.ini", "tags = edit\n")


def fixture(name, title, ini):
    base = "statements/" + name
    return {base + ".gmi": "# %s\n\nThe %s text of %s.\n" % (title, WORD,
                                                             title),
            base + ".ini": ini}


# -- drafts ------------------------------------------------------------------

def test_draft_is_nowhere(make_server):
    files = dict([PUBLIC, PUBLIC_INI])
    files.update(fixture("2026-02-01-secret-plan", "Secret plan",
                         "draft = yes\ntags = edit\n"))
    srv = make_server(files=files)
    assert all(everywhere(srv, "Public one").values()), \
        everywhere(srv, "Public one")
    assert nowhere(srv, "Secret plan"), everywhere(srv, "Secret plan")
    assert nowhere(srv, "secret-plan")
    for path in ("/statements/2026-02-01-secret-plan.gmi",
                 "/statements/2026-02-01-secret-plan.ini"):
        head, body = srv.gemini(path)
        assert head == "51 Not found", (path, head)
        assert body == b""
        for sel in (path, "0" + path, "1" + path, "/0" + path):
            assert gopher_not_found(gopher(srv, sel)), sel
    # Exactly as a path that never existed.
    assert srv.gemini("/statements/2026-02-02-never.gmi")[0] == \
        "51 Not found"
    assert srv.gemini("/statements/2026-02-01-secret-plan.gmi")[0] == \
        srv.gemini("/statements/2026-02-02-never.gmi")[0]
    # The count of the year and the tag does not give it away.
    assert "(1)" in gem_body(srv, "/statements/tags/")


def test_draft_published_and_back(make_server):
    files = dict([PUBLIC, PUBLIC_INI])
    files.update(fixture("2026-02-01-soon", "Soon out", "draft = yes\n"))
    srv = make_server(files=files)
    ini = os.path.join(srv.content, "statements", "2026-02-01-soon.ini")
    url = "/statements/2026-02-01-soon.gmi"
    assert srv.gemini(url)[0] == "51 Not found"
    with open(ini + ".part", "w") as f:
        f.write("draft = no\ntags = edit\n")
    os.rename(ini + ".part", ini)
    wait_for(lambda: all(everywhere(srv, "Soon out").values()),
             LIVE_SECONDS, what=lambda: "the draft published everywhere: %s"
             % everywhere(srv, "Soon out"))
    head, body = srv.gemini(url)
    assert head.startswith("20 text/gemini")
    assert b"Soon out" in body
    assert "Soon out" in gopher(srv, url)
    # Back to a draft: gone again, its raw file too.
    with open(ini + ".part", "w") as f:
        f.write("draft = true\n")
    os.rename(ini + ".part", ini)
    wait_for(lambda: nowhere(srv, "Soon out"), LIVE_SECONDS,
             what=lambda: "the draft gone: %s" % everywhere(srv, "Soon out"))
    assert srv.gemini(url)[0] == "51 Not found"
    assert gopher_not_found(gopher(srv, url))


def test_new_statement_with_draft_sidecar_never_served(make_server):
    """The sidecar written first, then the statement: no moment at which
    the raw file is served, even before the indexer has read it."""
    srv = make_server(files=dict([PUBLIC]))
    d = os.path.join(srv.content, "statements")
    with open(os.path.join(d, "2026-03-01-quiet.ini"), "w") as f:
        f.write("draft = yes\n")
    with open(os.path.join(d, "2026-03-01-quiet.gmi"), "w") as f:
        f.write("# Quiet one\n\nNot yet.\n")
    url = "/statements/2026-03-01-quiet.gmi"
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        assert srv.gemini(url)[0] == "51 Not found"
        assert gopher_not_found(gopher(srv, url))
    assert nowhere(srv, "Quiet one")


def test_bad_editorial_values_reported(make_server):
    files = dict([PUBLIC])
    files.update(fixture("2026-02-01-bad", "Bad values",
                         "draft = maybe\npublish = 2026-13-01\n"
                         "publish = 2026-12-01T09:00\n"
                         "updated = 2026-01-01\ncorrection = \n"
                         "withdrawn = soon\nreason = no date\n"))
    srv = make_server(files=files)
    log = srv.log_text()
    ini = "statements/2026-02-01-bad.ini"
    assert ini + ":1: draft: not yes or no" in log
    assert ini + ":2: publish: month out of range" in log
    assert ini + ":3: publish: time without Z or an offset" in log
    assert ini + ":4: updated: before the statement's date" in log
    assert ini + ":5: correction: empty" in log
    assert ini + ":6: withdrawn: date is not YYYY-MM-DD" in log
    assert ini + ":7: reason without a withdrawn date" in log
    # A bad draft, publish or withdrawn value holds the statement back
    # until it is fixed: a typo must not break an embargo.
    assert nowhere(srv, "Bad values")
    assert srv.gemini("/statements/2026-02-01-bad.gmi")[0] == "51 Not found"
    # A bad updated or correction only loses the correction.
    ini = os.path.join(srv.content, ini)
    with open(ini + ".part", "w") as f:
        f.write("updated = 2026-01-01\ncorrection = \n")
    os.rename(ini + ".part", ini)
    wait_for(lambda: all(everywhere(srv, "Bad values")[k] for k in
                         ("home", "feed", "search", "gopher root")),
             LIVE_SECONDS, what="the fixed statement published")
    assert "corrected" not in gem_body(srv, "/statements/")


# -- withdrawals ---------------------------------------------------------------

def test_withdrawn_gone_with_reason(make_server):
    files = dict([PUBLIC, PUBLIC_INI])
    files.update(fixture("2026-02-01-retracted", "Retracted claim",
                         "tags = edit\nwithdrawn = 2026-02-05\n"
                         "reason = The figures were wrong\n"))
    srv = make_server(files=files)
    assert nowhere(srv, "Retracted claim"), everywhere(srv, "Retracted claim")
    url = "/statements/2026-02-01-retracted.gmi"
    head, body = srv.gemini(url)
    assert head == "52 The figures were wrong"
    assert body == b""
    for sel in (url, "0" + url):
        t = gopher(srv, sel)
        assert "withdrawn on 2026-02-05" in t, t
        assert "Reason: The figures were wrong" in t
        assert WORD not in t and "Retracted claim" not in t
        assert t.endswith("\r\n.\r\n") and "\n" not in t.replace("\r\n", "")
    menu = gopher(srv, "1" + url)
    assert menu.startswith("i")
    assert "withdrawn on 2026-02-05" in menu and WORD not in menu
    # Its sidecar stays hidden.
    assert srv.gemini(url[:-4] + ".ini")[0] == "51 Not found"


def test_withdrawn_without_reason(make_server):
    files = dict([PUBLIC])
    files.update(fixture("2026-02-01-plain-gone", "Plain gone",
                         "withdrawn = 2026-02-03\n"))
    srv = make_server(files=files)
    head, _ = srv.gemini("/statements/2026-02-01-plain-gone.gmi")
    assert head == "52 Withdrawn on 2026-02-03"


def test_withdrawal_live(make_server):
    files = dict([PUBLIC, PUBLIC_INI])
    files.update(fixture("2026-02-01-live-w", "Live withdrawal",
                         "tags = edit\n"))
    srv = make_server(files=files)
    assert all(everywhere(srv, "Live withdrawal").values())
    ini = os.path.join(srv.content, "statements", "2026-02-01-live-w.ini")
    with open(ini + ".part", "w") as f:
        f.write("tags = edit\nwithdrawn = 2026-02-09\nreason = Superseded\n")
    os.rename(ini + ".part", ini)
    wait_for(lambda: srv.gemini("/statements/2026-02-01-live-w.gmi")[0] ==
             "52 Superseded", LIVE_SECONDS, what="52 after the withdrawal")
    assert nowhere(srv, "Live withdrawal")


# -- corrections and Atom dates --------------------------------------------------

def feed_entries(srv):
    root = ET.fromstring(srv.gemini("/statements/atom.xml")[1])
    out = {}
    for e in root.findall(ATOM + "entry"):
        link = e.find(ATOM + "link").get("href")
        out[link.rsplit("/", 1)[1]] = (e.find(ATOM + "published").text,
                                       e.find(ATOM + "updated").text)
    return root.find(ATOM + "updated").text, out


def test_correction_keeps_place_and_dates_feed(make_server):
    files = {
        "statements/2026-01-05-first.gmi": "# First one\n\nA %s.\n" % WORD,
        "statements/2026-01-20-second.gmi": "# Second one\n\nText.\n",
        "statements/2026-01-20-second.ini": "tags = edit\n"
            "updated = 2026-03-02\ncorrection = A figure in the second "
            "paragraph was wrong\n",
        "statements/2026-01-10-third.gmi": "# Third one\n\nText.\n",
        "statements/2026-01-10-third.ini": "updated = 2026-02-01\n",
    }
    srv = make_server(files=files, repo_content=False)
    body = gem_body(srv, "/statements/")
    lines = body.split("\n")
    second = [i for i, l in enumerate(lines) if "Second one" in l][0]
    assert lines[second] == ("=> gemini://localhost:%d/statements/"
                             "2026-01-20-second.gmi 2026-01-20 Second one "
                             "(corrected 2026-03-02)" % srv.gemini_port)
    assert lines[second + 1] == ("Correction: A figure in the second "
                                 "paragraph was wrong")
    # Its place is its date's: newest first, second, third, first.
    order = [l for l in lines if l.startswith("=> gemini://")]
    assert [o.split(" ")[2] for o in order] == ["2026-01-20", "2026-01-10",
                                                "2026-01-05"]
    assert "2026-01-10 Third one (corrected 2026-02-01)" in body
    for page in ("/", "/statements/2026/", "/statements/tags/edit/",
                 "/search?second"):
        assert "Second one (corrected 2026-03-02)" in gem_body(srv, page), page
    # Atom: updated is the correction's date, else the statement's own.
    feed_up, entries = feed_entries(srv)
    assert entries["2026-01-20-second.gmi"] == ("2026-01-20T00:00:00Z",
                                                "2026-03-02T00:00:00Z")
    assert entries["2026-01-10-third.gmi"] == ("2026-01-10T00:00:00Z",
                                               "2026-02-01T00:00:00Z")
    assert entries["2026-01-05-first.gmi"] == ("2026-01-05T00:00:00Z",
                                               "2026-01-05T00:00:00Z")
    assert feed_up == "2026-03-02T00:00:00Z"
    # Gopher menus: the line says so, the note is an info line below.
    for sel in ("", "/statements/", "/statements/2026/",
                "/statements/tags/edit/"):
        menu = gopher(srv, sel).split("\r\n")
        i = [k for k, l in enumerate(menu) if "Second one" in l][0]
        assert menu[i].startswith("0") and "(corrected 2026-03-02)" in menu[i]
        assert menu[i + 1].startswith("iCorrected 2026-03-02: A figure in "
                                      "the second"), (sel, menu[i + 1])


def test_feed_dates_survive_a_copy(make_server):
    """The file times change (a copy to a new machine, a git clone): no
    <updated> does."""
    files = {
        "statements/2026-01-05-first.gmi": "# First one\n\nText.\n",
        "statements/2026-01-20-second.gmi": "# Second one\n\nText.\n",
        "statements/2026-01-20-second.ini": "updated = 2026-03-02\n",
    }
    srv = make_server(files=files, repo_content=False)
    before = feed_entries(srv)
    d = os.path.join(srv.content, "statements")
    for name in sorted(os.listdir(d)):
        p = os.path.join(d, name)
        with open(p, "rb") as f:
            data = f.read()
        os.unlink(p)
        with open(p + ".new", "wb") as f:
            f.write(data)
        os.utime(p + ".new", (time.time() + 86400 * 30,) * 2)
        os.rename(p + ".new", p)
    # A new statement shows the indexer has read the copies.
    with open(os.path.join(d, "2026-01-02-marker.gmi"), "w") as f:
        f.write("# Marker\n")
    wait_for(lambda: "2026-01-02-marker.gmi" in feed_entries(srv)[1],
             LIVE_SECONDS, what="the marker in the feed")
    after = feed_entries(srv)
    del after[1]["2026-01-02-marker.gmi"]
    assert after == before


# -- scheduled publication -------------------------------------------------------

def iso(t, offset_minutes=0):
    tz = datetime.timezone(datetime.timedelta(minutes=offset_minutes))
    return datetime.datetime.fromtimestamp(int(t), tz).isoformat()


def test_scheduled_published_at_its_moment(make_server):
    files = dict([PUBLIC, PUBLIC_INI])
    files.update(fixture("2026-02-01-embargo", "Embargoed one",
                         "tags = edit\npublish = 2030-01-01T00:00:00Z\n"))
    srv = make_server(files=files)
    url = "/statements/2026-02-01-embargo.gmi"
    assert nowhere(srv, "Embargoed one")
    assert srv.gemini(url)[0] == "51 Not found"
    assert gopher_not_found(gopher(srv, url))
    # A moment three seconds ahead, written with an offset (+02:00).
    moment = int(time.time()) + 3
    ini = os.path.join(srv.content, "statements", "2026-02-01-embargo.ini")
    with open(ini + ".part", "w") as f:
        f.write("tags = edit\npublish = %s\n" % iso(moment, 120))
    os.rename(ini + ".part", ini)
    log_at = len(srv.log_text())

    def reread():
        return srv.log_text().count("index: generation", log_at) > 0
    wait_for(reread, LIVE_SECONDS, what="the new sidecar read")
    assert time.time() < moment, "the machine is too slow for this test"
    assert srv.gemini(url)[0] == "51 Not found"
    assert nowhere(srv, "Embargoed one")
    # No file changes from here: the indexer's timer publishes it.
    wait_for(lambda: srv.gemini(url)[0].startswith("20 "), moment -
             time.time() + 2.0, interval=0.05,
             what="the statement published at its moment")
    assert time.time() >= moment
    late = time.time() - moment
    assert late < 1.5, late
    wait_for(lambda: all(everywhere(srv, "Embargoed one").values()), 2.0,
             what=lambda: "published everywhere: %s" %
             everywhere(srv, "Embargoed one"))
    assert "Embargoed one" in gopher(srv, url)


def test_scheduled_restart_after_moment(make_server):
    """Stopped while scheduled, started again after the moment: published;
    started before another moment: the timer is set from the index read
    back."""
    files = dict([PUBLIC, PUBLIC_INI])
    moment = int(time.time()) + 2
    files.update(fixture("2026-02-01-while-down", "While down",
                         "tags = edit\npublish = %s\n" % iso(moment)))
    files.update(fixture("2026-02-02-later", "Later one",
                         "publish = 2030-01-01\n"))
    # Due after the restart: the timer is set from the index read back.
    after = moment + 4
    files.update(fixture("2026-02-03-after", "After restart",
                         "publish = %s\n" % iso(after, -90)))
    srv = make_server(files=files, conf={"server": {"state": "state"}})
    state = srv.conf["server"].get("state")
    assert srv.gemini("/statements/2026-02-01-while-down.gmi")[0] == \
        "51 Not found"
    srv.stop()
    wait_for(lambda: time.time() > moment + 0.5, 5.0, what="the moment")
    log_at = len(srv.log_text())
    srv.start()
    assert srv.conf["server"].get("state") == state
    # The index was read back, not built again.
    assert "from the state directory" in srv.log_text()[log_at:]
    wait_for(lambda: all(everywhere(srv, "While down").values()),
             LIVE_SECONDS, what=lambda: "published after the restart: %s" %
             everywhere(srv, "While down"))
    assert nowhere(srv, "Later one")
    assert srv.gemini("/statements/2026-02-02-later.gmi")[0] == "51 Not found"
    assert time.time() < after, "the machine is too slow for this test"
    assert nowhere(srv, "After restart")
    wait_for(lambda: "After restart" in gem_body(srv, "/statements/"),
             after - time.time() + 2.0, interval=0.05,
             what="the second statement published at its moment")
    assert time.time() >= after


def test_scheduled_restart_before_moment(make_server):
    """Restarted before the moment, with nothing else to do: the index read
    back holds no record of it, only its moment, which sets the timer."""
    files = dict([PUBLIC])
    moment = int(time.time()) + 5
    files.update(fixture("2026-02-04-timer", "Timer from the image",
                         "publish = %s\n" % iso(moment)))
    srv = make_server(files=files, conf={"server": {"state": "state"}})
    srv.stop()
    log_at = len(srv.log_text())
    srv.start()
    log = srv.log_text()[log_at:]
    assert "from the state directory" in log
    assert time.time() < moment, "the machine is too slow for this test"
    assert nowhere(srv, "Timer from the image")
    wait_for(lambda: "Timer from the image" in gem_body(srv, "/statements/"),
             moment - time.time() + 2.0, interval=0.05,
             what="the statement published at its moment")
    assert time.time() >= moment
