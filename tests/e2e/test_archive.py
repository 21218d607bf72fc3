# SPDX-License-Identifier: ISC
"""End-to-end tests of the archive: generated pages on both protocols, the
Atom feed, search, live publishing and bad sidecars."""
import datetime
import os
import re
import shutil
import signal
import time
import urllib.parse
import xml.etree.ElementTree as ET

import pytest

from conftest import wait_for

SEED = "2025-06-09-stop-the-attacks-on-migrants.gmi"
SEED_TITLE = "Stop the attacks on migrants \u2013 resistance is not a crime!"
ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
LIVE_SECONDS = 2.0


def text(body):
    return body.decode("utf-8")


def gem_ok(server, path):
    head, body = server.gemini(path)
    assert head.startswith("20 "), (path, head)
    return head, text(body)


def gopher_text(server, sel):
    data = server.gopher(sel)
    assert data.endswith(b".\r\n"), data[-40:]
    return data.decode("utf-8")


def menu_items(menu):
    items = []
    for line in menu.split("\r\n"):
        if not line or line == ".":
            continue
        f = line[1:].split("\t")
        items.append((line[0], f[0], f[1] if len(f) > 1 else ""))
    return items


# -- Gemini pages ------------------------------------------------------------

def test_home_lists_seed(server):
    head, body = gem_ok(server, "/")
    assert "text/gemini" in head and "lang=en" in head
    assert body.startswith("# Statements\n")
    assert "2025-06-09 " + SEED_TITLE in body
    assert "=> /statements/ " in body
    assert "=> /statements/atom.xml " in body
    assert "=> /search " in body
    assert "gopher://localhost:%d/" % server.gopher_port in body


def test_archive_is_gemfeed(server):
    head, body = gem_ok(server, "/statements/")
    lines = body.split("\n")
    assert lines[0] == "# All statements"
    assert "## 2025" in lines
    entry = [l for l in lines if SEED in l]
    assert entry == ["=> %s 2025-06-09 %s" % (
        server.url("/statements/" + SEED), SEED_TITLE)]
    # newest first
    dates = [m.group(1) for m in
             (re.match(r"^=> \S+ (\d{4}-\d\d-\d\d) ", l) for l in lines) if m]
    assert dates == sorted(dates, reverse=True)


def test_archive_redirect(server):
    head, _ = server.gemini("/statements")
    assert head == "31 /statements/"


def test_year_and_tag_pages(server):
    _, body = gem_ok(server, "/statements/2025/")
    assert "2025-06-09 " + SEED_TITLE in body
    _, body = gem_ok(server, "/statements/tags/")
    for tag in ("migrants", "los-angeles", "ice", "solidarity"):
        assert "=> /statements/tags/%s/ %s (" % (tag, tag) in body
    _, body = gem_ok(server, "/statements/tags/los-angeles/")
    assert "2025-06-09 " + SEED_TITLE in body
    head, _ = server.gemini("/statements/tags/no-such-tag/")
    assert head.startswith("51")


def test_generated_pages_end_with_a_link_home(server):
    _, home = gem_ok(server, "/")
    assert "=> / " not in home
    for path in ("/statements/", "/statements/2025/", "/statements/tags/",
                 "/statements/tags/migrants/", "/search?migrants"):
        _, body = gem_ok(server, path)
        assert body.endswith("\n=> / Home\n"), (path, body[-200:])


def test_statement_served_as_written_with_lang(server):
    head, body = server.gemini("/statements/" + SEED)
    assert head.startswith("20 text/gemini"), head
    assert "lang=en" in head
    path = os.path.join(server.content, "statements", SEED)
    with open(path, "rb") as f:
        raw = f.read()
    # The words as written, byte for byte; the footer after them.
    assert body.startswith(raw)
    assert body[len(raw):].startswith(b"\n---\nDate: ")


