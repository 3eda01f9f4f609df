"""The portal's worker and its delivery process never load the web layer (issue 16,
memory): the pages, their routes and Jinja2 are the API's alone."""

from __future__ import annotations

import subprocess
import sys

LOADED = (
    "import sys; from portal.worker import build_worker; build_worker();"
    "print(sorted({m.split('.')[0] for m in sys.modules} & {'jinja2'}),"
    " sorted(m for m in sys.modules if m.startswith('portal.web')))"
)


def test_the_assembled_worker_has_not_imported_the_pages_or_jinja2() -> None:
    ran = subprocess.run([sys.executable, "-c", LOADED], capture_output=True, text=True, check=True)
    assert ran.stdout.strip() == "[] []"


def test_the_api_still_installs_the_pages() -> None:
    loaded = LOADED.replace("from portal.worker import build_worker; build_worker();",
                            "from portal.main import create_app; create_app();")  # fmt: skip
    ran = subprocess.run([sys.executable, "-c", loaded], capture_output=True, text=True, check=True)
    assert ran.stdout.strip().startswith("['jinja2'] ['portal.web")
