"""Crawl the capsule as a reader would: follow every link a page prints, on
both protocols, and report every one that leads nowhere.

The content tree has statements at the top of the archive, in year folders
and deeper, .gmi and .txt, sidecars with tags and titles, non-ASCII titles
and a slug that needs percent-encoding, no index.gmi (the generated home is
shown), a hand-written about.gmi with absolute, relative and cross-protocol
links, and a subfolder of plain files.

Every failure is collected with the page it was found on, then the test
fails once with the whole list, so one run shows every dead link."""
import os
import re
import time
import urllib.parse
import xml.etree.ElementTree as ET

import pytest

from conftest import DEFAULT_FILES, Server

ATOM = "{http://www.w3.org/2005/Atom}"
WORD = "zorblatt"               # in every statement: search finds them all
MAX_FETCHES = 300               # per crawl: a loop in the links cannot hang us
FETCH_TIMEOUT = 5.0
CRAWL_SECONDS = 20.0
MAX_REDIRECTS = 5

GIF = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c"
                    "00000000010001000002024401003b")

# Statements: path under the archive -> (file text, expected title)
STATEMENTS = {
    "2025-01-05-top.gmi":
        ("# At the top of the archive\n\nA %s word at the top.\n" % WORD,
         "At the top of the archive"),
    "2025-02-11-top-plain.txt":
        ("A plain statement at the top\n\nIts %s paragraph.\n" % WORD,
         "A plain statement at the top"),
    "2024/2024-03-01-x.gmi":
        ("# Inmigraci\u00f3n y derechos\n\nA %s in a year folder.\n" % WORD,
         "Inmigraci\u00f3n y derechos"),
    "2024/2024-07-19-plain.txt":
        ("Plain text in a year folder\n\nThe %s as written.\n" % WORD,
         "Plain text in a year folder"),
    "2023/03/2023-03-07-deep.gmi":
        ("# Deep \u0395\u03bb\u03bb\u03ac\u03b4\u03b1 \u6771\u4eac\n\n"
         "A %s two folders down.\n" % WORD,
         "Deep \u0395\u03bb\u03bb\u03ac\u03b4\u03b1 \u6771\u4eac"),
    "2022/2022-02-02-caf\u00e9 ol\u00e9.gmi":
        ("# Caf\u00e9 ol\u00e9\n\nA %s whose name needs encoding.\n" % WORD,
         "Caf\u00e9 ol\u00e9, \u00bfqu\u00e9 tal?"),     # the sidecar's
}
SIDECARS = {
    "2025-01-05-top.ini": "[statement]\ntags = a, b\n",
    "2024/2024-03-01-x.ini": "[statement]\ntags = b, migrants\n"
                             "author = Comit\u00e9\n",
    "2023/03/2023-03-07-deep.ini": "tags = migrants\n",
    "2022/2022-02-02-caf\u00e9 ol\u00e9.ini":
        "title = Caf\u00e9 ol\u00e9, \u00bfqu\u00e9 tal?\ntags = a\n",
}
YEARS = ("2025", "2024", "2023", "2022")
SEARCHES = (WORD, "migrants", "inmigracion",
            "\u0395\u03bb\u03bb\u03ac\u03b4\u03b1")


def fixture_files():
    files = {"statements/" + k: v[0] for k, v in STATEMENTS.items()}
    files.update({"statements/" + k: v for k, v in SIDECARS.items()})
    files.update({
        "notes/first.gmi": "# First note\n\n=> second.txt The second note\n"
                           "=> ./pic.gif A picture\n=> ../about.gmi Back\n"
                           "=> ../statements/2024/2024-03-01-x.gmi "
                           "A statement, relative\n",
        "notes/second.txt": "The second note.\n",
        "notes/a n\u00f6te, with spaces.txt": "Its name needs encoding.\n",
        "notes/pic.gif": GIF,
        "notes/pic.png": DEFAULT_FILES["image.png"],
    })
    return files


def about_page(srv):
    """Written once the ports are known: absolute links to ourselves."""
    return (
        "# About\n\n"
        "=> /statements/ The archive\n"
        "=> notes/first.gmi A note (relative)\n"
        "=> notes/ The notes folder (relative)\n"
        "=> statements/2023/03/2023-03-07-deep.gmi A deep statement "
        "(relative)\n"
        "=> %s An absolute link to a statement in a year folder\n"
        "=> gopher://localhost:%d/1/statements/ The archive over Gopher\n"
        "=> gopher://localhost:%d/0/notes/second.txt A note over Gopher\n"
        "=> gemini://example.org/elsewhere Another capsule (not followed)\n"
        "=> https://example.org/ The web (not followed)\n"
        "```\n=> /inside-preformatted-is-not-a-link\n```\n"
        % (srv.url("/statements/2024/2024-07-19-plain.txt"),
           srv.gopher_port, srv.gopher_port))


