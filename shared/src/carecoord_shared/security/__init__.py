"""Security kernel: bearer tokens, scopes, the patient relationship check and the audit trail.

Modules, each with its own `__all__`: `principal` (the verified caller), `scopes`
(SMART scopes and `allows`), `tokens` (`TokenVerifier`), `jwks` (issuer keys),
`access` (relationship check as SQL, grants, break-glass), `purpose` (a running
break-glass as a read's purpose of use), `audit` (AuditEvents in the caller's
transaction), `audit_group` (reads' AuditEvents group-committed), `fastapi`
(`CurrentPrincipal`, `require`) and `dev_issuer` (the local development issuer). They
are imported from their modules, not from here, so that importing one never drags in
the rest.
"""
