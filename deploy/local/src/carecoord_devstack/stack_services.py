"""What the CareCoord stack is made of: four services, each an API and a worker.

`carecoord run`, `carecoord status`, the bench and the demo loader all need the
same facts about the services: their names, environment prefixes and ports (the
API's `<PREFIX>_PORT` and the worker's health port `<PREFIX>_WORKER_PORT`, both
overridable so a second checkout can run beside this one), the environment the
processes get (the same variables docker-compose.yml sets), and the command line
of each child. They are kept here, apart from how the children are run.

`CARECOORD_REPLICAS=N` (default 1) runs N APIs and N workers per service side by
side, as an orchestrator would run replicas: the second of each on its ports plus
REPLICA_PORT_STEP (referrals' second API on 8011, its second worker's health on
8111), given through its own `<PREFIX>_PORT` / `<PREFIX>_WORKER_PORT`. That is what
exercises consumer-group rebalancing, the relay's takeover and periodic jobs claimed
once per tick, locally and in the chaos run.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from carecoord_devstack import kafka, postgres
from carecoord_devstack.oidc_provider.system_clients import (
    DEV_SYSTEM_CLIENT_ID,
    DEV_SYSTEM_CLIENT_SECRET,
)
from carecoord_devstack.paths import DevstackError, env_port, refuse_ephemeral, repo_root
from carecoord_devstack.stack_processes import MARKER, Child
from carecoord_devstack.tokens import dev_jwks_url

__all__ = [
    "SERVICES",
    "Replica",
    "Service",
    "base_urls",
    "children",
    "environment",
    "is_worker",
    "replica_count",
    "replica_env",
    "replicas",
]

Echo = Callable[[str], None]
WORKER_SUFFIX = "-worker"
REPLICA_PORT_STEP = 10
MAX_REPLICAS = 4


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


@dataclass(frozen=True)
class Replica:
    """One API or worker process of a service; `index` 0 is the first (default ports)."""

    service: Service
    index: int
    worker: bool

    @property
    def name(self) -> str:
        number = "" if self.index == 0 else f"-{self.index + 1}"
        return self.service.name + number + (WORKER_SUFFIX if self.worker else "")

    @property
    def variable(self) -> str:
        return f"{self.service.prefix}_{'WORKER_PORT' if self.worker else 'PORT'}"

    @property
    def port(self) -> int:
        first = self.service.worker_port if self.worker else self.service.port
        port = first + self.index * REPLICA_PORT_STEP
        return refuse_ephemeral(f"{self.variable} (+{self.index * REPLICA_PORT_STEP})", port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """What this replica gets on top of the stack's environment: its own port, and a
        worker its stable instance name (Kafka static membership: back at once after a
        restart)."""
        own = {} if self.index == 0 else {self.variable: str(self.port)}
        if self.worker:
            own[f"{self.service.prefix}_WORKER_INSTANCE_ID"] = self.name
        return own


def replica_count() -> int:
    """`CARECOORD_REPLICAS`: APIs and workers per service (1 to MAX_REPLICAS)."""
    raw = os.environ.get("CARECOORD_REPLICAS", "").strip() or "1"
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_REPLICAS:
        raise DevstackError(f"CARECOORD_REPLICAS={raw!r} is not a number from 1 to {MAX_REPLICAS}")
    return int(raw)


def replicas(*, worker: bool) -> list[Replica]:
    """Every API (or worker) process of the stack, the first of each service first."""
    return [
        Replica(service, index, worker) for index in range(replica_count()) for service in SERVICES
    ]


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
        # Each service accepts only tokens for itself (development tokens name all four).
        env[f"{service.prefix}_AUTH_AUDIENCE"] = "carecoord-" + service.name.replace("_", "-")
    # The portal (API and worker) reads referrals' directory, and the focus resources of
    # full-resource subscriptions, as a system client of the development provider.
    env.setdefault("PORTAL_FRONT_DOOR_DIRECTORY_CLIENT_ID", DEV_SYSTEM_CLIENT_ID)
    env.setdefault("PORTAL_FRONT_DOOR_DIRECTORY_CLIENT_SECRET", DEV_SYSTEM_CLIENT_SECRET)
    return env


def children(echo: Echo) -> list[Child]:
    """An API and a worker per service and replica; a worker whose module is missing is
    skipped. A worker whose console script is not installed yet runs through `python -c`.
    Each replica's own port is in `replica_env()`."""
    scripts = Path(sys.executable).parent
    # The development sign-in service (OpenID Connect) the portal's pages use.
    found = [Child("oidc-provider", [sys.executable, "-m", "carecoord_devstack.oidc_provider"])]
    for replica in replicas(worker=False):
        api = scripts / replica.service.script
        if not api.is_file():
            raise DevstackError(f"{api} is missing: run `make` to install it")
        found.append(Child(replica.name, [str(api)]))
    for replica in replicas(worker=True):
        service = replica.service
        module, worker = f"{service.name}.worker", scripts / f"{service.script}-worker"
        if importlib.util.find_spec(module) is None:
            echo(f"  warning: {module} does not exist yet; {replica.name} not started")
        elif worker.is_file():
            found.append(Child(replica.name, [str(worker)]))
        else:
            found.append(
                Child(replica.name, [sys.executable, "-c", f"from {module} import cli; cli()"])
            )
    return found


def replica_env() -> dict[str, dict[str, str]]:
    """Per child name, the variables a replica gets on top of `environment()`."""
    every = replicas(worker=False) + replicas(worker=True)
    return {replica.name: env for replica in every if (env := replica.env())}
