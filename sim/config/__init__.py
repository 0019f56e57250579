"""Configuration: the scenario schema, YAML loading with `extends`, and validation."""

from sim.config.errors import ConfigError, ConfigIssue
from sim.config.loader import arrangement_of, config_hash, load_scenario
from sim.config.schema import Scenario

__all__ = ["ConfigError", "ConfigIssue", "Scenario", "arrangement_of", "config_hash",
           "load_scenario"]
