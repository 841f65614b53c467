"""The tutor's commands: examples, show, validate, new, exports, colour, completion, the API."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from backprop_tutor import api, examples
from backprop_tutor.cli import app
from backprop_tutor.cli.examples import complete_parameter, complete_scenario
from backprop_tutor.errors import InputError
from backprop_tutor.render.dot import dot_text

runner = CliRunner()
ANSI = re.compile(r"\x1b\[")


def invoke(*args: str, **kw):
    return runner.invoke(app, list(args), **kw)


def test_examples_lists_every_shipped_scenario_with_title_and_lesson():
    result = invoke("examples", "--no-color", "--width", "200")
    assert result.exit_code == 0
    for example in examples.bundled():
        assert example.name in result.stdout
        assert example.title in result.stdout
        assert example.teaches.split(";")[0] in result.stdout


def test_a_shipped_scenario_runs_by_name_from_anywhere(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    by_name = invoke("run", "two_neuron", "--json")
    assert by_name.exit_code == 0
    by_path = invoke("run", str(examples.bundled_path("two_neuron")), "--json")
    assert by_name.stdout == by_path.stdout


def test_a_local_file_wins_over_a_shipped_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = examples.bundled_path("two_neuron").read_text().replace(
        "Two neurons in a chain", "My own copy")
    Path("two_neuron.yaml").write_text(text)
    assert examples.resolve("two_neuron.yaml") == Path("two_neuron.yaml")
    assert api.load("two_neuron.yaml").title == "My own copy"


def test_an_unknown_name_suggests_the_nearest_example():
    result = invoke("run", "two_nueron")
    assert result.exit_code == 2
    assert "did you mean two_neuron?" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    with pytest.raises(InputError, match="no such file"):
        examples.resolve("no/such/file.yaml")


def test_show_yaml_prints_the_file_itself():
    result = invoke("show", "house_price", "--yaml")
    assert result.stdout == examples.bundled_path("house_price").read_text()


def test_new_writes_a_valid_commented_scenario_of_the_asked_shape(tmp_path):
    out = tmp_path / "my.yaml"
    result = invoke("new", "-o", str(out), "--layers", "2,2,1", "--activation", "sigmoid",
                    "--seed", "7")
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert text.startswith("#")
    scenario = api.load(out)
    assert scenario.input_count == 2
    assert [layer.units for layer in scenario.layers] == [2, 1]
    assert {layer.activation for layer in scenario.layers} == {"sigmoid"}
    # the same seed gives the same file; another seed another one
    again = tmp_path / "again.yaml"
    invoke("new", "-o", str(again), "--layers", "2,2,1", "--seed", "7")
    assert again.read_text() == text
    other = tmp_path / "other.yaml"
    invoke("new", "-o", str(other), "--layers", "2,2,1", "--seed", "8")
    assert yaml.safe_load(other.read_text())["layers"] != yaml.safe_load(text)["layers"]
    assert invoke("run", str(out), "--json").exit_code == 0


def test_new_refuses_to_overwrite_and_checks_its_options(tmp_path):
    out = tmp_path / "my.yaml"
    out.write_text("keep me")
    result = invoke("new", "-o", str(out))
    assert result.exit_code == 2 and "--force" in result.stderr
    assert out.read_text() == "keep me"
    assert invoke("new", "-o", str(out), "--force").exit_code == 0
    bad = invoke("new", "-o", str(tmp_path / "x.yaml"), "--activation", "sigmod")
    assert bad.exit_code == 2 and "did you mean sigmoid?" in bad.stderr
    shape = invoke("new", "-o", str(tmp_path / "x.yaml"), "--layers", "3")
    assert shape.exit_code == 2 and "--layers" in shape.stderr


def test_new_per_layer_activations_and_softmax_targets(tmp_path):
    out = tmp_path / "soft.yaml"
    result = invoke("new", "-o", str(out), "--layers", "2,3,3", "--activation", "tanh,softmax",
                    "--loss", "cross_entropy", "--samples", "3")
    if result.exit_code != 0:  # softmax output layers may not be supported by this build
        assert "softmax" in result.stderr
        return
    data = yaml.safe_load(out.read_text())
    assert [t for s in data["data"] for t in s["targets"]].count(1) == 3


def test_validate_summarises_without_training(tmp_path):
    result = invoke("validate", "house_price", "--no-color", "--width", "100")
    assert result.exit_code == 0
    assert "is a valid scenario" in result.stdout
    assert "9: w111, w112, b11" in result.stdout
    broken = tmp_path / "broken.yaml"
    broken.write_text(examples.bundled_path("two_neuron").read_text().replace(
        "learning_rate: 0.4", "learning_rate: -1"))
    bad = invoke("validate", str(broken))
    assert bad.exit_code == 2 and "learning_rate" in bad.stderr


def test_dot_has_every_scalar_with_its_value_and_gradient(tmp_path):
    out = tmp_path / "graph.dot"
    assert invoke("run", "house_price", "--dot", str(out)).exit_code == 0
    text = out.read_text()
    assert text.startswith("digraph") and text.rstrip().endswith("}")
    run = api.run(api.load("house_price"))
    values = run.values(1)
    labels = dict(re.findall(r'"v_(\w+)" \[shape=record, label="\{ \w+ \| ([^"]*) \}"', text))
    for name, initial in run.initial_parameters.items():
        data, grad = labels[name].split(" | ")
        assert float(data.split()[1]) == pytest.approx(initial, rel=1e-3)
        assert float(grad.split()[1]) == pytest.approx(values[f"dL/d{name}"], rel=1e-3)
    assert float(labels["h21"].split(" | ")[1].split()[1]) == pytest.approx(
        values["dL/dh21"], rel=1e-3)
    assert text.count("{") == text.count("}")


def _dot_graph(text: str) -> tuple[dict[str, float], dict[str, list[str]]]:
    """The gradient each value node shows, and where every node's edges go."""
    gradients = {name: float(grad) for name, grad in re.findall(
        r'"v_(\w+)" \[shape=record, label="\{ \w+ \| [^"|]*\| grad (\S+) \}"', text)}
    edges: dict[str, list[str]] = {}
    for src, dst in re.findall(r'^  "(\w+)" -> "(\w+)";$', text, re.MULTILINE):
        edges.setdefault(src, []).append(dst)
    return gradients, edges


