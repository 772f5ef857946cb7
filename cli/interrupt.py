"""Ctrl-C: one line, the terminal's cursor back, nothing half-written, from anywhere in a run.

The solvers run for minutes inside C++ (CP-SAT, HiGHS) where a Python ``KeyboardInterrupt`` cannot
arrive, and CP-SAT swaps the process's SIGINT handler while it searches. So the console script
(:func:`plan.cli.entry.main`) blocks SIGINT before any thread exists (BLAS pools, solver threads
and worker processes inherit the block) and one watcher thread waits for it with ``sigwait``: on
Ctrl-C it waits for a commit under way to finish, removes what was staged, stops worker
processes (and Ray's, :func:`plan.execution.stop_all`), says so and exits with 130. Where ``sigwait`` does not exist, and in-process runs,
:func:`plan.cli.app.main` turns the ``KeyboardInterrupt`` into the same line.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading

INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for Ctrl-C


def interruption_line() -> str:
    from plan.contracts.outputs import COMMITTED

    if COMMITTED:
        return f"interrupted after writing {', '.join(map(str, COMMITTED))}"
    return "interrupted, nothing written"


def report_interruption(consoles) -> None:
    for console in consoles:
        console.show_cursor(True)  # a progress bar cut short leaves the cursor hidden
    consoles[-1].print(interruption_line(), highlight=False, soft_wrap=True, markup=False)


def _stop() -> None:
    from plan.contracts.outputs import COMMIT_LOCK, discard_everything_staged

    with COMMIT_LOCK:  # results being put in place land whole
        discard_everything_staged()
        for child in multiprocessing.active_children():
            child.terminate()
        execution = sys.modules.get("plan.execution")
        if execution is not None:  # Ray tasks in flight cancelled, a Ray started here shut down
            execution.stop_all()
        app = sys.modules.get("plan.cli.app")
        if app is not None:
            report_interruption([app.console, app.err_console])
        else:  # interrupted while starting up
            sys.stderr.write(interruption_line() + "\n")
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(INTERRUPTED)


def install_interrupt_watcher() -> bool:
    """Route Ctrl-C to a watcher thread (once per process); False where the system cannot."""
    if getattr(install_interrupt_watcher, "installed", False):
        return True
    if not hasattr(signal, "sigwait") or threading.current_thread() is not threading.main_thread():
        return False
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:  # started in the background: Ctrl-C is not ours
        return False
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})

    def watch() -> None:
        signal.sigwait({signal.SIGINT})
        _stop()

    threading.Thread(target=watch, name="ctrl-c", daemon=True).start()
    install_interrupt_watcher.installed = True
    return True