def test_atom_feed(server):
    head, body = server.gemini("/statements/atom.xml")
    assert head.startswith("20 application/atom+xml"), head
    root = ET.fromstring(body)
    assert root.tag == ATOM + "feed"
    assert root.find(ATOM + "id").text.startswith("gemini://")
    assert RFC3339.match(root.find(ATOM + "updated").text)
    entries = root.findall(ATOM + "entry")
    assert 1 <= len(entries) <= 50
    titles = [e.find(ATOM + "title").text for e in entries]
    assert SEED_TITLE in titles
    for e in entries:
        assert e.find(ATOM + "id").text.startswith("gemini://")
        assert e.find(ATOM + "link").get("href").startswith("gemini://")
        for k in ("published", "updated"):
            assert RFC3339.match(e.find(ATOM + k).text)
    seed = entries[titles.index(SEED_TITLE)]
    assert seed.find(ATOM + "published").text.startswith("2025-06-09T")
    assert "solidarity" in seed.find(ATOM + "summary").text
    assert seed.find(ATOM + "author/" + ATOM + "name").text == \
        "International Action Center"


# -- search ------------------------------------------------------------------

@pytest.mark.parametrize("q", ["Huerta", "National%20Guard", "huerta",
                               "NATIONAL%20guard", "national+guard"])
def test_search_finds_seed(server, q):
    _, body = gem_ok(server, "/search?" + q)
    assert "2025-06-09 " + SEED_TITLE in body
    assert body.startswith("# Search: ")


def test_search_snippet(server):
    _, body = gem_ok(server, "/search?Huerta")
    assert re.search(r"^> .*Huerta", body, re.M), body


def test_summaries_beyond_the_feed(make_server):
    # 60 statements older than the seed: the feed shows the newest 50 with
    # their summaries; a search hit in an older one's tags only shows its
    # first paragraph, or the summary its sidecar gives.
    files = {}
    for i in range(60):
        day = (datetime.date(2001, 1, 1) + datetime.timedelta(days=i))
        name = "statements/%s-old-%d" % (day.isoformat(), i)
        files[name + ".gmi"] = "# Old %d\n\nFirst paragraph of old %d.\n" % (
            i, i)
    files["statements/2001-01-01-old-0.ini"] = "tags = quietlabel\n"
    files["statements/2001-01-02-old-1.ini"] = (
        "tags = otherlabel\nsummary = The publisher's own words\n")
    srv = make_server(files=files)
    _, body = gem_ok(srv, "/search?quietlabel")
    assert "Old 0" in body
    assert re.search(r"^> First paragraph of old 0\.$", body, re.M), body
    _, body = gem_ok(srv, "/search?otherlabel")
    assert re.search(r"^> The publisher's own words$", body, re.M), body
    _, feed = srv.gemini("/statements/atom.xml")
    entries = ET.fromstring(feed).findall(ATOM + "entry")
    assert len(entries) == 50
    summaries = {e.find(ATOM + "title").text:
                 e.find(ATOM + "summary").text for e in entries}
    assert "solidarity" in summaries[SEED_TITLE]
    assert summaries["Old 59"] == "First paragraph of old 59."
    assert summaries["Old 11"] == "First paragraph of old 11."
    assert "Old 10" not in summaries


def test_search_prompt_and_answers(server):
    head, _ = server.gemini("/search")
    assert head == "10 Search statements"
    _, body = gem_ok(server, "/search?zzzz")
    assert "No statement matches" in body
    assert SEED not in body
    _, body = gem_ok(server, "/search?%2C%2C")
    assert "no word" in body
    _, body = gem_ok(server, "/search?" + "a" * 300)
    assert "too long" in body


def test_search_diacritics(make_server):
    srv = make_server(files={"statements/2024-01-02-cafe.gmi":
                             "# Caf\u00e9 cr\u00e8me\n\nSTRA\u00dfE na\u00efve.\n"})
    for q in ("cafe", "CAF%C3%89", "creme", "strasse", "naive"):
        _, body = gem_ok(srv, "/search?" + q)
        assert "2024-01-02 Caf\u00e9 cr\u00e8me" in body, q


# -- Gopher ------------------------------------------------------------------

