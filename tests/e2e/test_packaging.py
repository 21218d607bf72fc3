# SPDX-License-Identifier: ISC
"""Packaging checks: manual pages, the systemd unit, the contrib files, and
`make install`.

Standard library and pytest only.  Tools that are not installed (mandoc,
systemd-analyze, systemd-sysusers, logrotate, haproxy) make their tests skip
with the reason; `contrib/deps.sh test` installs the ones CI needs.
"""
import configparser
import grp
import os
import pwd
import re
import shutil
import stat
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONTRIB = os.path.join(REPO, "contrib")
MAN8 = os.path.join(REPO, "man", "broadside.8")
MAN5 = os.path.join(REPO, "man", "broadside.ini.5")
UNIT = os.path.join(CONTRIB, "broadside.service")
SBIN = "/usr/local/sbin/broadside"
CONF = "/etc/broadside/broadside.ini"
TOOL_TIMEOUT = 60
BUILD_TIMEOUT = 900


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def need_tool(name):
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (contrib/deps.sh test installs it)")
    return path


def run(argv, **kw):
    kw.setdefault("timeout", TOOL_TIMEOUT)
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, **kw)


def version():
    m = re.search(r'#define\s+BROADSIDE_VERSION\s+"([^"]+)"',
                  read(os.path.join(REPO, "src", "version.h")))
    assert m, "src/version.h defines no BROADSIDE_VERSION"
    return m.group(1)


def built_binary():
    """The broadside binary the other e2e tests use, if it is built."""
    for path in (os.environ.get("BROADSIDE_BIN"),
                 os.path.join(REPO, "build", "san", "broadside"),
                 os.path.join(REPO, "build", "broadside")):
        if path and os.access(path, os.X_OK):
            return path
    pytest.skip("broadside is not built (make all, or set BROADSIDE_BIN)")


def unit_directives(text):
    """systemd unit -> {(section, key): [values]}, keys may repeat."""
    out = {}
    section = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        key, sep, value = line.partition("=")
        assert sep, f"not a key=value line in the unit: {line!r}"
        out.setdefault((section, key.strip()), []).append(value.strip())
    return out


# ---------------------------------------------------------------- man pages

@pytest.mark.parametrize("page", [MAN8, MAN5], ids=["broadside.8", "broadside.ini.5"])
def test_man_page_lint_clean(page):
    mandoc = need_tool("mandoc")
    if not os.path.exists(page):
        pytest.skip(f"{os.path.relpath(page, REPO)} is not written yet")
    r = run([mandoc, "-Tlint", "-W", "warning", page])
    assert r.returncode == 0 and not r.stdout and not r.stderr, \
        f"mandoc -Tlint -W warning {page}:\n{r.stdout}{r.stderr}"


def test_man8_documents_the_interface():
    text = read(MAN8)
    sections = re.findall(r"^\.Sh (.+)$", text, re.M)
    for want in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "SIGNALS",
                 "FILES", "EXIT STATUS", "EXAMPLES", "SEE ALSO"):
        assert want in sections, f"broadside(8) has no {want} section"
    assert "Op Fl hnvV" in text and "Op Fl c Ar file" in text
    options = text.split(".Sh OPTIONS", 1)[1].split(".Sh ", 1)[0]
    for flag in "chnVv":
        assert re.search(rf"^\.It Fl {flag}\b", options, re.M), \
            f"option -{flag} is not described"
    signals = text.split(".Sh SIGNALS", 1)[1].split(".Sh ", 1)[0]
    for sig in ("SIGHUP", "SIGUSR1", "SIGTERM", "SIGINT"):
        assert f"Dv {sig}" in signals, f"{sig} is not described"
    assert CONF in text
    assert ".Xr broadside.ini 5" in text
    for path in ("/statements/atom.xml", "/search", "index.gmi"):
        assert path in text, f"URL scheme: {path} missing"


# ------------------------------------------------------------- systemd unit

