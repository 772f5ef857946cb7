"""plan: workforce planning for e-commerce customer service (客服).

The repository root is this package (see ``[tool.setuptools]`` in pyproject.toml): its folders
are the sub-packages, in the order data flows through them:

* ``plan.contracts`` — the files between stages: readers that validate once, located errors, atomic writers;
* ``plan.forecast`` — hourly volume per queue from history, holidays and promotions;
* ``plan.optimize`` — queueing formulas, staffing requirements, the roster, its verifier, finance;
* ``plan.reports`` — charts and workbooks, used by the command line only;
* ``plan.cli`` — the ``plan`` command;
* ``plan.data`` — the bundled sample inputs and their generator.
"""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("plan")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
