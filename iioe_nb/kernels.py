"""The grader's side of the sandbox: start a zygote, run one notebook in a fresh confined child.

``Forker.run`` sends the code cells one at a time and waits for each with a per-cell timeout: a cell
that runs too long is interrupted (``KeyboardInterrupt`` inside the cell, as ``nbgrader`` does) and,
if the child ignores that, killed; a child that dies (``os._exit``, a crash) ends the run and the
cells it did not reach are recorded as not run. After every notebook all processes of the child's
user (or, when not root, of its session) are killed, so nothing a trainee started outlives the run.
"""
from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from iioe_nb.messages import _
from iioe_nb.sandbox import recv_frame, send_frame

#: always imported in the zygote; a run adds the modules its notebooks import (``grading.notebook_imports``)
BASE_PRELOAD = ("IPython",)
#: first uid of the unprivileged users children run as when the grader is root (one per worker slot)
SANDBOX_UID_BASE = 61000
_INTERRUPT_GRACE = 3.0
#: the whole environment trainee code sees (besides HOME, its own folder); nbgrader sets the last one
SANDBOX_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "MPLBACKEND": "agg",
               "NBGRADER_EXECUTION": "autograde"}


@dataclass(frozen=True)
class Limits:
    """What one notebook may use."""

    timeout: float = 30.0          # seconds per cell (nbgrader's default)
    memory_mb: int = 1024          # address space beyond what the zygote already maps
    nproc: int = 64                # processes of the sandbox user
    file_mb: int = 64              # largest file it may write
    hide: tuple[str, ...] = ()     # paths covered when the grader is root (gradebook, sources, others' work)
    env: tuple[tuple[str, str], ...] = ()


@dataclass
class CellRun:
    outputs: list[dict]
    count: int | None
    error: str | None = None


@dataclass
class Run:
    """What happened to one notebook."""

    cells: list[CellRun] = field(default_factory=list)
    status: str = "ok"        # ok | timeout | memory | died | output-limit
    detail: str = ""
    seconds: float = 0.0


def _not_run(reason: str) -> CellRun:
    return CellRun([{"output_type": "error", "ename": "CellNotRun", "evalue": reason,
                     "traceback": [f"CellNotRun: {reason}"]}], None, "CellNotRun")


