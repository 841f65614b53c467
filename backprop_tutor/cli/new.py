"""``backprop-tutor new``: write a commented scenario to start from."""

from __future__ import annotations

from pathlib import Path

import typer

from ..errors import InputError, close_names, did_you_mean
from ..maths.catalog import LOSS_NAMES, canonical
from .boundary import error_boundary
from .options import Debug

LOSSES = ", ".join(LOSS_NAMES)


def _layers(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        sizes = []
    if len(sizes) < 2 or any(n < 1 for n in sizes):
        raise InputError(f"expected the input count and then each layer's units, such as "
                         f"2,2,1; got '{text}'", field="--layers")
    return sizes


def _activations(text: str, layers: int) -> list[str]:
    from ..maths.catalog import NAMES

    names = [part.strip() for part in text.split(",")]
    if len(names) == 1:
        names = names * layers
    if len(names) != layers:
        raise InputError(f"give one activation for every layer, or one for all; the network has "
                         f"{layers} layers and {len(names)} activations were given",
                         field="--activation")
    for name in names:
        if name not in NAMES:
            hint = (did_you_mean(close_names(name, NAMES))
                    or "expected one of: " + ", ".join(NAMES))
            raise InputError(f"unknown activation '{name}'; {hint}", field="--activation")
    return names


BIAS_MODES = {"true": True, "false": False, "shared": "shared"}


def _biases(text: str, layers: int) -> list[bool | str]:
    modes = [part.strip().lower() for part in text.split(",")]
    if len(modes) == 1:
        modes = modes * layers
    if len(modes) != layers:
        raise InputError(f"give one bias kind for every layer, or one for all; the network has "
                         f"{layers} layers and {len(modes)} were given", field="--bias")
    for mode in modes:
        if mode not in BIAS_MODES:
            raise InputError(f"unknown bias kind '{mode}'; expected true (one per unit), shared "
                             "(one for the layer) or false (none)", field="--bias")
    return [BIAS_MODES[m] for m in modes]


def _num(value: float) -> str:
    return f"{round(float(value), 2) + 0.0:g}"  # + 0.0 turns −0.0 into 0


def _row(values) -> str:
    return "[" + ", ".join(_num(v) for v in values) + "]"


def _optimizer(name: str) -> str:
    from ..scenario.optimizer import DEFAULTS, NAMES

    if name not in DEFAULTS:
        hint = did_you_mean(close_names(name, NAMES)) or "expected one of: " + ", ".join(NAMES)
        raise InputError(f"unknown optimizer '{name}'; {hint}", field="--optimizer")
    return name


def _optimizer_lines(name: str) -> list[str]:
    from ..scenario.optimizer import DEFAULTS

    options = "".join(f", {k}: {v:g}" for k, v in DEFAULTS[name].items())
    return [f"optimizer: {{name: {name}{options}}}    # sgd, momentum and nesterov (momentum: "
            "μ), rmsprop (rho, epsilon), adam (beta1, beta2, epsilon); torch.optim's rules"]


def scenario_text(sizes: list[int], activations: list[str], *, seed: int, samples: int,
                  loss: str, learning_rate: float, epochs: int,
                  biases: list[bool | str] | None = None,
                  rounding: dict[str, int] | None = None, optimizer: str | None = None) -> str:
    """The YAML of a new scenario with every number drawn from ``seed`` and explained.

    ``biases``: each layer's ``bias:`` (true, "shared" or false; default true for all).
    ``rounding``: ``{"digits": N}`` or ``{"decimals": N}`` to work it rounded as by hand
    (training/hand_rounding.py); without it, the option is written as a comment.
    ``optimizer``: an ``optimizer:`` line with that optimizer's default options (none: plain
    gradient descent, and no line).
    """
    import numpy as np

    from ..signals import numpy_random

    rng = numpy_random().default_rng(seed)
    inputs, widths = sizes[0], sizes[1:]
    layers = [f"{n} {a}" for n, a in zip(widths, activations, strict=True)]
    shape = " → ".join([f"{inputs} inputs", *layers])
    out = [
        f"# A new scenario: {shape}.",
        f"# Every number was drawn with seed {seed} and rounded so that it is easy to work by",
        "# hand; change any of them. Check the file with `backprop-tutor validate FILE`, then",
        "# work it with `backprop-tutor run FILE`, or practise it with",
        "# `backprop-tutor practice FILE`.",
        f"title: A {'-'.join(str(n) for n in sizes)} network",
        "teaches: (say what this example is for; `backprop-tutor examples` shows it)",
        f"inputs: {inputs}",
        "layers:",
    ]
    fan_in = inputs
    modes = biases or [True] * len(widths)
    for index, (units, activation, mode) in enumerate(zip(widths, activations, modes,
                                                          strict=True), start=1):
        weights = rng.uniform(-0.5, 0.5, (units, fan_in))
        values = rng.uniform(-0.5, 0.5, units)  # drawn whatever the bias: the same weights
        bias = {True: "and a bias", False: "and no bias",
                "shared": "and the layer's one shared bias"}[mode]
        out += [
            f"  # layer {index}: {units} unit{'s' if units > 1 else ''}; each has one weight per "
            f"input ({fan_in}) {bias}",
            f"  - units: {units}",
            f"    activation: {activation}    # sigmoid, tanh, relu, leaky_relu, linear, "
            "softplus, softmax",
            f"    bias: {str(mode).lower()}    # true: one per unit; shared: one for the layer; "
            "false: none",
            "    weights: [" + (",\n              ".join(_row(r) for r in weights)) + "]",
        ]
        if mode is True:
            out.append(f"    biases: {_row(values)}")
        elif mode == "shared":
            out.append(f"    biases: {_row(values[:1])}")
        fan_in = units
    out += ["data:", "  # each sample: one number per input, one target per output unit"]
    outputs, last = widths[-1], activations[-1]
    for _ in range(samples):
        x = rng.uniform(-1, 1, inputs)
        if last == "softmax":
            t = np.eye(outputs)[rng.integers(outputs)]
        elif canonical(last) == "sigmoid":
            t = rng.uniform(0, 1, outputs)
        else:
            t = rng.uniform(-1, 1, outputs)
        out.append(f"  - inputs: {_row(x)}")
        out.append(f"    targets: {_row(t)}")
    out += [
        f"loss: {loss}    # {LOSSES}",
        f"learning_rate: {learning_rate:g}",
        f"epochs: {epochs}",
        "mode: batch    # batch, stochastic, or minibatch (then also batch_size: N)",
        "reduction: mean    # a batch's loss and gradients: mean or sum over its samples",
        "# shuffle: true    # stochastic or minibatch: a new sample order every epoch, drawn "
        "from shuffle_seed: 0",
    ]
    hand = "every value rounded before it is used, as by hand (or decimals: N)"
    if rounding:
        (key, n), = rounding.items()
        out.append(f"rounding: {{{key}: {n}}}    # {hand.replace(' (or decimals: N)', '')}")
    else:
        out.append(f"# rounding: {{digits: 4}}    # {hand}")
    if optimizer is not None:
        out += _optimizer_lines(optimizer)
    return "\n".join(out) + "\n"


# the options of new that set up a network, which a circuit does not take
NETWORK_OPTIONS = {"layers": "--layers", "activation": "--activation", "samples": "--samples",
                   "loss": "--loss", "epochs": "--epochs", "bias": "--bias",
                   "round_digits": "--round-digits", "round_decimals": "--round-decimals",
                   "optimizer": "--optimizer"}


def _network_options_refused(ctx: typer.Context) -> None:
    for name, flag in NETWORK_OPTIONS.items():
        source = ctx.get_parameter_source(name)  # an enum of the command-line library's
        if source is not None and source.name != "DEFAULT":
            raise InputError(f"{flag} sets up a network; a circuit from new --circuit takes "
                             "--seed and --learning-rate", field=flag)


def new(
    ctx: typer.Context,
    output: str = typer.Option(..., "-o", "--output", help="The file to write.",
                               show_default=False),
    layers: str = typer.Option("2,2,1", "--layers",
                               help="The input count, then each layer's units: 2,2,1."),
    activation: str = typer.Option("sigmoid", "--activation",
                                   help="One activation for every layer, or one per layer: "
                                        "tanh,sigmoid."),
    seed: int = typer.Option(0, "--seed", min=0, max=2**63 - 1,
                              help="Seed of the random initial numbers (0 or more)."),
    samples: int = typer.Option(1, "--samples", min=1, max=100, help="Training samples."),
    loss: str = typer.Option("half_squared_error", "--loss", help=f"One of: {LOSSES}."),
    learning_rate: float = typer.Option(0.5, "--learning-rate", help="The learning rate η."),
    epochs: int = typer.Option(1, "--epochs", min=1, help="Epochs to train."),
    bias: str = typer.Option("true", "--bias",
                             help="Each layer's bias: true (one per unit), shared (one for the "
                                  "layer) or false (none); one for all layers or one per layer: "
                                  "shared,true."),
    round_digits: int = typer.Option(None, "--round-digits", metavar="N", min=1, max=12,
                                     help="Work it as by hand: every value rounded to N "
                                          "significant digits (rounding: {digits: N})."),
    round_decimals: int = typer.Option(None, "--round-decimals", metavar="N", min=0, max=12,
                                       help="Work it as by hand: every value rounded to N "
                                            "decimals (rounding: {decimals: N})."),
    optimizer: str = typer.Option(None, "--optimizer", show_default=False,
                                  help="sgd (plain gradient descent, the default), momentum, "
                                       "nesterov, rmsprop or adam, written with its default "
                                       "options."),
    force: bool = typer.Option(False, "--force", help="Overwrite the file if it exists."),
    circuit: bool = typer.Option(False, "--circuit",
                                 help="Write a circuit (a computational graph of gates) "
                                      "instead of a network; takes --seed and "
                                      "--learning-rate."),
    debug: Debug = False,
) -> None:
    """Write a commented scenario to start from: random small weights, data, settings."""
    with error_boundary(debug):
        from ..files import atomic_write
        from ..scenario import scenario_from_text

        if not learning_rate > 0:
            raise InputError(f"the learning rate must be above 0; got {learning_rate:g}",
                             field="--learning-rate")
        target = Path(output)
        if circuit:
            _network_options_refused(ctx)
            from ..scenario.circuit_loader import circuit_from_text
            from .new_circuit import circuit_text

            if target.exists() and not force:
                raise InputError(f"{output} exists; use --force to overwrite it",
                                 field="--output")
            text = circuit_text(seed=seed, learning_rate=learning_rate)
            circuit_from_text(text, output)  # what is written is always a valid circuit
            atomic_write(target, text)
            typer.echo(f"wrote {output}: a circuit of 4 nodes; next: backprop-tutor run "
                       f"{output}")
            return
        sizes = _layers(layers)
        names = _activations(activation, len(sizes) - 1)
        modes = _biases(bias, len(sizes) - 1)
        chosen = None if optimizer is None else _optimizer(optimizer)
        if target.exists() and not force:
            raise InputError(f"{output} exists; use --force to overwrite it", field="--output")
        if round_digits is not None and round_decimals is not None:
            raise InputError("--round-digits and --round-decimals are two ways to round; give "
                             "one", field="--round-digits")
        if (round_digits is not None or round_decimals is not None) and "softmax" in names:
            raise InputError("rounding is not available with a softmax layer",
                             field="--round-digits" if round_digits is not None
                             else "--round-decimals")
        if (round_digits is not None or round_decimals is not None) and chosen not in (None,
                                                                                      "sgd"):
            raise InputError(f"rounding is not available with the {chosen} optimizer, whose "
                             "state is not rounded", field="--optimizer")
        rounding = {"digits": round_digits} if round_digits is not None else \
            {"decimals": round_decimals} if round_decimals is not None else None
        text = scenario_text(sizes, names, seed=seed, samples=samples, loss=loss,
                             learning_rate=learning_rate, epochs=epochs, biases=modes,
                             rounding=rounding, optimizer=chosen)
        scenario_from_text(text, output)  # what is written is always a valid scenario
        atomic_write(target, text)
        layers = len(sizes) - 1
        typer.echo(f"wrote {output}: {layers} layer{'s' if layers != 1 else ''}; next: "
                   f"backprop-tutor run {output}")
