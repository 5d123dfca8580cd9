"""``wms policy``: the access policy as people read it."""

from __future__ import annotations

import click


@click.group("policy")
def policy_cli() -> None:
    """Who may do what."""


@policy_cli.command("table")
def table() -> None:
    """Print the role table (Markdown) that README's "Who uses it" shows."""
    from api import policy

    click.echo(policy.role_table())
