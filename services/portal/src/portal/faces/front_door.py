"""The front door face's declarations: its resources, operations, consumers and jobs."""

from __future__ import annotations

from portal.faces import Face

FACE = Face()