def test_gopher_root(server):
    menu = gopher_text(server, "")
    items = menu_items(menu)
    assert items[0][0] == "i" and items[0][1] == "Statements"
    assert ("0", "2025-06-09 " + SEED_TITLE, "/statements/" + SEED) in items
    assert ("1", "All statements, by year", "/statements/") in items
    assert ("7", "Search statements", "/search") in items
    # Pages are listed by their title, as in every folder's menu.
    assert ("1", "About this site", "/about.gmi") in items
    names = [i[1] for i in items]
    assert "about.gmi" not in names
    assert "statements" not in names


def test_gopher_archive_year_tag(server):
    for sel in ("/statements/", "/statements/2025/",
                "/statements/tags/migrants/"):
        items = menu_items(gopher_text(server, sel))
        assert ("0", "2025-06-09 " + SEED_TITLE,
                "/statements/" + SEED) in items, sel
    items = menu_items(gopher_text(server, "/statements/"))
    assert ("i", "2025", "fake") in items or any(
        t == "i" and d == "2025" for t, d, _ in items)


def test_gopher_statement_text(server):
    data = gopher_text(server, "0/statements/" + SEED)
    assert "Huerta" in data
    assert "2025-06-09" in data
    assert "\r\n" in data


def test_gopher_txt_statement_as_written(make_server):
    # A plain-text statement is the publisher's layout: over Gopher only
    # line ends and lone dots change; nothing in it is read as gemtext.
    lines = ["Plain title", "", "=> gemini://example.org/ not a link",
             "* not a list", "# not a heading", ".", "```", "  indented  ",
             "last line"]
    srv = make_server(files={
        "statements/2024-08-01-plain.txt": "\n".join(lines) + "\n"})
    menu = gopher_text(srv, "/statements/")
    assert "\t/statements/2024-08-01-plain.txt\t" in menu
    data = srv.gopher("/statements/2024-08-01-plain.txt")
    want = "\r\n".join(lines).replace("\r\n.\r\n", "\r\n..\r\n")
    assert data.decode("utf-8") == want + "\r\n.\r\n"
    _, body = srv.gemini("/statements/2024-08-01-plain.txt")
    assert body.decode("utf-8") == "\n".join(lines) + "\n"


def test_gopher_search(server):
    for q, found in (("Huerta", True), ("National Guard", True),
                     ("zzzz", False)):
        menu = gopher_text(server, "/search\t" + q)
        assert (SEED in menu) == found, q
    assert "No statement matches" in gopher_text(server, "/search\tzzzz")
    assert "too long" in gopher_text(server, "/search\t" + "b" * 300)


# -- live publishing ---------------------------------------------------------

def live(pred, what):
    """Wait until pred() holds: a change must show within LIVE_SECONDS."""
    return wait_for(pred, timeout=LIVE_SECONDS + 0.5, what=what)


def visible_everywhere(srv, name, title):
    checks = [
        lambda: title in text(srv.gemini("/")[1]),
        lambda: title in text(srv.gemini("/statements/")[1]),
        lambda: title in text(srv.gemini("/statements/2026/")[1]),
        lambda: title in text(srv.gemini("/statements/atom.xml")[1]),
        lambda: name in text(srv.gemini("/search?quokkaword")[1]),
        lambda: title in srv.gopher("").decode(),
        lambda: name in srv.gopher("/search\tquokkaword").decode(),
    ]
    return [c() for c in checks]


