"""Writing a matplotlib figure as a PNG: atomically, and the figure is closed either way."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # reports are files: never open a window
import matplotlib.pyplot as plt  # noqa: E402

from plan.contracts.tables import atomic_path  # noqa: E402


def save_png(figure, target: str | Path, *, dpi: int = 110) -> Path:
    """Save ``figure`` to ``target`` (a half-written PNG never replaces a good one) and close it."""
    target = Path(target)
    try:
        with atomic_path(target) as tmp:
            figure.savefig(tmp, dpi=dpi, format="png")
    finally:
        plt.close(figure)
    return target
