"""Staffing requirements: agents per queue and interval so that each queue meets its targets.

Turns a forecast table into the requirements table (after the bot's containment), with the
service that the required staffing gives; the roster and finance read this table.
"""