def test_unit_hardening_directives():
    d = unit_directives(read(UNIT))

    def one(key):
        vals = d.get(("Service", key))
        assert vals, f"[Service] {key}= missing"
        return vals[-1]

    want = {
        "Type": "simple",
        "User": "broadside",
        "Group": "broadside",
        "ExecStart": f"{SBIN} -c {CONF}",
        "ExecReload": "/bin/kill -HUP $MAINPID",
        "AmbientCapabilities": "CAP_NET_BIND_SERVICE",
        "CapabilityBoundingSet": "CAP_NET_BIND_SERVICE",
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "PrivateDevices": "yes",
        "ProtectKernelTunables": "yes",
        "ProtectKernelModules": "yes",
        "ProtectKernelLogs": "yes",
        "ProtectControlGroups": "yes",
        "RestrictNamespaces": "yes",
        "LockPersonality": "yes",
        "MemoryDenyWriteExecute": "yes",
        "SystemCallArchitectures": "native",
        "Restart": "on-failure",
    }
    for key, value in want.items():
        assert one(key) == value, f"{key}={one(key)!r}, want {value!r}"
    assert set(one("RestrictAddressFamilies").split()) == \
        {"AF_INET", "AF_INET6", "AF_UNIX"}
    rw = " ".join(d[("Service", "ReadWritePaths")]).split()
    rw = [p.lstrip("-") for p in rw]
    assert "/var/lib/broadside/certs" in rw and "/var/log/broadside" in rw
    assert "broadside" in one("StateDirectory").split()
    assert one("LogsDirectory") == "broadside"
    assert ("Install", "WantedBy") in d
    # Unprivileged, broadside installs no seccomp filter itself: the unit's
    # is the only one, so it must be an allow-list.
    filters = d.get(("Service", "SystemCallFilter"), [])
    assert "@system-service" in filters
    assert any(f.startswith("~") and "@privileged" in f for f in filters)
    # Any capability beyond binding low ports would defeat the point.
    assert ("Service", "SupplementaryGroups") not in d


def test_unit_documents_unprivileged_config():
    comments = "\n".join(l for l in read(UNIT).splitlines() if l.startswith("#"))
    assert re.search(r"user\s*=\s*;.*empty", comments), \
        "the unit must say that [server] user must be empty"
    assert re.search(r"chroot\s*=\s*no", comments), \
        "the unit must say that chroot must be off"


def unit_test_copy(tmp_path):
    """The unit with the server binary replaced by /bin/true, in tmp_path."""
    text = read(UNIT)
    assert SBIN in text
    path = tmp_path / "broadside.service"
    path.write_text(text.replace(SBIN, "/bin/true"))
    return path


def verify_problems(unit, man_dir=None):
    """systemd-analyze verify's complaints about the unit.  Its exit status
    is 0 even for settings it ignores as invalid, so read what it says."""
    sa = need_tool("systemd-analyze")
    env = dict(os.environ)
    argv = [sa, "verify"]
    if man_dir:
        env["MANPATH"] = str(man_dir)
    else:
        argv.append("--man=no")
    r = run(argv + [str(unit)], env=env)
    out = r.stdout + r.stderr
    mine = [l for l in out.splitlines() if "broadside" in l]
    if r.returncode != 0 and not mine:
        mine = out.splitlines() or [f"exit status {r.returncode}"]
    return mine


def test_unit_verifies(tmp_path):
    need_tool("systemd-analyze")
    unit = unit_test_copy(tmp_path)
    man_dir = None
    if os.path.exists(MAN8) and os.path.exists(MAN5):
        # Documentation=man:... is checked against our own pages.
        man_dir = tmp_path / "man"
        for page, sec in ((MAN8, "8"), (MAN5, "5")):
            d = man_dir / f"man{sec}"
            d.mkdir(parents=True, exist_ok=True)
            shutil.copy(page, d / os.path.basename(page))
    problems = verify_problems(unit, man_dir)
    assert not problems, "systemd-analyze verify:\n" + "\n".join(problems)


