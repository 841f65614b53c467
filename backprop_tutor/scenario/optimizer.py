"""The optimizers a scenario may name, the options each takes with their defaults, and the
located one-line errors for a bad ``optimizer:`` setting.

The defaults are those of PyTorch's ``torch.optim`` (RMSprop's ``alpha`` is ρ here, ``eps`` is
ε), except momentum's μ, which torch leaves at 0 and is 0.9 here. training/optimizers.py has
the update rules.
"""

from __future__ import annotations

from ..errors import close_names, did_you_mean
from .messages import located
from .schema import OptimizerSpec, Scenario
from .yaml_source import Document

__all__ = ["DEFAULTS", "NAMES", "STEP_SYMBOL", "SYMBOLS", "check_optimizer", "constants",
           "description", "formula_names", "settings"]

DEFAULTS: dict[str, dict[str, float]] = {
    "sgd": {},
    "momentum": {"momentum": 0.9},
    "nesterov": {"momentum": 0.9},
    "rmsprop": {"rho": 0.99, "epsilon": 1e-8},
    "adam": {"beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
}
NAMES = tuple(DEFAULTS)
OPTIONS = ("momentum", "rho", "beta1", "beta2", "epsilon")
# each option's symbol in the formulas
SYMBOLS = {"momentum": "μ", "rho": "ρ", "beta1": "β1", "beta2": "β2", "epsilon": "ε"}
STEP_SYMBOL = "t"  # the step count of Adam's bias corrections: the 1-based iteration


def settings(scenario: Scenario) -> tuple[str, dict[str, float]]:
    """(the scenario's optimizer, each of its options' values with the defaults filled in);
    ``sgd`` when the scenario names none."""
    spec = scenario.optimizer
    if spec is None:
        return "sgd", {}
    name = spec if isinstance(spec, str) else spec.name
    options = dict(DEFAULTS[name])
    if isinstance(spec, OptimizerSpec):
        options.update({k: getattr(spec, k) for k in options if getattr(spec, k) is not None})
    return name, options


def constants(scenario: Scenario) -> dict[str, float]:
    """The optimizer's options by their symbols in the formulas: ``{"μ": 0.9}``."""
    return {SYMBOLS[k]: v for k, v in settings(scenario)[1].items()}


def description(scenario: Scenario) -> str | None:
    """The optimizer and its options as the header shows them (``adam: β1 = 0.9, β2 = 0.999,
    ε = 1e−8``), or None for plain gradient descent."""
    from ..notation.numbers import number

    name, options = settings(scenario)
    if name == "sgd":
        return None
    return f"{name}: " + ", ".join(f"{SYMBOLS[k]} = {number(v, 6)}" for k, v in options.items())


def formula_names(scenario: Scenario) -> frozenset[str]:
    """The names the optimizer's formulas read that a network's names could also be: the step
    count ``t`` of Adam's bias corrections 1 − β1ᵗ, 1 − β2ᵗ."""
    spec = scenario.optimizer
    name = spec if isinstance(spec, str) or spec is None else spec.name
    return frozenset({STEP_SYMBOL}) if name == "adam" else frozenset()


def check_optimizer(s: Scenario, doc: Document) -> None:
    """An unknown optimizer, or an option of another optimizer, located at its key."""
    spec = s.optimizer
    if spec is None:
        return
    name = spec if isinstance(spec, str) else spec.name
    where = ("optimizer",) if isinstance(spec, str) else ("optimizer", "name")
    if name not in DEFAULTS:
        hint = did_you_mean(close_names(name, NAMES)) or "expected one of: " + ", ".join(NAMES)
        raise located(doc, where, f"unknown optimizer '{name}'; {hint}")
    if isinstance(spec, str):
        return
    for option in OPTIONS:
        if getattr(spec, option) is not None and option not in DEFAULTS[name]:
            owners = [n for n, o in DEFAULTS.items() if option in o]
            takes = ", ".join(DEFAULTS[name]) or "no options"
            raise located(doc, ("optimizer", option), f"{option} is an option of "
                          f"{' and '.join(owners)}, not of {name} (which takes {takes})")
    if name == "nesterov" and spec.momentum == 0:
        # torch.optim.SGD refuses it too: the look-ahead of a zero velocity is no look-ahead
        raise located(doc, ("optimizer", "momentum"), "nesterov needs a momentum above 0 (with "
                      "momentum: 0 it is plain gradient descent: write sgd)")
