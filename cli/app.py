"""The `plan` typer application. Each command lives in its own module and registers here."""
from __future__ import annotations

import sys

import typer
from rich.console import Console

from plan.contracts.errors import InputError

app = typer.Typer(
    name="plan",
    help="Workforce planner for e-commerce customer service: forecast volume, staff it, roster it, price it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

console = Console()
err_console = Console(stderr=True)

@app.callback()
def _root() -> None:
    """Forecast volume, turn it into staffing, roster the month, compare scenarios."""


# Command modules attach themselves to `app` on import.
from plan.cli import check as _check  # noqa: E402,F401
from plan.cli import ingest as _ingest  # noqa: E402,F401
from plan.cli import forecast as _forecast  # noqa: E402,F401
from plan.cli import backtest as _backtest  # noqa: E402,F401
from plan.cli import staffing as _staffing  # noqa: E402,F401
from plan.cli import simulate as _simulate  # noqa: E402,F401
from plan.cli import roster as _roster  # noqa: E402,F401
from plan.cli import verify as _verify  # noqa: E402,F401
from plan.cli import scenarios as _scenarios  # noqa: E402,F401
from plan.cli import capacity as _capacity  # noqa: E402,F401


def main() -> None:
    """Console entry point: user errors become one red line and exit code 2, never a traceback."""
    try:
        app()  # standalone mode: typer/click report usage errors themselves (exit 2)
    except InputError as exc:
        err_console.print(f"[bold red]error:[/] {exc.one_line()}", highlight=False, soft_wrap=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
