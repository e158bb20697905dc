"""A kernel client whose shell channel cannot miss a reply: what Voilà and ``iioe verify`` execute with.

nbclient waits for a cell's ``execute_reply`` with ``shell_channel.get_msg(timeout=None)``, a single
asyncio poll of the shell socket. While it waits, a lesson's ``Output`` widget (every
``widgets.interact``) makes nbclient *send* widget state on that same socket. ZeroMQ signals
readiness edge-triggered, and that send can swallow the edge of a reply that has just arrived: the
poll then never wakes, and the page, pre-heated or not, never finishes (seen here in about one
lesson load in fifteen; nbclient#312). Polling in short slices re-reads the socket's state each
time, so a swallowed edge costs at most one slice instead of the whole page.
"""
from __future__ import annotations

import time
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from traitlets import Type

SLICE = 0.2  # seconds: the longest a reply can wait unnoticed


class SteadyShellChannel(AsyncZMQSocketChannel):
    async def get_msg(self, timeout: float | None = None) -> dict:
        assert self.socket is not None
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            wait = SLICE if deadline is None else max(0.0, min(SLICE, deadline - time.monotonic()))
            if await self.socket.poll(int(wait * 1000)):
                return await self._recv()
            if deadline is not None and time.monotonic() >= deadline:
                raise Empty


class SteadyKernelClient(AsyncKernelClient):
    shell_channel_class = Type(SteadyShellChannel)  # type: ignore[assignment]


# What a kernel manager's config takes: {"KernelManager": CONFIG} (serve.py and verify.py give it)
CONFIG = {"client_factory": f"{__name__}.SteadyKernelClient"}
