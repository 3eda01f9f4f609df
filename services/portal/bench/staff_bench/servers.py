"""The bench's servers on loopback: ports to put them on, and waiting for them."""

from __future__ import annotations

import asyncio
import os
import time

import httpx


def free_ports(count: int) -> list[int]:
    """`count` loopback ports nobody listens on, below 32768 (never the ephemeral range)."""
    import socket

    found: list[int] = []
    port = 20_000 + os.getpid() % 10_000
    while len(found) < count and port < 32_000:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                found.append(port)
        port += 7
    return found


async def wait_up(url: str, path: str) -> None:
    deadline = time.monotonic() + 90
    async with httpx.AsyncClient(timeout=2) as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(f"{url}{path}")).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.3)
    raise RuntimeError(f"{url} did not start")
