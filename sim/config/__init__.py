"""Configuration: the scenario schema, YAML loading with `extends`, and validation.

Each module imports only those before it: arrangements (the table), schema (the fields), errors
(one-line issues), geography (the embedded data), checks (cross-references), loader (files,
`extends`, merge), sweep (sweep files).
"""

from sim.config.errors import ConfigError, ConfigIssue
from sim.config.loader import config_hash, load_scenario
from sim.config.schema import Scenario

__all__ = ["ConfigError", "ConfigIssue", "Scenario", "config_hash",
           "load_scenario"]
