"""The staff face's declarations: its resources, operations, consumers and jobs."""

from __future__ import annotations

from portal.events import staff_live
from portal.faces import Face

FACE = Face(consumers=staff_live.CONSUMERS)
