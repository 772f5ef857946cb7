"""The execution options every many-task command shares (``--backend``, ``--address``, ``--workers``)
and how a run's failed tasks are told."""
from __future__ import annotations

import socket
from typing import Any, Optional

import typer

from plan.execution import BACKENDS, RAY_MISSING, RunReport, ray_available


def check_backend(value: str) -> str:
    value = value.strip().lower()
    if value not in BACKENDS:
        raise typer.BadParameter(f"expected one of {', '.join(BACKENDS)}, got {value!r}")
    if value == "ray" and not ray_available():
        raise typer.BadParameter(RAY_MISSING)
    return value


def backend_option() -> Any:
    return typer.Option("local", "--backend", callback=check_backend,
                        help="Where tasks run: local (this machine's processes, no Ray needed) or ray (local Ray, "
                             "or the cluster of --address).")


def address_option() -> Any:
    return typer.Option(None, "--address", help="Address of a running Ray cluster (host:port, or 'auto'); with "
                                                "--backend ray. Default: a Ray started here on --workers CPUs.")


def workers_option(default: int = 2) -> Any:
    return typer.Option(default, min=1, max=1024, help="Tasks at once (worker processes, or Ray tasks in flight).")


# how long a cluster's head may take to accept a connection before the address is called unreachable
# (Ray itself retries for a minute or more before it gives up)
ADDRESS_CONNECT_TIMEOUT_S = 5.0


def check_address(backend: str, address: Optional[str]) -> None:
    if address and backend != "ray":
        raise typer.BadParameter("--address needs --backend ray", param_hint="--address")
    host, _, port = (address or "").removeprefix("ray://").rpartition(":")
    if host and port.isdigit():  # "auto" and other forms are Ray's to resolve
        try:
            socket.create_connection((host, int(port)), timeout=ADDRESS_CONNECT_TIMEOUT_S).close()
        except OSError as exc:
            raise typer.BadParameter(f"no Ray cluster answers at {address} ({exc.strerror or exc})",
                                     param_hint="--address") from None


def tell_failures(console, report: RunReport, what: str) -> None:
    """One line per failed task, named; a summary line of how many."""
    from rich.markup import escape

    for line in report.failures:
        console.print(f"[bold red]failed:[/] {what} {escape(line)}", highlight=False, soft_wrap=True, markup=True)
    if report.failures:
        console.print(f"{len(report.failures)} of {len(report.outcomes)} {what}(s) failed; the others ran to the end",
                      highlight=False)
