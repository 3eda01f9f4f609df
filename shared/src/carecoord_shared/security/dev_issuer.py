"""The local development token issuer: real signed JWTs with no identity provider.

On a developer machine and in tests there is no CIS2, NHS login or client-credentials
service, yet the services must run exactly the verification code they run in
production. This issuer makes an RSA key pair on first use, keeps it in a JSON file in
a folder it is given (the devstack uses `<repo>/.run/dev-issuer/`), publishes the
public half as `jwks.json` beside it for a `file://` JWKS URL, and mints tokens with
the claims a gateway would produce (see `principal`). `DEFAULT_SCOPES` is what each
role gets when the caller names no scopes; it exists for this issuer only, because in
production the gateway's claims mapping decides scopes. Settings refuse this issuer
outside development and test.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from joserfc import jwt
from joserfc.jwk import RSAKey

from carecoord_shared.security.principal import ROLES, Role, kind_of
from carecoord_shared.settings import DEV_ISSUER

__all__ = ["DEFAULT_SCOPES", "DevIssuer"]

_DIRECTORY_READ = "user/Organization.rs user/HealthcareService.rs user/PractitionerRole.rs"

DEFAULT_SCOPES: Mapping[Role, str] = {
    "gp": "user/*.cruds",
    "triage-clinician": "user/ServiceRequest.crus user/Task.crus user/Communication.crs "
    "user/QuestionnaireResponse.rs user/DocumentReference.crs user/Binary.cr "
    f"user/Patient.rs user/Condition.rs user/CarePlan.rs {_DIRECTORY_READ}",
    "care-coordinator": "user/CareTeam.crus user/EpisodeOfCare.crus user/CarePlan.crus "
    "user/Goal.crus user/Task.crus user/Condition.crus user/Patient.crus user/Provenance.crs "
    "user/Communication.crs user/CommunicationRequest.crs user/MeasureReport.rs "
    f"user/ServiceRequest.rs user/Consent.rs {_DIRECTORY_READ} "
    # MDT case lists they assemble, and the meeting records behind them.
    "user/List.rs user/Appointment.rs user/Encounter.rs user/Composition.rs",
    # Members run their own meetings (book, record attendance, list, record outcomes);
    # the MDT service also checks membership of that MDT for every such operation.
    "mdt-member": "user/CareTeam.rus user/List.crus user/Task.crus user/Composition.crus "
    "user/Appointment.crus user/Encounter.crus user/Patient.rs user/CarePlan.rs "
    "user/Condition.rs "
    f"user/Goal.rs user/Communication.crs {_DIRECTORY_READ}",
    "paramedic": "user/*.rs user/Communication.crs",
    "patient": "patient/*.rs patient/Communication.crs",
    "system": "system/*.cruds",
    # The directory administrator: services, advice lines and rotas (GPs only read them).
    "admin": "user/Organization.cruds user/HealthcareService.cruds user/PractitionerRole.cruds "
    "user/Endpoint.rs user/Subscription.rs user/MeasureReport.rs",
    "information-governance": "user/AuditEvent.rs",
}

_ALG = "RS256"
DEV_AUDIENCES = (
    "carecoord",
    "carecoord-portal",
    "carecoord-referrals",
    "carecoord-care-plans",
    "carecoord-mdt",
)
"""Who a development token is for unless told otherwise: every local service (each
service accepts only tokens naming its own audience; tests use the shared one)."""
_NHS_NUMBER = re.compile(r"[0-9]{10}")


class DevIssuer:
    """Signs development tokens with a key kept in `folder` (created on first use)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.key_file = folder / "signing-key.json"
        self.jwks_file = folder / "jwks.json"
        self._key: RSAKey | None = None

    @property
    def jwks_url(self) -> str:
        """The `file://` URL a `TokenVerifier` uses to trust this issuer."""
        self._signing_key()
        return self.jwks_file.resolve().as_uri()

    def jwks(self) -> dict[str, Any]:
        """The public key set (never the private key)."""
        key = self._signing_key()
        return {"keys": [key.as_dict(private=False)]}

    def mint(
        self,
        role: Role,
        organisation: str | None = None,
        user: str | None = None,
        nhs_number: str | None = None,
        scopes: str | None = None,
        lifetime_s: int = 3600,
        audience: str | Sequence[str] = DEV_AUDIENCES,
        issuer: str = DEV_ISSUER,
        *,
        issued_at: int | None = None,
        agreement: str | None = None,
        extra_claims: Mapping[str, Any] | None = None,
    ) -> str:
        """A signed token for `role`; `scopes` defaults to the role's `DEFAULT_SCOPES`.

        Raises ValueError for a combination the verifier would refuse anyway."""
        subject = _subject(role, organisation, user, nhs_number)
        now = int(time.time()) if issued_at is None else issued_at
        claims: dict[str, Any] = {
            "iss": issuer,
            "aud": audience if isinstance(audience, str) else list(audience),
            "sub": subject,
            "iat": now,
            "nbf": now,
            "exp": now + lifetime_s,
            "jti": str(uuid.uuid4()),
            "carecoord_role": role,
            "scope": DEFAULT_SCOPES[role] if scopes is None else scopes,
        }
        if organisation is not None:
            claims["org"] = organisation
        if nhs_number is not None:
            claims["nhs_number"] = nhs_number
        if role == "system" and agreement != "":  # "" mints a client with no agreement
            claims["carecoord_agreement"] = "*" if agreement is None else agreement
        claims.update(extra_claims or {})
        key = self._signing_key()
        header = {"alg": _ALG, "kid": key.kid, "typ": "JWT"}
        return jwt.encode(header, claims, key, algorithms=[_ALG])

    def _signing_key(self) -> RSAKey:
        if self._key is None:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not self.key_file.exists():
                _create_key_file(self.key_file)
            self._key = RSAKey.import_key(json.loads(self.key_file.read_text()))
            self._publish(self._key)
        return self._key

    def _publish(self, key: RSAKey) -> None:
        text = json.dumps({"keys": [key.as_dict(private=False)]}, indent=2) + "\n"
        if self.jwks_file.exists() and self.jwks_file.read_text() == text:
            return
        temporary = self.folder / f".jwks-{uuid.uuid4().hex}.json"
        temporary.write_text(text)
        os.replace(temporary, self.jwks_file)


def _subject(role: Role, organisation: str | None, user: str | None, nhs: str | None) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    kind = kind_of(role)
    if kind == "patient":
        if nhs is None or not _NHS_NUMBER.fullmatch(nhs):
            raise ValueError("a patient token needs a 10-digit NHS number")
        # NHS login subjects are opaque ids, not NHS numbers: derive a stable one.
        return user or str(uuid.uuid5(uuid.NAMESPACE_URL, f"nhs-login:{nhs}"))
    if nhs is not None:
        raise ValueError("only patient tokens carry an NHS number")
    if kind == "staff" and organisation is None:
        raise ValueError("a staff token needs an organisation (ODS code)")
    return user or ("dev-system-client" if kind == "system" else f"dev-{role}")


def _create_key_file(path: Path) -> None:
    """Write a new private key without racing another process doing the same."""
    key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": _ALG}, auto_kid=True)
    temporary = path.with_name(f".key-{uuid.uuid4().hex}.json")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(key.as_dict(private=True), handle)
    try:
        # Fails if another process won the race; its key is then the one to use.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
