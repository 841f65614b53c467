"""Resource limits: each is refused before the work it bounds starts, with a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from backprop_tutor.cli import app
from backprop_tutor.errors import InputError
from backprop_tutor.scenario import limits
from backprop_tutor.scenario.loader import scenario_from_text

runner = CliRunner()


def scenario(inputs: int = 1, units: tuple[int, ...] = (1,), samples: int = 1, epochs: int = 1,
             extra: str = "") -> str:
    layers = "".join(f"  - units: {u}\n" for u in units)
    row = f"{{inputs: [{', '.join(['0.5'] * inputs)}], targets: [{', '.join(['0'] * units[-1])}]}}"
    data = "".join(f"  - {row}\n" for _ in range(samples))
    return (f"inputs: {inputs}\nlayers:\n{layers}data:\n{data}learning_rate: 0.1\n"
            f"epochs: {epochs}\ninit: {{seed: 1}}\n{extra}")


def refused(text: str) -> str:
    with pytest.raises(InputError) as caught:
        scenario_from_text(text, "s.yaml")
    return str(caught.value)


def test_parameter_count():
    assert limits.parameter_count([2, 2, 1]) == 9
    assert limits.parameter_count([100, 99]) == 101 * 99


def test_largest_network_is_accepted():
    # 99 inputs, 100 units: (99 + 1) * 100 = 10,000 parameters exactly
    assert limits.parameter_count([99, 100]) == limits.MAX_PARAMETERS
    scenario_from_text(scenario(inputs=99, units=(100,)), "s.yaml")


def test_too_many_parameters():
    assert refused(scenario(inputs=100, units=(100,))) == (
        "s.yaml:3:3: layers: the network has 10,100 weights and biases, more than the limit "
        "of 10,000")


def test_a_huge_layer_is_refused_before_anything_is_built():
    message = refused(scenario(inputs=1, units=(10**12, 1)))
    assert "more than the limit of 10,000" in message


def test_too_many_samples():
    assert refused(scenario(samples=limits.MAX_SAMPLES + 1)) == (
        "s.yaml:5:3: data: 10,001 samples is more than the limit of 10,000")


def test_too_many_epochs():
    assert refused(scenario(epochs=limits.MAX_EPOCHS + 1)) == (
        "s.yaml:7:9: epochs: 100,001 epochs is more than the limit of 100,000")


def test_too_many_updates():
    text = scenario(samples=100, epochs=2_000, extra="mode: stochastic\n")
    assert refused(text).endswith(
        "epochs: 2,000 epochs of 100 updates each make 200,000 updates, more than the limit "
        "of 100,000; use at most 1,000 epochs, or a larger batch_size")


def test_too_much_work():
    # (1 + 1) * 3,333 + (3,333 + 1) * 1 = 10,000 parameters
    epochs = limits.MAX_WORK // (10_000 * 1_000) + 1
    text = scenario(inputs=1, units=(3_333, 1), samples=1_000, epochs=epochs)
    assert refused(text).endswith(
        f"epochs: 10,000 parameters × 1,000 samples × {epochs:,} epochs is "
        f"{10_000_000 * epochs:,}, more than the limit of {limits.MAX_WORK:,}; use at most "
        f"{epochs - 1:,} epochs")


def test_epochs_option_is_checked(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(scenario(), encoding="utf-8")
    result = CliRunner().invoke(app, ["run", str(path), "--json", "--epochs", "1000000"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == ("error: --epochs: 1,000,000 epochs is more than the limit of "
                             "100,000\n")


def test_iterations_option_is_checked(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(scenario(epochs=10), encoding="utf-8")
    result = CliRunner().invoke(app, ["run", str(path), "--iterations", "1001"])
    assert result.exit_code == 2
    assert result.stderr == ("error: --iterations: 1,001 iterations in full is more than the "
                             "limit of 1,000; the training summary covers the rest\n")


def test_iterations_shown_scale_with_the_network():
    limits.check_shown(1_000, 1_000)
    with pytest.raises(InputError, match="use at most 100$"):
        limits.check_shown(101, 10_000)


def test_alias_bomb_through_the_command_line(tmp_path):
    lines = ["a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 9)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["run", str(path), "--json"])
    assert result.exit_code == 2
    assert "aliases expand the document to more than 100000 values" in result.stderr


def test_oversized_file_through_the_command_line(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("title: " + "x" * limits.MAX_FILE_BYTES + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["run", str(path), "--json"])
    assert result.exit_code == 2
    assert result.stderr.endswith("the file is larger than 1 MiB (1048576 bytes)\n")


def test_every_limit_is_documented():
    text = (Path(__file__).parent.parent / "docs" / "limits.md").read_text(encoding="utf-8")
    for name in dir(limits):
        if name.startswith("MAX_"):
            assert f"`{name}`" in text, name
            assert f"{getattr(limits, name):,}" in text, name


def test_a_worked_solution_too_large_to_set_out_is_refused_or_left_to_json(tmp_path):
    """2-40-40-1 (1,801 parameters) over a batch of 4 samples: 7,204 > 1,000. Writing out its
    every row took minutes and gigabytes on larger networks; now the terminal shows the
    training and says why, and a worksheet, key, practice or export is refused at once."""
    path = tmp_path / "wide.yaml"
    path.write_text(scenario(2, (40, 40, 1), samples=4), encoding="utf-8")
    run = runner.invoke(app, ["run", str(path)])
    assert run.exit_code == 0
    assert ("note: iteration 1 works 1,801 parameters over a batch of 4 samples (7,204), more "
            "than the 1,000 (parameters × samples) a worked solution is set out for") in run.stderr
    assert "Forward pass" not in run.stdout
    for command in (["worksheet", str(path)], ["key", str(path)], ["practice", str(path)],
                    ["export", str(path), "--to", "moodle", "-o", str(tmp_path / "q.xml")]):
        done = runner.invoke(app, command, input="q\n")
        assert done.exit_code == 2, command
        assert "(7,204), more than the 1,000" in done.stderr
    assert not (tmp_path / "q.xml").exists()
    small = tmp_path / "small.yaml"  # 2-10-1 (41 parameters) × 4 samples: set out in full
    small.write_text(scenario(2, (10, 1), samples=4), encoding="utf-8")
    assert "Forward pass" in runner.invoke(app, ["run", str(small)]).stdout
