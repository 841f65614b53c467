"""Scenario files: the pydantic schema and the loader that turns YAML into a Scenario."""

from .loader import load_scenario, scenario_from_text
from .schema import Scenario

__all__ = ["Scenario", "load_scenario", "scenario_from_text"]
