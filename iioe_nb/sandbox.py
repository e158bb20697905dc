"""Where trainee code runs: a zygote process that forks one fresh, confined child per notebook.

The zygote (``python -m iioe_nb.sandbox``) is started clean by the grader, imports IPython and the
libraries the modules use once, prepares an ``InteractiveShell`` that has run nothing, and then
waits. For each notebook it forks: the child is a new process with the import work already done
(copy-on-write), so starting it costs milliseconds instead of the ~0.7 s of a Jupyter kernel. A child
never serves two notebooks, and it never sees one cell before it is its turn to run (hidden tests
are not in its memory while the trainee's code runs).

Before any trainee code runs the child, in order: starts its own session (so the grader can kill
everything it forks), connects to the grader's socket, drops every other inherited file descriptor,
points stdin/stdout/stderr at /dev/null, and, when the grader runs as root, enters new network and
mount namespaces (no network; the grader's secret folders are covered with empty tmpfs mounts),
sets resource limits (address space, processes, file size, open files, no core dumps), switches
to an unprivileged user of its own, clears the environment and moves into its own folder.

Protocol. Zygote: one JSON line per job on stdin → one line ``{"pid": N}`` on stdout. Child ↔
grader: frames of a 4-byte length and UTF-8 JSON on the socket: ``{"cell": source}`` →
``{"outputs": [...], "count": n, "error": ename|null}``, and ``{"end": true}``.
"""
from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import socket
import struct
import sys

#: how much text a cell may print before the rest is dropped (nbgrader later keeps 1,000 lines)
STREAM_LIMIT = 512 * 1024
_CLONE_NEWNS = 0x00020000
_CLONE_NEWNET = 0x40000000
_MS_REC = 0x4000
_MS_PRIVATE = 1 << 18
_MS_BIND = 0x1000
_MS_REMOUNT = 0x20
_MS_RDONLY = 0x1


# ------------------------------------------------------------------------------------- framing


def send_frame(sock: socket.socket, obj: dict) -> None:
    data = json.dumps(obj, ensure_ascii=False, default=str).encode("utf-8")
    sock.sendall(struct.pack("!I", len(data)) + data)


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(min(n - len(buf), 1 << 20))
        if not chunk:
            raise EOFError("socket closed")
        buf += chunk
    return bytes(buf)


def recv_frame(sock: socket.socket, limit: int = 64 << 20) -> dict:
    (size,) = struct.unpack("!I", _recv_exact(sock, 4))
    if size > limit:
        raise ValueError(f"frame of {size} bytes is over the limit")
    return json.loads(_recv_exact(sock, size).decode("utf-8"))


# ------------------------------------------------------------------------------------ capturing


class _Outputs:
    """The outputs of the running cell, in nbformat's shape, streams coalesced as nbclient does."""

    def __init__(self) -> None:
        self.items: list[dict] = []
        self.streamed = 0
        self.truncated = False

    def stream(self, name: str, text: str) -> None:
        if self.streamed >= STREAM_LIMIT:
            self.truncated = True
            return
        text = text[: STREAM_LIMIT - self.streamed]
        self.streamed += len(text)
        last = self.items[-1] if self.items else None
        if last and last["output_type"] == "stream" and last["name"] == name:
            last["text"] += text
        else:
            self.items.append({"output_type": "stream", "name": name, "text": text})


class _Stream:
    """``sys.stdout``/``sys.stderr`` of the child: text goes to the cell's outputs."""

    encoding = "utf-8"
    errors = "replace"

    def __init__(self, name: str, sink: _Outputs) -> None:
        self.name, self._sink = name, sink

    def write(self, text) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if text:
            self._sink.stream(self.name, text)
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        raise OSError("no file descriptor")


