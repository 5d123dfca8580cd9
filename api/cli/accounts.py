"""``wms users`` and ``wms tokens``: people who use the system and their API tokens."""

from __future__ import annotations

from datetime import timedelta

import click

from api.cli.common import session_scope


@click.group("users")
def users() -> None:
    """People who use the system."""


@users.command("create")
@click.argument("username")
@click.option("--role", required=True,
              type=click.Choice(["admin", "staff", "dispatcher", "driver", "buyer", "leader"]))
@click.option("--name", "display_name", default=None)
@click.option("--warehouse", default=None, help="warehouse code (staff, dispatcher)")
@click.option("--vehicle", default=None, help="vehicle code (driver)")
@click.option("--pickup-point", "pickup_points", multiple=True,
              help="pickup point code a group leader runs (repeat for several)")
@click.option("--password", default=None, help="for signing in to the web pages")
def users_create(username: str, role: str, display_name: str | None, warehouse: str | None,
                 vehicle: str | None, pickup_points: tuple[str, ...],
                 password: str | None) -> None:
    """Create a user."""
    from wms import accounts

    with session_scope() as session:
        user = accounts.create_user(session, username=username, role=role,
                                    display_name=display_name, warehouse_code=warehouse,
                                    vehicle_code=vehicle, password=password,
                                    pickup_points=list(pickup_points))
        click.echo(f"created {user.role} {user.username} (id {user.id})")


@users.command("password")
@click.argument("username")
@click.option("--password", default=None,
              help="the new password (asked for, hidden and twice, when not given)")
def users_password(username: str, password: str | None) -> None:
    """Set USERNAME's password; every page session and API token of theirs ends."""
    from wms import accounts

    with session_scope() as session:
        accounts.user_by_name(session, username)  # before asking for a password
    if password is None:
        password = click.prompt("new password", hide_input=True, confirmation_prompt=True)
    with session_scope() as session:
        accounts.set_password(session, accounts.user_by_name(session, username), password)
    click.echo(f"password of {username} set; their sessions and API tokens have ended")


@users.command("disable")
@click.argument("username")
def users_disable(username: str) -> None:
    """Disable USERNAME: no sign-in, and every page session and API token ends."""
    _set_active(username, False)
    click.echo(f"{username} disabled; their sessions and API tokens have ended")


@users.command("enable")
@click.argument("username")
def users_enable(username: str) -> None:
    """Enable USERNAME again (tokens revoked when they were disabled stay revoked)."""
    _set_active(username, True)
    click.echo(f"{username} enabled")


def _set_active(username: str, active: bool) -> None:
    from wms import accounts

    with session_scope() as session:
        accounts.set_active(session, accounts.user_by_name(session, username), active)


@click.group("tokens")
def tokens() -> None:
    """API tokens."""


@tokens.command("create")
@click.argument("username")
@click.option("--name", default="cli", show_default=True)
@click.option("--ttl-days", type=int, default=None, help="expire after this many days")
def tokens_create(username: str, name: str, ttl_days: int | None) -> None:
    """Create an API token for USERNAME and print it (it is shown only once)."""
    from wms import accounts

    with session_scope() as session:
        user = accounts.user_by_name(session, username)
        _, secret = accounts.issue_token(
            session, user, name=name, ttl=timedelta(days=ttl_days) if ttl_days else None)
    click.echo(secret)


@tokens.command("revoke")
@click.argument("token_id", type=int)
def tokens_revoke(token_id: int) -> None:
    """Revoke a token by its id."""
    from wms.models import ApiToken
    from wms.models.base import utcnow

    with session_scope() as session:
        token = session.get(ApiToken, token_id)
        if token is None:
            raise click.ClickException(f"no token {token_id}")
        token.revoked_at = token.revoked_at or utcnow()
    click.echo(f"token {token_id} revoked")
