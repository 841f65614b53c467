"""Nothing in a scenario or an answer sheet is ever executed or evaluated."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from typer.testing import CliRunner

import backprop_tutor
from backprop_tutor.cli import app

SCENARIO = """\
title: {title}
teaches: {teaches}
inputs: [{input}]
layers:
  - units: 1
    activation: {activation}
    weights: [[0.15]]
    biases: [0.4]
    names: {{weights: [[{weight}]]}}
data:
  - inputs: [0.1]
    targets: [0.25]
learning_rate: 0.4
frozen: [{frozen}]
symbols: {{loss: {loss}}}
"""
SAFE = {"title": "t", "teaches": "t", "input": "x1", "activation": "sigmoid", "weight": "w1",
        "frozen": "b1", "loss": "E"}
COMMANDS = [["run", "--json"], ["run", "--no-color", "--explain", "w1"],
            ["validate", "--no-color"], ["show", "--no-color"]]


def payloads(marker: Path) -> list[str]:
    """Texts that would create ``marker`` if anything evaluated or executed them."""
    return [
        f"__import__('os').system('touch {marker}')",
        f"\"__import__('os').system('touch {marker}')\"",
        f"\"z + __import__('os').system('touch {marker}')\"",
        f"\"exec(\\\"open('{marker}', 'w')\\\")\"",
        f"\"eval(\\\"open('{marker}', 'w')\\\")\"",
        f"\"(lambda: open('{marker}', 'w'))()\"",
        "\"z.__class__.__base__.__subclasses__()\"",
        f"!!python/object/apply:os.system ['touch {marker}']",
        f"!!python/object/apply:builtins.open ['{marker}', 'w']",
        f"!!python/object/new:subprocess.Popen [['touch', '{marker}']]",
        f"!<tag:yaml.org,2002:python/object/apply:os.system> ['touch {marker}']",
        "!!python/name:os.system",
    ]


def invoke(args: list[str]):
    result = CliRunner().invoke(app, args)
    assert result.exit_code in (0, 2), result.stderr
    assert "Traceback" not in result.stderr
    return result


@pytest.mark.parametrize("field", sorted(SAFE))
def test_no_string_field_runs_anything(tmp_path, field):
    marker = tmp_path / "marker"
    for n, payload in enumerate(payloads(marker)):
        path = tmp_path / f"s{n}.yaml"
        path.write_text(SCENARIO.format(**{**SAFE, field: payload}), encoding="utf-8")
        for command in COMMANDS:
            invoke([command[0], str(path), *command[1:]])
            assert not marker.exists(), (field, payload, command)


def test_a_custom_activation_expression_runs_nothing(tmp_path):
    marker = tmp_path / "marker"
    for n, payload in enumerate(payloads(marker)):
        path = tmp_path / f"s{n}.yaml"
        activation = "{expression: " + payload + "}"
        path.write_text(SCENARIO.format(**{**SAFE, "activation": activation}), encoding="utf-8")
        for command in COMMANDS:
            result = invoke([command[0], str(path), *command[1:]])
            assert result.exit_code == 2
            assert not marker.exists(), (payload, command)


def test_the_expression_whitelist_names_what_it_refuses(tmp_path):
    path = tmp_path / "s.yaml"
    activation = "{expression: \"__import__('os').system('true')\"}"
    path.write_text(SCENARIO.format(**{**SAFE, "activation": activation}), encoding="utf-8")
    result = invoke(["run", str(path), "--json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "s.yaml:6:30: layers[0].activation.expression: cannot use " in result.stderr
    assert "allowed: the name z, numbers" in result.stderr


def test_tags_are_refused_with_their_name(tmp_path):
    path = tmp_path / "s.yaml"
    text = SCENARIO.format(**{**SAFE, "title": "!!python/object/apply:os.system ['true']"})
    path.write_text(text, encoding="utf-8")
    result = invoke(["run", str(path), "--json"])
    assert result.exit_code == 2
    assert result.stderr == (f"error: {path}:1:8: tags are not allowed "
                             "(found '!!python/object/apply:os.system')\n")


SHEET = """\
student: {student}
variant: {variant}
answers:
  z1: {answer}
  {key}: 0.5
"""


@pytest.mark.parametrize("field", ["student", "variant", "answer", "key"])
def test_no_answer_sheet_field_runs_anything(tmp_path, field):
    marker = tmp_path / "marker"
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO.format(**SAFE), encoding="utf-8")
    safe = {"student": "ada", "variant": "v1", "answer": "0.415", "key": "a1"}
    for n, payload in enumerate(payloads(marker)):
        sheet = tmp_path / f"sheet{n}.yaml"
        sheet.write_text(SHEET.format(**{**safe, field: payload}), encoding="utf-8")
        for fmt in ("table", "json"):
            invoke(["grade", str(scenario), str(sheet), "--format", fmt, "--no-color"])
            assert not marker.exists(), (field, payload)


# Calls that would evaluate text: none may appear anywhere in the package.
_FORBIDDEN_NAMES = {"eval", "exec", "compile", "__import__"}
_FORBIDDEN_ATTRIBUTES = {"sympify", "parse_expr", "unsafe_load", "full_load", "load_all",
                         "UnsafeLoader", "FullLoader", "Loader"}


def _offences(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and (
                node.func.id in _FORBIDDEN_NAMES | {"sympify", "parse_expr"}):
            found.append(node.func.id)
        if isinstance(node, ast.Attribute) and node.attr in _FORBIDDEN_ATTRIBUTES:
            found.append(node.attr)
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "load" and isinstance(node.func.value, ast.Name)
                and node.func.value.id in ("yaml", "pickle", "marshal")):
            found.append(f"{node.func.value.id}.load")
        if isinstance(node, ast.ImportFrom) and any(
                alias.name in {"sympify", "parse_expr", "S"} for alias in node.names):
            found.append(f"from {node.module} import ...")
    return found


def test_the_package_never_evaluates_text():
    root = Path(backprop_tutor.__file__).parent
    offences = {}
    for path in sorted(root.rglob("*.py")):
        found = _offences(ast.parse(path.read_text(encoding="utf-8")))
        if found:
            offences[str(path.relative_to(root))] = found
    assert offences == {}


def test_the_scan_finds_what_it_looks_for():
    code = "import yaml\nfrom sympy import sympify\neval('1')\nyaml.load(t)\nsp.sympify('x')\n"
    assert sorted(_offences(ast.parse(code))) == [
        "eval", "from sympy import ...", "sympify", "yaml.load"]
