"""The types of the ``run --json`` document (schema version 2), as pydantic reads them.

The document is built as plain dicts of these types (json_layout.py, render/json_out.py) and
written by pydantic as a ``TraceDocument``; the JSON Schema that ``backprop-tutor schema trace``
prints is made from the same type, and the cached chains are checked against ``ChainLayout``
before they are used.

Each thing is said once: ``values`` holds every number of an iteration by its address;
``factors`` each chain-rule factor's symbolic form, once per document; ``gradients`` how each
gradient is built from those factors, by address. Numbers are floats at full precision, or
null where they are not finite.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, TypeAdapter
from typing_extensions import NotRequired, TypedDict

SCHEMA_VERSION = 2
# Larger batches keep their per-sample numbers in ``samples`` only.
MAX_ADDRESSED_SAMPLES = 32

Number = Annotated[float | None, Field(description="null where the value is not finite")]
Count = Annotated[int, Field(ge=0)]
Index = Annotated[int, Field(ge=1)]
_CLOSED = ConfigDict(extra="forbid")


class FactorForm(TypedDict):
    """A chain-rule factor's symbolic form."""

    __pydantic_config__ = _CLOSED  # type: ignore[misc]
    expression: Annotated[str, Field(description="sympy's text of the factor")]
    latex: str
    note: NotRequired[str]


class GradientForm(TypedDict):
    """How a gradient is built: the sum over its paths of the product of each path's factors."""

    __pydantic_config__ = _CLOSED  # type: ignore[misc]
    form: Annotated[Literal["paths", "delta"], Field(
        description="paths: every path from the loss; delta: through the δ of its unit")]
    paths: Annotated[list[list[str]], Field(description="Factor addresses (keys of factors).")]


class ChainLayout(TypedDict):
    """What a network's chains are, whatever its numbers: kept in the cache."""

    __pydantic_config__ = _CLOSED  # type: ignore[misc]
    factors: dict[str, FactorForm]
    gradients: dict[str, GradientForm]


WeightDecay = TypedDict("WeightDecay", {"symbol": str, "lambda": float})
WeightDecay.__pydantic_config__ = _CLOSED  # type: ignore[attr-defined]


class Gradient(GradientForm):
    """A gradient's form, and whether weight decay adds λ·w to it or the parameter is frozen."""

    __pydantic_config__ = _CLOSED  # type: ignore[misc]
    l2: NotRequired[Annotated[WeightDecay, Field(
        description="Weight decay's own term λ·w, added to the sum over the paths; its value "
                    "in each iteration is in the iteration's l2.")]]
    frozen: NotRequired[Literal[True]]


class Sample(TypedDict):
    """One sample of a batch of more than 32."""

    __pydantic_config__ = _CLOSED  # type: ignore[misc]
    index: Annotated[Index, Field(description="Its place in the scenario's data (1-based).")]
    nodes: Annotated[list[Number], Field(
        description="The net input z of every unit, in the order of the document's "
                    "sample_nodes; each a is f(z).")]
    loss: Number


class MatrixEntry(TypedDict):
    """One matrix of the matrix form."""

    __pydantic_config__ = _CLOSED  # type: ignore[misc]
    name: Annotated[str, Field(description="As the terminal writes it: Z⁽¹⁾, ∂E/∂W⁽²⁾.")]
    key: Annotated[str, Field(
        description="What it is, with its layer: W1, A0, b1, Z1, T, E_s, E, dE/dA2, f'(Z2), "
                    "J2@3 (sample 3's softmax Jacobian), delta2, l2W1, dE/dW1, dE/db1, W1+, "
                    "b1+.")]
    latex: str
    shape: Annotated[list[Count], Field(description="[rows, columns]")]
    rows: Annotated[list[str], Field(description="What each row is: a unit or a sample.")]
    columns: list[str]
    entries: Annotated[list[list[Number]], Field(description="Row by row.")]
    addresses: Annotated[list[list[str | None]], Field(
        description="Each entry's address in values (a parameter before the update: its "
                    "name); null where no address names the number (the λW term).")]


class MatrixStep(TypedDict):
    """One equation of the matrix form with its matrices, the result last."""

    __pydantic_config__ = _CLOSED  # type: ignore[misc]
    layer: Annotated[Count, Field(description="1-based; 0 for the loss")]
    stage: Literal["forward", "loss", "backward", "gradients", "updates"]
    result: Literal["Z", "A", "E", "delta", "dE/dW", "dE/db", "W+", "b+"]
    equation: str
    latex: str
    shapes: str
    note: NotRequired[str]
    matrices: list[MatrixEntry]


class MatrixIteration(TypedDict):
    """An iteration layer by layer as matrices (run --json --view matrix)."""

    __pydantic_config__ = _CLOSED  # type: ignore[misc]
    samples: Annotated[Literal["columns", "rows"], Field(
        description="Where the batch's samples go in per-sample matrices.")]
    steps: list[MatrixStep]


class Iteration(TypedDict):
    """An iteration kept in full."""

    __pydantic_config__ = _CLOSED  # type: ignore[misc]
    iteration: Index
    epoch: Index
    sample_indices: list[Index]
    loss: Number
    values: Annotated[dict[str, Number], Field(
        description="Address → value: the vocabulary of answer sheets. Every number of the "
                    "iteration (nodes, factors, gradients, an optimizer's state, updates); "
                    "per sample as name@s for batches of up to 32 samples.")]
    samples: NotRequired[Annotated[list[Sample], Field(
        description="Only for a batch of more than 32 samples, whose per-sample numbers "
                    "are not in values.")]]
    l2: NotRequired[Annotated[dict[str, Number], Field(
        description="Weight → its weight-decay term λ·w in this iteration's gradient.")]]
    matrix: NotRequired[Annotated[MatrixIteration, Field(
        description="Only with --view matrix: the iteration layer by layer as matrices, "
                    "every entry one of the numbers in values.")]]


