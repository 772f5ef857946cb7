"""plan batch: every team folder is a task; a bad team is named and the others go on."""
from __future__ import annotations

import json

import pandas as pd


def test_bad_team_folders_are_named_and_the_summary_marks_them_failed(run_plan, tmp_path, tiny_workforce_text):
    teams = tmp_path / "teams"
    (teams / "no_config").mkdir(parents=True)
    (teams / "bad_yaml").mkdir()
    (teams / "bad_yaml" / "workforce.yaml").write_text("site: [unclosed\n", encoding="utf-8")
    (teams / "no_history").mkdir()
    (teams / "no_history" / "workforce.yaml").write_text(tiny_workforce_text, encoding="utf-8")
    run = run_plan("batch", teams, "--workers", "1", "--out", tmp_path / "out")
    assert run.exit_code == 1 and "Traceback" not in run.output
    for name, problem in (("bad_yaml", "not valid YAML"), ("no_config", "needs workforce.yaml"),
                          ("no_history", "no history.csv")):
        assert f"failed: team {name}: " in run.stdout.replace("\n", " ") and problem in run.stdout
    summary = pd.read_csv(tmp_path / "out" / "batch_summary.csv")
    assert list(summary["team"]) == ["bad_yaml", "no_config", "no_history"]
    assert (summary["status"] == "failed").all()
    document = json.loads((tmp_path / "out" / "batch_summary.json").read_text(encoding="utf-8"))
    assert len(document["failed"]) == 3


def test_a_folder_without_teams_is_one_line(run_plan, tmp_path):
    (tmp_path / "empty").mkdir()
    run = run_plan("batch", tmp_path / "empty", "--out", tmp_path / "out")
    assert run.exit_code == 2 and "no team sub-folders" in run.stderr
