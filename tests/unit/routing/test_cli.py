import json

from click.testing import CliRunner

from routing.engine.cli import routes_cli


def test_solve_then_check_the_shipped_example(example_path, tmp_path):
    runner = CliRunner()
    result = runner.invoke(routes_cli, ["solve", str(example_path), "--time-limit", "1"])
    assert result.exit_code == 0, result.output
    solution = json.loads(result.stdout)
    assert "%" in result.stderr  # progress goes to stderr, JSON alone to stdout
    served = {v["stop"] for r in solution["routes"] for v in r["stops"]}
    reasons = {u["stop"]: u["reason"] for u in solution["unassigned"]}
    assert reasons.get("S13") == "time_window_unreachable"
    assert len(served) + len(reasons) == 14
    path = tmp_path / "solution.json"
    path.write_text(result.stdout)
    check = runner.invoke(routes_cli, ["check", str(example_path), str(path)])
    assert check.exit_code == 0, check.output
    assert check.output.startswith("valid")

    solution["routes"][0]["stops"][0]["arrival"] -= 3600
    solution["routes"][0]["stops"][0]["service_start"] -= 3600
    path.write_text(json.dumps(solution))
    check = runner.invoke(routes_cli, ["check", str(example_path), str(path)])
    assert check.exit_code == 1
    assert "violation" in check.output


def test_solve_accepts_search_options(example_path):
    result = CliRunner().invoke(routes_cli, [
        "solve", str(example_path), "--time-limit", "0.5", "--quiet",
        "--first-solution", "LOCAL_CHEAPEST_INSERTION", "--metaheuristic", "TABU_SEARCH"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert json.loads(result.stdout)["routes"]
    bad = CliRunner().invoke(routes_cli, ["solve", str(example_path), "--metaheuristic", "X"])
    assert bad.exit_code == 2


def test_invalid_problem_lists_the_errors(tmp_path, example_path):
    data = json.loads(example_path.read_text())
    data["stops"][3]["window"] = ["10:00", "09:00"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    result = CliRunner().invoke(routes_cli, ["solve", str(path)])
    assert result.exit_code == 2
    assert "stops[3].window" in result.stderr
