"""Every service's worker leaves its API's web layer alone (issue 16, memory): routes,
pages, Jinja2 and the kernel's FHIR route stack load in the API process only, where
they are used. Imported, they stayed in each worker for good (the portal's pages
~12 MiB in its worker and again in its delivery process; mdt's List routes, with the
route stack and httpx, ~13 MiB)."""

from __future__ import annotations

import subprocess
import sys

import pytest

SERVICES = ("referrals", "care_plans", "mdt", "portal")
API_ONLY = ("jinja2", "carecoord_shared.fhir.routes", "carecoord_shared.web.app")


def _loaded(service: str, assemble: str) -> list[str]:
    own = (f"{service}.routes", f"{service}.web", f"{service}.api")
    script = (
        f"import sys; {assemble}; "
        f"print(' '.join(sorted(m for m in sys.modules if m in {API_ONLY!r} "
        f"or m.startswith({own!r}))))"
    )
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return ran.stdout.split()


@pytest.mark.parametrize("service", SERVICES)
def test_the_assembled_worker_has_loaded_nothing_of_the_api(service: str) -> None:
    assemble = f"from {service}.worker import build_worker; build_worker()"
    assert _loaded(service, assemble) == []


@pytest.mark.parametrize("service", ["mdt", "portal"])
def test_the_api_still_has_its_own_routes(service: str) -> None:
    assemble = f"from {service}.main import create_app; create_app()"
    loaded = _loaded(service, assemble)
    assert "carecoord_shared.web.app" in loaded
    assert any(m.startswith((f"{service}.routes", f"{service}.web")) for m in loaded)
