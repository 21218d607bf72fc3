# SPDX-License-Identifier: ISC
"""The publisher's commands, run as the publisher runs them: `broadside
new` writes a statement (and a sidecar when metadata is given) and never
overwrites; `broadside check` reads the content as the server would and
reports every problem as file:line.  Each test has its own content folder
and config under tmp_path; nothing here starts a server."""
import datetime
import os
import re
import subprocess

import pytest

from conftest import BIN, REPO

CONF = """[server]
hostname = example.org
root = {root}
archive = statements
[gemini]
listen = 127.0.0.1:1965
[gopher]
listen =
"""


def run(*args, cwd=None):
    return subprocess.run([BIN, *args], cwd=cwd, capture_output=True,
                          text=True, timeout=60)


@pytest.fixture
def site(tmp_path):
    """A content root with an empty archive, and its config."""
    root = tmp_path / "content"
    (root / "statements").mkdir(parents=True)
    conf = tmp_path / "broadside.ini"
    conf.write_text(CONF.format(root=root))
    return root, conf


def files(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")
                  if p.is_file())


# -- broadside new ----------------------------------------------------------

def test_new_writes_the_heading_and_prints_the_path(site, tmp_path):
    root, conf = site
    r = run("new", "-c", str(conf), "--date", "2025-06-09",
            "Stop the attacks — on migrants!", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == \
        "content/statements/2025/2025-06-09-stop-the-attacks-on-migrants.gmi\n"
    path = tmp_path / r.stdout.strip()
    assert path.read_text() == "# Stop the attacks — on migrants!\n\n"
    assert files(root) == [
        "statements/2025/2025-06-09-stop-the-attacks-on-migrants.gmi"]


def test_new_path_is_absolute_outside_the_working_directory(site):
    root, conf = site
    r = run("new", "-c", str(conf), "--date", "2025-06-09", "x", cwd="/")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "%s/statements/2025/2025-06-09-x.gmi\n" % root


def test_new_words_are_joined_and_transliterated(site, tmp_path):
    root, conf = site
    r = run("new", "-c", str(conf), "--date", "2025-06-09", "L’état",
            "Straße", "œuvre", "Καλημέρα", "Привет", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().endswith(
        "/2025-06-09-letat-strasse-oeuvre-kalimera-privet.gmi")
    assert (tmp_path / r.stdout.strip()).read_text() == \
        "# L’état Straße œuvre Καλημέρα Привет\n\n"


def test_new_default_date_is_today_utc(site, tmp_path):
    root, conf = site
    before = datetime.datetime.now(datetime.timezone.utc).date()
    r = run("new", "-c", str(conf), "Today", cwd=tmp_path)
    after = datetime.datetime.now(datetime.timezone.utc).date()
    assert r.returncode == 0, r.stderr
    name = os.path.basename(r.stdout.strip())
    assert name in ("%s-today.gmi" % before, "%s-today.gmi" % after)
    assert r.stdout.startswith("content/statements/%s/" % name[:4])


def test_new_never_overwrites(site, tmp_path):
    root, conf = site
    out = []
    for i in range(3):
        r = run("new", "-c", str(conf), "--date", "2025-06-09", "Same title",
                cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        out.append(os.path.basename(r.stdout.strip()))
    assert out == ["2025-06-09-same-title.gmi", "2025-06-09-same-title-2.gmi",
                   "2025-06-09-same-title-3.gmi"]
    # An older statement at the archive's top, or a .txt, takes the name too.
    (root / "statements" / "2025-06-09-older.gmi").write_text("# Older\n")
    (root / "statements" / "2025").mkdir(exist_ok=True)
    (root / "statements" / "2025" / "2025-06-09-plain.txt").write_text("P\n")
    r = run("new", "-c", str(conf), "--date", "2025-06-09", "Older",
            cwd=tmp_path)
    assert r.stdout.strip().endswith("/2025/2025-06-09-older-2.gmi")
    r = run("new", "-c", str(conf), "--date", "2025-06-09", "Plain",
            cwd=tmp_path)
    assert r.stdout.strip().endswith("/2025/2025-06-09-plain-2.gmi")
    # What was there is untouched.
    assert (root / "statements" / "2025" / "2025-06-09-same-title.gmi"
            ).read_text() == "# Same title\n\n"


def test_new_sidecar_only_with_metadata(site, tmp_path):
    root, conf = site
    r = run("new", "-c", str(conf), "--date", "2025-06-09", "--lang", "es",
            "--tags", "Migrants, los-angeles,migrants", "--draft",
            "--publish", "2026-12-01T09:00:00+02:00", "Hola", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "content/statements/2025/2025-06-09-hola.gmi",
        "content/statements/2025/2025-06-09-hola.ini"]
    assert (root / "statements/2025/2025-06-09-hola.ini").read_text() == (
        "lang = es\ntags = Migrants, los-angeles\ndraft = yes\n"
        "publish = 2026-12-01T09:00:00+02:00\n")
    r = run("new", "-c", str(conf), "--date", "2025-06-09", "--publish",
            "2026-12-01", "Later", cwd=tmp_path)
    assert (root / "statements/2025/2025-06-09-later.ini").read_text() == \
        "publish = 2026-12-01\n"
    # A second statement with a sidecar on the same day: both get -2.
    r = run("new", "-c", str(conf), "--date", "2025-06-09", "--draft", "Hola",
            cwd=tmp_path)
    assert r.stdout.splitlines() == [
        "content/statements/2025/2025-06-09-hola-2.gmi",
        "content/statements/2025/2025-06-09-hola-2.ini"]
    assert files(root) == [
        "statements/2025/2025-06-09-hola-2.gmi",
        "statements/2025/2025-06-09-hola-2.ini",
        "statements/2025/2025-06-09-hola.gmi",
        "statements/2025/2025-06-09-hola.ini",
        "statements/2025/2025-06-09-later.gmi",
        "statements/2025/2025-06-09-later.ini"]
    assert (root / "statements/2025/2025-06-09-hola.ini").read_text() \
        .startswith("lang = es")
    # A lone sidecar (its statement renamed) keeps its name taken.
    (root / "statements/2025/2025-06-09-lone.ini").write_text("title = x\n")
    r = run("new", "-c", str(conf), "--date", "2025-06-09", "Lone",
            cwd=tmp_path)
    assert r.stdout.strip().endswith("/2025-06-09-lone-2.gmi")


@pytest.mark.parametrize("args, message", [
    (["--date", "2025-02-30", "x"], "day out of range"),
    (["--date", "25-01-01", "x"], "date is not YYYY-MM-DD"),
    (["--publish", "2026-12-01T09:00:00", "x"], "without Z or an offset"),
    (["--publish", "2026-12-01T25:00Z", "x"], "time is not Thh:mm"),
    (["--publish", "tomorrow", "x"], "date is not YYYY-MM-DD"),
    (["--lang", "e_s", "x"], "not a BCP 47"),
    (["--tags", "a@b", "x"], "'@' is not a letter"),
    (["--tags", " , ", "x"], "no tag"),
    (["x\ny"], "control character"),
    (["   "], "the title is empty"),
    (["x" * 301], "longer than 300 bytes"),
    ([], "no title"),
    (["--bogus", "x"], "usage"),
])
def test_new_bad_arguments_write_nothing(site, tmp_path, args, message):
    root, conf = site
    r = run("new", "-c", str(conf), *args, cwd=tmp_path)
    assert r.returncode == 2
    assert message in r.stderr
    assert r.stdout == ""
    assert files(root) == []
    assert sorted(os.listdir(root / "statements")) == []


def test_new_bad_config_or_archive_writes_nothing(tmp_path):
    r = run("new", "-c", str(tmp_path / "none.ini"), "x", cwd=tmp_path)
    assert r.returncode == 1 and r.stdout == ""
    root = tmp_path / "content"
    root.mkdir()
    conf = tmp_path / "b.ini"
    conf.write_text(CONF.format(root=root))
    r = run("new", "-c", str(conf), "x", cwd=tmp_path)
    assert r.returncode == 1
    assert "no archive folder" in r.stderr
    assert os.listdir(root) == []


def test_new_help():
    r = run("new", "-h")
    assert r.returncode == 0
    assert "--publish" in r.stdout and r.stdout.startswith("usage:")
    r = run("-h")
    assert "broadside new" in r.stdout and "broadside check" in r.stdout


# -- broadside check --------------------------------------------------------

def test_check_shipped_content_is_clean():
    r = run("check", "-c", os.path.join(REPO, "conf", "broadside.ini"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.fullmatch(r"\d+ statements?, 0 errors\n", r.stdout), r.stdout


def test_check_what_new_writes_is_clean(site, tmp_path):
    root, conf = site
    run("new", "-c", str(conf), "--date", "2025-06-09", "--tags", "a,b",
        "--lang", "fr", "Un titre", cwd=tmp_path)
    run("new", "-c", str(conf), "--publish", "2099-01-01T10:00:00Z",
        "Later", cwd=tmp_path)
    r = run("check", "-c", str(conf), cwd=tmp_path)
    assert r.returncode == 0, r.stdout
    assert "scheduled: " in r.stdout and "at 2099-01-01T10:00:00Z" in r.stdout
    assert r.stdout.endswith("2 statements, 0 errors\n")


S = "content/statements/"
# One of each error: (file under content/, its text, [(line, message)]).
FIXTURE = [
    ("statements/2025/2025-01-01-good.gmi",
     "# Good\n\n=> /statements/ archive\n=> /statements/2025/ year\n"
     "=> /statements/tags/ice/ tag\n=> 2025-01-02-other.gmi sibling\n"
     "=> ../../about.gmi up\n=> gemini://example.org/search q\n"
     "=> gemini://EXAMPLE.org:1965/statements/atom.xml feed\n"
     "=> https://example.com/ external\n=> gemini://elsewhere.net/x other\n"
     "=> /docs/ folder\n=> /docs folder without slash\n"
     "=> /statements/2025-01-05-old.gmi moved\n=> /statements/2025 year\n"
     "=> /statements/2025/2025-01-01-good.gmi#top self\n"
     "```\n=> /not-a-link preformatted\n```\n", []),
    ("statements/2025/2025-01-01-good.ini", "tags = ice\n", []),
    ("statements/2025/2025-01-02-other.gmi",
     "# Other\n\n=> /nowhere.gmi a\n=> missing.gmi b\n"
     "=> gemini://example.org/statements/2019/ c\n"
     "=> /statements/tags/nope/ d\n"
     "=> /statements/2025/2025-01-01-good.ini e\n",
     [(3, "broken link /nowhere.gmi: no such file"),
      (4, "broken link missing.gmi: no such file"),
      (5, "broken link gemini://example.org/statements/2019/: "
          "no statement that year"),
      (6, "broken link /statements/tags/nope/: no statement has this tag"),
      (7, "broken link /statements/2025/2025-01-01-good.ini: "
          "a sidecar (never served)")]),
    ("statements/2025/2025-01-03-untitled.gmi", "No heading here.\n",
     [(0, "no title")]),
    ("statements/2025/2025-01-04-badutf8.gmi",
     b"# Bad bytes\n\nline three \xff here\n", [(3, "not valid UTF-8")]),
    ("statements/2025/2025-01-07-dup.gmi", "# Dup\n", []),
    ("statements/2025/2025-01-07-dup.txt", "Dup\n",
     [(0, "duplicate slug: the same date and slug as "
          "2025/2025-01-07-dup.gmi")]),
    ("statements/2025/2025-01-08-hola.es.gmi", "# Hola\n",
     [(0, "translation without its original (2025-01-08-hola.gmi)")]),
    ("statements/2025/2025-01-09-state.of.union.gmi", "# Union\n", []),
    ("statements/2025/2025-02-30-bad.gmi", "# Bad date\n",
     [(0, "bad name: day out of range (not published)")]),
    ("statements/2025/2025-1-1-x.gmi", "# Bad name\n",
     [(0, "bad name: name is not YYYY-MM-DD-slug.gmi")]),
    ("statements/2024/2024-05-05-meta.gmi", "# Meta\n", []),
    ("statements/2024/2024-05-05-meta.ini",
     "author = X\nbogus = 1\ntags = a@b\nlang = e_s\n"
     "publish = 2099-01-01T09:00:00+02:00\ndraft = maybe\n[other]\nx = y\n",
     [(2, "unknown key"), (3, "tag \"a@b\""), (4, "lang is not a BCP 47"),
      (6, "draft: not yes or no"), (8, "unknown section")]),
    ("statements/2024/2024-05-06-sched.gmi", "# Sched\n", []),
    ("statements/2024/2024-05-06-sched.ini", "publish = 2099-06-01\n", []),
    ("statements/2024/2024-05-07-badpub.gmi", "# Bad publish\n", []),
    ("statements/2024/2024-05-07-badpub.ini",
     "; a comment\npublish = 2026-13-01T09:00Z\n",
     [(2, "publish: month out of range")]),
    ("statements/2024/2024-05-08-orphan.ini", "title = x\n",
     [(0, "sidecar without a statement")]),
    ("statements/.redirects",
     "# moves\n2025-01-05-old.gmi 2025/2025-01-01-good.gmi\n"
     "2025-01-06-loop.gmi 2025-01-06-loop2.gmi\n"
     "2025-01-06-loop2.gmi 2025-01-06-loop.gmi\n"
     "2025-01-10-x.gmi 2025/2025-01-10-gone.gmi\njust-one-field\n"
     "/abs.gmi x.gmi\n",
     [(3, "redirect loop"), (4, "redirect loop"),
      (5, "NEW 2025/2025-01-10-gone.gmi: no such statement"),
      (6, "syntax error (expected OLD NEW)"),
      (7, "OLD: path starts with '/'")]),
    ("about.gmi", "# About\n=> /statements/2025/2025-01-01-good.gmi ok\n"
     "=> /gone.gmi broken\n", [(3, "broken link /gone.gmi: no such file")]),
    ("docs/index.gmi", "# Docs\n", []),
]


def test_check_reports_each_error_with_its_line(site, tmp_path):
    root, conf = site
    want = []
    for rel, text, errors in FIXTURE:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
        for line, msg in errors:
            want.append(("content/" + rel, line, msg))
    r = run("check", "-c", str(conf), cwd=tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    findings = []
    for ln in lines:
        m = re.match(r"(content/[^:]+?)(?::(\d+))?: (.*)$", ln)
        if m:
            findings.append((m.group(1), int(m.group(2) or 0), m.group(3)))
    for path, line, msg in want:
        assert any(f[0] == path and f[1] == line and msg in f[2]
                   for f in findings), "missing %s:%d: %s\n%s" % (
                       path, line, msg, r.stdout)
    # Nothing else is reported: the good files and links are good.
    assert len(findings) == len(want), r.stdout
    # Sorted by file and line.
    assert findings == sorted(findings, key=lambda f: (f[0], f[1]))
    assert "scheduled: content/statements/2024/2024-05-05-meta.gmi at " \
        "2099-01-01T07:00:00Z" in r.stdout
    assert "scheduled: content/statements/2024/2024-05-06-sched.gmi at " \
        "2099-06-01T00:00:00Z" in r.stdout
    assert lines[-1] == "11 statements, %d errors" % len(want)


def test_check_usage_and_missing_archive(tmp_path):
    r = run("check", "extra")
    assert r.returncode == 2 and "usage" in r.stderr
    r = run("check", "-h")
    assert r.returncode == 0 and r.stdout.startswith("usage:")
    root = tmp_path / "content"
    root.mkdir()
    conf = tmp_path / "b.ini"
    conf.write_text(CONF.format(root=root))
    r = run("check", "-c", str(conf))
    assert r.returncode == 1 and "no archive folder" in r.stderr


def test_new_at_once_never_takes_one_name_twice(site, tmp_path):
    root, conf = site
    procs = [subprocess.Popen([BIN, "new", "-c", str(conf), "--date",
                               "2025-06-09", "--tags", "a", "Race"],
                              cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
             for _ in range(8)]
    outs = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    gmis = sorted(o.splitlines()[0] for o, _ in outs)
    assert len(set(gmis)) == 8
    assert len(files(root)) == 16      # each with its sidecar
