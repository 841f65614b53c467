"""The derive-once artefacts of a network: what sympy derives for a structure, read from the
cache when an earlier run of the same structure stored it, else derived now."""

from __future__ import annotations

from typing import Any

from ..network.kernels import compile_kernel
from ..network.plan import Kernels, Plan, build_plan
from ..scenario.schema import Scenario


def plan_of(scenario: Scenario) -> Plan:
    """The scenario's plan, its kernels read from the cache or derived by sympy now.

    Kernels read from the cache are used only once they agree with the scenario's own
    activations and loss (solution/checked.py); any that do not are derived again."""
    from .cache import cached

    def derive() -> dict[str, Any]:
        from ..symbolic.kernel_source import (
            scenario_kernels,  # sympy: only when no cache entry has them
        )

        return scenario_kernels(scenario).to_data()

    def read(data: Any) -> Kernels:
        kernels = Kernels.from_data(data)
        for kernel in (*(k for pair in kernels.layers for k in pair), *kernels.loss):
            if kernel is not None:
                compile_kernel(kernel)  # a kernel that does not compile is not used
        return kernels

    def check(kernels: Kernels) -> None:
        from .checked import check_kernels

        check_kernels(scenario, kernels)

    return build_plan(scenario, cached("kernels", scenario, derive, read, check))
