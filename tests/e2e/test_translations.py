# SPDX-License-Identifier: ISC
"""End-to-end tests of translations: "2026-04-01-budget.es.gmi" is the
Spanish version of "2026-04-01-budget.gmi".  Each version is served with its
own lang=, lists show the statement once with links to the others by their
languages' own names, each version's footer (Gemini) and References or
menu (Gopher) links the others, every version is an Atom entry with
xml:lang and is found by search.  One fixture is in Russian (Cyrillic),
one in Japanese.  The fixtures are the tests' own: content/ holds only the
publisher's words and no translation is made up for it."""
import os
import re
import xml.etree.ElementTree as ET

from conftest import gem_body, gopher_items, gopher_text as gopher, \
    sighup, wait_for

ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
LIVE_SECONDS = 8.0
D = "statements/2026"
EN = D + "/2026-04-01-budget.gmi"
ES = D + "/2026-04-01-budget.es.gmi"
RU = D + "/2026-04-01-budget.ru.gmi"
JA = D + "/2026-04-01-budget.ja.gmi"
TITLES = {
    EN: "Budget statement",
    ES: "Declaración sobre el presupuesto",
    RU: "Заявление о бюджете",
    JA: "予算に関する声明",
}
FILES = {
    EN: "# Budget statement\n\nThe council approves the budget.\n",
    D + "/2026-04-01-budget.ini": "tags = finance\n",
    ES: "# Declaración sobre el presupuesto\n\n"
        "El consejo aprueba el presupuesto.\n",
    RU: "# Заявление о бюджете\n\nСовет утверждает бюджет.\n",
    # No original: listed on its own, in its own language.
    D + "/2026-04-02-lonely.fr.gmi": "# Seul\n\nUne déclaration seule.\n",
    # Dots in a slug are no language tag.
    D + "/2026-04-03-state.of.union.gmi": "# State of the union\n\nWords.\n",
}


def url(path):
    return "/" + path


def entries(body):
    """The dated (gemfeed) entries of a Gemini list page: their paths."""
    return [line.split()[1] for line in body.splitlines()
            if re.match(r"=> \S+ \d{4}-\d\d-\d\d ", line)]


def test_each_version_is_served_with_its_own_language(make_server):
    srv = make_server(files=FILES)
    for path, lang in ((EN, "en"), (ES, "es"), (RU, "ru"),
                       (D + "/2026-04-02-lonely.fr.gmi", "fr"),
                       (D + "/2026-04-03-state.of.union.gmi", "en")):
        head, body = srv.gemini(url(path))
        assert head == "20 text/gemini; charset=utf-8; lang=%s" % lang, \
            (path, head)
        assert body.decode("utf-8").startswith(FILES[path])  # as written


def test_lists_show_a_statement_once_with_its_other_languages(make_server):
    srv = make_server(files=FILES)
    base = "gemini://localhost:%d" % srv.gemini_port
    es_line = "=> %s/%s español: %s\n" % (base, ES, TITLES[ES])
    ru_line = "=> %s/%s русский: %s\n" % (base, RU, TITLES[RU])
    for page in ("/", "/statements/", "/statements/2026/",
                 "/statements/tags/finance/"):
        body = gem_body(srv, page)
        listed = entries(body)
        assert listed.count(base + url(EN)) == 1, (page, body)
        assert base + url(ES) not in listed and base + url(RU) not in listed
        # The versions right under it, by their own names, no date.
        i = body.index(base + url(EN))
        under = body[body.index("\n", i) + 1:]
        assert under.startswith(es_line + ru_line), (page, body)
        assert "=> %s 2026-04-01 %s\n" % (base + url(EN), TITLES[EN]) \
            in body     # in the site's language: no language said
        if page != "/statements/tags/finance/":
            # A translation without its original is listed on its own,
            # its language said after its title.
            assert "=> %s/%s/2026-04-02-lonely.fr.gmi 2026-04-02 Seul " \
                "(français)\n" % (base, D) in body, body
            assert base + "/%s/2026-04-03-state.of.union.gmi" % D in listed
    # Tag counts count the statement once.
    assert "finance (1)" in gem_body(srv, "/statements/tags/")


def footer(body):
    assert "\n---\nDate: " in body, body
    return body[body.index("\n---\nDate: "):]