def _reached(edges: dict[str, list[str]], node: str) -> list[str]:
    """The value nodes an edge of ``node`` leads to, through the operation nodes."""
    found = []
    for nxt in edges.get(node, []):
        found += [nxt[2:]] if nxt.startswith("v_") else _reached(edges, nxt)
    return found


@pytest.mark.parametrize("scenario", ["softmax_classifier", "house_price", "xor"])
def test_dot_gradients_are_what_the_edges_bring(scenario):
    run = api.run(api.load(scenario))
    record = run.record(1)
    values = run.values(1)
    E = run.graph.loss_symbol.name
    gradients, edges = _dot_graph(dot_text(run, record, precision=8))
    suffixes = [f"@{s}" for s in record.samples] if len(record.samples) > 1 else [""]
    parameters = set(run.initial_parameters)

    def local(dst: str, src: str, suffix: str) -> float:
        return values.get(f"d{dst}/d{src}{suffix}", values.get(f"d{dst}/d{src}"))

    def brought(node: str, suffix: str) -> float:
        # Σ over the node's edges of (upstream gradient × local derivative)
        return sum((1.0 if dst == E else values[f"d{E}/d{dst}{suffix}"]) * local(dst, node, suffix)
                   for dst in _reached(edges, f"v_{node}"))

    layers = run.graph.layers
    softmax = [layer for layer, plan in zip(layers, run.plan.layers, strict=True) if plan.coupled]
    for layer in softmax:
        for z in layer:
            reached = _reached(edges, f"v_{z.net.name}")
            assert sorted(reached) == sorted(a.out.name for a in layer)
    checked = 0
    for node, shown in gradients.items():
        if node == E:
            continue
        if node in parameters:  # the batch's mean gradient, the one the update uses
            expected = sum(brought(node, s) for s in suffixes) / len(suffixes)
        else:
            expected = brought(node, suffixes[0])
        assert shown == pytest.approx(expected, rel=1e-6, abs=1e-12), node
        checked += 1
    assert checked == len(gradients) - 1


