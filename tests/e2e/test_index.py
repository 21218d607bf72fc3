# SPDX-License-Identifier: ISC
"""One archive for all workers: the indexer process, its index on disk
under [server] state, the generations every worker maps, incremental
updates, coalesced reloads, phrase and prefix search, the indexer's
sandbox."""
import glob
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.parse

import pytest

from conftest import calls_in, proc_status, sighup, wait_for

ROOT = os.geteuid() == 0
Y = "statements/2024/"
ALPHA = Y + "2024-05-01-alpha.gmi"
BETA = Y + "2024-05-02-beta.gmi"
FILES = {
    ALPHA: "# Alpha harbour\n\nThe national guard was sent to the harbour "
           "at dawn.\n",
    BETA: "# Beta market\n\nThe guard of the national market spoke of "
          "migration.\n",
    Y + "2024-05-02-beta.ini": "tags = markets\n",
    Y + "2024-05-03-gamma.gmi": "# Gamma town\n\nMigrants arrived in the "
                                "town.\n",
}


def state_conf(workers=2, **extra):
    conf = {"server": {"state": "state", "workers": str(workers)}}
    conf["server"].update(extra)
    return conf


def body(srv, path):
    head, data = srv.gemini(path)
    assert head.startswith("20 "), (path, head)
    return data.decode("utf-8", "replace")


def gopher_text(srv, selector):
    return srv.gopher(selector).decode("utf-8", "replace")


def state_dir(srv):
    return os.path.join(srv.base, "state")


def log_lines(srv, pattern):
    rx = re.compile(pattern)
    return [l for l in srv.output().splitlines() if rx.search(l)]


def generations(srv):
    """The generation numbers the indexer published, in order."""
    return [int(m.group(1)) for l in srv.output().splitlines()
            for m in [re.search(r"index: generation (\d+)", l)] if m]


def mapped(pid):
    """The catalogue generation a worker maps (its meta-N file), or None."""
    try:
        with open("/proc/%d/maps" % pid) as f:
            gens = [int(g) for g in re.findall(r"/meta-(\d+)", f.read())]
    except OSError:
        return None
    return max(gens) if gens else None


def every_worker_maps(srv, gen):
    pids = srv.worker_pids()
    return pids and all((mapped(p) or 0) >= gen for p in pids)


def indexer(srv):
    return wait_for(lambda: (lambda p: p[0] if len(p) == 1 else None)(
        srv.indexer_pids()), what="one indexer")


def start_indexed(make_server, files=FILES, conf=None, **kw):
    srv = make_server(conf=conf or state_conf(), files=files, **kw)
    wait_for(lambda: "Alpha harbour" in body(srv, "/statements/"),
             what="the first index")
    wait_for(lambda: generations(srv) and
             every_worker_maps(srv, generations(srv)[-1]),
             what="every worker on the first generation")
    return srv


# -- the index on disk ------------------------------------------------------

def test_index_kept_on_disk_and_a_restart_reads_nothing(make_server):
    srv = start_indexed(make_server)
    names = sorted(os.listdir(state_dir(srv)))
    assert "current" in names and any(n.startswith("meta-") for n in names) \
        and any(n.startswith("search-") for n in names), names
    first = generations(srv)[-1]
    srv.stop()
    srv.start()
    wait_for(lambda: log_lines(srv, r"index: generation %d .*from the "
                               r"state directory" % first),
             what="the index read back")
    wait_for(lambda: log_lines(srv, r"matches the archive"),
             what="the walk that finds nothing changed")
    assert "Alpha harbour" in body(srv, "/statements/")
    assert not log_lines(srv, r"generation %d:" % (first + 1)), srv.output()
    assert "markets" in body(srv, "/statements/tags/")


def test_deleted_state_is_rebuilt(make_server):
    srv = start_indexed(make_server)
    srv.stop()
    shutil.rmtree(state_dir(srv))
    srv.start()
    wait_for(lambda: "Alpha harbour" in body(srv, "/statements/"),
             what="the index built again")
    assert os.path.exists(os.path.join(state_dir(srv), "current"))


def damage_truncate(path):
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) // 2)


def damage_flip(path):
    with open(path, "r+b") as f:
        f.seek(os.path.getsize(path) - 3)
        b = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([b[0] ^ 0x55]))


