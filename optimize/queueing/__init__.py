"""Queueing formulas and the simulator: the service a staffing gives, and its inverse.

Erlang C and Erlang A for voice, chat with concurrency, email against a deadline, one dispatcher
over them by channel (``service``), and a discrete-event simulator that checks the formulas.
Pure, vectorised functions of arrivals, handle times and agents; units in the names.
"""