def test_live_add_change_delete(make_server):
    srv = make_server()
    name = "2026-03-04-live-one.gmi"
    path = os.path.join(srv.content, "statements", name)
    tmp = path + ".part"
    with open(os.path.join(srv.content, ".tmp-live"), "w") as f:
        f.write("# Live one\n\nA quokkaword appears.\n")
    shutil.copy(os.path.join(srv.content, ".tmp-live"), path)
    live(lambda: all(visible_everywhere(srv, name, "Live one")),
         lambda: "the new statement everywhere (home, archive, year, feed, "
         "search, gopher root, gopher search): %s" % visible_everywhere(
             srv, name, "Live one"))
    # change the title
    with open(tmp, "w") as f:
        f.write("# Live two\n\nA quokkaword again.\n")
    os.rename(tmp, path)
    live(lambda: "Live two" in text(srv.gemini("/statements/")[1]),
         "the new title in the archive")
    # rename (move) to a subfolder
    os.makedirs(os.path.join(srv.content, "statements", "2026"))
    new = os.path.join(srv.content, "statements", "2026", name)
    os.rename(path, new)
    live(lambda: "/statements/2026/" + name in
         text(srv.gemini("/statements/")[1]), "the moved statement's link")
    os.unlink(new)
    live(lambda: not any(visible_everywhere(srv, name, "Live two")),
         lambda: "the deleted statement gone everywhere: %s" %
         visible_everywhere(srv, name, "Live two"))
    assert srv.alive()


def test_flood_gives_few_rebuilds(make_server):
    srv = make_server()
    d = os.path.join(srv.content, "statements", "flood")
    os.makedirs(d)
    for i in range(1000):
        with open(os.path.join(d, "2020-01-%02d-flood-%04d.gmi" %
                               (i % 28 + 1, i)), "w") as f:
            f.write("# Flood %d\n\nfloodword text.\n" % i)
    wait_for(lambda: "1000 statements match" in
             text(srv.gemini("/search?floodword")[1]), timeout=5,
             what="all 1000 statements indexed")
    # A trailing rebuild for events that came while the last build ran
    # must be counted too: one more statement, written after them all, is
    # seen only once every rebuild they caused is done (builds follow one
    # another); its own build is not the flood's.
    with open(os.path.join(d, "2020-02-01-sentinel.gmi"), "w") as f:
        f.write("# Sentinel\n\nsentinelword text.\n")
    wait_for(lambda: "One statement matches" in
             text(srv.gemini("/search?sentinelword")[1]), timeout=5,
             what="the statement written after the flood")
    rebuilds = srv.log_text().count("archive: ") - 1
    # one at start, then a handful for the burst
    assert rebuilds <= 8, srv.log_text()[-2000:]


def slow_archive(first_day, title, n):
    """n statements of 200 words from first_day on, titled "<title> <i>"
    (2,000 take about 60 ms to index under ASan on a 2-core box)."""
    files = {}
    for i in range(n):
        day = first_day + datetime.timedelta(days=i)
        files["statements/%s-%s-%d.gmi" % (day.isoformat(), title.lower(),
                                           i)] = (
            "# %s %d\n\n%s\n" % (title, i, " ".join(
                "w%d" % (i * 7 + k % 97) for k in range(200))))
    return files


GENERATION = re.compile(r"indexer: index: generation (\d+): (\d+) statements")


def mapped_generation(pid):
    with open("/proc/%d/maps" % pid) as f:
        gens = [int(g) for g in re.findall(r"/meta-(\d+)", f.read())]
    return max(gens) if gens else None


def test_sighup_keeps_the_index(make_server):
    """A reload starts new workers over the index the indexer keeps: they
    map the same generation, and nothing is built again."""
    srv = make_server()
    (gen, _), = GENERATION.findall(srv.log_text())
    (old,) = srv.worker_pids()
    srv.signal(signal.SIGHUP)
    new = wait_for(lambda: set(srv.worker_pids()) - {old} and
                   old not in srv.worker_pids() and srv.worker_pids(),
                   what="the new worker alone")
    (pid,) = new
    assert mapped_generation(pid) == int(gen)
    assert len(GENERATION.findall(srv.log_text())) == 1, srv.log_text()
    gem_ok(srv, "/statements/")
    assert srv.alive()


