"""Where the bundled sample inputs live (the embedded default of every command)."""
from __future__ import annotations

from importlib.resources import files
from pathlib import Path

# Package data, so that an installed (not only an editable) package finds its sample.
SAMPLE_DIR = Path(str(files("plan.data")))
SAMPLE_HISTORY = SAMPLE_DIR / "history.csv"
SAMPLE_EVENTS = SAMPLE_DIR / "events.csv"
SAMPLE_WORKFORCE = SAMPLE_DIR / "workforce.yaml"
SAMPLE_CONTACT_LOG = SAMPLE_DIR / "contact_log_2026-10.csv"
SAMPLE_SCENARIOS = SAMPLE_DIR / "scenarios.yaml"
SAMPLE_MONTH = "2026-11"
