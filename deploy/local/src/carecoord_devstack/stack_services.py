"""What the CareCoord stack is made of: four services, each an API and a worker.

`carecoord run`, `carecoord status`, the bench and the demo loader all need the
same facts about the services: their names, environment prefixes and ports (the
API's `<PREFIX>_PORT` and the worker's health port `<PREFIX>_WORKER_PORT`, both
overridable so a second checkout can run beside this one), the environment the
processes get (the same variables docker-compose.yml sets), and the command line
of each child. They are kept here, apart from how the children are run.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from carecoord_devstack import kafka, postgres
from carecoord_devstack.paths import DevstackError, env_port, repo_root
from carecoord_devstack.stack_processes import MARKER, Child
from carecoord_devstack.tokens import dev_jwks_url

__all__ = ["SERVICES", "Service", "base_urls", "children", "environment", "is_worker"]

Echo = Callable[[str], None]
WORKER_SUFFIX = "-worker"


@dataclass(frozen=True)
class Service:
    name: str  # package, database and log name
    prefix: str  # environment prefix of its settings
    default_port: int
    default_worker_port: int  # the worker's /healthz, /readyz and /metrics

    @property
    def port(self) -> int:
        return env_port(f"{self.prefix}_PORT", self.default_port)

    @property
    def worker_port(self) -> int:
        return env_port(f"{self.prefix}_WORKER_PORT", self.default_worker_port)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def worker_url(self) -> str:
        return f"http://127.0.0.1:{self.worker_port}"

    @property
    def script(self) -> str:
        return "carecoord-" + self.name.replace("_", "-")


SERVICES = (
    Service("portal", "PORTAL", 8000, 8100),
    Service("referrals", "REFERRALS", 8001, 8101),
    Service("care_plans", "CARE_PLANS", 8002, 8102),
    Service("mdt", "MDT", 8003, 8103),
)


def base_urls() -> dict[str, str]:
    return {service.name: service.base_url for service in SERVICES}


def is_worker(name: str) -> bool:
    return name.endswith(WORKER_SUFFIX)


def oidc_port() -> int:
    """The development OpenID Connect provider's port (`CARECOORD_OIDC_PORT`)."""
    return env_port("CARECOORD_OIDC_PORT", 8090)


def environment() -> dict[str, str]:
    """What the services read: the same variables docker-compose.yml sets."""
    env = dict(os.environ, PYTHONUNBUFFERED="1", KAFKA_BOOTSTRAP_SERVERS=kafka.kafka_bootstrap())
    env["CARECOORD_JWKS_URL"] = dev_jwks_url()  # also makes the key, once
    env["CARECOORD_OIDC_PORT"] = str(oidc_port())
    env["CARECOORD_PORTAL_URL"] = f"http://127.0.0.1:{SERVICES[0].port}"
    env[MARKER] = str(repo_root())
    for service in SERVICES:
        env[f"{service.prefix}_DATABASE_URL"] = postgres.postgres_url(service.name)
        env[f"{service.prefix}_PORT"] = str(service.port)
        env[f"{service.prefix}_WORKER_PORT"] = str(service.worker_port)
        env[f"{service.prefix}_ENVIRONMENT"] = "development"
    return env


def children(echo: Echo) -> list[Child]:
    """An API and a worker per service; a worker whose module is missing is skipped.
    A worker whose console script is not installed yet runs through `python -c`."""
    scripts = Path(sys.executable).parent
    # The development sign-in service (OpenID Connect) the portal's pages use.
    found = [Child("oidc-provider", [sys.executable, "-m", "carecoord_devstack.oidc_provider"])]
    for service in SERVICES:
        api = scripts / service.script
        if not api.is_file():
            raise DevstackError(f"{api} is missing: run `make` to install it")
        found.append(Child(service.name, [str(api)]))
        name = service.name + WORKER_SUFFIX
        module, worker = f"{service.name}.worker", scripts / f"{service.script}-worker"
        if importlib.util.find_spec(module) is None:
            echo(f"  warning: {module} does not exist yet; {name} not started")
        elif worker.is_file():
            found.append(Child(name, [str(worker)]))
        else:
            found.append(Child(name, [sys.executable, "-c", f"from {module} import cli; cli()"]))
    return found
