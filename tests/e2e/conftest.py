# SPDX-License-Identifier: ISC
"""End-to-end harness: starts the real broadside binary on free loopback
ports with a generated config and content tree, and talks to it as clients
do (Python's ssl module for Gemini, raw sockets for Gopher).

Fixtures:
  server        one server for the whole session, default content
  make_server   factory: make_server(conf={"server": {...}}, files={...})
Server methods: gemini(url_or_path, sni=...), gemini_raw(bytes),
  gopher(selector), url(path), stop(), log_text(), access_lines(),
  worker_pids(), key_pids(), accepted(clients), holds_listener(pid), build_turn(),
  turn_holders().
Waiting: wait_for(predicate, timeout, interval, what) polls a condition
  with a deadline; tests wait on conditions, not fixed sleeps.
"""
import ctypes
import os
import random
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("BROADSIDE_BIN", os.path.join(REPO, "build", "san", "broadside"))
START_TIMEOUT = 20.0
IO_TIMEOUT = 10.0

# Files every test server gets, beside the repository's content/.
DEFAULT_FILES = {
    "hello.gmi": "# Hello\n\nA test page.\n=> /plain.txt plain text\n",
    "plain.txt": "Just text.\n.starts with a dot\n",
    "listed/a.gmi": "# A\n",
    "listed/b.txt": "b\n",
    "listed/.secret": "hidden\n",
    "listed/sub/c.gmi": "# C\n",
    "withindex/index.gmi": "# Index page\n",
    ".hidden.gmi": "# hidden\n",
    "image.png": bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"),
    "noext": b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4,
}


def wait_for(pred, timeout=10.0, interval=0.02, what="a condition"):
    """Poll pred() until it returns something true, and return that; after
    `timeout` seconds raise an AssertionError naming `what` (a string, or a
    callable giving one: the state at the deadline)."""
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() >= deadline:
            if callable(what):
                what = what()
            raise AssertionError("timed out after %.1f s waiting for %s" % (
                timeout, what))
        time.sleep(interval)


def gem_body(srv, path):
    """The body of a Gemini page that must answer 20, as text."""
    head, body = srv.gemini(path)
    assert head.startswith("20 "), (path, head)
    return body.decode("utf-8")


def gopher_text(srv, sel):
    return srv.gopher(sel).decode("utf-8")


def gopher_items(menu):
    """(type, display, selector) of each item of a Gopher menu (bytes or
    text)."""
    if isinstance(menu, bytes):
        menu = menu.decode("utf-8")
    out = []
    for line in menu.split("\r\n"):
        if line in ("", "."):
            continue
        f = line.split("\t")
        out.append((f[0][0], f[0][1:], f[1] if len(f) > 1 else ""))
    return out


KEY_COMM = "broadside-key"     # the key process's name (keyproc.c)
INDEXER_COMM = "broadside-idx"  # the indexer's (indexer.c)


def children(pid, key=False, comm_is=None):
    """Live (not zombie) PIDs whose parent is pid, from /proc/*/stat: the
    workers; with key=True, the key process(es) instead; with comm_is,
    the children of that name."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                stat = f.read()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parens.
        fields = stat[stat.rfind(")") + 2:].split()
        comm = stat[stat.find("(") + 1:stat.rfind(")")]
        if int(fields[1]) != pid or fields[0] in ("Z", "X"):
            continue
        if comm_is is not None:
            if comm == comm_is:
                out.append(int(name))
        elif (comm == KEY_COMM) == key and comm != INDEXER_COMM:
            out.append(int(name))
    return sorted(out)


def reload_state(srv):
    """(reloads begun, whether one more is pending), from the parent's log."""
    out = srv.output()
    came = out.count("a SIGHUP came")
    return (out.count("SIGHUP: reloading") + came,
            out.count("one more after it") > came)


