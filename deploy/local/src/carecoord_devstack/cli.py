"""The `carecoord` command: one entry point for everything a developer runs locally.

Each subcommand lives in its own `add_<name>(commands)` function that registers
a subparser and sets `handler` (a function from the parsed arguments to an exit
code); `main()` only builds the parser from REGISTRARS, dispatches, and turns a
DevstackError into a one-line message. To add a subcommand (`token`, `run`,
`stop`, ...), write its `add_<name>` function and append it to REGISTRARS.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TypeAlias

from carecoord_devstack import infra
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


REGISTRARS: list[Callable[[Commands], None]] = [add_infra]


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