@pytest.fixture(scope="module")
def capsule(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("crawl"), files=fixture_files(),
                 repo_content=False)
    with open(os.path.join(srv.content, "about.gmi"), "w") as f:
        f.write(about_page(srv))
    assert not os.path.exists(os.path.join(srv.content, "index.gmi"))
    srv.start()
    yield srv
    alive = srv.alive()
    srv.stop()
    assert alive, "broadside died during the crawl:\n" + srv.output()


# -- the crawler ---------------------------------------------------------------

def gemtext_links(text):
    """The URL of every link line, outside preformatted blocks."""
    out, pre = [], False
    for line in text.split("\n"):
        line = line.rstrip("\r")
        if line.startswith("```"):
            pre = not pre
        elif not pre and line.startswith("=>"):
            parts = line[2:].strip().split(None, 1)
            if parts:
                out.append(parts[0])
    return out


def quote_iri(url):
    """Percent-encode what a client would (spaces, non-ASCII), keep the rest."""
    return urllib.parse.quote(url, safe=":/?#[]@!$&'()*+,;=%~")


def canon_path(path):
    """One spelling per path: percent-encoded the same way every time."""
    return urllib.parse.quote(urllib.parse.unquote(path),
                              safe="/!$&'()*+,;=:@")


def resolve(base, ref):
    """Resolve ref against a gemini:// base (urljoin only knows http's rules,
    which are RFC 3986's)."""
    if urllib.parse.urlsplit(ref).scheme:
        return ref
    assert base.startswith("gemini://")
    joined = urllib.parse.urljoin("http://" + base[len("gemini://"):], ref)
    return "gemini://" + joined[len("http://"):]


