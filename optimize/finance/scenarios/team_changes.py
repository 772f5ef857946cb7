"""Team changes a scenario declares besides field overrides: more or fewer in-house agents of a
skill (``in_house_delta: {skill: ±N}``) and queues taken away from all staff (``drop_skills``)."""
from __future__ import annotations

import copy

from plan.contracts.errors import InputError

IN_HOUSE_DELTA = "in_house_delta"
DROP_SKILLS = "drop_skills"
TEAM_CHANGE_KEYS = (IN_HOUSE_DELTA, DROP_SKILLS)


def apply_in_house_delta(data: dict, delta: object, where: str, source: str) -> None:
    """Remove or clone in-house agents of a skill, deterministically.

    Removing takes agents whose only skill it is first, from the end of the list; cloning copies
    the first single-skilled agent of that skill (else the first who has it), without leave days.
    """
    if not isinstance(delta, dict):
        raise InputError(source, f"{where}: in_house_delta must map a skill to ±N", field=IN_HOUSE_DELTA)
    agents = data.setdefault("in_house", [])
    for skill, change in delta.items():
        if not isinstance(change, int) or isinstance(change, bool):
            raise InputError(source, f"{where}: change for {skill!r} must be a whole number, got {change!r}",
                             field=f"{IN_HOUSE_DELTA}.{skill}")
        holders = [i for i, a in enumerate(agents) if skill in (a.get("skills") or [])]
        if not holders:
            raise InputError(source, f"{where}: no in-house agent has skill {skill!r}", field=f"{IN_HOUSE_DELTA}.{skill}")
        if change < 0:
            if -change > len(holders):
                raise InputError(source, f"{where}: cannot remove {-change} agents of {skill!r}, only {len(holders)} have it",
                                 field=f"{IN_HOUSE_DELTA}.{skill}")
            only = [i for i in holders if list(agents[i].get("skills")) == [skill]]
            multi = [i for i in holders if i not in only]
            doomed = set((list(reversed(only)) + list(reversed(multi)))[:-change])
            agents[:] = [a for i, a in enumerate(agents) if i not in doomed]
        elif change > 0:
            singles = [i for i in holders if list(agents[i].get("skills")) == [skill]]
            template = agents[(singles or holders)[0]]
            ids = {str(a.get("id")) for a in agents}
            serial = 1
            for _ in range(change):
                while f"{template['id']}-new{serial}" in ids:
                    serial += 1
                clone = copy.deepcopy(template)
                clone["id"] = f"{template['id']}-new{serial}"
                clone["name"] = f"{template.get('name', template['id'])} new {serial}"
                clone["leave"] = []
                clone.pop("preferences", None)
                ids.add(clone["id"])
                agents.append(clone)


def drop_skills(data: dict, skills: object, where: str, source: str) -> None:
    """Take skills away from every in-house agent and part-timer (the work goes to vendors or the
    bot); people left with no skill leave the team."""
    if not isinstance(skills, list) or not all(isinstance(s, str) for s in skills):
        raise InputError(source, f"{where}: drop_skills must be a list of queue names", field=DROP_SKILLS)
    unknown = [s for s in skills if s not in (data.get("queues") or {})]
    if unknown:
        raise InputError(source, f"{where}: drop_skills names unknown queue {unknown[0]!r}", field=DROP_SKILLS)
    for group in ("in_house", "part_time"):
        kept = []
        for person in data.get(group) or []:
            person = dict(person)
            person["skills"] = [s for s in person.get("skills") or [] if s not in skills]
            if person["skills"]:
                kept.append(person)
        data[group] = kept
