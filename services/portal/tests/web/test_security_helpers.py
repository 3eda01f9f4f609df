"""PKCE, state, session ids, CSRF tokens and return paths: the pure pieces of sign-in."""

from __future__ import annotations

import os

import pytest

from portal.web.security import CsrfTokens, hash_id, new_pkce, random_token, s256, safe_return_to


def test_s256_matches_the_rfc_7636_example() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert s256(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_each_sign_in_gets_a_fresh_verifier_within_the_rfc_limits() -> None:
    first, second = new_pkce(), new_pkce()
    assert first.verifier != second.verifier
    assert 43 <= len(first.verifier) <= 128
    assert first.challenge == s256(first.verifier)
    assert first.method == "S256"


def test_state_and_nonce_values_are_unguessable_and_url_safe() -> None:
    values = {random_token() for _ in range(100)}
    assert len(values) == 100
    assert all(len(v) >= 43 and v.replace("-", "").replace("_", "").isalnum() for v in values)


def test_session_ids_are_stored_only_as_their_hash() -> None:
    session_id = random_token()
    assert hash_id(session_id) != session_id
    assert len(hash_id(session_id)) == 64
    assert hash_id(session_id) == hash_id(session_id)


def test_a_csrf_token_is_valid_only_for_its_own_session() -> None:
    tokens = CsrfTokens(os.urandom(32))
    mine = tokens.issue("session-a")
    assert tokens.valid("session-a", mine)
    assert not tokens.valid("session-b", mine)
    assert not tokens.valid("session-a", mine[:-1] + ("A" if mine[-1] != "A" else "B"))


@pytest.mark.parametrize("forged", [None, "", "forged", "x" * 43, "y" * 500])
def test_a_missing_or_forged_csrf_token_is_refused(forged: str | None) -> None:
    tokens = CsrfTokens(os.urandom(32))
    assert not tokens.valid("session-a", forged)


def test_another_servers_secret_makes_other_tokens() -> None:
    assert CsrfTokens(os.urandom(32)).issue("s") != CsrfTokens(os.urandom(32)).issue("s")


def test_a_short_csrf_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        CsrfTokens(b"short")


@pytest.mark.parametrize(
    ("asked", "kept"),
    [
        ("/caseload?sort=due", "/caseload?sort=due"),
        ("/", "/"),
        (None, "/"),
        ("", "/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/ok\r\nSet-Cookie: x=y", "/"),
        ("/" + "a" * 600, "/"),
    ],
)
def test_sign_in_returns_only_to_local_paths(asked: str | None, kept: str) -> None:
    assert safe_return_to(asked) == kept
