"""Every shipped scenario fits an 80-column terminal: nothing is cut, no line is too long."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from backprop_tutor import api, examples
from backprop_tutor.cli import app

runner = CliRunner()


def _output(*args: str) -> str:
    result = runner.invoke(app, [*args, "--no-color", "--width", "80"])
    assert result.exit_code == 0, result.output
    return result.stdout


def _assert_fits(text: str) -> None:
    assert "…" not in text, "a cell was cut"
    for line in text.splitlines():
        assert cell_len(line) <= 80, line


@pytest.mark.parametrize("name", examples.names())
def test_run_of_every_shipped_scenario_fits_80_columns(name: str) -> None:
    # a circuit is one forward and one backward pass: it has no iterations to choose
    more = ("--iterations", "2") if name in examples.network_names() else ()
    _assert_fits(_output("run", name, *more))


@pytest.mark.parametrize("name", examples.network_names())
def test_explain_and_show_fit_80_columns(name: str) -> None:
    parameters = [p.name for p in api.run(api.load(name)).graph.parameters]
    for parameter in (parameters[0], parameters[-1]):  # the deepest chain and the shortest
        _assert_fits(_output("run", name, "--explain", parameter))
    _assert_fits(_output("show", name))


def test_one_hidden_sample_is_named_alone():
    from typer.testing import CliRunner

    from backprop_tutor.cli import app

    shown = CliRunner().invoke(app, ["run", "xor", "--width", "80", "--epochs", "1"]).stdout
    assert "sample 4 is not shown at this width" in shown and "samples 4–4" not in shown
