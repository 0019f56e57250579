"""specsim: a discrete-event simulation of NHS England specialised services commissioning.

Layers, each importing only the ones before it:
config (schema, loading) -> model (SimPy processes, KPIs of one run) -> experiment
(replications, seeds, executors) -> analysis (statistics) -> presentation (tables, CLI).
"""

__version__ = "0.1.0"