def test_each_footer_links_the_other_versions(make_server):
    srv = make_server(files=FILES)
    want = {
        EN: [(ES, "español"), (RU, "русский")],
        ES: [(EN, "English"), (RU, "русский")],
        RU: [(EN, "English"), (ES, "español")],
    }
    for path, others in want.items():
        foot = footer(gem_body(srv, url(path)))
        block = "Other languages:\n" + "".join(
            "=> %s %s\n" % (url(p), name) for p, name in others)
        assert block in foot, (path, foot)
        for p, _ in others:         # every link answers
            assert srv.gemini(url(p))[0].startswith("20 ")
    lonely = footer(gem_body(srv, "/%s/2026-04-02-lonely.fr.gmi" % D))
    assert "Other languages" not in lonely


def test_every_version_is_in_atom_with_xml_lang(make_server):
    srv = make_server(files=FILES)
    feed = ET.fromstring(gem_body(srv, "/statements/atom.xml"))
    assert feed.tag == ATOM + "feed" and feed.get(XML_LANG) == "en"
    langs = {}
    for e in feed.findall(ATOM + "entry"):
        href = e.find(ATOM + "link").get("href")
        langs[href.split("/", 3)[3]] = (e.get(XML_LANG),
                                        e.find(ATOM + "title").text)
    assert langs[EN] == ("en", TITLES[EN]) or langs[EN] == (None, TITLES[EN])
    assert langs[ES] == ("es", TITLES[ES])
    assert langs[RU] == ("ru", TITLES[RU])
    assert langs[D + "/2026-04-02-lonely.fr.gmi"][0] == "fr"
    ids = [e.find(ATOM + "id").text for e in feed.findall(ATOM + "entry")]
    assert len(ids) == len(set(ids))


def test_search_finds_every_version_in_its_own_script(make_server):
    srv = make_server(files=FILES)
    assert url(RU) in gem_body(srv, "/search?%D0%B1%D1%8E%D0%B4%D0%B6%D0%B5"
                                    "%D1%82")          # "бюджет"
    body = gem_body(srv, "/search?presupuesto")
    assert "%s 2026-04-01 %s (español)\n" % (url(ES), TITLES[ES]) in body
    body = gopher(srv, "/search\tбюджет")
    assert "/" + RU in body and TITLES[RU] in body


def test_gopher_lists_and_statements_link_the_other_versions(make_server):
    srv = make_server(files=FILES)
    for sel in ("", "/statements/", "/statements/2026/",
                "/statements/tags/finance/"):
        items = gopher_items(gopher(srv, sel))
        sels = [s for _, _, s in items]
        assert sels.count(url(EN)) == 1, (sel, items)
        i = sels.index(url(EN))
        assert items[i + 1] == ("0", "  español: " + TITLES[ES], url(ES))
        assert items[i + 2] == ("0", "  русский: " + TITLES[RU], url(RU))
        assert items[i][1] == "2026-04-01 " + TITLES[EN]
        if sel != "/statements/tags/finance/":
            assert ("0", "2026-04-02 Seul (français)",
                    "/%s/2026-04-02-lonely.fr.gmi" % D) in items, items
    # The statement as text: the other languages under its date, and
    # their URLs among the References.
    body = gopher(srv, url(EN))
    assert "Also in: español, русский\r\n" in body, body
    refs = body[body.index("References\r\n"):]
    host = "gopher://localhost:%d/0/" % srv.gopher_port
    assert "[1] español: %s\r\n    %s%s\r\n" % (TITLES[ES], host, ES) in refs
    assert "[2] русский: %s\r\n" % TITLES[RU] in refs
    # As a menu: an item each.
    items = gopher_items(gopher(srv, "/1/" + EN))
    i = items.index(("i", "Other languages:", ""))
    assert items[i + 1] == ("0", "español: " + TITLES[ES], url(ES))
    assert items[i + 2] == ("0", "русский: " + TITLES[RU], url(RU))
    for _, _, s in items[i + 1:i + 3]:
        assert not gopher(srv, s).startswith("3")
    body = gopher(srv, url(RU))
    assert "Also in: English, español\r\n" in body


