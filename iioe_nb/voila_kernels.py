"""The kernel manager ``iioe serve`` gives Voilà: culling that spares pre-heated kernels.

jupyter_server culls every kernel idle and unconnected for long enough. A pre-heated kernel waiting
in Voilà's pool is exactly that, and so is one just handed to a reader whose page has not yet opened
its connection: culled, it leaves the reader a page whose widgets never answer. So a kernel that
never had a connection is spared while it is in a pool and for ``ABANDONED`` seconds after it was
last seen there (a page that never connected is culled then); a kernel whose page connected and
went away is culled as usual, once idle for ``cull_idle_timeout``.
"""
from __future__ import annotations

import time

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

ABANDONED = 600.0


def _pooled(manager) -> set[str]:
    ids = set()
    for pool in (getattr(manager, "_pools", None) or {}).values():
        for item in pool:
            if item.done() and not item.cancelled() and item.exception() is None:
                ids.add(item.result().get("kernel_id"))
    return ids


class ClassroomKernelManager(AsyncMappingKernelManager):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._iioe_connected: set[str] = set()  # kernels a page has connected to
        self._iioe_pool_seen: dict[str, float] = {}  # kernel → when it was last seen in a pool

    def notify_connect(self, kernel_id):
        self._iioe_connected.add(kernel_id)
        return super().notify_connect(kernel_id)

    async def cull_kernel_if_idle(self, kernel_id):
        now = time.monotonic()
        for kid in _pooled(self):
            self._iioe_pool_seen[kid] = now
        if kernel_id not in self._iioe_connected and now - self._iioe_pool_seen.setdefault(kernel_id, now) < ABANDONED:
            return None
        return await super().cull_kernel_if_idle(kernel_id)
