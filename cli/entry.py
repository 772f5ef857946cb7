"""The ``plan`` console script: Ctrl-C is routed to its watcher before anything starts a thread."""
from __future__ import annotations


def main() -> None:
    from plan.cli.interrupt import install_interrupt_watcher

    install_interrupt_watcher()  # first: threads started later (BLAS, solvers) inherit the blocked signal
    from plan.cli.app import main as run

    run()


if __name__ == "__main__":
    main()
