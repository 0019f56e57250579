"""Configuration: the scenario schema, YAML loading with `extends`, and validation.

Each module imports only those before it: limits (every limit, docs/limits.md), arrangements
(the table), schema (the fields), errors (one-line issues), reading (files and YAML within
bounds), geography (the embedded data), bounds (values within the limits), checks
(cross-references and bounds), workbook (parameter workbooks as scenarios), loader
(`extends`, merge, shipped names), sweep (sweep files), targets (calibration targets).
"""

from sim.config.errors import ConfigError, ConfigIssue
from sim.config.loader import config_hash, load_scenario
from sim.config.schema import Scenario

__all__ = ["ConfigError", "ConfigIssue", "Scenario", "config_hash",
           "load_scenario"]