def test_a_translation_added_later_shows_on_its_original(make_server):
    srv = make_server(files=FILES)
    assert "日本語" not in gem_body(srv, url(EN))
    with open(os.path.join(srv.content, JA), "w", encoding="utf-8") as f:
        f.write("# 予算に関する声明\n\n議会は予算を承認する。\n")
    wait_for(lambda: "=> %s 日本語\n" % url(JA) in gem_body(srv, url(EN)),
             LIVE_SECONDS, what="the Japanese version in the footer")
    assert "日本語: " + TITLES[JA] in gem_body(srv, "/statements/")
    assert "  日本語: " + TITLES[JA] in gopher(srv, "/statements/")
    head, _ = srv.gemini(url(JA))
    assert "lang=ja" in head
    # Removed again: gone from the original's footer and lists.
    os.unlink(os.path.join(srv.content, ES))
    wait_for(lambda: "español" not in gem_body(srv, url(EN)),
             LIVE_SECONDS, what="the Spanish version gone")
    assert "español" not in gem_body(srv, "/statements/")


def test_an_original_removed_leaves_its_translations_listed(make_server):
    """Without the original, the versions in languages broadside knows
    are still one statement: listed once (the first by name, none being in
    the site's language), the other under it."""
    srv = make_server(files=FILES)
    base = "gemini://localhost:%d" % srv.gemini_port
    os.unlink(os.path.join(srv.content, EN))
    wait_for(lambda: "=> %s/%s 2026-04-01 %s" % (base, ES, TITLES[ES])
             in gem_body(srv, "/statements/"), LIVE_SECONDS,
             what="the Spanish version listed in its place")
    body = gem_body(srv, "/statements/")
    assert "=> %s/%s русский: %s\n" % (base, RU, TITLES[RU]) in body
    assert base + url(RU) not in entries(body)
    assert "English" not in body
    foot = footer(gem_body(srv, url(ES)))
    assert "Other languages:\n=> %s русский\n" % url(RU) in foot
    assert "English" not in foot


def test_lists_show_the_version_in_the_site_language(make_server):
    files = {
        # The original is German (its sidecar says so), an English
        # translation exists: lists show the English one, in the site's
        # language.
        D + "/2026-05-01-treaty.gmi": "# Vertrag\n\nWorte.\n",
        D + "/2026-05-01-treaty.ini": "lang = de\n",
        D + "/2026-05-01-treaty.en.gmi": "# Treaty\n\nWords.\n",
        # No original: two known languages make one statement, listed once.
        D + "/2026-05-02-note.es.gmi": "# Nota\n",
        D + "/2026-05-02-note.fr.gmi": "# Note\n",
        # Tags of no language we know, without an original: two statements.
        D + "/2026-05-03-report.old.gmi": "# Old report\n",
        D + "/2026-05-03-report.new.gmi": "# New report\n",
    }
    srv = make_server(files=files)
    base = "gemini://localhost:%d/%s/" % (srv.gemini_port, D)
    body = gem_body(srv, "/statements/2026/")
    listed = entries(body)
    assert base + "2026-05-01-treaty.en.gmi" in listed, body
    assert base + "2026-05-01-treaty.gmi" not in listed
    assert "=> %s2026-05-01-treaty.gmi Deutsch: Vertrag\n" % base in body
    assert [p for p in listed if "note" in p] == \
        [base + "2026-05-02-note.es.gmi"], body
    assert "=> %s2026-05-02-note.fr.gmi français: Note\n" % base in body
    assert base + "2026-05-03-report.old.gmi" in listed
    assert base + "2026-05-03-report.new.gmi" in listed
    head, _ = srv.gemini("/%s/2026-05-01-treaty.gmi" % D)
    assert head.endswith("lang=de"), head
    head, _ = srv.gemini("/%s/2026-05-03-report.old.gmi" % D)
    assert head.endswith("lang=en"), head       # "old" is no language
    foot = footer(gem_body(srv, "/%s/2026-05-01-treaty.en.gmi" % D))
    assert "Other languages:\n=> /%s/2026-05-01-treaty.gmi Deutsch\n" % D \
        in foot
    # The site's language changed: the lists show its version now.
    srv.conf["server"]["lang"] = "fr"
    srv.write_conf()
    sighup(srv)
    wait_for(lambda: base + "2026-05-02-note.fr.gmi" in entries(
        gem_body(srv, "/statements/2026/")), LIVE_SECONDS,
        what="the French version listed")
    body = gem_body(srv, "/statements/2026/")
    assert base + "2026-05-02-note.es.gmi" not in entries(body)
    assert "=> %s2026-05-02-note.es.gmi español: Nota\n" % base in body
