"""Printing preflight findings (plan.preflight): one short list per command, before any work."""
from __future__ import annotations

from plan.cli.app import console
from plan.preflight import Finding, refusals_of

SHOWN = 12  # a short list: the rest are counted, not printed


def announce(findings: list[Finding], command: str, *, refuses: tuple[str, ...] = ()) -> None:
    """Print the warnings once, as a short list; a refusal by a stage this command runs
    (``refuses``) stops it here as a located one-line error (exit code 2) before any work.
    Refusals by other commands are shown as warnings: this command goes on, the next one will stop."""
    mine = refusals_of(findings, refuses)
    if mine:
        raise mine[0].error()
    lines = [(f"plan {f.refused_by} will refuse: " if f.refused_by else "") + f.line() for f in findings]
    if not lines:
        return
    console.print(f"[yellow]{len(lines)} warning(s)[/] for plan {command}:", highlight=False)
    for line in lines[:SHOWN]:
        console.print(f"  [yellow]•[/] {line}", highlight=False, soft_wrap=True)
    if len(lines) > SHOWN:
        console.print(f"  … and {len(lines) - SHOWN} more (plan check lists them all)", highlight=False)
