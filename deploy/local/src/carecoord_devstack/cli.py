"""The `carecoord` command: one entry point for everything a developer runs locally.

Each subcommand lives in its own `add_<name>(commands)` function that registers
a subparser and sets `handler` (a function from the parsed arguments to an exit
code); `main()` only builds the parser from REGISTRARS, dispatches, and turns a
DevstackError into a one-line message. To add a subcommand (`token`, `run`,
`stop`, `status`, ...), write its `add_<name>` function and append it to REGISTRARS.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TypeAlias

from carecoord_devstack import demo, infra, stack, status, tokens
from carecoord_devstack.paths import DevstackError

Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def add_infra(commands: Commands) -> None:
    parser = commands.add_parser(
        "infra",
        help="start, stop or inspect local PostgreSQL and Kafka",
        description="Real PostgreSQL (port $CARECOORD_PG_PORT, default 5433) and Kafka "
        "(port $CARECOORD_KAFKA_PORT, default 9092), with data under .run/.",
    )
    parser.add_argument("action", choices=("up", "down", "status"))
    parser.set_defaults(handler=_infra)


def _infra(args: argparse.Namespace) -> int:
    actions: dict[str, Callable[[], bool]] = {
        "up": infra.up,
        "down": infra.down,
        "status": infra.status,
    }
    return 0 if actions[args.action]() else 1


def add_run(commands: Commands) -> None:
    parser = commands.add_parser(
        "run",
        help="run the whole stack in the foreground (make run)",
        description="Start PostgreSQL and Kafka, the four service APIs and their workers, "
        "wait until every /readyz answers, load the demo data, print where everything is and "
        "supervise until Ctrl-C or `carecoord stop`, then stop everything.",
    )
    parser.add_argument(
        "--detach", action="store_true", help="run in the background and return once ready"
    )
    parser.add_argument("--no-demo", action="store_true", help="do not load the demo data")
    parser.add_argument(
        "--timeout",
        type=float,
        default=stack.READY_TIMEOUT,
        metavar="S",
        help="seconds to wait for every service to be ready (default %(default)s)",
    )
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    start = stack.run_detached if args.detach else stack.run
    return start(timeout=args.timeout, load_demo=not args.no_demo)


def add_stop(commands: Commands) -> None:
    parser = commands.add_parser(
        "stop",
        help="stop a running stack and the infrastructure (make stop)",
        description="Stop the `carecoord run` supervisor of this checkout and everything it "
        "started, end any service process a run left behind, and stop PostgreSQL and Kafka.",
    )
    parser.set_defaults(handler=lambda _args: 0 if stack.stop() else 1)


def add_status(commands: Commands) -> None:
    parser = commands.add_parser(
        "status",
        help="what runs: each component's state, pid, restarts and last exit code",
        description="PostgreSQL, Kafka and every API and worker of a `carecoord run`: up or "
        "down, pid, restarts so far, last exit code, crash loops and a quick health probe "
        "(/readyz of each API, /healthz of each worker). Exit code 0 only when the "
        "supervisor runs and everything is up.",
    )
    parser.set_defaults(handler=lambda _args: 0 if status.report() else 1)


def add_demo(commands: Commands) -> None:
    parser = commands.add_parser(
        "demo",
        help="load the synthetic demo borough into the running services",
        description="Create the demo directory (referrals) and patients (care_plans) through "
        "the FHIR APIs with conditional create: running it again creates nothing new.",
    )
    parser.add_argument("action", choices=("load",))
    parser.set_defaults(handler=lambda _args: 0 if demo.load(stack.base_urls()) else 1)


REGISTRARS: list[Callable[[Commands], None]] = [
    add_infra,
    add_run,
    add_stop,
    add_status,
    add_demo,
    tokens.register,
]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="carecoord", description="Run CareCoord locally.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in REGISTRARS:
        register(commands)
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except DevstackError as error:
        print(f"carecoord: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
