# SPDX-License-Identifier: ISC
"""The shipped statement keeps the publisher's words exactly: every line of
the seed text except the web-page residue appears verbatim in the .gmi."""
import os

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SEED = os.path.join(os.path.dirname(REPO), "shared", "seeds",
                    "statement-2025-06-09.txt")
GMI = os.path.join(REPO, "content", "statements",
                   "2025-06-09-stop-the-attacks-on-migrants.gmi")
RESIDUE = {"You must be logged in to post a comment."}
PREFIXES = ("# ", "## ", "> ", "")


def gmi_lines():
    with open(GMI, encoding="utf-8") as f:
        return f.read().split("\n")


def test_every_seed_line_kept_verbatim():
    if not os.path.exists(SEED):
        import pytest
        pytest.skip("seed text not available")
    with open(SEED, encoding="utf-8") as f:
        seed = [l for l in f.read().split("\n") if l.strip()]
    body = gmi_lines()
    stripped = set()
    for l in body:
        for p in ("# ", "## ", "> "):
            if l.startswith(p):
                stripped.add(l[len(p):])
        stripped.add(l)
    for line in seed:
        if line in RESIDUE:
            assert line not in stripped
            continue
        assert line in stripped, "seed line missing or altered: %r" % line[:60]
    # Nothing added: every non-blank gmi line comes from the seed.
    seedset = set(seed)
    for l in body:
        if not l:
            continue
        core = l
        for p in ("## ", "# ", "> "):
            if l.startswith(p):
                core = l[len(p):]
                break
        assert core in seedset, "line not from the seed: %r" % l[:60]


def test_structure():
    body = gmi_lines()
    assert body[0] == "# Stop the attacks on migrants \u2013 resistance is not a crime!"
    assert "June 9, 2025" in body
    assert "## A rich history of fight-back" in body
    assert "## What\u2019s behind this war on migrants?" in body
    assert "Los Angeles protest, June 8, 2025. Credit: CBC" in body
    assert sum(1 for l in body if l.startswith("> \u201cWe ")) == 2
    assert not any("logged in" in l for l in body)