def sighup(srv, timeout=10.0):
    """Send SIGHUP and wait until the parent has taken it: a reload began,
    or one is pending (any more SIGHUPs are coalesced into it)."""
    begun, _ = reload_state(srv)
    srv.signal(signal.SIGHUP)
    wait_for(lambda: (lambda b, pending: b > begun or pending)(
        *reload_state(srv)), timeout=timeout, interval=0.005,
        what="the parent to take the SIGHUP")


def proc_status(pid):
    """/proc/PID/status as {field: value}."""
    st = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            st[k] = v.strip()
    return st


def gdb_calls(pid, exprs):
    """Have process `pid` evaluate each C expression (gdb attached):
    [(value, errno)]; None without gdb, or when the process died."""
    gdb = shutil.which("gdb")
    if gdb is None:
        return None
    with open("/proc/%d/maps" % pid) as f:
        lsan = "libasan" in f.read()
    argv = [gdb, "-nx", "-batch", "-p", str(pid)]
    if lsan:
        argv += ["-ex", "call ((void(*)(void))__lsan_disable)()"]
    for e in exprs:
        argv += ["-ex", "call " + e,
                 "-ex", "call *((int *(*)(void))__errno_location)()"]
    if lsan:
        argv += ["-ex", "call ((void(*)(void))__lsan_enable)()"]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    vals = [int(v) for v in re.findall(r"^\$\d+ = (-?\d+)$", r.stdout,
                                       re.M)]
    if len(vals) != 2 * len(exprs):
        return None
    return list(zip(vals[0::2], vals[1::2]))


# x86-64 system call numbers, for calls_in.
_SYSCALL_NR = {"open": 257, "socket": 41}   # open is openat(AT_FDCWD, ...)
_AT_FDCWD = -100


class _Regs(ctypes.Structure):
    """struct user_regs_struct of x86-64 Linux."""
    _fields_ = [(n, ctypes.c_ulonglong) for n in (
        "r15 r14 r13 r12 rbp rbx r11 r10 r9 r8 rax rcx rdx rsi rdi "
        "orig_rax rip cs eflags rsp ss fs_base gs_base ds es fs gs").split()]


def _ptrace_syscalls(pid, calls):
    """Have process `pid` make each system call of `calls` itself, by
    ptrace: stopped where it waits in a system call, its instruction
    pointer is moved back onto that `syscall` instruction with our call's
    number and arguments, one instruction is stepped, the result read and
    its registers put back.  Only the general registers are touched (gdb's
    function calls also write the extended state, which some kernels and
    CPUs refuse).  [(value, errno)], None when the process died (a system
    call outside its filter kills it) or cannot be traced."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.ptrace.restype = ctypes.c_long
    libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p,
                            ctypes.c_void_p]
    attach, detach, getregs, setregs, step, peek, poke = (
        16, 17, 12, 13, 9, 1, 5)

    def ptrace(req, addr=0, data=0):
        ctypes.set_errno(0)
        r = libc.ptrace(req, pid, ctypes.c_void_p(addr), ctypes.c_void_p(data))
        if r == -1 and ctypes.get_errno() != 0:
            raise OSError(ctypes.get_errno(), "ptrace %d" % req)
        return r

    def stopped():
        _, status = os.waitpid(pid, 0x40000000)     # __WALL
        return os.WIFSTOPPED(status)

    try:
        ptrace(attach)
    except OSError:
        return None     # not ours to trace (another user, not dumpable)
    if not stopped():
        return None
    saved = _Regs()
    ptrace(getregs, 0, ctypes.addressof(saved))
    at = saved.rip - 2
    if ptrace(peek, at) & 0xffff != 0x050f:      # the bytes of `syscall`
        ptrace(detach)
        raise RuntimeError("pid %d is not stopped after a syscall" % pid)
    results = []
    for name, *args in calls:
        regs = _Regs.from_buffer_copy(saved)
        if name == "open":
            path = args[0].encode() + b"\0"
            path += b"\0" * (-len(path) % 8)
            where = (saved.rsp - 512 - len(path)) & ~15  # past the red zone
            for i in range(0, len(path), 8):
                ptrace(poke, where + i, int.from_bytes(path[i:i + 8],
                                                       "little"))
            args = [_AT_FDCWD & (2 ** 64 - 1), where] + list(args[1:])
        for reg, v in zip(("rdi", "rsi", "rdx", "r10"), args):
            setattr(regs, reg, v)
        regs.rax = _SYSCALL_NR[name]
        regs.orig_rax = 2 ** 64 - 1   # no restart of the interrupted call
        regs.rip = at
        ptrace(setregs, 0, ctypes.addressof(regs))
        ptrace(step)
        if not stopped():
            return None
        ptrace(getregs, 0, ctypes.addressof(regs))
        v = ctypes.c_longlong(regs.rax).value
        results.append((-1, -v) if -4096 < v < 0 else (v, 0))
    ptrace(setregs, 0, ctypes.addressof(saved))
    ptrace(detach)
    return results


def calls_in(pid, calls):
    """Have process `pid` itself make each call of `calls`: ("open", path,
    flags, mode) or ("socket", domain, type, protocol).  [(value, errno)];
    None when the process died, or without a way in: ptrace on x86-64,
    gdb's function calls elsewhere."""
    if os.uname().machine == "x86_64":
        return _ptrace_syscalls(pid, calls)
    exprs = []
    for name, *args in calls:
        if name == "open":
            exprs.append('((int(*)(const char *, int, int))open)'
                         '("%s", %d, %d)' % tuple(args))
        else:
            exprs.append("((int(*)(int, int, int))socket)(%d, %d, %d)"
                         % tuple(args))
    return gdb_calls(pid, exprs)