@pytest.mark.parametrize("what,damage", [
    ("meta-*", damage_truncate),
    ("search-*", damage_flip),
    ("meta-*", damage_flip),
    ("current", lambda p: open(p, "w").write("broadside-index 9\n")),
])
def test_damaged_index_is_detected_and_rebuilt(make_server, what, damage):
    srv = start_indexed(make_server)
    srv.stop()
    (path,) = glob.glob(os.path.join(state_dir(srv), what))
    damage(path)
    srv.start()
    wait_for(lambda: log_lines(srv, r"building it again"),
             what="the damage reported")
    wait_for(lambda: "Alpha harbour" in body(srv, "/statements/"),
             what="the index built again")
    assert "Beta market" in body(srv, "/search?market")
    assert "markets" in body(srv, "/statements/tags/")


# -- updates, everywhere ------------------------------------------------------

def everywhere(srv, needle):
    """Whether every generated page a new 2024 statement tagged `markets`
    shows on is showing `needle`, on both protocols."""
    pages = [body(srv, p) for p in (
        "/statements/", "/statements/2024/", "/statements/tags/markets/",
        "/statements/atom.xml", "/search?" + needle.split()[0].lower())]
    pages += [gopher_text(srv, s) for s in (
        "/statements/", "/statements/2024/", "/statements/tags/markets/",
        "/search\t" + needle.split()[0].lower())]
    return all(needle in p for p in pages)


def nowhere(srv, needle):
    pages = [body(srv, p) for p in ("/statements/", "/statements/2024/",
                                    "/statements/atom.xml",
                                    "/search?" + needle.split()[0].lower())]
    pages += [gopher_text(srv, s) for s in (
        "/statements/", "/statements/2024/",
        "/search\t" + needle.split()[0].lower())]
    return not any(needle in p for p in pages)


def test_added_changed_renamed_removed_everywhere(make_server):
    srv = start_indexed(make_server)
    new = os.path.join(srv.content, Y + "2024-06-01-delta.gmi")
    with open(new, "w") as f:
        f.write("# Zebrafish report\n\nZebrafish in the harbour.\n")
    with open(new[:-4] + ".ini", "w") as f:
        f.write("tags = markets\n")
    wait_for(lambda: everywhere(srv, "Zebrafish report"), timeout=10,
             what="the new statement everywhere")
    gen = generations(srv)[-1]
    wait_for(lambda: every_worker_maps(srv, gen), what="every worker")
    read = log_lines(srv, r"generation %d: .* 1 read" % gen)
    assert read, "an update reads the new statement only:\n" + srv.output()

    with open(new, "w") as f:
        f.write("# Quokka report\n\nQuokkas in the harbour.\n")
    wait_for(lambda: everywhere(srv, "Quokka report") and
             nowhere(srv, "Zebrafish report"), what="the change everywhere")

    moved = os.path.join(srv.content, Y + "2024-06-02-moved.gmi")
    os.rename(new, moved)
    os.rename(new[:-4] + ".ini", moved[:-4] + ".ini")
    wait_for(lambda: "2024-06-02-moved" in body(srv, "/statements/2024/"),
             what="the rename")
    # A file the response cache holds is trusted for a moment (cache.c:
    # CACHE_REVALIDATE_MSEC) before it is looked at again.
    wait_for(lambda: srv.gemini("/" + Y + "2024-06-01-delta.gmi")[0]
             .startswith("51"), what="the old name gone")
    assert srv.gemini("/" + Y + "2024-06-02-moved.gmi")[0].startswith("20")
    assert "2024-06-01-delta" not in body(srv, "/statements/")

    os.unlink(moved)
    os.unlink(moved[:-4] + ".ini")
    wait_for(lambda: nowhere(srv, "Quokka report"), what="the removal")
    wait_for(lambda: srv.gemini("/" + Y + "2024-06-02-moved.gmi")[0]
             .startswith("51"), what="the statement's URL gone")
    assert "Alpha harbour" in body(srv, "/statements/")


def test_killed_indexer_is_restarted_and_workers_keep_serving(make_server):
    srv = start_indexed(make_server)
    old = indexer(srv)
    os.kill(old, signal.SIGKILL)
    # Meanwhile the workers serve the generation they mapped.
    for _ in range(5):
        assert "Alpha harbour" in body(srv, "/statements/")
        assert "Alpha harbour" in gopher_text(srv, "/statements/")
    wait_for(lambda: (lambda p: p and p[0] != old)(srv.indexer_pids()),
             what="a new indexer")
    wait_for(lambda: log_lines(srv, r"indexer was killed by signal 9"),
             what="the death logged")
    with open(os.path.join(srv.content, Y + "2024-07-01-after.gmi"),
              "w") as f:
        f.write("# After the restart\n\nStill published.\n")
    wait_for(lambda: "After the restart" in body(srv, "/statements/"),
             what="publishing after the restart")
    assert "Alpha harbour" in gopher_text(srv, "/statements/")


