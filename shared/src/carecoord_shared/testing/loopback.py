"""Loopback ports for servers a test or bench starts on its own.

They come from one band, 20000-24999: below Linux's ephemeral range (so an outgoing
connection never holds one) and clear of every fixed port the project uses, notably the
chaos stack's (25433, 28000-28150, 29092-29093), which runs inside `make test` beside the
tests that pick ports here. A port picked anywhere in 20000-31999 once landed on the
chaos stack's mdt worker port and failed its start.
"""

from __future__ import annotations

import random
import socket

__all__ = ["TEST_PORTS", "bound_loopback_socket", "free_loopback_port"]

TEST_PORTS = range(20_000, 25_000)


def bound_loopback_socket() -> socket.socket:
    """A socket bound to a free loopback port of `TEST_PORTS`, kept bound so nobody
    takes the port between choosing it and serving on it."""
    for port in random.sample(TEST_PORTS, 200):
        sock = socket.socket()
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            sock.close()
            continue
        return sock
    raise RuntimeError(f"no free loopback port in {TEST_PORTS.start}-{TEST_PORTS.stop - 1}")


def free_loopback_port() -> int:
    """A loopback port of `TEST_PORTS` nobody holds at this moment."""
    with bound_loopback_socket() as sock:
        port: int = sock.getsockname()[1]
        return port