class Crawl:
    """One crawl over both protocols; a link on one leading to the other is
    followed there too."""

    def __init__(self, srv):
        self.srv = srv
        self.hosts = ("localhost", "127.0.0.1")
        self.queue = []                 # (kind, key)
        self.seen = set()
        self.refs = {}                  # (kind, key) -> pages linking to it
        self.failed = []                # (what, a page or a (kind, key))
        self.fetches = 0
        self.stopped = False
        self.ok = {}                    # key -> body of each good answer
        self.deadline = time.monotonic() + CRAWL_SECONDS

    def fail(self, what, where):
        """where: the page the problem is on, or a (kind, key) fetched:
        reported with every page that links to it."""
        self.failed.append((what, where))

    @property
    def failures(self):
        out = []
        for what, where in self.failed:
            if isinstance(where, tuple):
                where = ", ".join(self.refs.get(where, ["?"]))
            out.append("%s\n      found on: %s" % (what, where))
        return out

    # -- queueing ---------------------------------------------------------
    def add(self, node, referrer):
        refs = self.refs.setdefault(node, [])
        if referrer not in refs:
            refs.append(referrer)
        if node not in self.seen:
            self.seen.add(node)
            self.queue.append(node)

    def add_gemini(self, url, referrer):
        key = self.gemini_key(url, referrer)
        if key is not None:
            self.add(("gemini", key), referrer)

    def add_gopher(self, itype, selector, referrer, words=None):
        self.add(("gopher", (itype, selector, words)), referrer)

    def gemini_key(self, url, referrer):
        """The normalised URL to fetch, or None for a link we do not follow
        (another host or scheme).  Links to our own Gopher port go to the
        Gopher queue."""
        u = urllib.parse.urlsplit(url)
        host = (u.hostname or "").lower()
        if u.scheme == "gopher" and host in self.hosts and \
                u.port == self.srv.gopher_port:
            path = urllib.parse.unquote(u.path)
            if path in ("", "/"):
                self.add_gopher("1", "", referrer)
            else:
                self.add_gopher(path[1], path[2:], referrer)
            return None
        if u.scheme == "gopher" and host in self.hosts:
            self.fail("%s: our host, but not our Gopher port" % url, referrer)
            return None
        if u.scheme != "gemini" or host not in self.hosts:
            return None
        if (u.port or 1965) != self.srv.gemini_port:
            self.fail("%s: our host, but not our Gemini port" % url,
                      referrer)
            return None
        if u.fragment:
            self.fail("%s: a link with a fragment (requests may not have "
                      "one)" % url, referrer)
        return urllib.parse.urlunsplit(
            ("gemini", "localhost:%d" % self.srv.gemini_port,
             canon_path(u.path or "/"), u.query, ""))

    # -- fetching ---------------------------------------------------------
    def budget(self, what):
        if self.fetches >= MAX_FETCHES or time.monotonic() > self.deadline:
            self.stopped = True
            self.fail("crawl stopped before %s: %d fetches, %.0f s" % (
                what, self.fetches, CRAWL_SECONDS), "(the crawl)")
            return False
        self.fetches += 1
        return True

    def run(self):
        while self.queue and not self.stopped:
            node = self.queue.pop(0)
            if node[0] == "gemini":
                self.visit_gemini(node[1], node)
            else:
                self.visit_gopher(node[1], node)
        return self

    def gemini_get(self, url, referrer):
        """(status, meta, body, final url) after redirects; None on failure
        (reported)."""
        chain = [url]
        for _ in range(MAX_REDIRECTS + 1):
            if not self.budget(url):
                return None
            try:
                head, body = self.srv.gemini(quote_iri(url),
                                             timeout=FETCH_TIMEOUT)
            except (OSError, AssertionError, UnicodeError) as e:
                self.fail("%s: no answer (%s: %s)" % (
                    url, type(e).__name__, e), referrer)
                return None
            status, _, meta = head.partition(" ")
            if not re.fullmatch(r"[1-6]\d", status):
                self.fail("%s: bad header %r" % (url, head), referrer)
                return None
            if status[0] != "3":
                return status, meta, body, url
            target = resolve(url, meta)
            key = self.gemini_key(target, url)
            if key is None:
                self.fail("%s: redirects off the capsule to %s" % (
                    url, meta), referrer)
                return None
            url = key
            chain.append(url)
        self.fail("redirect loop: %s" % " -> ".join(chain), referrer)
        return None

    def visit_gemini(self, url, referrer):
        got = self.gemini_get(url, referrer)
        if got is None:
            return
        status, meta, body, final = got
        if status in ("10", "11"):
            # A prompt (the search): answer it as a reader would.
            if not urllib.parse.urlsplit(final).query:
                self.add_gemini(final + "?" + WORD, final)
            return
        if status != "20":
            self.fail("%s: %s %s" % (url, status, meta), referrer)
            return
        self.ok[("gemini", url)] = body
        mime = meta.split(";")[0].strip()
        if mime == "text/gemini":
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                self.fail("%s: text/gemini that is not UTF-8" % url,
                          referrer)
                return
            for link in gemtext_links(text):
                self.add_gemini(resolve(final, link), final)
        elif mime == "application/atom+xml":
            try:
                root = ET.fromstring(body)
            except ET.ParseError as e:
                self.fail("%s: bad XML (%s)" % (url, e), referrer)
                return
            for link in root.iter(ATOM + "link"):
                self.add_gemini(resolve(final, link.get("href", "")), final)

    def gopher_get(self, selector, words, referrer, label):
        if not self.budget(label):
            return None
        req = selector if words is None else selector + "\t" + words
        try:
            return self.srv.gopher(req, timeout=FETCH_TIMEOUT)
        except OSError as e:
            self.fail("%s: no answer (%s: %s)" % (label, type(e).__name__, e),
                      referrer)
            return None

    def visit_gopher(self, key, referrer):
        itype, selector, words = key
        label = "gopher %s %r" % (itype, selector)
        if words is not None:
            label += " searching %r" % words
        data = self.gopher_get(selector, words, referrer, label)
        if data is None:
            return
        if itype in "9Ig":
            if not data:
                self.fail("%s: empty" % label, referrer)
            elif re.match(rb"3[^\t\r\n]*\t[^\r\n]*\r\n\.\r\n$", data):
                self.fail("%s: an error menu: %r" % (label, data[:80]),
                          referrer)
            else:
                self.ok[("gopher", key)] = data
            return
        problems = text_problems(data)
        if problems:
            self.fail("%s: %s" % (label, problems), referrer)
            return
        if itype == "0":
            self.ok[("gopher", key)] = data
            return
        lines = data.split(b"\r\n")[:-2]        # "." and the empty tail
        good = True
        for n, raw in enumerate(lines, 1):
            line = raw.decode("utf-8", "replace")
            fields = line[1:].split("\t")
            if len(fields) < 4:
                self.fail("%s: line %d has %d fields: %r" % (
                    label, n, len(fields), line), label)
                good = False
                continue
            t, display, sel, host, port = line[0], fields[0], fields[1], \
                fields[2], fields[3]
            if t == "3":
                self.fail("%s: type 3 line %d: %r" % (label, n, display),
                          referrer)
                good = False
                continue
            if t == "i":
                continue
            if t == "h" and sel.startswith("URL:"):
                self.add_gemini(sel[4:], label)
                continue
            if host not in self.hosts:
                continue
            if port != str(self.srv.gopher_port):
                self.fail("%s: item %r on our host, port %s" % (
                    label, display, port), label)
                continue
            if t == "7":
                self.add_gopher(t, sel, label, WORD)
            elif t in "019Ig":
                self.add_gopher(t, sel, label)
        if good:
            self.ok[("gopher", key)] = data


