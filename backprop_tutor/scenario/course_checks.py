"""Checks of the maths a scenario asks for: softmax, losses and their targets, custom formulas."""

from __future__ import annotations

from ..errors import InputError
from ..maths.catalog import canonical
from .messages import located
from .schema import CustomActivation, NamedActivation, Rounding, Scenario
from .yaml_source import Document


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def check_custom_activation(spec: CustomActivation, doc: Document, loc: tuple) -> None:
    """The formula of a custom activation parses (by whitelist) into an expression in z."""
    from ..maths.expression import parse_expression

    try:
        parse_expression(spec.expression)
    except InputError as error:
        raise located(doc, (*loc, "expression"), error.detail) from None


def _activation_name(spec: str | NamedActivation | CustomActivation) -> str:
    if isinstance(spec, CustomActivation):
        return "custom"
    name = spec if isinstance(spec, str) else spec.name
    return canonical(name)


def check_softmax_layer(s: Scenario, i: int, doc: Document) -> None:
    """Softmax only on the output layer, and on at least two units."""
    layer = s.layers[i]
    if _activation_name(layer.activation) != "softmax":
        return
    if i != len(s.layers) - 1:
        raise located(doc, ("layers", i, "activation"), "softmax couples the units of a layer "
                      "into probabilities and is allowed on the output layer only")
    if layer.units < 2:
        raise located(doc, ("layers", i, "units"), "a softmax layer needs at least 2 units "
                      "(with 1 its output is always 1)")


def check_loss(s: Scenario, doc: Document) -> None:
    """Each loss with an output activation it suits and targets it can take."""
    output = _activation_name(s.layers[-1].activation)
    where = ("layers", len(s.layers) - 1, "activation")
    if s.loss == "cross_entropy" and output != "softmax":
        raise located(doc, where, f"loss cross_entropy needs a softmax output layer; got "
                      f"{output} (for outputs that are each a probability of their own, "
                      "use binary_cross_entropy)")
    if s.loss == "binary_cross_entropy" and output not in ("sigmoid", "softmax"):
        raise located(doc, where, f"loss binary_cross_entropy needs outputs in (0, 1): use a "
                      f"sigmoid (or softmax) output layer; got {output}")
    if s.loss not in ("cross_entropy", "binary_cross_entropy"):
        return
    for n, sample in enumerate(s.data):
        for k, t in enumerate(sample.targets):
            if not 0 <= t <= 1:
                raise located(doc, ("data", n, "targets", k), f"{s.loss} needs targets between "
                              f"0 and 1 (probabilities); sample {n + 1} has {t}")
        total = sum(sample.targets)
        if s.loss == "cross_entropy" and abs(total - 1) > 1e-9:
            raise located(doc, ("data", n, "targets"), f"cross_entropy needs the targets of a "
                          f"sample to sum to 1 (one-hot or probabilities); sample {n + 1}'s "
                          f"sum to {total:g}")


def check_name_shapes(s: Scenario, doc: Document) -> None:
    """Layer ``names:`` overrides have the shapes of what they name."""
    fan_in = s.input_count
    for i, layer in enumerate(s.layers):
        names = layer.names
        if names is not None:
            where = ("layers", i, "names")
            if names.biases is not None and len(names.biases) != layer.bias_count:
                count = {0: "no bias (bias: false), so names.biases must not be given",
                         1: "one shared bias (bias: shared), so names.biases must give 1 name"}
                need = count.get(layer.bias_count, "") if layer.bias is not True else ""
                raise located(doc, (*where, "biases"), f"layer {i + 1} has " + (
                    need or f"{_plural(layer.units, 'unit')}, so names.biases must give "
                    f"{_plural(layer.units, 'name')}") + f"; got {len(names.biases)}")
            for key in ("net", "activations"):
                given = getattr(names, key)
                if given is not None and len(given) != layer.units:
                    raise located(doc, (*where, key), f"layer {i + 1} has "
                                  f"{_plural(layer.units, 'unit')}, so names.{key} must give "
                                  f"{_plural(layer.units, 'name')}; got {len(given)}")
            if names.weights is not None and (len(names.weights) != layer.units or any(
                    len(row) != fan_in for row in names.weights)):
                raise located(doc, (*where, "weights"), f"names.weights must be "
                              f"{_plural(layer.units, 'row')} of {_plural(fan_in, 'name')}, "
                              "the shape of the layer's weights")
        fan_in = layer.units


def check_rounding(s: Scenario, doc: Document) -> None:
    """``rounding:`` gives digits or decimals, one of the two, on a network without softmax."""
    if s.rounding is None:
        return
    given = [key for key in ("digits", "decimals") if getattr(s.rounding, key) is not None]
    if len(given) != 1:
        raise located(doc, ("rounding",), "rounding takes one of digits (significant digits, "
                      "such as {digits: 4}) or decimals (places after the point, such as "
                      "{decimals: 4})" + ("; got both" if given else "; got neither"))
    for i, layer in enumerate(s.layers):
        if _activation_name(layer.activation) == "softmax":
            raise located(doc, ("layers", i, "activation"), "rounding is not available with a "
                          "softmax layer: its factors ∂a_i/∂z_j are shown unrounded; remove "
                          "rounding: for an exact run")
    if _optimizer_name(s) != "sgd":
        raise located(doc, ("optimizer",), f"rounding is not available with the "
                      f"{_optimizer_name(s)} optimizer, whose state is not rounded; remove "
                      "rounding: for an exact run, or train with plain gradient descent (sgd)")


def _optimizer_name(s: Scenario) -> str:
    from .optimizer import settings

    return settings(s)[0]


def with_rounding(s: Scenario, digits: int | None, decimals: int | None) -> Scenario:
    """The scenario with ``rounding:`` replaced by what ``run --round-digits N`` or
    ``--round-decimals N`` asks for (unchanged when neither is given). Raises InputError, at
    the option, for both at once or for a network that cannot be rounded."""
    if digits is None and decimals is None:
        return s
    flag = "--round-digits" if digits is not None else "--round-decimals"
    if digits is not None and decimals is not None:
        raise InputError("--round-digits and --round-decimals are two ways to round; give one",
                         field=flag)
    for layer in s.layers:
        if _activation_name(layer.activation) == "softmax":
            raise InputError("rounding is not available with a softmax layer: its factors "
                             "∂a_i/∂z_j are shown unrounded", field=flag)
    if _optimizer_name(s) != "sgd":
        raise InputError(f"rounding is not available with the {_optimizer_name(s)} optimizer, "
                         "whose state is not rounded", field=flag)
    return s.model_copy(update={"rounding": Rounding(digits=digits, decimals=decimals)})