# -- search -----------------------------------------------------------------

def gemini_hits(srv, q):
    text = body(srv, "/search?" + urllib.parse.quote(q))
    return {t for t in ("Alpha harbour", "Beta market", "Gamma town")
            if t in text}, text


def gopher_hits(srv, q):
    text = gopher_text(srv, "/search\t" + q)
    return {t for t in ("Alpha harbour", "Beta market", "Gamma town")
            if t in text}, text


@pytest.mark.parametrize("hits", [gemini_hits, gopher_hits])
def test_phrase_and_prefix_queries(make_server, hits):
    srv = start_indexed(make_server)
    got, _ = hits(srv, "national guard")
    assert got == {"Alpha harbour", "Beta market"}
    got, text = hits(srv, '"national guard"')
    assert got == {"Alpha harbour"}, text
    assert "national guard" in text     # the snippet around the phrase
    got, _ = hits(srv, '"guard national"')
    assert got == set()
    got, text = hits(srv, "migra*")
    assert got == {"Beta market", "Gamma town"}, text
    assert "migration" in text or "Migrants" in text


# -- the first build, reloads -------------------------------------------------

def test_archive_answers_temporarily_while_the_first_index_builds(
        make_server):
    """No index yet: the file tree is served at once and archive pages
    answer a temporary failure (Gemini 41, a Gopher error item), until
    the first build is done.  The indexer is held (SIGSTOP) to keep it
    building."""
    srv = make_server(conf=state_conf(workers=1), files=FILES, start=False)
    srv.proc = None
    stopped = []
    orig_start = srv.start

    def hold_indexer():
        try:
            wait_for(lambda: srv.proc is not None, interval=0.001,
                     what="the server process")
            pids = wait_for(srv.indexer_pids, interval=0.0005,
                            what="the indexer")
        except AssertionError:
            return
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
            stopped.append(pid)
    t = threading.Thread(target=hold_indexer)
    t.start()
    orig_start(wait_index=False)
    t.join()
    assert stopped, "never saw the indexer"
    try:
        if log_lines(srv, r"index: generation 1:"):
            pytest.skip("the first build finished before the indexer "
                        "could be held")
        assert srv.gemini("/hello.gmi")[0].startswith("20 ")
        head, _ = srv.gemini("/statements/")
        assert head.startswith("41 ") and "indexed" in head, head
        text = gopher_text(srv, "/statements/")
        assert text.startswith("3") and "indexed" in text, text
    finally:
        os.kill(stopped[0], signal.SIGCONT)
    wait_for(lambda: b"Alpha harbour" in srv.gemini("/statements/")[1],
             what="the archive once indexed")


def test_sighups_are_coalesced_and_no_request_fails(make_server):
    srv = start_indexed(make_server)
    failures, done = [], threading.Event()

    def client():
        while not done.is_set():
            try:
                head, _ = srv.gemini("/statements/")
                if not head.startswith("20 "):
                    failures.append(head)
                if "Alpha harbour" not in gopher_text(srv, "/statements/"):
                    failures.append("gopher")
            except OSError as e:
                failures.append(repr(e))
    t = threading.Thread(target=client)
    t.start()
    most = 0
    # The indexer held: the first reload's workers wait for their index,
    # so the reload is still under way when the other SIGHUPs come,
    # however fast the machine.
    ix = indexer(srv)
    os.kill(ix, signal.SIGSTOP)
    try:
        try:
            for _ in range(10):
                sighup(srv)
                most = max(most, len(srv.worker_pids()))
            wait_for(lambda: log_lines(srv, r"one more after it"),
                     what="a SIGHUP coalesced")
        finally:
            os.kill(ix, signal.SIGCONT)

        def settled():
            nonlocal most
            most = max(most, len(srv.worker_pids()))
            return len(srv.worker_pids()) == 2 and \
                len(srv.indexer_pids()) == 1 and \
                log_lines(srv, r"a SIGHUP came") != []
        wait_for(settled, timeout=15, interval=0.05,
                 what="the coalesced reload done")
        most = max(most, len(srv.worker_pids()))
    finally:
        done.set()
        t.join()
    assert failures == [], failures[:5]
    assert most <= 4, "more than two generations of two workers"
    assert len(log_lines(srv, r"SIGHUP: reloading")) == 1, srv.output()
    assert len(log_lines(srv, r"a SIGHUP came")) == 1, srv.output()
    wait_for(lambda: len(srv.worker_pids()) == 2 and
             len(srv.indexer_pids()) == 1, timeout=15,
             what="the processes back to two workers and one indexer")
    assert len(srv.key_pids()) == 1