TCP_LISTEN = "0A"


def tcp_sockets(port):
    """{inode: (state, peer port)} of the TCP sockets whose local port is
    `port` (/proc/net/tcp and tcp6: the server's ends of its
    connections, and its listening sockets)."""
    out = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    fl = line.split()
                    if int(fl[1].rsplit(":", 1)[1], 16) == port:
                        out[int(fl[9])] = (fl[3], int(
                            fl[2].rsplit(":", 1)[1], 16))
        except OSError:
            pass
    return out


def received_unread(port, peer):
    """Bytes waiting in the server's end of the connection from `peer`
    (our local port) to its `port`: what it has not read yet."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    fl = line.split()
                    if int(fl[1].rsplit(":", 1)[1], 16) == port and \
                            int(fl[2].rsplit(":", 1)[1], 16) == peer:
                        return int(fl[4].split(":")[1], 16)
        except OSError:
            pass
    return None


def socket_inodes(pid):
    """The inodes of the sockets a process holds open."""
    out = set()
    try:
        names = os.listdir("/proc/%d/fd" % pid)
    except OSError:
        return out
    for fd in names:
        try:
            link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if link.startswith("socket:["):
            out.add(int(link[8:-1]))
    return out


_given_ports = set()


def _ephemeral_low():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port(family=socket.AF_INET):
    """A port free now, below the ephemeral range: a port the kernel may
    hand to any client connection (ours included) could be taken between
    this probe and the server's bind ("Address already in use").  Each
    port is given once per session."""
    host = "127.0.0.1" if family == socket.AF_INET else "::1"
    top = min(_ephemeral_low(), 32768) - 1
    for _ in range(200):
        port = random.randint(10000, top)
        if port in _given_ports:
            continue
        s = socket.socket(family, socket.SOCK_STREAM)
        try:
            s.bind((host, port))
        except OSError:
            continue
        finally:
            s.close()
        _given_ports.add(port)
        return port
    s = socket.socket(family, socket.SOCK_STREAM)
    s.bind((host, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def ipv6_available():
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.bind(("::1", 0))
        s.close()
        return True
    except OSError:
        return False


def read_all(s):
    """Read a socket until EOF (a TLS socket: until close_notify)."""
    chunks = []
    while True:
        try:
            b = s.recv(65536)
        except ssl.SSLZeroReturnError:
            break
        if not b:
            break
        chunks.append(b)
    return b"".join(chunks)


def reachable_tmpdir(prefix="broadside-"):
    """A fresh directory (mode 0755) that any user can reach: every folder
    above it searchable by others.  For a process started as another user,
    who may not reach the checkout (under /root, mode 0700, say) or
    pytest's own temporary folders (mode 0700)."""
    def reachable(path):
        while True:
            if not os.stat(path).st_mode & 0o001:
                return False
            parent = os.path.dirname(path)
            if parent == path:
                return True
            path = parent

    parent = tempfile.gettempdir()
    if not reachable(os.path.realpath(parent)):
        parent = "/tmp"
    base = tempfile.mkdtemp(prefix=prefix, dir=parent)
    os.chmod(base, 0o755)
    return base