def test_reload_hands_over_without_a_gap(make_server):
    # After SIGHUP the old worker serves until the new one has its index,
    # so no request waits.  The test holds the indexer (SIGSTOP) across
    # the reload: the new worker gets no generation for HOLD seconds,
    # however fast the machine, and every request meanwhile must be
    # answered at once, by the old one.
    HOLD = 1.0          # deliberate: the wait the requests must not see
    srv = make_server()
    (old,) = srv.worker_pids()
    (ix,) = srv.indexer_pids()
    os.kill(ix, signal.SIGSTOP)
    try:
        srv.signal(signal.SIGHUP)
        wait_for(lambda: set(srv.worker_pids()) - {old}, what="a new worker")
        worst, t0 = 0.0, time.monotonic()
        while time.monotonic() - t0 < HOLD:
            t = time.monotonic()
            try:
                head, _ = srv.gemini("/statements/", timeout=HOLD)
            except OSError as e:
                pytest.fail("no answer within %.1f s while the new worker "
                            "waited for its index (%s): a gap in the "
                            "hand-over" % (HOLD, e))
            assert head.startswith("20 "), head
            worst = max(worst, time.monotonic() - t)
        assert old in srv.worker_pids() and srv.holds_listener(old), \
            "the old worker left before the new one served"
    finally:
        os.kill(ix, signal.SIGCONT)
    wait_for(lambda: old not in srv.worker_pids(),
             what="the old worker to leave")
    gem_ok(srv, "/statements/")
    assert worst < HOLD / 2, "a request waited %.2f s for the new worker's " \
        "index" % worst
    assert srv.alive()


def test_broken_sidecar_reported_statement_served(make_server):
    srv = make_server(files={
        "statements/2024-05-01-broken.gmi": "# Broken meta\n\nStill here.\n",
        "statements/2024-05-01-broken.ini":
            "title = Fixed title\nthis line is wrong\ndate = 2024-13-40\n"
            "tags = good, b@d\ncolour = red\n",
        "statements/2024-02-30-bad-date.gmi": "# Bad date\n",
    })
    # The listening socket is open before a worker has indexed: the first
    # answer means the index is built and its complaints are logged.
    gem_ok(srv, "/statements/")
    log = srv.log_text()
    assert "statements/2024-05-01-broken.ini:2:" in log
    assert "statements/2024-05-01-broken.ini:3:" in log
    assert "statements/2024-05-01-broken.ini:4:" in log
    assert ("statements/2024-05-01-broken.ini:4: tag \"b@d\": '@' is not "
            "a letter, digit, '-' or '_'") in log
    assert "statements/2024-05-01-broken.ini:5:" in log
    assert "2024-02-30-bad-date.gmi" in log
    _, body = gem_ok(srv, "/statements/")
    assert "2024-05-01 Fixed title" in body
    assert "Bad date" not in body
    head, _ = srv.gemini("/statements/2024-05-01-broken.gmi")
    assert head.startswith("20 ")
    # The good tag of the line with a bad one is kept.
    _, body = gem_ok(srv, "/statements/tags/good/")
    assert "2024-05-01 Fixed title" in body


def test_tags_in_any_script(make_server):
    srv = make_server(files={
        "statements/2024-03-01-asilo.gmi": "# Asilo\n\nTexto.\n",
        "statements/2024-03-01-asilo.ini":
            "tags = Inmigraci\u00f3n, \u0411\u0435\u0436\u0435\u043d\u0446"
            "\u044b, x\u00bby\n",
    })
    _, body = gem_ok(srv, "/statements/tags/")
    cyr = "\u0431\u0435\u0436\u0435\u043d\u0446\u044b"
    # Shown as written; the URL holds the tag folded as search folds.
    assert "=> /statements/tags/inmigracion/ Inmigraci\u00f3n (1)" in body
    enc = urllib.parse.quote(cyr.encode("utf-8"))
    assert "=> /statements/tags/%s/ %s (1)" % (
        enc, "\u0411" + cyr[1:]) in body
    for path in ("/statements/tags/inmigracion/",
                 "/statements/tags/%s/" % enc):
        _, page = gem_ok(srv, path)
        assert "2024-03-01 Asilo" in page
    assert ("2024-03-01-asilo.ini:1: tag \"x\u00bby\": '\u00bb' is not a "
            "letter, digit, '-' or '_'") in srv.log_text()
    items = menu_items(gopher_text(srv, "/statements/tags/%s/" % enc))
    assert any(d == "2024-03-01 Asilo" for _, d, _ in items)