# -- the indexer's sandbox -----------------------------------------------------

O_WRONLY_CREAT = 0o101


def test_indexer_is_confined(make_server):
    """The indexer runs as the workers' user (started as root), with
    no_new_privs and its own seccomp filter; it can write in the state
    directory and nowhere else (Landlock), and a system call outside its
    filter kills it (then it is restarted)."""
    if os.uname().machine != "x86_64" and shutil.which("gdb") is None:
        pytest.skip("needs gdb (make check installs it)")
    srv = start_indexed(make_server)
    pid = indexer(srv)
    st = proc_status(pid)
    if ROOT:
        assert st["Uid"].split()[0] != "0", st["Uid"]
        assert st["Uid"].split()[0] == st["Uid"].split()[1]
    assert st["NoNewPrivs"] == "1", st
    assert st["Seccomp"] == "2", st
    # A folder anyone may write in: only Landlock keeps the indexer out.
    open_dir = tempfile.mkdtemp(prefix="broadside-outside-")
    os.chmod(open_dir, 0o777)
    outside = os.path.join(open_dir, "written-by-the-indexer")
    # The state directory by the indexer's own descriptor (its path may
    # run through folders the indexer's user cannot enter).
    fd = [n for n in os.listdir("/proc/%d/fd" % pid)
          if os.readlink("/proc/%d/fd/%s" % (pid, n)) ==
          os.path.realpath(state_dir(srv))]
    assert fd, "the indexer holds no descriptor of its state directory"
    inside = "/proc/self/fd/%s/probe" % fd[0]
    try:
        got = calls_in(pid, [("open", outside, O_WRONLY_CREAT, 0o644),
                             ("open", inside, O_WRONLY_CREAT, 0o644)])
        assert got is not None, "could not call into the indexer"
        (out_fd, out_errno), (in_fd, _) = got
        assert out_fd == -1 and out_errno in (13, 1), got  # EACCES/EPERM
        assert not os.path.exists(outside)
        assert in_fd >= 0, got
        os.unlink(os.path.join(state_dir(srv), "probe"))
    finally:
        shutil.rmtree(open_dir, ignore_errors=True)
    # socket(AF_INET, SOCK_STREAM, 0): not on its list.
    srv.expected_markers.add("outside the seccomp filter")
    calls_in(pid, [("socket", 2, 1, 0)])
    wait_for(lambda: log_lines(srv, r"indexer was killed by signal 31 "
                               r"\(a system call outside the seccomp"),
             what="the filter's kill logged")
    wait_for(lambda: (lambda p: p and p[0] != pid)(srv.indexer_pids()),
             what="a new indexer")
    assert "Alpha harbour" in body(srv, "/statements/")


def test_a_large_delta_makes_the_next_build_a_full_one(make_server):
    """Updates append to the delta; once it holds more than a quarter of
    the archive (and 4,096 statements), the next build is a full one: a
    new search base, no delta, and every word still found."""
    files = {"statements/2020/2020-01-%02d-bulk-%d.gmi" % (1 + i % 28, i):
             "# Bulk %d\n\nFirst words w%d.\n" % (i, i) for i in range(4200)}
    srv = make_server(conf=state_conf(workers=1), files=files)
    base = [n for n in os.listdir(state_dir(srv)) if n.startswith("search-")]
    for i in range(4200):
        p = os.path.join(srv.content, "statements/2020/2020-01-%02d-bulk-%d.gmi"
                         % (1 + i % 28, i))
        with open(p, "w") as f:
            f.write("# Bulk %d\n\nSecond words v%d.\n" % (i, i))
    wait_for(lambda: [n for n in os.listdir(state_dir(srv))
                      if n.startswith("search-")] not in ([], base),
             timeout=60, what="a new search base")
    wait_for(lambda: "Bulk 4199" in body(srv, "/search?v4199") and
             "Bulk 17" in body(srv, "/search?v17"), what="the new words")
    assert "Bulk 17" not in body(srv, "/search?w17")
    names = os.listdir(state_dir(srv))
    assert not [n for n in names if n.startswith("delta-")], names
