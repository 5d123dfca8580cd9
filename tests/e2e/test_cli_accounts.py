"""``wms users`` and ``wms tokens`` against a real database file, and how every command
answers bad input: one line on stderr, exit code 2, no traceback."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from api.cli import main
from wms import accounts
from wms.db import make_engine, make_session_factory, transaction
from wms.models import User


@pytest.fixture
def cli(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("WMS_DATABASE_URL", url)
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(main, ["users", "create", "ops", "--role", "admin"]).exit_code == 0
    runner.sessions = make_session_factory(make_engine(url))
    return runner


def who(runner, username: str) -> User:
    with transaction(runner.sessions) as s:
        return s.scalar(select(User).where(User.username == username))


def test_users_password_sets_it_from_the_option_or_a_prompt(cli):
    token = cli.invoke(main, ["tokens", "create", "ops"]).output.strip()
    result = cli.invoke(main, ["users", "password", "ops", "--password", "a long passphrase"])
    assert result.exit_code == 0, result.output
    assert accounts.verify_password("a long passphrase", who(cli, "ops").password_hash)
    with transaction(cli.sessions) as s:
        assert accounts.authenticate_token(s, token) is None  # the new password ended it
    result = cli.invoke(main, ["users", "password", "ops"],
                        input="typed at the prompt\ntyped at the prompt\n")
    assert result.exit_code == 0, result.output
    assert "typed at the prompt" not in result.stdout
    assert accounts.verify_password("typed at the prompt", who(cli, "ops").password_hash)


def test_users_disable_ends_the_tokens_and_enable_lets_them_sign_in_again(cli):
    token = cli.invoke(main, ["tokens", "create", "ops"]).output.strip()
    cli.invoke(main, ["users", "password", "ops", "--password", "a long passphrase"])
    result = cli.invoke(main, ["users", "disable", "ops"])
    assert result.exit_code == 0 and "disabled" in result.output
    assert who(cli, "ops").active is False
    with transaction(cli.sessions) as s:
        assert accounts.authenticate_token(s, token) is None
        assert accounts.authenticate_password(s, "ops", "a long passphrase") is None
    assert cli.invoke(main, ["users", "enable", "ops"]).exit_code == 0
    with transaction(cli.sessions) as s:
        assert accounts.authenticate_password(s, "ops", "a long passphrase") is not None
        assert accounts.authenticate_token(s, token) is None


@pytest.mark.parametrize("args, says", [
    (["users", "create", "x", "--role", "staff"], "warehouse"),
    (["users", "create", "x", "--role", "wizard"], "role"),
    (["users", "create", "ops", "--role", "admin"], "already exists"),
    (["users", "create", "x", "--role", "driver", "--vehicle", "NOPE"], "vehicle"),
    (["users", "create", "x", "--role", "admin", "--password", "short"], "password"),
    (["users", "password", "nobody", "--password", "a long passphrase"], "nobody"),
    (["users", "password", "ops", "--password", "short"], "password"),
    (["users", "disable", "nobody"], "nobody"),
    (["tokens", "create", "nobody"], "nobody"),
    (["tokens", "create", "ops", "--ttl-days", "soon"], "ttl-days"),
    (["tokens", "revoke", "12345"], "12345"),
    (["orders", "allocate", "--warehouse", "NOPE", "--date", "2026-11-26"], "NOPE"),
    (["orders", "allocate", "--warehouse", "SH1", "--date", "tomorrow"], "date"),
    (["routes", "plan", "--warehouse", "NOPE", "--date", "2026-11-26"], "NOPE"),
    (["no-such-command"], "no-such-command"),
])
def test_bad_input_is_one_line_and_exit_code_2(cli, args, says):
    result = cli.invoke(main, args)
    assert result.exit_code == 2, (result.output, result.exception)
    assert "Traceback" not in result.output and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], result.stderr
    assert lines[0].startswith("wms: ")
