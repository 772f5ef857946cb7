"""`plan export`: a published plan turned into the files DingTalk, WeCom, Feishu or a calendar app import."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from plan.cli.app import app, console
from plan.cli.options import check_plan_directory, choice_option, input_file_option, overwrite_option
from plan.contracts.outputs import Outputs
from plan.reports.exports import FORMATS

NOTES_FILE = "export-notes.txt"

EPILOG = """\
Examples:

  plan export --to ics out/roster-2026-11            (one .ics per person, in out/roster-2026-11-ics/)

  plan export --to dingtalk out/roster-2026-11 --mapping ids.yaml --out out/dingtalk-2026-11

  plan export --to wecom out/roster-2026-11 --mapping ids.yaml
      ids.yaml   users: {E001: zhangwei}
                 wecom: {groupid: 226, shifts: {A: 234, N: 235}}

Files only: nothing is sent anywhere. Field mappings and sources: docs/exports.md.
"""

ENDPOINTS = {"wecom": "POST https://qyapi.weixin.qq.com/cgi-bin/checkin/setcheckinschedulist",
             "feishu": "POST https://open.feishu.cn/open-apis/attendance/v1/user_daily_shifts/batch_create",
             "dingtalk": "DingTalk 考勤 › 排班管理 › 导入排班 (Excel)",
             "ics": "any calendar app (RFC 5545 .ics)"}


def _notes(to: str, plan_dir: Path, files: dict[str, bytes], mapping) -> list[str]:
    lines = [f"plan export --to {to} {plan_dir}: {len(files)} file(s) for {ENDPOINTS[to]}; nothing was sent"]
    if to == "feishu":
        from plan.reports.exports.feishu import query_parameters

        lines.append(f"each file is one request body; query: {query_parameters(mapping)}")
    if to == "ics":
        lines.append("one event per working day in the site's time zone; rest and leave days are not events")
    if mapping is not None:
        lines += [f"default {line}" for line in mapping.notes()]
    return lines


@app.command(epilog=EPILOG)
def export(
    plan_dir: Path = typer.Argument(..., callback=check_plan_directory, help="Plan directory written by `plan roster`."),
    to: str = choice_option(..., FORMATS, "Target format."),
    mapping: Optional[Path] = input_file_option(None, "YAML: our agent ids and shift codes → the platform's user ids "
                                                      "and shift ids/names (needed for wecom and feishu).",
                                                "--mapping"),
    out: Optional[Path] = typer.Option(None, help="Folder for the files (default PLAN_DIR-FORMAT next to PLAN_DIR)."),
    overwrite: bool = overwrite_option(),
) -> None:
    """Export a plan's roster as DingTalk / WeCom / Feishu import files or one .ics calendar per person."""
    import importlib

    from plan.reports.exports.mapping import platform_mapping
    from plan.reports.exports.plan_days import read_export_plan

    out = out or plan_dir.parent / f"{plan_dir.name}-{to}"
    plan = read_export_plan(plan_dir)
    platform = None if to == "ics" else platform_mapping(to, mapping)
    files = importlib.import_module(f"plan.reports.exports.{to}").build(plan, platform)
    notes = _notes(to, plan_dir, files, platform)
    with Outputs(overwrite) as outputs:
        staging = outputs.directory(out, "--out", names=(*files, NOTES_FILE)).staging
        for name, content in files.items():
            (staging / name).write_bytes(content)
        (staging / NOTES_FILE).write_text("\n".join(notes) + "\n", encoding="utf-8")
    for line in notes:
        console.print(line, highlight=False, markup=False, soft_wrap=True)
    console.print(f"[bold green]ok[/] {out}", highlight=False)
