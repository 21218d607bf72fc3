# SPDX-License-Identifier: ISC
"""End-to-end tests of a statement's attachments (the folder named like it
without its extension) and of its footer over Gemini, on both protocols:
served with their MIME type, listed with type and size in the Gemini
footer, the Gopher menu and the Gopher text's References, and a file added
or removed shows within seconds.  The fixtures are the tests' own."""
import os
import re
import urllib.parse

from conftest import DEFAULT_FILES, gopher_items, wait_for

LIVE_SECONDS = 8.0
NAME = "2026-03-01-with-files"
GMI = "statements/%s.gmi" % NAME
TEXT = "# With files\n\nA statement with its signed PDF and a photo.\n"
PDF = b"%PDF-1.4\n" + b"0" * 1527 + b"\n%%EOF\n"      # 1.5 KiB
PNG = DEFAULT_FILES["image.png"]
MP3 = b"ID3\x03\x00" + bytes(range(256)) * 8           # 2.0 KiB


def files(**extra):
    out = {
        GMI: TEXT,
        "statements/%s.ini" % NAME: "updated = 2026-03-05\n"
                                    "correction = A figure was wrong\n",
        "statements/%s/report.pdf" % NAME: PDF,
        "statements/%s/photo one.png" % NAME: PNG,
        "statements/%s/sound.mp3" % NAME: MP3,
        "statements/%s/.notes" % NAME: "a dotfile, never listed\n",
        "statements/2026-03-02-plain.txt": "Plain words.\n",
        "statements/2026-03-02-plain/x.pdf": PDF,
    }
    out.update(extra)
    return out


def footer_links(body):
    """The footer of a Gemini statement: (its text, its link URLs)."""
    assert "\n---\nDate: " in body, body
    foot = body[body.index("\n---\nDate: "):]
    links = [line.split()[1] for line in foot.splitlines()
             if line.startswith("=> ")]
    return foot, links


def gem_statement(srv, path="/" + GMI):
    head, body = srv.gemini(path)
    assert head.startswith("20 text/gemini"), head
    return body.decode("utf-8")


def test_gemini_footer_lists_attachments_and_every_link_answers(make_server):
    srv = make_server(files=files())
    body = gem_statement(srv)
    # The words as written, byte for byte; the footer after them.
    assert body.startswith(TEXT + "\n---\n"), body
    foot, links = footer_links(body)
    assert "Date: 2026-03-01\n" in foot
    assert "Corrected 2026-03-05: A figure was wrong\n" in foot
    assert "Attachments:\n" in foot
    base = "/statements/%s/" % NAME
    assert "=> %sphoto%%20one.png photo one.png (image/png, %d bytes)\n" % (
        base, len(PNG)) in foot
    assert "=> %sreport.pdf report.pdf (application/pdf, 1.5 KiB)\n" % \
        base in foot
    assert "=> %ssound.mp3 sound.mp3 (audio/mpeg, 2.0 KiB)\n" % base in foot
    assert ".notes" not in foot
    assert foot.endswith("\n=> /statements/ All statements\n=> / Home\n")
    # Every link it prints answers 20, an attachment with its type and
    # its bytes.
    want = {"report.pdf": ("application/pdf", PDF),
            "photo one.png": ("image/png", PNG),
            "sound.mp3": ("audio/mpeg", MP3)}
    for url in links:
        head, data = srv.gemini(url)
        assert head.startswith("20 "), (url, head)
        name = urllib.parse.unquote(url.rsplit("/", 1)[1])
        if url.startswith(base):
            assert head == "20 " + want[name][0], (url, head)
            assert data == want[name][1]
    assert len(links) == 5
    # The dotfile is not served either.
    assert srv.gemini(base + ".notes")[0].startswith("51")


def test_gemini_plain_text_and_footer_off(make_server):
    srv = make_server(files=files())
    head, body = srv.gemini("/statements/2026-03-02-plain.txt")
    assert head.startswith("20 text/plain"), head
    assert body == b"Plain words.\n"        # as written, no footer
    off = make_server(files=files(),
                      conf={"server": {"statement_footer": "no"}})
    head, body = off.gemini("/" + GMI)
    assert head.startswith("20 text/gemini"), head
    assert body == TEXT.encode()
    # The attachments are still served.
    head, data = off.gemini("/statements/%s/report.pdf" % NAME)
    assert head == "20 application/pdf" and data == PDF


