"""The user's mapping file: our shift codes and agent ids → a platform's own shift ids and user ids.

Example (every section optional; a platform whose IDs we cannot know needs its own section)::

    users:                    # our agent id → their user id (default: our id)
      E001: zhangwei
    dingtalk:
      shifts: {D: 早班, N: 夜班}   # shift names as defined in DingTalk's console (default: ours)
      rest: 休息
    wecom:
      groupid: 226            # 打卡规则 id
      shifts: {D: 234, N: 235} # schedule_id of each shift in that rule (0 is WeCom's rest)
    feishu:
      group_id: "6919358128597097404"
      employee_type: employee_id   # or employee_no: how user_id is read by Feishu
      shifts: {D: "6919358778597097404"}

A shift code a plan uses that the platform's ``shifts`` lacks is an InputError naming the file and
the code: a guessed shift id would clock people in on the wrong shift.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from plan.contracts.errors import InputError
from plan.contracts.plan_files import PART_TIME_CODE
from plan.contracts.yaml_file import read_yaml
from plan.reports.exports.plan_days import PersonDay

PLATFORM_KEYS = {"dingtalk": {"shifts", "rest"}, "wecom": {"groupid", "shifts"},
                 "feishu": {"group_id", "employee_type", "shifts"}}
FEISHU_EMPLOYEE_TYPES = ("employee_id", "employee_no")


@dataclass
class PlatformMapping:
    """What one platform's export reads from the mapping file; remembers which defaults it used."""
    platform: str
    source: str                                  # the mapping file's path, or a note that there is none
    users: dict[str, str]
    shifts: dict[str, object] | None             # None: the platform takes our own shift names
    settings: dict[str, object]
    defaulted_users: set[str] = field(default_factory=set)

    def user_id(self, person_id: str) -> str:
        if person_id in self.users:
            return self.users[person_id]
        self.defaulted_users.add(person_id)
        return person_id

    def exports_part_timers(self) -> bool:
        """Part-time blocks have no fixed times, so no platform shift fits them unless the user maps PT."""
        return self.shifts is not None and PART_TIME_CODE in self.shifts

    def shift_ref(self, day: PersonDay) -> object:
        """The platform's shift id (or name) of a working day; a code missing from the file stops the export."""
        if self.shifts is None:
            return day.shift_name or day.shift_code
        if day.shift_code not in self.shifts:
            raise InputError(self.source, f"no {self.platform} shift for our shift code {day.shift_code!r} "
                                          f"(worked by {day.person_id} on {day.date:%Y-%m-%d}): add it under "
                                          f"{self.platform}.shifts", field=f"{self.platform}.shifts")
        return self.shifts[day.shift_code]

    def notes(self) -> list[str]:
        lines = []
        if self.defaulted_users:
            shown = sorted(self.defaulted_users)
            listed = ", ".join(shown[:5]) + (f" and {len(shown) - 5} more" if len(shown) > 5 else "")
            lines.append(f"user ids: our agent id used for {len(shown)} people not under users: in the mapping "
                         f"({listed})")
        if self.shifts is None:
            lines.append("shifts: our shift names from workforce.yaml used as the platform's shift names")
        if not self.exports_part_timers():
            lines.append(f"part-timers: not exported (their blocks have no fixed times; map {PART_TIME_CODE} "
                         f"under {self.platform}.shifts to include them)")
        return lines


def _need(value: object, check, path: str, field_name: str, wanted: str) -> object:
    if not check(value):
        raise InputError(path, f"expected {wanted}, got {value!r}", field=field_name)
    return value


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_text_or_int(value: object) -> bool:
    return (isinstance(value, str) and value.strip() != "") or _is_int(value)


def _text_map(raw: object, path: str, field_name: str) -> dict[str, object]:
    _need(raw, lambda v: isinstance(v, dict), path, field_name, "a mapping of code: value")
    return {str(key).strip(): value for key, value in raw.items()}


