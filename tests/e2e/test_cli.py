"""The ``wms`` command line against a real database file."""

from __future__ import annotations

from click.testing import CliRunner

from api.cli import main


def test_migrate_create_user_and_token(tmp_path, monkeypatch):
    monkeypatch.setenv("WMS_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(main, ["users", "create", "ops", "--role", "admin"])
    assert result.exit_code == 0, result.output
    token = runner.invoke(main, ["tokens", "create", "ops"])
    assert token.exit_code == 0
    assert token.output.strip().startswith("wms_")
    refused = runner.invoke(main, ["users", "create", "s1", "--role", "staff"])
    assert refused.exit_code != 0
    assert "warehouse" in str(refused.exception) or "warehouse" in refused.output
    assert runner.invoke(main, ["check"]).exit_code == 0


def test_demo_load_prints_a_token_per_role(tmp_path, monkeypatch):
    monkeypatch.setenv("WMS_DATABASE_URL", f"sqlite:///{tmp_path / 'demo.db'}")
    result = CliRunner().invoke(main, ["demo", "load"])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.output.splitlines()
             if line.startswith("  ") and "wms_" in line}
    assert set(lines) == {"admin", "staff", "dispatcher", "driver", "buyer", "leader"}
    # the driver shown is one with a route to drive today
    assert "(route " in lines["driver"]
    assert result.output.count("printable manifest: /manifests/") == 1
    manifest = next(ln for ln in result.output.splitlines() if "printable manifest" in ln)
    assert "token" not in manifest and "wms_" not in manifest  # URLs land in access logs
    assert "coldchain-demo" in result.output