@pytest.mark.parametrize("old,new", [
    ("ProtectHome=yes", "ProtectHome=maybe"),
    ("RestrictNamespaces=yes", "RestrictNamespace=yes"),
    ("Type=simple", "Type=simple\nExecStart=relative/path"),
])
def test_unit_verify_catches_mistakes(tmp_path, old, new):
    """The verify test above can fail: mistakes in the unit are reported."""
    need_tool("systemd-analyze")
    unit = unit_test_copy(tmp_path)
    text = unit.read_text()
    assert old in text
    unit.write_text(text.replace(old, new, 1))
    assert verify_problems(unit)


def test_unit_security_exposure(tmp_path):
    sa = need_tool("systemd-analyze")
    unit = unit_test_copy(tmp_path)
    r = run([sa, "security", "--offline=yes", "--no-pager", str(unit)])
    m = re.search(r"Overall exposure level for \S+: ([0-9.]+)", r.stdout + r.stderr)
    if m is None:
        pytest.skip("this systemd-analyze cannot rate units offline")
    assert float(m.group(1)) <= 2.5, r.stdout


# ------------------------------------------------------------ other contrib

def test_sysusers(tmp_path):
    path = os.path.join(CONTRIB, "broadside.sysusers")
    lines = [l for l in read(path).splitlines() if l and not l.startswith("#")]
    assert lines == ['u broadside - "broadside small-web server" /var/lib/broadside']
    tool = need_tool("systemd-sysusers")
    (tmp_path / "etc").mkdir()
    r = run([tool, f"--root={tmp_path}", path])
    assert r.returncode == 0, r.stderr
    users = {l.split(":")[0]: l.split(":") for l in
             (tmp_path / "etc" / "passwd").read_text().splitlines()}
    assert "broadside" in users
    assert users["broadside"][5] == "/var/lib/broadside"
    assert users["broadside"][6].endswith("nologin")
    assert re.search(r"^broadside:", (tmp_path / "etc" / "group").read_text(), re.M)


def test_logrotate(tmp_path):
    text = read(os.path.join(CONTRIB, "broadside.logrotate"))
    assert "/var/log/broadside/*.log {" in text
    assert re.search(r"^\s*(daily|weekly)\s*$", text, re.M)
    post = text.split("postrotate", 1)[1].split("endscript", 1)[0]
    assert re.search(r"systemctl kill -s USR1 .*broadside\.service", post)
    tool = need_tool("logrotate")
    # The broadside user need not exist here: parse it as ourselves.
    me = pwd.getpwuid(os.getuid()).pw_name
    group = grp.getgrgid(os.getgid()).gr_name
    conf = tmp_path / "broadside"
    conf.write_text(text.replace("broadside broadside", f"{me} {group}"))
    r = run([tool, "-d", "-s", str(tmp_path / "state"), str(conf)])
    out = r.stdout + r.stderr
    assert r.returncode == 0 and "error:" not in out, out


def test_haproxy_cfg():
    path = os.path.join(CONTRIB, "haproxy.cfg")
    text = read(path)
    servers = re.findall(r"^\s*server\s+\S+\s+\S+:(\d+)\s+(.*)$", text, re.M)
    gemini = [opts for port, opts in servers if port == "1965"]
    gopher = [opts for port, opts in servers if port == "70"]
    assert len(gemini) == 2 and all("send-proxy-v2" in o for o in gemini)
    assert len(gopher) == 2 and all(re.search(r"send-proxy(\s|$)", o) for o in gopher)
    assert re.search(r"^\s*mode tcp", text, re.M)
    tool = need_tool("haproxy")
    r = run([tool, "-c", "-f", path])
    assert r.returncode == 0, r.stdout + r.stderr


RC_SUBR = r"""
# Stand-in for OpenBSD's rc.subr: the variables it derives, and rc_cmd.
daemon_rtable=0
pexp="${daemon}${daemon_flags:+ ${daemon_flags}}"
rc_cmd() { "rc_$1"; }
"""

FAKE_DAEMON = r"""#!/bin/sh
echo "broadside $*" >> "$LOG"
case "$*" in *-n*) exit "${CHECK_RC:-0}";; esac
"""

