"""The `plan` typer application. Each command lives in its own module and registers here."""
from __future__ import annotations

import importlib
import os
import sys

import typer
from rich.console import Console
from typer._click import exceptions as click_errors

from plan import __version__
from plan.cli.interrupt import INTERRUPTED, report_interruption
from plan.contracts.errors import InputError
from plan.contracts.outputs import COMMITTED

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

def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"plan {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(version: bool = typer.Option(False, "--version", is_eager=True, callback=_print_version,
                                       help="Print the version and exit.")) -> None:
    """Forecast volume, turn it into staffing, roster the month, compare scenarios."""


# Command name → the module that registers it on `app`. A command line loads only the module of the
# command it names (the others pull in solvers, statistics and plotting libraries, seconds of
# imports before a one-line error or `--help`); the overview help and in-process callers load all.
COMMAND_MODULES = {"check": "check", "ingest": "ingest", "forecast": "forecast", "backtest": "backtest",
                   "staffing": "staffing", "simulate": "simulate", "roster": "roster", "reroster": "reroster",
                   "verify": "verify",
                   "scenarios": "scenarios", "capacity": "capacity",
                   "export": "export", "intraday": "intraday", "risk": "risk", "batch": "batch"}


def register_commands(argv: list[str] | None = None) -> None:
    """Attach the command ``argv`` names to `app`, or every command when it names none of them
    (``--version`` needs none)."""
    argv = argv or []
    named = next((arg for arg in argv if not arg.startswith("-")), None)
    if named in COMMAND_MODULES:
        wanted = [named]
    else:
        wanted = [] if named is None and "--version" in argv else list(COMMAND_MODULES)
    for name in wanted:
        importlib.import_module(f"plan.cli.{COMMAND_MODULES[name]}")


def _say_error(text: str) -> None:
    from rich.markup import escape  # the text may hold brackets (a file name, "pip install 'plan[ray]'")

    err_console.print(f"[bold red]error:[/] {escape(' '.join(text.split()))}", highlight=False, soft_wrap=True,
                      markup=True)


def _interrupted() -> None:
    report_interruption([console, err_console])
    sys.exit(INTERRUPTED)


def _option_name(exc) -> str | None:
    if exc.param is None:
        return exc.param_hint if isinstance(exc.param_hint, str) else None
    opts = getattr(exc.param, "opts", None)
    if getattr(exc.param, "param_type_name", "") == "option" and opts:
        return max(opts, key=len)
    return (exc.param.name or "").upper() or None


def main() -> None:
    """Console entry point: every failure is one line on stderr, never a traceback.

    Exit codes: 0 done, 1 the work failed (e.g. no plan found in time), 2 a bad option or input,
    130 interrupted. ``PLAN_DEBUG=1`` shows the traceback of an internal error.
    """
    COMMITTED.clear()  # what this run wrote (in-process runs share the module)
    try:
        register_commands(sys.argv[1:])
        code = app(standalone_mode=False)
    except InputError as exc:
        _say_error(exc.one_line())
        sys.exit(2)
    except click_errors.NoArgsIsHelpError as exc:
        typer.echo(exc.format_message())
        sys.exit(0)
    except click_errors.BadParameter as exc:
        _say_error(InputError("command line", exc.message, field=_option_name(exc)).one_line())
        sys.exit(2)
    except click_errors.ClickException as exc:  # unknown option, missing value: the library says which
        _say_error(f"command line: {exc.format_message()}")
        sys.exit(exc.exit_code)
    except (KeyboardInterrupt, typer.Abort):
        _interrupted()
    except Exception as exc:  # noqa: BLE001 - a bug: one line, the traceback only on request
        if os.environ.get("PLAN_DEBUG"):
            raise
        _say_error(f"internal error ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}); "
                   "please report it, PLAN_DEBUG=1 shows where")
        sys.exit(1)
    if code == INTERRUPTED:  # typer turns Ctrl-C into exit code 130 before we see it
        _interrupted()
    sys.exit(code or 0)


if __name__ == "__main__":
    main()
