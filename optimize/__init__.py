"""Everything downstream of a forecast, one sub-package per concept:

* ``queueing`` — service formulas (Erlang C/A, chat, email) and the simulator;
* ``staffing`` — the requirements table: agents per queue and interval to meet targets;
* ``roster`` — the month's roster at minimum cost under the labour rules;
* ``verify`` — an independent checker of a written plan directory;
* ``finance`` — scenarios and the annual capacity plan.
"""