FAKE_PKILL = r"""#!/bin/sh
echo "pkill $*" >> "$LOG"
"""


@pytest.mark.parametrize("check_rc", [0, 1])
def test_openbsd_rc_reload_checks_config_first(tmp_path, check_rc):
    """Run the rc.d script's reload against stand-ins for rc.subr, the
    daemon and pkill: it must run `broadside -n` and send SIGHUP only when
    the check passes."""
    text = read(os.path.join(CONTRIB, "broadside.rc"))
    assert text.startswith("#!/bin/ksh\n")
    assert f'daemon="{SBIN}"' in text
    assert f'daemon_flags="-c {CONF}"' in text
    assert re.search(r"^rc_bg=YES$", text, re.M)
    assert ". /etc/rc.d/rc.subr" in text and "rc_cmd $1" in text
    shell = shutil.which("ksh") or shutil.which("sh")
    (tmp_path / "rc.subr").write_text(RC_SUBR)
    daemon = tmp_path / "broadside"
    daemon.write_text(FAKE_DAEMON)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "pkill").write_text(FAKE_PKILL)
    for p in (daemon, bindir / "pkill"):
        p.chmod(0o755)
    script = tmp_path / "broadside.rc"
    script.write_text(text.replace("/etc/rc.d/rc.subr", str(tmp_path / "rc.subr"))
                      .replace(SBIN, str(daemon)))
    log = tmp_path / "log"
    env = dict(os.environ, LOG=str(log), CHECK_RC=str(check_rc),
               PATH=f"{bindir}:{os.environ.get('PATH', '/usr/bin:/bin')}")
    r = run([shell, str(script), "reload"], env=env)
    calls = log.read_text().splitlines()
    assert calls[0] == f"broadside -n -c {CONF}"
    if check_rc == 0:
        assert r.returncode == 0
        assert len(calls) == 2 and calls[1].startswith("pkill -HUP")
        assert f"{daemon} -c {CONF}" in calls[1]
    else:
        assert r.returncode != 0 and len(calls) == 1


# ---------------------------------------------------- configs we ship as text

def dockerfile_config():
    """The broadside.ini that contrib/Dockerfile writes, as text."""
    text = read(os.path.join(CONTRIB, "Dockerfile"))
    m = re.search(r"RUN printf '%s\\n' \\\n(.*?)\n\s*> /etc/broadside/broadside\.ini",
                  text, re.S)
    assert m, "Dockerfile: no RUN printf ... > /etc/broadside/broadside.ini"
    lines = []
    for raw in m.group(1).splitlines():
        raw = raw.strip().rstrip("\\").strip()
        q = re.fullmatch(r"'([^']*)'|\"([^\"]*)\"", raw)
        assert q, f"Dockerfile: unexpected config line {raw!r}"
        lines.append(q.group(1) if q.group(1) is not None else q.group(2))
    return "\n".join(lines).replace("${SERVER_NAME}", "localhost") + "\n"


def readme_config():
    text = read(os.path.join(CONTRIB, "README.md"))
    blocks = re.findall(r"```ini\n(.*?)```", text, re.S)
    full = [b for b in blocks if "[gemini]" in b]
    assert full, "README.md: no full ini example"
    return full[0]


def ini(text):
    cp = configparser.ConfigParser(inline_comment_prefixes=(";",),
                                   interpolation=None)
    cp.read_string(text)
    return cp


def test_dockerfile():
    text = read(os.path.join(CONTRIB, "Dockerfile"))
    froms = re.findall(r"^FROM (\S+)", text, re.M)
    assert froms == ["debian:12-slim", "debian:12-slim"]
    assert re.search(r"^FROM debian:12-slim AS build$", text, re.M)
    assert "COPY --from=build /src/build/broadside /usr/local/sbin/broadside" in text
    for pkg in ("libssl3", "libmagic1", "libinih1", "libevent-2.1-7"):
        assert pkg in text
    user = re.findall(r"^USER (\S+)", text, re.M)
    assert user and not user[-1].startswith(("root", "0"))
    assert re.search(r"^EXPOSE .*\b1965\b", text, re.M)
    cp = ini(dockerfile_config())
    assert cp["gemini"]["listen"].endswith(":1965")
    assert cp["gopher"]["listen"].endswith(":7070")
    assert cp["gopher"]["port"] == "70"
    assert cp["server"]["user"] == "" and cp["server"]["chroot"] == "no"


