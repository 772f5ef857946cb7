"""``python -m plan``: the same as the ``plan`` command."""
from plan.cli.entry import main

main()
