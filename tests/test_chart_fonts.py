"""Chinese text in every chart is drawn with a CJK font: no empty boxes, no glyph warnings."""
from __future__ import annotations

import logging
import warnings

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest

from plan.reports.png import CJK_FONT

QUEUES = ("售前咨询", "售后服务")


def _forecast() -> pd.DataFrame:
    stamps = pd.date_range("2026-11-01", "2026-11-30 23:00", freq="h")
    shape = 5 + 20 * np.sin(np.pi * stamps.hour.to_numpy() / 24) ** 2
    return pd.concat([pd.DataFrame({"queue": q, "interval_start": stamps, "arrivals": shape * (i + 1),
                                    "p10": shape * (i + 1) * 0.8, "p50": shape * (i + 1),
                                    "p90": shape * (i + 1) * 1.2}) for i, q in enumerate(QUEUES)],
                     ignore_index=True)


def _events() -> pd.DataFrame:
    return pd.DataFrame({"name": ["双11 2026"], "kind": ["double11"], "start": [pd.Timestamp("2026-10-20")],
                         "end": [pd.Timestamp("2026-11-11")], "intensity": [np.nan]})


@pytest.fixture
def no_glyph_warnings(caplog):
    """Fail on any 'missing from font' warning or font-not-found log line while drawing."""
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING, logger="matplotlib"):
        warnings.simplefilter("always")
        yield
    problems = [str(w.message) for w in caught if "font" in str(w.message).lower() or "glyph" in str(w.message).lower()]
    # in teardown, caplog.records are the teardown's: the drawing happened in the call phase
    problems += [r.getMessage() for r in caplog.get_records("call") if "font" in r.getMessage().lower()]
    assert problems == []


def _not_blank(path) -> None:
    image = mpimg.imread(path)
    assert image[..., :3].std() > 0.05


def test_a_cjk_font_is_configured():
    assert CJK_FONT is not None


def test_forecast_chart_with_chinese_queues(tmp_path, no_glyph_warnings):
    from plan.reports.forecast_plot import plot_forecast

    _not_blank(plot_forecast(_forecast(), None, tmp_path / "forecast.png", events=_events(), title="预测 2026年11月"))


def test_staffing_chart_with_chinese_queues(tmp_path, no_glyph_warnings):
    from plan.reports.staffing_plot import plot_requirements

    frame = _forecast().assign(agents_required=lambda f: np.ceil(f["arrivals"] / 4), event_day=False)
    frame["interval_start"] = frame["interval_start"].dt.strftime("%Y-%m-%d %H:%M")
    _not_blank(plot_requirements(frame, tmp_path / "requirements.png", title="人力需求"))


def test_coverage_chart_labels_in_chinese(tmp_path, no_glyph_warnings):
    from test_verify import build_plan

    from plan.reports.coverage_plot import plot_coverage

    _not_blank(plot_coverage(build_plan(tmp_path / "roster-2026-11")))
