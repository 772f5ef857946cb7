"""Staffing service models, inverse requirements, simulation and rostering: everything downstream of a forecast."""
