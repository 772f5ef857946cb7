"""A progress bar over named steps (queues fitted, origins backtested): the bar advances when the
next step starts, and completes when the block ends."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator

from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from plan.cli.app import console


@contextmanager
def step_progress(verb: str, total: int) -> Iterator[Callable[[str], None]]:
    """Yield ``step(label)``, to be called as each of ``total`` steps begins."""
    with Progress(TextColumn(f"[bold]{verb}[/] {{task.description}}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(), console=console,
                  transient=True) as progress:
        task = progress.add_task("", total=total)
        started = 0

        def step(label: str) -> None:
            nonlocal started
            if started:
                progress.advance(task)
            started += 1
            progress.update(task, description=label)

        yield step
        progress.update(task, completed=total)