def check_config(text, tmp_path, root_from):
    """Point the config at a temporary content tree and run broadside -n."""
    bin_ = built_binary()
    root = tmp_path / "content"
    (root / "statements").mkdir(parents=True)
    (tmp_path / "certs").mkdir()
    text = text.replace(root_from, str(root))
    text = re.sub(r"(?m)^(cert|key) = /var/lib/broadside/certs/",
                  rf"\1 = {tmp_path}/certs/", text)
    conf = tmp_path / "broadside.ini"
    conf.write_text(text)
    r = run([bin_, "-n", "-c", str(conf)])
    assert r.returncode == 0, f"broadside -n rejects:\n{text}\n{r.stdout}{r.stderr}"


def test_dockerfile_config_is_valid(tmp_path):
    check_config(dockerfile_config(), tmp_path, "/srv/broadside")


def test_readme_config_is_valid(tmp_path):
    check_config(readme_config(), tmp_path, "/srv/broadside")


# ------------------------------------------------------------ make install

def test_make_install(tmp_path):
    """`make install DESTDIR=... PREFIX=/usr` from a build of its own (in
    tmp_path, not the shared build/ directory) installs the binary, both
    manual pages and the sample configuration; `make uninstall` removes
    them."""
    make = need_tool("make")
    for f in (MAN5, os.path.join(REPO, "conf", "broadside.ini")):
        if not os.path.exists(f):
            pytest.skip(f"{os.path.relpath(f, REPO)} is not written yet")
    dest = tmp_path / "dest"
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
    args = [make, "-C", REPO, "-j2", f"B={tmp_path}/build",
            f"DESTDIR={dest}", "PREFIX=/usr"]
    r = run(args + ["install"], env=env, timeout=BUILD_TIMEOUT)
    assert r.returncode == 0, f"make install failed:\n{r.stdout[-4000:]}{r.stderr[-4000:]}"

    want = {
        "usr/sbin/broadside": (0o755, None),
        "usr/share/man/man8/broadside.8": (0o644, MAN8),
        "usr/share/man/man5/broadside.ini.5": (0o644, MAN5),
        "usr/etc/broadside/broadside.ini.sample":
            (0o644, os.path.join(REPO, "conf", "broadside.ini")),
    }
    for rel, (mode, src) in want.items():
        path = dest / rel
        assert path.is_file(), f"make install did not install /{rel}"
        assert stat.S_IMODE(path.stat().st_mode) == mode, f"/{rel} mode"
        if src:
            assert path.read_bytes() == open(src, "rb").read()

    r = run([str(dest / "usr/sbin/broadside"), "-V"])
    assert r.returncode == 0
    assert version() in r.stdout + r.stderr

    sample = dest / "usr/etc/broadside/broadside.ini.sample"
    assert "[server]" in sample.read_text()

    r = run(args + ["uninstall"], env=env)
    assert r.returncode == 0, r.stderr
    for rel in want:
        assert not (dest / rel).exists(), f"make uninstall left /{rel}"


# ------------------------------------------------------ command line, config

def test_help_prints_usage_on_stdout_and_exits_0():
    bin_ = built_binary()
    r = run([bin_, "-h"])
    assert r.returncode == 0, r
    assert r.stdout.startswith("usage: broadside [-hnvV] [-c file]\n")
    for flag in "chnvV":
        assert re.search(rf"^\s+-{flag}\b", r.stdout, re.M), r.stdout
    assert r.stderr == ""
    # A mistake is still one: usage on stderr, exit 1.
    for argv in (["-x"], ["extra"]):
        r = run([bin_] + argv)
        assert r.returncode == 1 and "usage: broadside" in r.stderr
        assert r.stdout == ""