def _make_shell(sink: _Outputs):
    """An InteractiveShell whose displays, results and tracebacks land in ``sink``, as a kernel's do."""
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
            sink.items.append({"output_type": "display_data", "data": data, "metadata": metadata or {}})

        def clear_output(self, wait=False):
            sink.items.clear()

    class Hook(DisplayHook):
        def start_displayhook(self):
            pass

        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            sink.items.append({"output_type": "execute_result", "data": format_dict, "metadata": md_dict or {},
                               "execution_count": self.shell.execution_count})

        def finish_displayhook(self):
            pass

    cfg = Config()
    cfg.HistoryManager.enabled = False
    cfg.InteractiveShell.colors = "nocolor"
    cfg.InteractiveShell.autocall = 0
    shell = InteractiveShell.instance(config=cfg)
    shell.display_pub = Publisher(shell=shell, parent=shell)
    shell.displayhook = Hook(shell=shell, parent=shell, cache_size=1000)
    shell.display_trap.hook = shell.displayhook

    def show(etype, evalue, stb):
        sink.items.append({"output_type": "error", "ename": getattr(etype, "__name__", str(etype)),
                           "evalue": str(evalue), "traceback": list(stb)})

    shell._showtraceback = show
    return shell


def _preload(names: list[str]) -> None:
    import importlib

    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # a library the modules may use but this machine lacks: imported on demand
            pass
    if "matplotlib" in sys.modules:
        sys.modules["matplotlib"].use("agg")


# ------------------------------------------------------------------------------------ confinement


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _hide(paths: list[str]) -> None:
    """New network and mount namespaces; every path in ``paths`` covered by an empty, unreadable mount."""
    libc = _libc()
    if libc.unshare(_CLONE_NEWNS | _CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "unshare")
    if libc.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None) != 0:
        raise OSError(ctypes.get_errno(), "mount --make-rprivate /")
    for path in paths:
        if os.path.isdir(path):
            rc = libc.mount(b"tmpfs", path.encode(), b"tmpfs", 0, b"size=4k,mode=000")
        elif os.path.exists(path):
            rc = libc.mount(b"/dev/null", path.encode(), None, _MS_BIND, None)
        else:
            continue
        if rc != 0:
            raise OSError(ctypes.get_errno(), f"hide {path}")


def _blocking_ancestor(path: str) -> str | None:
    """The first folder on the way to ``path`` that other users cannot enter (e.g. ``/root``)."""
    parts = os.path.abspath(path).split(os.sep)[1:]
    current = ""
    for part in parts:
        current += os.sep + part
        try:
            if not os.stat(current).st_mode & 0o001:
                return current
        except OSError:
            return None
    return None


def _expose(paths: list[str]) -> None:
    """Let the sandbox user read Python itself when it lives under a closed folder such as ``/root``.

    The closed folder is covered with an empty tmpfs (its other contents stay hidden) and each
    needed folder is bind-mounted back, read-only, at its own path.
    """
    libc = _libc()
    wanted: dict[str, list[str]] = {}
    for path in dict.fromkeys(os.path.realpath(p) for p in paths if p and os.path.isdir(p)):
        top = _blocking_ancestor(path)
        if top:
            wanted.setdefault(top, []).append(path)
    for top, inner in wanted.items():
        inner = [p for p in inner if not any(p != q and p.startswith(q + os.sep) for q in inner)]
        fds = [os.open(p, os.O_PATH) for p in inner]
        if libc.mount(b"tmpfs", top.encode(), b"tmpfs", 0, b"size=64k,mode=755") != 0:
            raise OSError(ctypes.get_errno(), f"cover {top}")
        for path, fd in zip(inner, fds):
            os.makedirs(path, mode=0o755, exist_ok=True)
            src = f"/proc/self/fd/{fd}".encode()
            if libc.mount(src, path.encode(), None, _MS_BIND | _MS_REC, None) != 0:
                raise OSError(ctypes.get_errno(), f"expose {path}")
            libc.mount(None, path.encode(), None, _MS_BIND | _MS_REMOUNT | _MS_RDONLY | _MS_REC, None)
            os.close(fd)


