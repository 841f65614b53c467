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


# A layer's bias: one per unit (true, the default), none (false), or one for all its units
BiasMode = Annotated[bool, Strict()] | Literal["shared"]


class Layer(Strict_):
    """One layer: its units, activation, bias and initial parameters.

    ``biases`` has one number per unit, or one number when ``bias: shared``, and is not given
    when ``bias: false``.
    """

    units: Count
    activation: str | NamedActivation | CustomActivation = "sigmoid"
    bias: BiasMode = True
    weights: list[list[Number]] | None = None
    biases: list[Number] | None = None
    names: LayerNames | None = None

    @property
    def bias_count(self) -> int:
        """How many bias parameters the layer has: its units, 1 when shared, 0 without bias."""
        return {True: self.units, False: 0}.get(self.bias, 1)

    def written_biases(self, values: list[float]) -> list[float] | None:
        """What ``biases:`` holds for a layer whose units have the bias ``values`` (one per
        unit): all of them, the shared one once, or nothing for a layer without bias."""
        return values[:self.bias_count] if self.bias_count else None


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

# a decay rate of an optimizer: μ, ρ, β1 or β2, in [0, 1)
Decay = Annotated[Number, Field(ge=0, lt=1)]


class OptimizerSpec(Strict_):
    """An optimizer given by name with its options: ``{name: adam, beta1: 0.9}``.

    Which options belong to which optimizer, and their defaults (those of PyTorch's
    ``torch.optim``), are training/optimizers.py's; scenario/loader.py refuses an option that
    does not belong to the named optimizer."""

    name: str
    momentum: Decay | None = None  # μ: momentum, nesterov
    rho: Decay | None = None  # ρ: rmsprop (torch's alpha)
    beta1: Decay | None = None  # β1: adam
    beta2: Decay | None = None  # β2: adam
    epsilon: Annotated[Number, Field(gt=0)] | None = None  # ε: rmsprop, adam


class Rounding(Strict_):
    """Hand rounding (training/hand_rounding.py): every value shown rounded to ``digits``
    significant digits or to ``decimals`` places, one of the two, before it is used further."""

    digits: Annotated[int, Strict(), Field(ge=1, le=12)] | None = None
    decimals: Annotated[int, Strict(), Field(ge=0, le=12)] | None = None


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
    # a batch's loss and gradients: the mean over its samples (default) or their sum
    reduction: Literal["mean", "sum"] = "mean"
    # stochastic and minibatch: the samples in a new random order every epoch, drawn from
    # shuffle_seed (epoch e takes the e-th permutation of numpy's default_rng(shuffle_seed))
    shuffle: Annotated[bool, Strict()] = False
    shuffle_seed: Annotated[int, Strict(), Field(ge=0)] = 0
    tolerance: Annotated[Number, Field(gt=0)] | None = None
    frozen: list[Name] = []
    l2: Annotated[Number, Field(ge=0)] = 0.0
    # how a gradient becomes an update: sgd (plain gradient descent, also when not given),
    # momentum, nesterov, rmsprop or adam, by name or as {name: ..., options}
    optimizer: str | OptimizerSpec | None = None
    init: Init | None = None
    symbols: Symbols = Symbols()
    # a hand calculation: every value shown rounded before it is used (None: exact)
    rounding: Rounding | None = None

    @property
    def input_count(self) -> int:
        """How many inputs the network has."""
        return self.inputs if isinstance(self.inputs, int) else len(self.inputs)


Layer.model_rebuild()
