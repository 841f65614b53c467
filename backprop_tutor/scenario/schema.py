"""The scenario file, format v1, as pydantic models (validation only, no maths)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict
from pydantic.types import AllowInfNan

from ..maths.catalog import LOSS_NAMES

# A number in a scenario: an int or a float, never a bool, a string, NaN or infinity.
Number = Annotated[float, Strict(), AllowInfNan(False)]
Count = Annotated[int, Strict(), Field(ge=1)]
Name = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=40)]


class Strict_(BaseModel):
    """Base of every model: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class NamedActivation(Strict_):
    """An activation given by name with options: ``{name: leaky_relu, alpha: 0.1}``."""

    name: str
    alpha: Number | None = None


class CustomActivation(Strict_):
    """An activation written as a formula in z: ``{expression: "z/(1 + abs(z))"}``."""

    expression: Annotated[str, Field(min_length=1, max_length=200)]


class Layer(Strict_):
    """One layer: its units, activation and initial parameters."""

    units: Count
    activation: str | NamedActivation | CustomActivation = "sigmoid"
    weights: list[list[Number]] | None = None
    biases: list[Number] | None = None
    names: LayerNames | None = None


class LayerNames(Strict_):
    """Names that override the default names of a layer's parameters and nodes."""

    weights: list[list[Name]] | None = None
    biases: list[Name] | None = None
    net: list[Name] | None = None
    activations: list[Name] | None = None


class Sample(Strict_):
    """One training sample."""

    inputs: list[Number]
    targets: list[Number]


class Symbols(Strict_):
    """The letters a textbook uses (seed 002 writes h, y and L)."""

    activation: Name = "a"
    net: Name = "z"
    target: Name = "T"
    loss: Name = "E"
    input: Name = "x"
    weight: Name = "w"
    bias: Name = "b"


class Init(Strict_):
    """Random initial values for parameters the file leaves out."""

    seed: Annotated[int, Strict()] = 0
    method: Literal["uniform", "xavier", "he"] = "uniform"
    low: Number = -0.5
    high: Number = 0.5


LossName = Literal[LOSS_NAMES]


class Scenario(Strict_):
    """A whole scenario: network, initial values, data and training settings."""

    title: str | None = None
    teaches: str | None = None
    inputs: list[Name] | Count
    layers: Annotated[list[Layer], Field(min_length=1)]
    data: Annotated[list[Sample], Field(min_length=1)]
    loss: LossName = "half_squared_error"
    learning_rate: Annotated[Number, Field(gt=0)]
    epochs: Count = 1
    mode: Literal["batch", "stochastic", "minibatch"] = "batch"
    batch_size: Count | None = None
    tolerance: Annotated[Number, Field(gt=0)] | None = None
    frozen: list[Name] = []
    l2: Annotated[Number, Field(ge=0)] = 0.0
    init: Init | None = None
    symbols: Symbols = Symbols()

    @property
    def input_count(self) -> int:
        """How many inputs the network has."""
        return self.inputs if isinstance(self.inputs, int) else len(self.inputs)


Layer.model_rebuild()