def text_problems(data):
    """What is wrong with a Gopher text or menu as sent, or ''."""
    if not data.endswith(b".\r\n"):
        return "does not end with '.\\r\\n' (ends %r)" % data[-20:]
    body = data[:-3]
    if body and not body.endswith(b"\r\n"):
        return "the last line has no CRLF before the '.' line"
    lines = body.split(b"\r\n")[:-1] if body else []
    for n, line in enumerate(lines, 1):
        if b"\n" in line or b"\r" in line:
            return "line %d has a bare CR or LF: %r" % (n, line[:60])
        if line.startswith(b".") and not line.startswith(b".."):
            return "line %d starts with a single dot: %r" % (n, line[:60])
    return ""


def statement_file(srv, url):
    """The fixture statement a Gemini URL names, or None."""
    path = urllib.parse.unquote(urllib.parse.urlsplit(url).path)
    if not path.startswith("/statements/"):
        return None
    rel = path[len("/statements/"):]
    return rel if rel in STATEMENTS else None


def report(crawl):
    text = "%d dead links or bad pages (%d fetches):\n  %s" % (
        len(crawl.failures), crawl.fetches, "\n  ".join(crawl.failures))
    return text.replace(crawl.srv.url(""), "")      # paths read better


# -- the tests -------------------------------------------------------------------

def test_crawl_gemini(capsule):
    srv = capsule
    crawl = Crawl(srv)
    crawl.add_gemini(srv.url("/"), "(start)")
    crawl.add_gemini(srv.url("/about.gmi"), "(start)")
    crawl.add_gemini(srv.url("/statements/atom.xml"), "(start)")
    crawl.add_gemini(srv.url("/hello.gmi"), "(start)")
    crawl.add_gemini(srv.url("/listed/"), "(start)")
    for y in YEARS:
        crawl.add_gemini(srv.url("/statements/%s/" % y), "(start)")
    for q in SEARCHES:
        crawl.add_gemini(srv.url("/search?" + urllib.parse.quote(q)),
                         "(start)")
    crawl.run()
    # Every statement was linked from somewhere and read as written,
    # its footer after its words (whose links the crawl followed).
    for rel in STATEMENTS:
        url = srv.url(canon_path("/statements/" + rel))
        if ("gemini", url) not in crawl.seen:
            crawl.fail("%s: never linked" % url, "(any page)")
    for (kind, url), body in crawl.ok.items():
        rel = statement_file(srv, url) if kind == "gemini" else None
        if rel is None:
            continue
        text, want = body.decode("utf-8"), STATEMENTS[rel][0]
        if rel.endswith(".txt"):
            ok = text == want           # plain text: no footer
        else:
            ok = text.startswith(want) and \
                text[len(want):].startswith("\n---\nDate: ")
        if not ok:
            crawl.fail("%s: not the statement as written" % url, "(check)")
    assert not crawl.failures, report(crawl)


def test_crawl_gopher(capsule):
    srv = capsule
    crawl = Crawl(srv)
    crawl.add_gopher("1", "", "(start)")
    crawl.add_gopher("1", "/about.gmi", "(start)")
    for y in YEARS:
        crawl.add_gopher("1", "/statements/%s/" % y, "(start)")
    for q in SEARCHES:
        crawl.add_gopher("7", "/search", "(start)", q)
    crawl.run()
    for rel, (_, title) in STATEMENTS.items():
        key = ("0", "/statements/" + rel, None)
        if ("gopher", key) not in crawl.seen:
            crawl.fail("gopher 0 %r: never listed" % key[1], "(any menu)")
        elif ("gopher", key) in crawl.ok and title.encode() not in \
                crawl.ok[("gopher", key)]:
            crawl.fail("gopher 0 %r: no title %r" % (key[1], title),
                       "(check)")
    assert not crawl.failures, report(crawl)
