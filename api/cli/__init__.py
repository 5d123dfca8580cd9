"""The ``wms`` command line, one module per command group.

Bad input to any command (a domain error such as an unknown warehouse, a bad option, an
unknown command) is one line on stderr and exit code 2: people and cron mails read the
reason, not a traceback. Checks that find problems (``wms check``, ``wms stock verify``)
keep exit code 1.

``database`` (db), ``accounts`` (users, tokens), ``demo``, ``inventory`` (check, stock,
orders), ``routes`` (solve and check from the engine, plan from the database),
``coldchain`` (readings, escalate), ``partitions`` (readings partitions and retention),
``jobs`` (sweep), ``policy`` (the role table),
``outbox`` (webhook subscriptions, delivery, dead letters, replay, the demo receiver)
and ``servers`` (serve, worker).
"""

from __future__ import annotations

import sys

import click

from api.cli.accounts import tokens, users
from api.cli.coldchain import escalate, readings
from api.cli.database import db
from api.cli.demo import demo
from api.cli.inventory import check, orders, stock
from api.cli.jobs import jobs
from api.cli.outbox import outbox_cli
from api.cli.partitions import readings_partitions, readings_retention  # noqa: F401
from api.cli.policy import policy_cli
from api.cli.purchasing import purchase_orders
from api.cli.repack import repack
from api.cli.routes import routes_cli
from api.cli.servers import serve, worker
from wms.errors import DomainError

BAD_INPUT = 2


def _fail(message: str) -> None:
    click.echo("wms: " + " ".join(message.split()), err=True)
    sys.exit(BAD_INPUT)


class Commands(click.Group):
    """The top-level group: runs a command and turns what it refuses into one line."""

    def main(self, *args, standalone_mode: bool = True, **kwargs):  # type: ignore[override]
        try:
            result = super().main(*args, standalone_mode=False, **kwargs)
        except DomainError as exc:
            _fail(exc.detail)
        except click.UsageError as exc:
            hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
            _fail(exc.format_message() + hint)
        except click.ClickException as exc:
            _fail(exc.format_message())
        except click.Abort:
            click.echo("wms: aborted", err=True)
            sys.exit(1)
        if not standalone_mode:
            return result
        sys.exit(result if isinstance(result, int) else 0)


@click.group(cls=Commands)
def main() -> None:
    """coldchain-wms: warehouse and cold-chain logistics."""


for command in (db, users, tokens, demo, check, stock, orders, jobs, serve, worker):
    main.add_command(command)
main.add_command(routes_cli, "routes")
main.add_command(readings)
main.add_command(escalate)
main.add_command(policy_cli, "policy")
main.add_command(purchase_orders)
main.add_command(outbox_cli, "outbox")

main.add_command(repack)