def read_mapping_file(path: Path | None) -> dict:
    """The whole file, checked for shape once (unknown keys are refused: a typo would drop a section)."""
    if path is None:
        return {}
    data = read_yaml(path)
    source = str(path)
    if data is None:
        return {}
    _need(data, lambda v: isinstance(v, dict), source, "(top level)", "a YAML mapping")
    for key in data:
        if key not in ("users", *PLATFORM_KEYS):
            raise InputError(source, f"unknown section {key!r} (known: users, {', '.join(PLATFORM_KEYS)})",
                             field=str(key))
    if "users" in data:
        users = _text_map(data["users"], source, "users")
        for key, value in users.items():
            _need(value, _is_text_or_int, source, f"users.{key}", "a user id")
    for platform, allowed in PLATFORM_KEYS.items():
        section = data.get(platform)
        if section is None:
            continue
        _need(section, lambda v: isinstance(v, dict), source, platform, "a mapping")
        for key in section:
            if key not in allowed:
                raise InputError(source, f"unknown key {key!r} (known: {', '.join(sorted(allowed))})",
                                 field=f"{platform}.{key}")
    return data


def _wecom(section: dict, source: str) -> tuple[dict | None, dict]:
    groupid = _need(section.get("groupid"), _is_int, source, "wecom.groupid", "the 打卡规则 id (a whole number)")
    shifts = _text_map(section.get("shifts", {}), source, "wecom.shifts")
    for code, value in shifts.items():
        _need(value, lambda v: _is_int(v) and v > 0, source, f"wecom.shifts.{code}",
              "a schedule_id > 0 (0 is WeCom's rest day)")
    return shifts, {"groupid": groupid}


def _feishu(section: dict, source: str) -> tuple[dict | None, dict]:
    group_id = _need(section.get("group_id"), _is_text_or_int, source, "feishu.group_id", "the 考勤组 ID")
    employee_type = section.get("employee_type", "employee_id")
    _need(employee_type, lambda v: v in FEISHU_EMPLOYEE_TYPES, source, "feishu.employee_type",
          " or ".join(FEISHU_EMPLOYEE_TYPES))
    shifts = _text_map(section.get("shifts", {}), source, "feishu.shifts")
    for code, value in shifts.items():
        _need(value, _is_text_or_int, source, f"feishu.shifts.{code}", "a shift_id")
    return ({code: str(value) for code, value in shifts.items()},
            {"group_id": str(group_id), "employee_type": employee_type})


def _dingtalk(section: dict, source: str) -> tuple[dict | None, dict]:
    rest = _need(section.get("rest", "休息"), lambda v: isinstance(v, str) and v.strip(), source, "dingtalk.rest",
                 "a text")
    if "shifts" not in section:
        return None, {"rest": rest}
    shifts = _text_map(section["shifts"], source, "dingtalk.shifts")
    for code, value in shifts.items():
        _need(value, lambda v: isinstance(v, str) and v.strip(), source, f"dingtalk.shifts.{code}", "a shift name")
    return shifts, {"rest": rest}


SECTION_READERS = {"wecom": _wecom, "feishu": _feishu, "dingtalk": _dingtalk}


def platform_mapping(platform: str, path: Path | None) -> PlatformMapping:
    """The mapping of ``platform`` from the file at ``path`` (None: no file; only DingTalk can do without)."""
    data = read_mapping_file(path)
    source = str(path) if path is not None else "command line"
    section = data.get(platform)
    if section is None and platform != "dingtalk":
        problem = (f"--mapping is required for {platform}: its shift ids and group id exist only in its console"
                   if path is None else f"no {platform}: section (its shift ids and group id)")
        raise InputError(source, problem, field="--mapping" if path is None else platform)
    users = {key: str(value) for key, value in _text_map(data.get("users", {}), source, "users").items()}
    shifts, settings = SECTION_READERS[platform](section or {}, source)
    return PlatformMapping(platform=platform, source=source, users=users, shifts=shifts, settings=settings)
