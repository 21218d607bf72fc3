#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Crawl a real server over a generated archive, as a reader would.

    /usr/bin/python3 tests/crawl.py [N] [BIN]

Makes N statements with tests/gen_archive.py (year folders, .gmi and .txt,
sidecars with tags, translations), starts BIN (default build/broadside) on loopback ports
and follows every link every page prints, on Gemini from the home page,
the archive, the tags and the feed, on Gopher from the root menu (the
crawler of tests/e2e/test_crawl.py).  Prints the fetches and every dead
link or bad page; exits 1 if there is one."""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "e2e"))

import conftest      # noqa: E402
import test_crawl    # noqa: E402


def main():
    n = sys.argv[1] if len(sys.argv) > 1 else "60"
    binary = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else
                             os.path.join(HERE, "..", "build", "broadside"))
    conftest.Server.bin = binary
    test_crawl.CRAWL_SECONDS = 120.0
    test_crawl.MAX_FETCHES = 5000
    with tempfile.TemporaryDirectory() as base:
        subprocess.run([sys.executable, os.path.join(HERE, "gen_archive.py"),
                        n, os.path.join(base, "gen"), "--translations"],
                       check=True,
                       stdout=subprocess.DEVNULL)
        srv = conftest.Server(os.path.join(base, "srv"),
                              conf={"server": {"rate": "off"}})
        subprocess.run(["cp", "-R", os.path.join(base, "gen", "statements"),
                        srv.content], check=True)
        srv.write_conf()
        srv.start()
        bad = 0
        try:
            for proto in ("gemini", "gopher"):
                crawl = test_crawl.Crawl(srv)
                if proto == "gemini":
                    for p in ("/", "/about.gmi", "/statements/",
                              "/statements/tags/", "/statements/atom.xml"):
                        crawl.add_gemini(srv.url(p), "(start)")
                else:
                    crawl.add_gopher("1", "", "(start)")
                crawl.run()
                print("%s: %d fetches, %d dead links or bad pages" % (
                    proto, crawl.fetches, len(crawl.failures)))
                for f in crawl.failures:
                    print("  " + f)
                bad += len(crawl.failures)
        finally:
            srv.stop()
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