def test_gopher_menu_and_text_list_attachments(make_server):
    srv = make_server(files=files())
    sel = "/statements/%s/" % NAME
    items = gopher_items(srv.gopher("/1/" + GMI))
    got = {(t, d, s) for t, d, s in items if s.startswith(sel)}
    assert got == {
        ("d", "report.pdf (application/pdf, 1.5 KiB)", sel + "report.pdf"),
        ("I", "photo one.png (image/png, %d bytes)" % len(PNG),
         sel + "photo one.png"),
        ("s", "sound.mp3 (audio/mpeg, 2.0 KiB)", sel + "sound.mp3"),
    }, items
    assert ("i", "Corrected 2026-03-05: A figure was wrong", "") in \
        [(t, d, "") for t, d, _ in items]
    for _, _, s in got:
        data = srv.gopher(s)
        assert data == {"report.pdf": PDF, "photo one.png": PNG,
                        "sound.mp3": MP3}[s.rsplit("/", 1)[1]]
    text = srv.gopher("/0/" + GMI).decode("utf-8")
    head, refs = text.split("References\r\n----------\r\n")
    assert "2026-03-01\r\nCorrected 2026-03-05: A figure was wrong\r\n" in \
        head
    for name, kind, label in (
            ("photo%20one.png", "I", "photo one.png (image/png, "),
            ("report.pdf", "d", "report.pdf (application/pdf, 1.5 KiB)"),
            ("sound.mp3", "s", "sound.mp3 (audio/mpeg, 2.0 KiB)")):
        assert label in refs, refs
        m = re.search(r"gopher://[^/]+/%s/statements/%s/%s" % (
            kind, re.escape(NAME), re.escape(name)), refs)
        assert m, (name, refs)
    assert ".notes" not in text
    # A plain-text statement's menu lists its attachments too.
    items = gopher_items(srv.gopher("/1/statements/2026-03-02-plain.txt"))
    assert ("d", "x.pdf (application/pdf, 1.5 KiB)",
            "/statements/2026-03-02-plain/x.pdf") in items, items


def test_added_and_removed_update_the_listing(make_server):
    srv = make_server(files=files())
    folder = os.path.join(srv.content, "statements", NAME)
    with open(os.path.join(folder, "late.pdf.part"), "wb") as f:
        f.write(b"%PDF-1.4 late\n")
    os.rename(os.path.join(folder, "late.pdf.part"),
              os.path.join(folder, "late.pdf"))
    wait_for(lambda: "late.pdf (application/pdf, 14 bytes)" in
             gem_statement(srv), LIVE_SECONDS, what="the added attachment")
    assert any(s.endswith("/late.pdf") for _, _, s in
               gopher_items(srv.gopher("/1/" + GMI)))
    os.unlink(os.path.join(folder, "sound.mp3"))
    wait_for(lambda: "sound.mp3" not in gem_statement(srv), LIVE_SECONDS,
             what="the removed attachment gone")
    assert "sound.mp3" not in srv.gopher("/1/" + GMI).decode("utf-8")
    assert "sound.mp3" not in srv.gopher("/0/" + GMI).decode("utf-8")
    # A folder made for a statement that had none.
    other = os.path.join(srv.content, "statements", "2026-03-02-plain")
    os.rename(other, other + "-x")
    wait_for(lambda: "x.pdf" not in srv.gopher(
        "/1/statements/2026-03-02-plain.txt").decode("utf-8"),
        LIVE_SECONDS, what="the folder renamed away")


def test_hostile_names_are_not_listed(make_server):
    srv = make_server(files=files(**{
        "statements/%s/bad\tname.png" % NAME: PNG,
        "statements/%s/line\nbreak.pdf" % NAME: PDF,
        "statements/%s/bad\x1bescape.pdf" % NAME: PDF,
    }))
    folder = os.path.join(srv.content, "statements", NAME)
    os.symlink("/etc/passwd", os.path.join(folder, "passwd"))
    os.mkdir(os.path.join(folder, "sub"))
    with open(os.path.join(folder, "good.pdf"), "wb") as f:
        f.write(PDF)
    # The link, the folder and a good file made after the start: the
    # update that lists the good file saw the others.
    wait_for(lambda: "good.pdf" in gem_statement(srv), LIVE_SECONDS,
             what="the update")
    body = gem_statement(srv)
    foot, links = footer_links(body)
    assert len([u for u in links if u.startswith("/statements/%s/" %
                                                  NAME)]) == 4, foot
    for bad in ("bad", "line", "escape", "passwd", "sub"):
        assert bad not in foot, foot
    menu = srv.gopher("/1/" + GMI)
    assert b"\x1b" not in menu and b"passwd" not in menu
    assert srv.gemini("/statements/%s/passwd" % NAME)[0].startswith("51")


def test_draft_attachments_refused(make_server):
    srv = make_server(files={
        "statements/2026-03-03-draft.gmi": "# Draft\n",
        "statements/2026-03-03-draft.ini": "draft = yes\n",
        "statements/2026-03-03-draft/secret.pdf": PDF,
    })
    assert srv.gemini("/statements/2026-03-03-draft/secret.pdf")[0] == \
        "51 Not found"
    data = srv.gopher("/statements/2026-03-03-draft/secret.pdf")
    assert data.startswith(b"3"), data[:80]
