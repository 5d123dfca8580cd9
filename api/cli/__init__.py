"""The ``wms`` command line, one module per command group.

``database`` (db), ``accounts`` (users, tokens), ``demo``, ``inventory`` (check, stock,
orders), ``routes`` (solve and check from the engine, plan from the database),
``coldchain`` (readings, escalate), ``jobs`` (sweep), ``policy`` (the role table) and
``servers`` (serve, worker).
"""

from __future__ import annotations

import click

from api.cli.accounts import tokens, users
from api.cli.coldchain import escalate, readings
from api.cli.database import db
from api.cli.demo import demo
from api.cli.inventory import check, orders, stock
from api.cli.jobs import jobs
from api.cli.policy import policy_cli
from api.cli.routes import routes_cli
from api.cli.servers import serve, worker


@click.group()
def main() -> None:
    """coldchain-wms: warehouse and cold-chain logistics."""


for command in (db, users, tokens, demo, check, stock, orders, jobs, serve, worker):
    main.add_command(command)
main.add_command(routes_cli, "routes")
main.add_command(readings)
main.add_command(escalate)
main.add_command(policy_cli, "policy")