def test_dot_of_a_batch_names_the_sample():
    run = api.run(api.load(str(Path(__file__).parent / "golden" / "xor_batch.yaml")))
    text = dot_text(run, run.record(1), sample=2)
    assert "values of sample 2" in text
    assert f"data {run.values(1)['z11@2']:.4g}" in text


def test_svg_and_html_exports_hold_what_the_terminal_shows(tmp_path):
    svg, html = tmp_path / "run.svg", tmp_path / "run.html"
    result = invoke("run", "two_neuron", "--svg", str(svg), "--html", str(html), "--no-color")
    assert result.exit_code == 0
    assert "0.05707" in result.stdout
    assert svg.read_text().startswith("<svg") and "0.05707" in svg.read_text()
    page = html.read_text()
    assert "<html>" in page and "0.05707" in page
    assert "color" in page  # the exports keep their colours when the terminal shows none
    assert invoke("run", "two_neuron", "--json", "--svg", str(svg)).exit_code == 2


def test_no_color_flag_and_environment_variable():
    forced = {"FORCE_COLOR": "1", "TERM": "xterm-256color"}
    coloured = invoke("run", "two_neuron", env={**forced, "NO_COLOR": ""})
    assert ANSI.search(coloured.stdout)
    assert not ANSI.search(invoke("run", "two_neuron", "--no-color", env=forced).stdout)
    assert not ANSI.search(invoke("run", "two_neuron", env={**forced, "NO_COLOR": "1"}).stdout)


def test_completion_offers_scenarios_and_the_parameters_of_the_scenario_given(tmp_path,
                                                                            monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.yaml").write_text("x")
    (tmp_path / "notes.txt").write_text("x")
    assert complete_scenario("two") == ["two_neuron", "two_neuron_rounded"]
    assert "mine.yaml" in complete_scenario("m") and "notes.txt" not in complete_scenario("n")

    class Ctx:
        params = {"scenario": "house_price"}

    assert complete_parameter(Ctx(), "w11") == ["w111", "w112"]
    Ctx.params = {"scenario": "missing.yaml"}
    assert complete_parameter(Ctx(), "w") == []
    Ctx.params = {"scenario": None}
    monkeypatch.setenv("COMP_WORDS", "backprop-tutor run --width 80 two_neuron --explain ")
    assert complete_parameter(Ctx(), "") == ["w1", "b1", "w2", "b2"]


def test_shell_completion_end_to_end():
    import subprocess
    import sys

    env = {"_BACKPROP_TUTOR_COMPLETE": "complete_bash", "COMP_WORDS":
           "backprop-tutor run house_price --explain b", "COMP_CWORD": "4"}
    script = Path(sys.executable).parent / "backprop-tutor"
    result = subprocess.run([str(script)], env={**os.environ, **env}, capture_output=True,
                            text=True, timeout=120)
    assert result.stdout.split() == ["b11", "b12", "b21"]


def test_the_api_displays_as_rich_and_html():
    run = api.run(api.load("two_neuron"))
    assert "0.05707" in run._repr_html_() and run._repr_html_().startswith("<pre")
    explanation = run.explain("w1")
    assert "0.001021" in explanation._repr_html_()
    assert [line.section for line in explanation.lines()][-1] == "updates"
    with pytest.raises(KeyError, match="w1, b1, w2, b2"):
        run.explain("w9")