class Forker:
    """One zygote; ``run`` executes a notebook's code cells in a new child of it."""

    def __init__(self, slot: int = 0, preload: tuple[str, ...] = BASE_PRELOAD) -> None:
        self.slot, self.preload = slot, tuple(preload)
        self.uid = SANDBOX_UID_BASE + slot if os.geteuid() == 0 else None
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "PYTHONPATH")}
        env.update(MPLBACKEND="agg", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1")
        self._proc = subprocess.Popen([sys.executable, "-m", "iioe_nb.sandbox", *preload], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, env=env, text=True, bufsize=1,
                                      cwd=tempfile.gettempdir())
        line = self._proc.stdout.readline()
        if not line or not json.loads(line).get("ready"):
            raise RuntimeError("the sandbox zygote did not start")

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.stdin.close()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()

    def __enter__(self) -> "Forker":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---------------------------------------------------------------------------------------
    def run(self, cells: list[str], cwd: Path, limits: Limits) -> Run:
        """Run ``cells`` (code sources, in order) with ``cwd`` as working directory."""
        started = time.monotonic()
        run = Run()
        if self.uid is not None:
            os.chown(cwd, self.uid, self.uid)
            for p in Path(cwd).rglob("*"):
                os.lchown(p, self.uid, self.uid)
        sockdir = tempfile.mkdtemp(prefix="iioe-sock-")
        path = os.path.join(sockdir, "s")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        listener.listen(1)
        listener.settimeout(30)
        pid = None
        try:
            env = dict(SANDBOX_ENV, **dict(limits.env))
            job = {"socket": path, "cwd": str(cwd), "uid": self.uid, "memory_mb": limits.memory_mb,
                   "nproc": limits.nproc, "file_mb": limits.file_mb, "hide": list(limits.hide), "env": env}
            self._proc.stdin.write(json.dumps(job) + "\n")
            self._proc.stdin.flush()
            pid = json.loads(self._proc.stdout.readline())["pid"]
            try:
                conn, _addr = listener.accept()
            except socket.timeout:
                run.status, run.detail = "died", _("the sandbox did not start")
                run.cells = [_not_run(run.detail) for _ in cells]
                return run
            with conn:
                self._run_cells(conn, pid, cells, limits, run)
        finally:
            listener.close()
            try:
                os.unlink(path)
                os.rmdir(sockdir)
            except OSError:
                pass
            if pid:
                self._reap(pid)
            run.seconds = time.monotonic() - started
        return run

    def _run_cells(self, conn: socket.socket, pid: int, cells: list[str], limits: Limits, run: Run) -> None:
        for i, source in enumerate(cells):
            try:
                send_frame(conn, {"cell": source})
                try:
                    reply = _await_reply(conn, pid, limits.timeout)
                except socket.timeout:
                    reply = self._interrupt(conn, pid)
                    if reply is None:
                        run.status, run.detail = "timeout", _("cell {n} ran over {seconds} s and was stopped",
                                                              n=i + 1, seconds=f"{limits.timeout:g}")
                        run.cells.append(CellRun([_timeout_output()], None, "CellTimeoutError"))
                        run.cells += [_not_run(run.detail) for _ in cells[i + 1:]]
                        return
                    reply["outputs"].append(_timeout_output())
                    reply["error"] = "CellTimeoutError"
                    if run.status == "ok":
                        run.status, run.detail = "timeout", _("cell {n} ran over {seconds} s", n=i + 1,
                                                                  seconds=f"{limits.timeout:g}")
            except (EOFError, ConnectionError, OSError, ValueError):
                run.status = "died"
                run.detail = _("the notebook's process ended in cell {n}", n=i + 1)
                run.cells += [_not_run(run.detail) for _ in cells[i:]]
                return
            cell = CellRun(reply.get("outputs") or [], reply.get("count"), reply.get("error"))
            if cell.error == "MemoryError" and run.status == "ok":
                run.status, run.detail = "memory", _("cell {n} went over the memory limit ({mb} MB)", n=i + 1,
                                                 mb=limits.memory_mb)
            if reply.get("truncated") and run.status == "ok":
                run.status, run.detail = "output-limit", _("cell {n} printed too much; its output was cut", n=i + 1)
            run.cells.append(cell)
        try:
            send_frame(conn, {"end": True})
        except OSError:
            pass

    def _interrupt(self, conn: socket.socket, pid: int) -> dict | None:
        try:
            os.kill(pid, signal.SIGINT)
        except ProcessLookupError:
            return None
        conn.settimeout(_INTERRUPT_GRACE)
        try:
            return recv_frame(conn)
        except (socket.timeout, EOFError, OSError, ValueError):
            return None

    def _reap(self, pid: int) -> None:
        """Kill the child and everything it started."""
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.uid is not None:
            _kill_user(self.uid)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def _await_reply(conn: socket.socket, pid: int, timeout: float) -> dict:
    """The child's reply to a cell; ``EOFError`` as soon as the child is gone (its own children may
    still hold the socket open), ``socket.timeout`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout()
        ready, _w, _x = select.select([conn], [], [], min(left, 0.2))
        if ready:
            conn.settimeout(max(left, 1.0))
            return recv_frame(conn)
        if not _alive(pid):
            raise EOFError("the child is gone")


def _timeout_output() -> dict:
    return {"output_type": "error", "ename": "CellTimeoutError", "evalue": "",
            "traceback": ["CellTimeoutError: No reply from kernel before timeout"]}


def _kill_user(uid: int) -> None:
    """SIGKILL every process of ``uid`` until none is left (a fork storm keeps making new ones)."""
    for _round in range(50):
        found = False
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                if entry.stat().st_uid != uid:
                    continue
                os.kill(int(entry.name), signal.SIGKILL)
                found = True
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                continue
        if not found:
            return
        time.sleep(0.01)


_SLOT_LOCKS: list = []


def claim_slot(limit: int = 4000) -> int:
    """A worker slot no other live grader process holds (a lock file per slot, released at exit).

    The slot picks the sandbox user, so two workers, local or Dask, never share one and never kill
    each other's children."""
    import fcntl

    folder = Path(tempfile.gettempdir()) / "iioe-slots"
    folder.mkdir(mode=0o700, exist_ok=True)
    for slot in range(limit):
        fd = os.open(folder / f"{slot}.lock", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        _SLOT_LOCKS.append(fd)
        return slot
    raise RuntimeError("no free sandbox slot")
