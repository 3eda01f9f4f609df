"""Bad input, made from good: the mutations the fuzz run applies to valid FHIR.

Each mutation takes a seeded `random.Random` and a valid body (or a search, or a
Parameters resource) and returns what a careless or hostile client could send
instead, with a short description for the failure message. They are the classes of
input issue 13 found answered with 500s or plain text (finding 9): wrong primitive
types, NUL bytes, very long strings, deep nesting, unknown elements, invalid NHS
numbers, a wrong or missing resourceType, missing required elements, huge arrays,
unicode edge cases, and bodies that are not JSON objects at all.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from typing import Any

import orjson

Json = Any
Mutation = Callable[[random.Random, Json], tuple[str, bytes]]

ODD_VALUES: tuple[Json, ...] = (0, -1, 1e308, 2**63, True, None, [], {}, "", [1, [2]], {"a": 1})
ODD_TEXT: tuple[str, ...] = (
    "\x00",
    "a\x00b",
    "\ud800",  # a lone surrogate: valid JSON escape, not valid Unicode
    "\u202eevil",  # right-to-left override
    "\u200b\ufeff",  # zero-width space, byte order mark
    "e\u0301" * 50,  # combining accents
    "\U0001f600" * 20,
    "\uffff",
    "\x1b[31m",
    "' OR 1=1 --",
    "%00",
    "../" * 30,
)
BAD_NHS = ("123", "9990000019", "", "abcdefghij", "999 000 0018", "99900000181", "0" * 10)


def encode(value: Json) -> bytes:
    """JSON as a client library would send it (lone surrogates escaped, not refused)."""
    try:
        return orjson.dumps(value)
    except TypeError:  # orjson refuses lone surrogates: write them escaped by hand
        import json

        return json.dumps(value).encode()


def element_paths(value: Json, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to an element inside `value` (object keys and list positions)."""
    found = [here] if here else []
    if isinstance(value, dict):
        for key, child in value.items():
            found.extend(element_paths(child, (*here, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.extend(element_paths(child, (*here, index)))
    return found


def set_at(body: Json, path: tuple[Any, ...], value: Json) -> None:
    for step in path[:-1]:
        body = body[step]
    body[path[-1]] = value


def get_at(body: Json, path: tuple[Any, ...]) -> Json:
    for step in path:
        body = body[step]
    return body


def _at_random(rng: random.Random, body: Json, leaves_only: bool = False) -> tuple[Any, ...]:
    found = element_paths(body)
    if leaves_only:
        found = [p for p in found if not isinstance(get_at(body, p), dict | list)] or found
    return rng.choice(found)


def wrong_primitive(rng: random.Random, body: Json) -> tuple[str, bytes]:
    body, path = copy.deepcopy(body), _at_random(rng, body, leaves_only=True)
    value = rng.choice(ODD_VALUES)
    set_at(body, path, value)
    return f"{path} = {value!r}", encode(body)


def odd_text(rng: random.Random, body: Json) -> tuple[str, bytes]:
    body, path = copy.deepcopy(body), _at_random(rng, body, leaves_only=True)
    text = rng.choice(ODD_TEXT)
    set_at(body, path, text)
    return f"{path} = {text!r}", encode(body)


def long_text(rng: random.Random, body: Json) -> tuple[str, bytes]:
    body, path = copy.deepcopy(body), _at_random(rng, body, leaves_only=True)
    size = rng.choice((10_000, 200_000, 2_000_000))
    set_at(body, path, "x" * size)
    return f"{path} = 'x' * {size}", encode(body)


def deep_nesting(rng: random.Random, body: Json) -> tuple[str, bytes]:
    """Extensions nested deeper than any encoder (or naive parser) recurses: written as
    text, since no JSON library here would encode them either."""
    depth = rng.choice((60, 150, 1_000, 20_000))
    link = b'{"url":"https://example.org/x","extension":['
    leaf = b'{"url":"https://example.org/x","valueString":"deep"}'
    nested = link * depth + leaf + b"]}" * depth
    rest = encode({k: v for k, v in body.items() if k != "extension"})
    return f"extension nested {depth} deep", b'{"extension":[' + nested + b"]," + rest[1:]


def unknown_element(rng: random.Random, body: Json) -> tuple[str, bytes]:
    body = copy.deepcopy(body)
    objects = [p for p in element_paths(body) if isinstance(get_at(body, p), dict)] + [()]
    path = rng.choice(objects)
    target = get_at(body, path) if path else body
    name = rng.choice(("fooBar", "_status", "id\x00", "resourceType2", "\u00e9l\u00e9ment"))
    target[name] = rng.choice(ODD_VALUES)
    return f"unknown element {name!r} at {path}", encode(body)


def bad_nhs_number(rng: random.Random, body: Json) -> tuple[str, bytes]:
    text = encode(body).decode()
    marker = '"https://fhir.nhs.uk/Id/nhs-number","value":"'
    if marker not in text:
        return wrong_primitive(rng, body)
    start = text.index(marker) + len(marker)
    end = text.index('"', start)
    bad = rng.choice(BAD_NHS)
    return f"NHS number {bad!r}", (text[:start] + bad + text[end:]).encode()


def wrong_resource_type(rng: random.Random, body: Json) -> tuple[str, bytes]:
    body = copy.deepcopy(body)
    value = rng.choice(("Patient", "Bundle", "Nonsense", "", 7, None, "task", "Parameters"))
    if value is None:
        body.pop("resourceType", None)
    else:
        body["resourceType"] = value
    return f"resourceType = {value!r}", encode(body)


def missing_element(rng: random.Random, body: Json) -> tuple[str, bytes]:
    body = copy.deepcopy(body)
    key = rng.choice(sorted(body))
    body.pop(key)
    return f"without {key}", encode(body)


def huge_array(rng: random.Random, body: Json) -> tuple[str, bytes]:
    body = copy.deepcopy(body)
    lists = [
        p for p in element_paths(body) if isinstance(get_at(body, p), list) and get_at(body, p)
    ]
    copies = rng.choice((1_000, 20_000, 200_000))
    if not lists:
        body["identifier"] = [{"system": "https://example.org", "value": "1"}] * copies
        return f"identifier x {copies}", encode(body)
    path = rng.choice(lists)
    set_at(body, path, get_at(body, path)[:1] * copies)
    return f"{path} x {copies}", encode(body)


def not_an_object(rng: random.Random, body: Json) -> tuple[str, bytes]:
    raw = encode(body)
    choices = {
        "a JSON array": b"[" + raw + b"]",
        "a JSON string": b'"Patient"',
        "truncated JSON": raw[: len(raw) // 2],
        "invalid UTF-8": raw[:-1] + b'\xff\xfe"}',
        "1e999": b'{"resourceType": 1e999}',
        "duplicate keys": raw[:-1] + b',"resourceType":"Patient"}',
        "empty": b"",
        "NUL bytes": b"\x00" * 64,
    }
    name = rng.choice(sorted(choices))
    return name, choices[name]


BODY_MUTATIONS: tuple[Mutation, ...] = (
    wrong_primitive,
    odd_text,
    long_text,
    deep_nesting,
    unknown_element,
    bad_nhs_number,
    wrong_resource_type,
    missing_element,
    huge_array,
    not_an_object,
)