def test_unreadable_files_reported_others_served(make_server):
    srv = make_server(start=False, files={
        "statements/2024-06-01-locked.gmi": "# Locked away\n\nSecret.\n",
        "statements/2024-06-02-open.gmi": "# Open statement\n\nHello.\n",
        "statements/2024-06-02-open.ini": "title = Never read\n",
    })
    locked = os.path.join(srv.content, "statements/2024-06-01-locked.gmi")
    ini = os.path.join(srv.content, "statements/2024-06-02-open.ini")
    # Unreadable for the worker: as root it serves as user nobody.
    os.chmod(locked, 0)
    os.chmod(ini, 0)
    srv.start()
    _, body = gem_ok(srv, "/statements/")
    log = srv.log_text()
    assert "statements/2024-06-01-locked.gmi: Permission denied; " \
        "not published" in log
    assert "statements/2024-06-02-open.ini: Permission denied" in log
    assert "Locked away" not in body
    assert "2024-06-02 Open statement" in body
    assert SEED_TITLE in body
    _, body = gem_ok(srv, "/search?secret")
    assert "Locked away" not in body
    _, body = gem_ok(srv, "/search?hello")
    assert "Open statement" in body


def test_fifos_never_hang(make_server):
    # A fifo named like a sidecar or a statement is not read (opening one
    # would block until a writer came): reported, and the rest is served.
    srv = make_server(start=False, files={
        "statements/2024-07-01-piped.gmi": "# Piped\n\nA pipewordx here.\n",
    })
    st = os.path.join(srv.content, "statements")
    os.mkfifo(os.path.join(st, "2024-07-01-piped.ini"))
    os.mkfifo(os.path.join(st, "2024-07-02-fifo.gmi"))
    srv.start()
    _, body = gem_ok(srv, "/statements/")
    assert "2024-07-01 Piped" in body
    assert "statements/2024-07-01-piped.ini: not a regular file" in \
        srv.log_text()
    # A statement swapped for a fifo after indexing: its search snippet
    # and its Gopher text must not block the worker.
    path = os.path.join(st, "2024-07-01-piped.gmi")
    os.unlink(path)
    os.mkfifo(path)
    t0 = time.monotonic()
    head, _ = srv.gemini("/search?pipewordx")
    srv.gopher("/statements/2024-07-01-piped.gmi")
    assert head.startswith("20 ") and time.monotonic() - t0 < 2
    gem_ok(srv, "/")


def test_one_index_for_all_workers(make_server):
    """Two workers serve one index the indexer built once: one build in
    the log, both workers map its files, and the search finds the last
    statement through either."""
    srv = make_server(conf={"server": {"workers": "2"}},
                      files=slow_archive(datetime.date(1970, 1, 1), "Turn",
                                         n=2000))
    builds = GENERATION.findall(srv.log_text())
    assert len(builds) == 1 and int(builds[0][1]) >= 2000, builds
    pids = srv.worker_pids()
    assert len(pids) == 2
    for pid in pids:
        assert mapped_generation(pid) == int(builds[0][0])
    for _ in range(4):
        _, body = gem_ok(srv, "/search?turn+1999")
        assert "Turn 1999" in body


def test_index_gmi_wins_on_gemini_only(make_server):
    srv = make_server(files={"index.gmi": "# Hand made\n"})
    _, body = gem_ok(srv, "/")
    assert body == "# Hand made\n"
    assert SEED in srv.gopher("").decode()


def test_pages_bounded(make_server):
    files = {}
    for i in range(1500):
        y = 2000 + i % 20
        files["statements/%d-%02d-%02d-s%04d.gmi" % (y, i % 12 + 1, i % 28 + 1, i)] = \
            "# A rather long statement title number %d for paging\n\nx\n" % i
    srv = make_server(files=files)
    _, body = gem_ok(srv, "/statements/")
    assert len(body.encode()) <= 64 * 1024
    assert "=> /statements/2000/ " in body
    _, body = gem_ok(srv, "/statements/2000/")
    assert len(body.encode()) <= 64 * 1024
