"""Same-day re-planning (`plan intraday`): what a team lead can still change from ``now`` on.

``options`` lists every change the published plan still allows within the law and each person's
headroom (extend or shorten a shift, call in or stand down a part-timer, buy or cancel vendor seat
blocks, move a multi-skilled agent whose shift has not begun), each priced with the cost rules
and described by the heads it adds or removes per queue and interval. ``choose`` picks the set
that meets the targets at least cost with a small MIP whose service term is the queueing
formulas' shortfall; ``apply`` writes the changed plan (nothing before ``now`` touched).
"""
