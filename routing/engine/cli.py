"""``routes`` command group: plan routes from a problem file and check a plan.

Mounted as ``wms routes`` by the project CLI; usable on its own with ``python -m routing``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .model import Problem, ProblemError, Solution
from .solver import FIRST_SOLUTION_STRATEGIES, METAHEURISTICS, SolveOptions, solve
from .validate import validate


def _load_problem(path: str) -> Problem:
    try:
        return Problem.from_json(Path(path).read_text())
    except ProblemError as e:
        click.echo(f"{path}: invalid problem", err=True)
        for item in e.errors:
            click.echo(f"  {item['path']}: {item['message']}", err=True)
        sys.exit(2)


class _PercentLines:
    """Progress as one stderr line per whole percent, so logs stay short."""

    def __init__(self) -> None:
        self.last = -1

    def __call__(self, percent: float, message: str) -> None:
        whole = int(percent)
        if whole > self.last:
            self.last = whole
            click.echo(f"{whole:3d}% {message}", err=True)


@click.group("routes", help="Plan delivery routes and check plans.")
def routes_cli() -> None:
    pass


@routes_cli.command("solve")
@click.argument("problem_json", type=click.Path(exists=True, dir_okay=False))
@click.option("--time-limit", type=float, default=10.0, show_default=True,
              help="Search time in seconds.")
@click.option("--first-solution", type=click.Choice(("AUTO", *FIRST_SOLUTION_STRATEGIES)),
              default=SolveOptions.first_solution, show_default=True,
              help="First-plan heuristic; AUTO picks one by size and route length.")
@click.option("--metaheuristic", type=click.Choice(METAHEURISTICS),
              default=SolveOptions.metaheuristic, show_default=True,
              help="Local-search strategy used to improve the plan.")
@click.option("--quiet", is_flag=True, help="No progress lines on stderr.")
def solve_cmd(problem_json: str, time_limit: float, first_solution: str, metaheuristic: str,
              quiet: bool) -> None:
    """Plan routes for PROBLEM_JSON and print the solution JSON on stdout."""
    problem = _load_problem(problem_json)
    options = SolveOptions(time_limit_s=time_limit, first_solution=first_solution,
                           metaheuristic=metaheuristic)
    try:
        options.validate()
    except ValueError as e:
        raise click.BadParameter(str(e)) from e
    solution = solve(problem, options, progress=None if quiet else _PercentLines())
    click.echo(solution.to_json())


@routes_cli.command("check")
@click.argument("problem_json", type=click.Path(exists=True, dir_okay=False))
@click.argument("solution_json", type=click.Path(exists=True, dir_okay=False))
def check_cmd(problem_json: str, solution_json: str) -> None:
    """Check SOLUTION_JSON against PROBLEM_JSON; exit 1 listing violations if any."""
    problem = _load_problem(problem_json)
    try:
        solution = Solution.from_json(Path(solution_json).read_text())
    except (json.JSONDecodeError, KeyError, TypeError) as e:
        click.echo(f"{solution_json}: unreadable solution: {e}", err=True)
        sys.exit(2)
    violations = validate(problem, solution)
    if violations:
        click.echo(f"{len(violations)} violation(s):")
        for v in violations:
            click.echo(f"  - {v}")
        sys.exit(1)
    click.echo(f"valid: {len(solution.routes)} routes, {len(solution.unassigned)} unassigned")
