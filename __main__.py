"""``python -m plan``: the same as the ``plan`` command."""
from plan.cli.app import main

main()
