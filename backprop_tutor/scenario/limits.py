"""Resource limits: what one file may ask of the tool, so that no file can hang it or fill memory.

Each limit is checked before the work it bounds starts, and each refusal says which limit, the
number the file asked for and how to stay under it. docs/limits.md explains how they were chosen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import InputError

if TYPE_CHECKING:
    from .schema import Scenario

# Reading a file (checked by scenario/yaml_source.py while parsing, before building anything).
MAX_FILE_BYTES = 1024 * 1024
MAX_ALIASES = 100  # '*name' uses in one file
MAX_DEPTH = 20  # nested lists and mappings
MAX_VALUES = 100_000  # values in the document once aliases are expanded

# The network and its data (checked by scenario/loader.py).
MAX_PARAMETERS = 10_000  # weights and biases
# Layers: every parameter's chain of derivatives is as long as the layers above it, so the
# worked solution grows with parameters × depth; 500 layers ended in a RecursionError, and a
# chain of 100 one-unit layers is shown in full in about 6 s (docs/limits.md).
MAX_LAYERS = 100
MAX_SAMPLES = 10_000  # training samples in data:

# A circuit (checked by scenario/circuit_loader.py): every node's formula is held to the limits
# of maths/limits.py, and the backward pass visits each edge once. sympy derives each node
# once, in tens of milliseconds for a formula of 25 parts: 100 such nodes are checked and
# worked out in a few seconds (docs/limits.md); a lecture's circuit has under 20.
MAX_CIRCUIT_LEAVES = 100  # inputs and parameters
MAX_CIRCUIT_NODES = 100  # nodes

# Training (checked by api.run, after --epochs has overridden the file's epochs).
MAX_EPOCHS = 100_000
MAX_UPDATES = 100_000  # parameter updates in all: epochs × updates per epoch
MAX_WORK = 10_000_000_000  # parameters × samples × epochs: well under a minute on a laptop

# An answer typed to `practice`, in characters: a line longer than this (or standard input
# with no line ends, such as /dev/zero) is refused rather than read into memory.
MAX_ANSWER_CHARS = 1_000

# Output: iterations kept and rendered in full (--iterations), in numbers shown.
MAX_ITERATIONS_SHOWN = 1_000
MAX_SHOWN_VALUES = 1_000_000  # iterations shown × parameters
# The size of one iteration's worked solution that the terminal, a worksheet, a key, practice
# or an export sets out, as parameters × samples in the iteration's batch (the number of
# ∂z/∂w rows, most of its tables): 925 parameters over 1 sample take about 5 s (7.5 s the
# first time) in the terminal; --json and --explain are not bound by it.
MAX_WORKED = 1_000


def _count(n: int) -> str:
    return f"{n:,}"


def parameter_count(layer_sizes: list[int]) -> int:
    """Weights and biases of a network with these sizes: inputs first, then each layer's units."""
    pairs = zip(layer_sizes[:-1], layer_sizes[1:], strict=True)
    return sum((fan_in + 1) * units for fan_in, units in pairs)


def updates_per_epoch(samples: int, mode: str, batch_size: int | None) -> int:
    """How many updates one epoch makes."""
    if mode == "stochastic":
        return samples
    if mode == "minibatch" and batch_size:
        return -(-samples // batch_size)
    return 1


def check_training(parameters: int, samples: int, epochs: int, updates: int,
                   field: str = "epochs") -> None:
    """Refuse training runs that a laptop would not finish in about a minute."""
    if epochs > MAX_EPOCHS:
        raise InputError(f"{_count(epochs)} epochs is more than the limit of "
                         f"{_count(MAX_EPOCHS)}", field=field)
    if epochs * updates > MAX_UPDATES:
        raise InputError(
            f"{_count(epochs)} epochs of {_count(updates)} updates each make "
            f"{_count(epochs * updates)} updates, more than the limit of {_count(MAX_UPDATES)}; "
            f"use at most {_count(max(1, MAX_UPDATES // updates))} epochs, or a larger "
            "batch_size", field=field)
    work = parameters * samples * epochs
    if work > MAX_WORK:
        raise InputError(
            f"{_count(parameters)} parameters × {_count(samples)} samples × {_count(epochs)} "
            f"epochs is {_count(work)}, more than the limit of {_count(MAX_WORK)}; use at most "
            f"{_count(max(1, MAX_WORK // (parameters * samples)))} epochs", field=field)


def check_shown(iterations: int, parameters: int, field: str = "--iterations") -> None:
    """Refuse rendering more iterations in full than a terminal or a JSON file can hold."""
    if iterations > MAX_ITERATIONS_SHOWN:
        raise InputError(f"{_count(iterations)} iterations in full is more than the limit of "
                         f"{_count(MAX_ITERATIONS_SHOWN)}; the training summary covers the rest",
                         field=field)
    if iterations * parameters > MAX_SHOWN_VALUES:
        most = max(1, MAX_SHOWN_VALUES // parameters)
        raise InputError(f"{_count(iterations)} iterations in full of a network with "
                         f"{_count(parameters)} parameters is too much to show; use at most "
                         f"{_count(most)}", field=field)


def worked_size(parameters: int, samples: int) -> str | None:
    """Why an iteration's worked solution is too large to set out (parameters × the samples
    of its batch over MAX_WORKED), or None."""
    if parameters * samples <= MAX_WORKED:
        return None
    return (f"iteration 1 works {_count(parameters)} parameters over a batch of "
            f"{_count(samples)} sample{'' if samples == 1 else 's'} "
            f"({_count(parameters * samples)}), more than the {_count(MAX_WORKED)} "
            "(parameters × samples) a worked solution is set out for")


def check_worked(parameters: int, samples: int, what: str) -> None:
    """InputError when an iteration's worked solution is too large for ``what`` ("a
    worksheet"): see worked_size."""
    why = worked_size(parameters, samples)
    if why is not None:
        raise InputError(f"{why}; {what} needs a smaller network or fewer samples (one "
                         "parameter's chain: run --explain; every number: run --json)")


def check_run(scenario: Scenario, epochs: int | None = None) -> None:
    """The training limits for a scenario, with ``epochs`` (from --epochs) overriding its own."""
    sizes = [scenario.input_count, *(layer.units for layer in scenario.layers)]
    samples = len(scenario.data)
    check_training(parameter_count(sizes), samples, epochs or scenario.epochs,
                   updates_per_epoch(samples, scenario.mode, scenario.batch_size),
                   field="--epochs" if epochs else "epochs")
