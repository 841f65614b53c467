"""The circuit file: a computational graph of named inputs and nodes, as pydantic models
(validation only, no maths; scenario/circuit_loader.py checks names, order and formulas)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from .schema import Name, Number, Strict_

Formula = Annotated[str, Field(min_length=1, max_length=200)]


class Circuit(Strict_):
    """A circuit: leaves with values, nodes each a formula of the names above it, one output.

    ``inputs`` are fixed values; ``parameters`` are values that gradient descent updates with
    ``learning_rate`` (p ← p − η·∂f/∂p). ``nodes`` keep the order written: a node may use the
    inputs, the parameters and the nodes above it, so the graph has no cycle.
    """

    title: str | None = None
    teaches: str | None = None
    inputs: dict[Name, Number] = {}
    parameters: dict[Name, Number] = {}
    nodes: Annotated[dict[Name, Formula], Field(min_length=1)]
    output: Name
    learning_rate: Annotated[Number, Field(gt=0)] | None = None

    @property
    def leaves(self) -> dict[str, float]:
        """Every input and parameter with its value, inputs first."""
        return {**self.inputs, **self.parameters}
