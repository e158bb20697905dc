"""``iioe serve``: the lessons as Voilà pages on 127.0.0.1, set up for a classroom.

With a module, Voilà serves that lesson in one language; without, it serves ``release/lessons/``
and the reader starts at the gallery (``index.<lang>.ipynb``). The settings live in a ``voila.json``
written to ``$IIOE_HOME/serve/`` (Voilà reads it from its working folder):

- a pool of pre-heated kernels (the lesson already run) for the lessons served, so a page shows
  its widgets without waiting for a kernel to start; other pages start one on demand;
- kernels culled: the kernel of a page that was closed (or whose browser vanished with the network)
  is shut down once idle and unconnected for ``CULL_IDLE`` seconds, where Voilà would keep every
  ~100 MB kernel forever; pre-heated kernels waiting in the pool are spared
  (``iioe_nb.voila_kernels``). (Voilà's own shutdown when a page closes is refused by jupyter_server for
  want of an XSRF token, voila-dashboards/voila#1458; turning that check off made page loads hang
  now and then under a pre-heated pool, so culling does the work.)
- code cells hidden (Voilà's default), and no traceback shown to readers: they go to the log.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from iioe_nb.catalog import load_catalog
from iioe_nb.errors import UsageError
from iioe_nb.messages import _
from iioe_nb.paths import Project

CULL_IDLE = 120
CULL_INTERVAL = 15
DEFAULT_PORT = 8866


@dataclass(frozen=True)
class Plan:
    """What to start: the command, its folder, the config it reads and the address readers open."""

    argv: list[str]
    cwd: Path
    config: dict
    url: str


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # as Tornado binds: a port whose old connections linger in TIME_WAIT is free
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def plan(project: Project, module: str | None, lang: str, port: int = DEFAULT_PORT, pool: int = 1,
         cull_idle: int = CULL_IDLE) -> Plan:
    """Check the request and say how Voilà will be started; nothing is started yet."""
    from iioe_nb import kernel_client
    catalog = load_catalog(project)
    if module:
        course, _m = catalog.module(module)
        if lang not in course.languages:
            raise UsageError(_("{module} is not offered in {langs}.", module=module, langs=lang))
        target = project.lesson_notebook(module, lang)
        lessons = [target]
    else:
        target = project.lessons_dir
        lessons = [project.lesson_notebook(m.id, lang) for c, m in catalog.modules if lang in c.languages]
    missing = [p for p in lessons if not p.exists()]
    if missing or (not module and not project.gallery_notebook(lang).exists()):
        raise UsageError(_("{path}: no lesson yet; run 'iioe build' first.", path=(missing or [target])[0]))
    if not port_free(port):
        raise UsageError(_("Port {port} on 127.0.0.1 is in use: choose another with --port.", port=port))
    root = target.parent if module else target
    if module:  # one notebook: its pool is the default one
        pools = {"default": {"pool_size": pool}}
    else:
        pools = {"default": {"pool_size": 0}}
        pools.update({str(path.relative_to(root)): {"pool_size": pool} for path in lessons})
    config = {
        "VoilaConfiguration": {"preheat_kernel": pool > 0, "default_pool_size": 0, "show_tracebacks": False,
                               "template": "lab", "theme": "light",
                               "multi_kernel_manager_class": "iioe_nb.voila_kernels.ClassroomKernelManager"},
        "VoilaKernelManager": {"kernel_pools_config": pools, "fill_delay": 1.0},
        "MappingKernelManager": {"cull_idle_timeout": cull_idle, "cull_interval": min(CULL_INTERVAL, cull_idle),
                                 "cull_connected": False, "cull_busy": False},
        "Voila": {"ip": "127.0.0.1", "port": port, "open_browser": False},
        "KernelManager": dict(kernel_client.CONFIG),  # a shell channel that cannot miss a cell's reply
    }
    cwd = project.home / "serve"
    argv = [sys.executable, "-m", "voila", str(target), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1"]
    base = f"http://127.0.0.1:{port}"
    url = base + "/" if module else f"{base}/voila/render/index.{lang}.ipynb"
    return Plan(argv, cwd, config, url)


def start(p: Plan, **popen) -> subprocess.Popen:
    """Write the config and start Voilà (the caller waits for it or stops it)."""
    p.cwd.mkdir(parents=True, exist_ok=True)
    (p.cwd / "voila.json").write_text(json.dumps(p.config, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    return subprocess.Popen(p.argv, cwd=p.cwd, env=env, **popen)
