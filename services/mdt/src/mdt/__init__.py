"""The mdt service: locality MDTs, meetings, case lists and the outcome loop.

Declared once in `mdt.definition`; the kernel builds its API (`mdt.main`) and its
worker (`mdt.worker`) from that declaration.
"""
