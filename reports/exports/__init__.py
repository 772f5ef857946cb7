"""Exports of a published plan to where agents clock in: DingTalk, WeCom, Feishu and iCalendar.

Each format is a module that turns an :class:`~plan.reports.exports.plan_days.ExportPlan` (the
plan directory read once) and a :class:`~plan.reports.exports.mapping.PlatformMapping` into files
in a folder. Nothing is sent anywhere. Field lists and their sources: docs/exports.md.
"""
from __future__ import annotations

FORMATS = ("dingtalk", "wecom", "feishu", "ics")