class Final(TypedDict):
    __pydantic_config__ = _CLOSED  # type: ignore[misc]
    epochs: Count
    iterations: Count
    loss: Number
    parameters: dict[str, Number]
    stop_reason: Literal["epochs", "tolerance", "diverged"]


class LayerMagnitude(TypedDict):
    """One layer's mean |δ| and mean |∂E/∂w|, one number per epoch run."""

    __pydantic_config__ = _CLOSED  # type: ignore[misc]
    layer: Index
    units: Annotated[int, Field(ge=1)]
    delta: Annotated[list[Number], Field(
        description="Per epoch, mean |δ| (δ = ∂E/∂z) over each update's samples and the "
                    "layer's units, averaged over the epoch's updates.")]
    weight_gradients: Annotated[list[Number], Field(
        description="Per epoch, mean |∂E/∂w| over the layer's weights (the gradient the update "
                    "uses, with weight decay's λ·w), averaged over the epoch's updates.")]


class MagnitudeComparison(TypedDict):
    """The first layer's mean |∂E/∂w| against the last layer's in one epoch."""

    __pydantic_config__ = _CLOSED  # type: ignore[misc]
    epoch: Index
    first_layer: Number
    last_layer: Number
    ratio: Annotated[Number, Field(
        description="first_layer / last_layer; null when either is not finite or the last "
                    "is 0.")]
    power_of_ten: Annotated[int | None, Field(
        description="round(log10(ratio)): the power of ten nearest the ratio on a log scale; "
                    "null when there is no ratio or it is 0.")]


class MagnitudesDocument(TypedDict):
    """How large each layer's δ and weight gradients were over the epochs."""

    __pydantic_config__ = _CLOSED  # type: ignore[misc]
    statistic: Literal["mean absolute value"]
    layers: list[LayerMagnitude]
    comparisons: Annotated[list[MagnitudeComparison], Field(
        description="The first epoch and, if different, the last; empty for one layer.")]
    reading: Annotated[str | None, Field(
        description="The comparisons in words, as the terminal prints them but in ASCII "
                    "(10^-6 for 10⁻⁶); null for a network of one layer.")]


class DataRow(TypedDict):
    inputs: list[float]
    targets: list[float]


class NormalisedLayer(TypedDict):
    __pydantic_config__ = ConfigDict(extra="allow")  # type: ignore[misc]
    units: Annotated[int, Field(ge=1)]
    weights: list[list[float]]
    bias: NotRequired[bool | Literal["shared"]]  # true: one per unit; shared: one; false: none
    biases: NotRequired[list[float]]  # one per unit, one when shared, absent without bias


class NormalisedScenario(TypedDict):
    """The scenario with every default filled in and the initial parameters it trained from."""

    __pydantic_config__ = ConfigDict(extra="allow")  # type: ignore[misc]
    inputs: list[str]
    layers: list[NormalisedLayer]
    data: list[DataRow]
    loss: str
    learning_rate: float


class HandRounding(TypedDict):
    """How a run rounded by hand rounded every value (one of digits and decimals)."""

    __pydantic_config__ = _CLOSED  # type: ignore[misc]
    digits: NotRequired[Annotated[int, Field(ge=1)]]
    decimals: NotRequired[Annotated[int, Field(ge=0)]]
    note: str


class TraceDocument(TypedDict):
    """backprop-tutor run --json"""

    __pydantic_config__ = ConfigDict(  # type: ignore[misc]
        extra="forbid", title="backprop-tutor run --json", ser_json_inf_nan="null")
    schema_version: Literal[2]
    scenario: NormalisedScenario
    factors: Annotated[dict[str, FactorForm], Field(
        description="Address → the factor's symbolic form, once for the whole document; its "
                    "numbers are in each iteration's values under the same address.")]
    gradients: Annotated[dict[str, Gradient], Field(
        description="Parameter → how its gradient is built from factors, by address; its "
                    "value is dE/d<parameter> in each iteration's values.")]
    sample_nodes: Annotated[list[str], Field(
        description="The names of the numbers of each sample's nodes.")]
    iterations: list[Iteration]
    history: Annotated[list[Number], Field(
        description="The loss over all samples before each epoch.")]
    running: Annotated[list[Number], Field(
        description="Per epoch run, the mean of the losses its updates saw (each batch's loss "
                    "before its update): the running loss courses print for stochastic and "
                    "minibatch training; for batch training the same as history.")]
    final: Final
    rounding: NotRequired[Annotated[HandRounding, Field(
        description="Present when every value of the trace was rounded as by hand before it "
                    "was used (scenario rounding: or run --round-digits/--round-decimals): "
                    "to what, and the note every output gives; absent for an exact trace.")]]
    layer_magnitudes: Annotated[MagnitudesDocument, Field(
        description="Per layer and epoch, how large δ and the weight gradients were: whether "
                    "the error fades on its way back to the input.")]


TRACE = TypeAdapter(TraceDocument)
LAYOUT = TypeAdapter(ChainLayout)
