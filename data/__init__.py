"""The bundled sample: a synthetic shop's history, events, team and scenarios (``make sample`` rewrites them).

The files ship as package data, so every command's default inputs are found in an installed
package as well as in a source checkout.
"""
