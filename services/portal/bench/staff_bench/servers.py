"""The bench's servers on loopback: ports to put them on, and waiting for them."""

from __future__ import annotations

import asyncio
import time

import httpx

from carecoord_shared.testing.loopback import free_loopback_port


def free_ports(count: int) -> list[int]:
    """`count` loopback ports nobody holds, from the band tests and benches share."""
    return [free_loopback_port() for _ in range(count)]


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
