"""The second net: red flags disclosed in a patient's own words.

Structured answers are the first net; people also write "crushing pain in my chest"
in a box meant for something else. Both nets must catch it (issue 11: a red flag
disclosed anywhere is never dropped). The phrases, synonyms and common misspellings
are the rule file's; this module only decides how text is compared: lower case,
apostrophes dropped ("can't" is "cant"), anything not a letter or digit a space, and a
phrase matches on whole words. It errs towards flagging: "no chest pain" is flagged,
and a clinician reads it (hazard H1 in docs/safety/hazard-log.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["normalise", "phrases_in"]

_APOSTROPHES = re.compile(r"['\u2018\u2019`]")
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def normalise(text: str) -> str:
    """Text as phrases are compared: lower case, single spaces, no punctuation."""
    lowered = _APOSTROPHES.sub("", text.casefold())
    return _NOT_WORD.sub(" ", lowered).strip()


def phrases_in(text: str, phrases: Iterable[str]) -> list[str]:
    """The normalised `phrases` found in `text` as whole words, in sorted order."""
    padded = f" {normalise(text)} "
    return sorted(p for p in phrases if p and f" {p} " in padded)