def write_files(root, files):
    for name, data in files.items():
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        mode = "wb" if isinstance(data, bytes) else "w"
        with open(path, mode) as f:
            f.write(data)


class Server:
    bin = BIN           # the binary to run
    preexec = None      # run in the child before exec (UnprivilegedServer)
    cwd = None          # the server's working directory

    def __init__(self, base, conf=None, files=None, repo_content=True,
                 ipv6=False, env=None):
        self.base = str(base)
        self.env = env or {}
        self.content = os.path.join(self.base, "content")
        self.certs = os.path.join(self.base, "certs")
        os.makedirs(self.certs, exist_ok=True)
        if repo_content and os.path.isdir(os.path.join(REPO, "content")):
            shutil.copytree(os.path.join(REPO, "content"), self.content)
        os.makedirs(self.content, exist_ok=True)
        write_files(self.content, DEFAULT_FILES)
        if files:
            write_files(self.content, files)
        self.gemini_port = free_port()
        self.gopher_port = free_port()
        self.errlog = os.path.join(self.base, "error.log")
        self.acclog = os.path.join(self.base, "access.log")
        gem_listen = "127.0.0.1:%d" % self.gemini_port
        gop_listen = "127.0.0.1:%d" % self.gopher_port
        if ipv6:
            gem_listen += ", [::1]:%d" % self.gemini_port
            gop_listen += ", [::1]:%d" % self.gopher_port
        self.conf = {
            "server": {
                "hostname": "localhost",
                "root": self.content,
                "archive": "statements",
                "title": "Statements",
                "lang": "en",
                "workers": "1",
                "timeout": "3",
                # Tests hammer from one address: limits get their own tests.
                "max_clients_per_ip": "0",
                "rate": "off",
                "log": self.errlog,
                "access_log": self.acclog,
            },
            "gemini": {
                "listen": gem_listen,
                "cert": os.path.join(self.certs, "localhost.crt"),
                "key": os.path.join(self.certs, "localhost.key"),
            },
            "gopher": {
                "listen": gop_listen,
                "port": str(self.gopher_port),
            },
        }
        if os.geteuid() == 0:
            # As root the server insists on a user to drop to.  No chroot
            # by default: LeakSanitizer needs /proc at exit.
            self.conf["server"]["user"] = "nobody"
            self.conf["server"]["chroot"] = "no"
        for section, kv in (conf or {}).items():
            self.conf.setdefault(section, {}).update(kv)
        self.conf_path = os.path.join(self.base, "broadside.ini")
        self.write_conf()
        self.proc = None
        self.probes = 0         # connections the harness made to probe
        # Log markers a test provoked on purpose (stop() fails on others).
        self.expected_markers = set()

    def write_conf(self):
        with open(self.conf_path, "w") as f:
            for section, kv in self.conf.items():
                f.write("[%s]\n" % section)
                for k, v in kv.items():
                    if v is not None:
                        f.write("%s = %s\n" % (k, v))
                f.write("\n")

    # -- life cycle --------------------------------------------------------
    def start(self, wait_index=True):
        """Start, and wait until it listens and (wait_index) every worker
        maps the indexer's first generation: a first start builds the
        index while the workers already serve the file tree."""
        self.stderr = open(os.path.join(self.base, "stderr.txt"), "wb")
        env = dict(os.environ)
        env.update(self.env)
        # A small quarantine so memory tests see our allocations, not ASan's.
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0:"
                       "quarantine_size_mb=4")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
        self.proc = subprocess.Popen([self.bin, "-c", self.conf_path],
                                     stdout=self.stderr, stderr=self.stderr,
                                     env=env, preexec_fn=self.preexec,
                                     cwd=self.cwd)
        ports = [self.gemini_port] if self.conf["gemini"].get("listen") else []
        if self.conf["gopher"].get("listen"):
            ports.append(self.gopher_port)

        def listening():
            if self.proc.poll() is not None:
                raise RuntimeError("broadside exited at start:\n" +
                                   self.output())
            return all(self._port_open(p) for p in ports)

        try:
            wait_for(listening, timeout=START_TIMEOUT, interval=0.05,
                     what="the server to listen")
            if wait_index:
                wait_for(self.indexed, timeout=START_TIMEOUT,
                         interval=0.02, what="the first index")
        except AssertionError:
            self.stop()
            raise RuntimeError("broadside did not start in time:\n" +
                               self.output())
        return self

    def indexed(self):
        """Every worker maps an index generation, or the indexer said it
        has none to give."""
        out = self.output()
        if "index: the build failed" in out or "no indexer" in out:
            return True
        pids = self.worker_pids()
        if not pids:
            return False
        for pid in pids:
            try:
                with open("/proc/%d/maps" % pid) as f:
                    if "/meta-" not in f.read():
                        return False
            except OSError:
                return False
        return True

    def _port_open(self, port):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        except OSError:
            return False
        self.probes += 1        # an empty connection the server will see
        return True

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr.close()
        self.proc = None
        out = self.output()
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                       "runtime error:", "outside the seccomp filter"):
            if marker not in self.expected_markers:
                assert marker not in out, \
                    "sanitizer or filter report:\n" + out

    def output(self):
        text = ""
        for p in (os.path.join(self.base, "stderr.txt"), self.errlog):
            if os.path.exists(p):
                with open(p, "rb") as f:
                    text += f.read().decode("utf-8", "replace")
        return text

    def log_text(self):
        return self.output()

    # -- what the processes are doing (from /proc) ----------------------------
    def worker_pids(self):
        return children(self.proc.pid)

    def indexer_pids(self):
        """The indexer (two for a moment after a reload that moved it)."""
        return children(self.proc.pid, comm_is=INDEXER_COMM)

    def key_pids(self):
        """The key process (two for a moment after a reload)."""
        return children(self.proc.pid, key=True)

    def accepted(self, clients, port=None):
        """How many of these client connections (sockets, or their local
        port numbers) to `port` (default: Gopher) a worker has accepted
        and not yet closed."""
        peers = {c if isinstance(c, int) else c.getsockname()[1]
                 for c in clients}
        socks = tcp_sockets(port or self.gopher_port)
        held = set()
        for pid in self.worker_pids():
            held |= socket_inodes(pid)
        return sum(1 for ino in held if ino in socks and
                   socks[ino][0] != TCP_LISTEN and socks[ino][1] in peers)

    def holds_listener(self, pid):
        """Whether pid still holds one of our listening sockets (a worker
        asked to leave closes them first)."""
        listening = set()
        for port in (self.gemini_port, self.gopher_port):
            listening |= {ino for ino, (st, _) in tcp_sockets(port).items()
                          if st == TCP_LISTEN}
        return bool(socket_inodes(pid) & listening)

    def access_lines(self):
        if not os.path.exists(self.acclog):
            return []
        with open(self.acclog, encoding="utf-8", errors="replace") as f:
            return f.read().splitlines()

    # -- clients -----------------------------------------------------------
    def url(self, path="/"):
        return "gemini://localhost:%d%s" % (self.gemini_port, path)

    def tls_context(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx

    def gemini_raw(self, data, sni="localhost", host="127.0.0.1",
                   timeout=IO_TIMEOUT, ctx=None):
        """Send raw bytes; return (header_line, body, tls_socket_info)."""
        ctx = ctx or self.tls_context()
        with socket.create_connection((host, self.gemini_port),
                                      timeout=timeout) as raw:
            with ctx.wrap_socket(raw, server_hostname=sni) as s:
                s.sendall(data)
                resp = read_all(s)
        head, sep, body = resp.partition(b"\r\n")
        assert sep, "no CRLF in response %r" % resp[:200]
        return head.decode("utf-8"), body

    def gemini(self, path_or_url="/", **kw):
        url = path_or_url if "://" in path_or_url else self.url(path_or_url)
        return self.gemini_raw(url.encode("utf-8") + b"\r\n", **kw)

    def gopher(self, selector, timeout=IO_TIMEOUT, host="127.0.0.1"):
        if isinstance(selector, str):
            selector = selector.encode("utf-8")
        with socket.create_connection((host, self.gopher_port),
                                      timeout=timeout) as s:
            s.sendall(selector + b"\r\n")
            return read_all(s)


class UnprivilegedServer(Server):
    """A server started the way the shipped systemd unit starts it: as an
    ordinary user, with [server] user empty and chroot off.  As root the
    harness starts it as nobody, from a copy of the binary, config and
    content in a folder nobody can reach (reachable_tmpdir), owned by
    nobody; otherwise as the user running the tests."""

    def __init__(self, conf=None, files=None, **kw):
        import pwd
        base = reachable_tmpdir(prefix="broadside-unpriv-")
        conf = {k: dict(v) for k, v in (conf or {}).items()}
        conf.setdefault("server", {}).update({"user": None, "chroot": None})
        super().__init__(base, conf=conf, files=files, **kw)
        self.bin = os.path.join(self.base, "broadside")
        shutil.copy2(BIN, self.bin)
        os.chmod(self.bin, 0o755)
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            self.uid, self.gid = nobody.pw_uid, nobody.pw_gid

            def drop():
                os.setgroups([])
                os.setgid(nobody.pw_gid)
                os.setuid(nobody.pw_uid)
            self.preexec = drop
        else:
            self.uid, self.gid = os.geteuid(), os.getegid()

    def start(self, **kw):
        self.write_conf()
        if os.geteuid() == 0:
            for d, dirs, files in os.walk(self.base):
                for n in [d] + [os.path.join(d, f) for f in dirs + files]:
                    os.lchown(n, self.uid, self.gid)
        return super().start(**kw)

    def remove(self):
        if os.environ.get("KEEP"):
            print(self.base)
        else:
            shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture
def make_unprivileged_server():
    """Factory: make_unprivileged_server(conf=..., files=..., start=True)
    gives an UnprivilegedServer, stopped and removed after the test."""
    servers = []

    def make(conf=None, files=None, start=True, **kw):
        srv = UnprivilegedServer(conf=conf, files=files, **kw)
        servers.append(srv)
        return srv.start() if start else srv

    yield make
    for srv in servers:
        try:
            srv.stop()
        finally:
            srv.remove()


@pytest.fixture
def make_server(tmp_path_factory):
    servers = []

    def make(conf=None, files=None, start=True, **kw):
        srv = Server(tmp_path_factory.mktemp("srv"), conf=conf, files=files,
                     **kw)
        servers.append(srv)
        return srv.start() if start else srv

    yield make
    for srv in servers:
        srv.stop()


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("main"), ipv6=ipv6_available())
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(autouse=True)
def _server_survives(request):
    """After each test that used the shared server, it must still be up."""
    yield
    if "server" in request.fixturenames:
        srv = request.getfixturevalue("server")
        assert srv.alive(), "broadside died:\n" + srv.output()