def _limit(job: dict) -> None:
    def cap(which, value):
        soft, hard = resource.getrlimit(which)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(which, (value, value))

    if job.get("memory_mb"):
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[0])
        cap(resource.RLIMIT_AS, pages * os.sysconf("SC_PAGE_SIZE") + job["memory_mb"] * 1024 * 1024)
    if job.get("nproc"):
        cap(resource.RLIMIT_NPROC, job["nproc"])
    cap(resource.RLIMIT_FSIZE, job.get("file_mb", 64) * 1024 * 1024)
    cap(resource.RLIMIT_NOFILE, 256)
    cap(resource.RLIMIT_CORE, 0)


def _confine(job: dict, keep_fd: int) -> None:
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.closerange(3, keep_fd)
    os.closerange(keep_fd + 1, 65536)
    if os.geteuid() == 0 and job.get("uid"):
        _hide(job.get("hide") or [])
        _expose([sys.base_prefix, sys.prefix, *sys.path])
    _limit(job)
    uid = job.get("uid")
    if os.geteuid() == 0 and uid:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    os.chdir(job["cwd"])
    os.environ.clear()
    os.environ.update(job.get("env") or {})
    os.environ["HOME"] = job["cwd"]
    if "" not in sys.path:
        sys.path.insert(0, "")


# ----------------------------------------------------------------------------------------- child


def _serve(sock: socket.socket, shell, sink: _Outputs) -> None:
    real_stdout, real_stderr = _Stream("stdout", sink), _Stream("stderr", sink)
    while True:
        try:
            msg = recv_frame(sock)
        except (EOFError, OSError, ValueError):
            return
        if msg.get("end"):
            return
        sink.items, sink.streamed = [], 0
        sys.stdout, sys.stderr = real_stdout, real_stderr
        try:
            result = shell.run_cell(msg["cell"], store_history=True, silent=False)
        except BaseException as exc:  # SystemExit and friends raised outside the cell's own handling
            result = None
            sink.items.append({"output_type": "error", "ename": type(exc).__name__, "evalue": str(exc),
                               "traceback": []})
        finally:
            sys.stdout, sys.stderr = real_stdout, real_stderr
        error = None
        if result is not None:
            exc = result.error_before_exec or result.error_in_exec
            if exc is not None:
                error = type(exc).__name__
                # as nbgrader's Execute: an error the shell did not show (showtraceback replaced) is
                # recorded all the same
                if not any(o["output_type"] == "error" and o["ename"] == error for o in sink.items):
                    sink.items.append({"output_type": "error", "ename": error, "evalue": str(exc),
                                       "traceback": ["ERROR: An error occurred while showtraceback was disabled"]})
        else:
            error = sink.items[-1]["ename"]
        try:
            send_frame(sock, {"outputs": sink.items, "count": shell.execution_count - 1, "error": error,
                              "truncated": sink.truncated})
        except (OSError, TypeError, ValueError):
            send_frame(sock, {"outputs": [{"output_type": "error", "ename": "OutputError",
                                           "evalue": "the cell's output could not be recorded", "traceback": []}],
                              "count": shell.execution_count - 1, "error": "OutputError", "truncated": True})
        sink.truncated = False


def _child(job: dict, shell, sink: _Outputs) -> None:
    code = 0
    try:
        os.setsid()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(job["socket"])
        _confine(job, sock.fileno())
        _serve(sock, shell, sink)
    except BaseException:
        code = 1
    finally:
        os._exit(code)


# ---------------------------------------------------------------------------------------- zygote


def zygote(preload: list[str]) -> None:
    """Serve fork requests on stdin until it closes."""
    # children, and orphans of children (adopted as subreaper), are reaped by the kernel: no zombie
    # counts against the sandbox user's process limit after a fork storm
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    _libc().prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    os.environ.setdefault("MPLBACKEND", "agg")
    _preload(preload)
    sink = _Outputs()
    shell = _make_shell(sink)
    out = sys.stdout
    out.write(json.dumps({"ready": True}) + "\n")
    out.flush()
    for line in sys.stdin:
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(job, shell, sink)
        out.write(json.dumps({"pid": pid}) + "\n")
        out.flush()


if __name__ == "__main__":
    zygote(sys.argv[1:])
