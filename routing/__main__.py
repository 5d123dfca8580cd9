"""Run the route-planning commands without the rest of the project: ``python -m routing``."""

from routing.engine.cli import routes_cli

if __name__ == "__main__":
    routes_cli()
