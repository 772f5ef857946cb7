"""Volumes the team could never staff: refused (queue and hour named) or warned about."""
from __future__ import annotations

import pandas as pd
import pytest

from plan.contracts.errors import InputError
from plan.contracts.paths import SAMPLE_WORKFORCE
from plan.contracts.workforce import read_workforce
from plan.optimize.staffing.plausibility import REFUSE_ABOVE_CEILING, team_ceiling, volume_warnings


def _forecast(queue: str, per_hour: list[float]) -> pd.DataFrame:
    stamps = pd.date_range("2026-11-01", periods=len(per_hour), freq="60min")
    return pd.DataFrame({"queue": queue, "interval_start": stamps, "arrivals": per_hour})


def _voice(workforce):
    return next(name for name, q in workforce.queues.items() if q.channel == "voice")


def _per_hour_for(workforce, queue: str, agents_busy: float) -> float:
    return agents_busy * 3600.0 / workforce.queues[queue].aht_s  # voice: one contact at a time


def test_a_volume_within_the_team_passes_silently():
    workforce = read_workforce(SAMPLE_WORKFORCE)
    queue = _voice(workforce)
    calm = _per_hour_for(workforce, queue, 0.5 * team_ceiling(workforce, queue))
    assert volume_warnings(_forecast(queue, [calm, calm]), workforce) == []


def test_a_volume_above_the_team_is_warned_about_with_queue_and_hour():
    workforce = read_workforce(SAMPLE_WORKFORCE)
    queue = _voice(workforce)
    ceiling = team_ceiling(workforce, queue)
    busy = _per_hour_for(workforce, queue, 1.5 * ceiling)
    warnings = volume_warnings(_forecast(queue, [10.0, busy]), workforce)
    assert len(warnings) == 1 and queue in warnings[0] and "2026-11-01 01:00" in warnings[0]


def test_an_absurd_volume_is_refused_in_one_line_naming_queue_and_hour():
    workforce = read_workforce(SAMPLE_WORKFORCE)
    queue = _voice(workforce)
    absurd = _per_hour_for(workforce, queue, 2 * REFUSE_ABOVE_CEILING * team_ceiling(workforce, queue))
    with pytest.raises(InputError) as error:
        volume_warnings(_forecast(queue, [10.0, 10.0, absurd]), workforce, source="history.csv")
    line = error.value.one_line()
    assert "\n" not in line and line.startswith("history.csv") and queue in line and "2026-11-01 02:00" in line