@pytest.mark.parametrize("where", ["missing-dir/broadside.ini",
                                   "broadside.ini"])
@pytest.mark.parametrize("check", [True, False], ids=["-n", "start"])
def test_missing_config_file_is_named(tmp_path, where, check):
    """The message names the file and says it does not exist, whether its
    folder exists or not (not "directory of the file: ...")."""
    bin_ = built_binary()
    path = str(tmp_path / where)
    r = run([bin_] + (["-n"] if check else []) + ["-c", path])
    assert r.returncode == 1
    first = r.stderr.splitlines()[0]
    assert first == f"{path}: the configuration file does not exist", \
        r.stderr
    assert "directory of the file" not in r.stderr


def man5_entry(key):
    """The text of one key's .It entry in broadside.ini(5)."""
    text = read(MAN5)
    m = re.search(rf"^\.It Ic {key} No.*?\n(.*?)(?=^\.It |^\.El)", text,
                  re.S | re.M)
    assert m, f"broadside.ini(5) has no entry for {key}"
    return m.group(1)


def test_empty_user_as_root_documented_as_refused():
    """Started as root with `user` empty broadside refuses to start (it
    never serves as root; test_hardening's test_root_without_user_refused
    checks the behaviour): the manual, the README and the sample config
    say so, and none says an empty user keeps the starting one."""
    entry = " ".join(man5_entry("user").split())
    assert "keeps the user" not in entry.split("Started as any other")[0]
    assert "never serves as root" in entry and "refuses to start" in entry
    assert "is empty" in entry
    readme = [l for l in read(os.path.join(REPO, "README.md")).splitlines()
              if "`user`" in l]
    assert readme and all("refuses to start" in l for l in readme), readme
    conf = read(os.path.join(REPO, "conf", "broadside.ini"))
    comment = conf.split("\nuser =", 1)[0].rsplit("\n\n", 1)[1]
    assert "refuses to start" in comment and "empty" in comment, comment


def make_env():
    return {k: v for k, v in os.environ.items()
            if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}


def test_make_names_missing_dev_packages_before_compiling(tmp_path):
    """Without a library's -dev package, make stops before compiling and
    names the Debian package and `make deps`; targets that compile nothing
    do not ask for the packages."""
    make = need_tool("make")
    need_tool("pkg-config")
    fake = tmp_path / "pkg-config"          # knows all but libmagic
    fake.write_text('#!/bin/sh\nfor a; do [ "$a" = libmagic ] && exit 1; '
                    'done\nexec pkg-config "$@"\n')
    fake.chmod(0o755)
    build = tmp_path / "build"
    base = [make, "-C", REPO, f"B={build}", f"S={build}/san",
            f"F={build}/fuzz"]
    for goal in ("all", f"{build}/san/broadside", "unit"):
        r = run(base + [f"PKG_CONFIG={fake}", goal], env=make_env())
        assert r.returncode != 0, goal
        assert "apt-get install libmagic-dev" in r.stderr, r.stderr
        assert "make deps" in r.stderr
        for other in ("libssl-dev", "libinih-dev", "libevent-dev"):
            assert other not in r.stderr
        assert "error:" not in r.stderr and "fatal" not in r.stderr
        assert not build.exists(), "something was compiled"
    r = run(base + ["PKG_CONFIG=false", "all"], env=make_env())
    assert r.returncode != 0 and not build.exists()
    assert "apt-get install libssl-dev libmagic-dev libinih-dev " \
        "libevent-dev" in r.stderr, r.stderr
    # These need no library (run and check install them, then compile in
    # a sub-make): the check is no prerequisite of theirs.
    for goal in ("clean", "deps", "test-deps", "uninstall"):
        r = run(base + ["-n", "PKG_CONFIG=false", goal], env=make_env())
        assert r.returncode == 0, (goal, r.stderr)
        assert "pkg-config finds" not in r.stdout + r.stderr, goal
    r = run(base + ["-n", "PKG_CONFIG=false", "run"], env=make_env())
    out = r.stdout
    assert out.index("contrib/deps.sh build") < out.index("pkg-config finds")
