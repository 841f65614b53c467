"""Tests for the strict YAML reader and its source positions."""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backprop_tutor.errors import InputError
from backprop_tutor.scenario import yaml_source
from backprop_tutor.scenario.loader import scenario_from_text
from backprop_tutor.scenario.yaml_source import (
    MAX_ALIASES,
    MAX_DEPTH,
    MAX_FILE_BYTES,
    parse_yaml,
    read_yaml,
)

EXAMPLE = Path(__file__).resolve().parent.parent / "backprop_tutor/examples/two_neuron.yaml"

# every test runs on the libyaml parser and on the pure Python fallback (conftest.py)
pytestmark = pytest.mark.usefixtures("yaml_parser")


def fails(text: str, name: str = "net.yaml") -> InputError:
    with pytest.raises(InputError) as caught:
        parse_yaml(text, name)
    error = caught.value
    assert error.file == name
    assert "\n" not in str(error)
    return error


SCENARIO = """\
name: xor
layers:
  - size: 2
    activation: sigmoid
  - size: 1
    weights: [[0.5, -0.25]]
training:
  learning_rate: 0.1
"""


# --- data and positions ---------------------------------------------------------------


def test_plain_data():
    doc = parse_yaml(SCENARIO, "net.yaml")
    assert doc.path == "net.yaml"
    assert doc.data == {
        "name": "xor",
        "layers": [
            {"size": 2, "activation": "sigmoid"},
            {"size": 1, "weights": [[0.5, -0.25]]},
        ],
        "training": {"learning_rate": 0.1},
    }


def test_locate_values_and_keys():
    doc = parse_yaml(SCENARIO, "net.yaml")
    assert doc.locate(()) == (1, 1)
    assert doc.locate(("name",)) == (1, 7)
    assert doc.locate(("layers", 1, "weights")) == (6, 14)
    assert doc.locate(("layers", 1, "weights", 0, 1)) == (6, 21)
    assert doc.locate(("training", "learning_rate")) == (8, 18)
    assert doc.key_location(("layers", 1, "weights")) == (6, 5)
    assert doc.key_location(("training", "learning_rate")) == (8, 3)
    assert doc.key_location(("layers", 1)) is None  # a list index is not a key


def test_locate_falls_back_to_nearest_ancestor():
    doc = parse_yaml(SCENARIO, "net.yaml")
    assert doc.locate(("layers", 1, "bias")) == doc.locate(("layers", 1)) == (5, 5)
    assert doc.locate(("layers", 7, "size")) == doc.locate(("layers",)) == (3, 3)
    assert doc.locate(("missing", "deeper")) == (1, 1)
    assert doc.key_location(("layers", 1, "bias")) is None


def test_unknown_key_points_at_its_key():
    doc = parse_yaml("training:\n  learnig_rate:\n    - 0.1\n", "t.yaml")
    assert doc.key_location(("training", "learnig_rate")) == (2, 3)
    assert doc.locate(("training", "learnig_rate")) == (3, 5)


def test_columns_count_characters_not_bytes():
    doc = parse_yaml("é: [ü, x]\n", "u.yaml")
    assert doc.locate(("é", 1)) == (1, 8)


def test_byte_order_mark_is_ignored():
    assert parse_yaml("\ufeffa: 1\n", "b.yaml").data == {"a": 1}


def test_aliases_and_merge_keys():
    text = "base: &b\n  size: 2\n  activation: relu\nlayer:\n  <<: *b\n  size: 3\ncopy: *b\n"
    doc = parse_yaml(text, "m.yaml")
    assert doc.data["layer"] == {"size": 3, "activation": "relu"}
    assert doc.data["copy"] == {"size": 2, "activation": "relu"}
    assert doc.data["copy"] is not doc.data["base"]  # no shared mutable values
    assert doc.locate(("layer", "size")) == (6, 9)
    assert doc.locate(("layer", "activation")) == (3, 15)  # where the merged value is written
    assert doc.key_location(("layer", "activation")) == (3, 3)


def test_merge_list_earlier_sources_win():
    text = "a: &a {x: 1}\nb: &b {x: 2, y: 2}\nc:\n  <<: [*a, *b]\n"
    assert parse_yaml(text, "m.yaml").data["c"] == {"x": 1, "y": 2}


def test_merge_value_must_be_mapping():
    error = fails("a:\n  <<: 3\n")
    assert error.detail == "the value of '<<' must be a mapping or a list of mappings"
    assert (error.line, error.column) == (2, 7)


def test_quoted_merge_key_is_a_plain_key():
    assert parse_yaml("'<<': 1\n", "q.yaml").data == {"<<": 1}


# --- scalar resolution ----------------------------------------------------------------


def test_yes_no_on_off_stay_strings():
    doc = parse_yaml("on: no\noff: yes\nflag: true\nother: False\n", "b.yaml")
    assert doc.data == {"on": "no", "off": "yes", "flag": True, "other": False}


def test_numbers_and_null():
    doc = parse_yaml(
        "a: .nan\nb: -.inf\nc: 1e-3\nd: 2.5E+2\ne: 0x10\nf: 1_000\ng: ~\nh:\ni: '12'\n", "n.yaml"
    )
    data = doc.data
    assert math.isnan(data["a"])
    assert data["b"] == -math.inf
    assert data["c"] == 0.001
    assert data["d"] == 250.0
    assert (data["e"], data["f"]) == ("0x10", 1000)  # YAML 1.1's other bases stay text
    assert data["g"] is None and data["h"] is None
    assert data["i"] == "12"


# issue 16 §7: YAML 1.1 read 010 as 8, 1:30 as 90, 0x10 as 16, 0b101 as 5 and refused 0o17
OTHER_FORMS = [
    ("010", "write 10 without leading zeros: YAML 1.1 readers take 010 for an octal number"),
    ("1:30", "write numbers in decimal: YAML 1.1 readers take 1:30 for 90"),
    ("0x10", "write numbers in decimal: the hexadecimal 0x10 is 16"),
    ("0b101", "write numbers in decimal: the binary 0b101 is 5"),
    ("0o17", "write numbers in decimal: the octal 0o17 is 15"),
    ("-0x1F", "write numbers in decimal: the hexadecimal -0x1F is -31"),
    ("1:30.5", "write numbers in decimal: YAML 1.1 readers take 1:30.5 for 90.5"),
]


@pytest.mark.parametrize(("written", "_"), OTHER_FORMS)
def test_numbers_in_other_bases_are_read_as_written_text(written, _):
    assert parse_yaml(f"title: {written}\nrate: {written}\n", "n.yaml").data == {
        "title": written, "rate": written}


@pytest.mark.parametrize(("written", "how"), OTHER_FORMS)
def test_a_number_field_refuses_them_saying_how_to_write_it(written, how):
    text = EXAMPLE.read_text(encoding="utf-8").replace("learning_rate: 0.4",
                                                       f"learning_rate: {written}")
    with pytest.raises(InputError) as caught:
        scenario_from_text(text, "t.yaml")
    assert str(caught.value) == (f"t.yaml:23:16: learning_rate: expected a number; got the text "
                                 f"'{written}' ({how})")


def test_decimal_numbers_are_still_numbers():
    data = parse_yaml("a: 10\nb: -7\nc: +5\nd: 1_000\ne: 0\nf: 010.5\n", "n.yaml").data
    assert data == {"a": 10, "b": -7, "c": 5, "d": 1000, "e": 0, "f": 10.5}
    assert all(type(v) is int for v in list(data.values())[:5])


def test_dates_and_equals_sign_stay_strings():
    assert parse_yaml("when: 2024-01-31\nop: =\n", "d.yaml").data == {
        "when": "2024-01-31",
        "op": "=",
    }


def test_huge_integer():
    error = fails("n: 1" + "0" * 5000 + "\n")
    assert "too large" in error.detail
    assert (error.line, error.column) == (1, 4)


# --- refused input --------------------------------------------------------------------


def test_python_tag_is_refused_not_run(tmp_path):
    marker = tmp_path / "ran"
    error = fails(f"a: 1\nb: !!python/object/apply:os.system ['touch {marker}']\n")
    assert error.detail == "tags are not allowed (found '!!python/object/apply:os.system')"
    assert (error.line, error.column) == (2, 4)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("text", "tag"),
    [("a: !!int '3'\n", "!!int"), ("a: !custom [1]\n", "!custom"), ("? !!str k\n: 1\n", "!!str")],
)
def test_every_tag_is_refused(text, tag):
    error = fails(text)
    assert error.detail == f"tags are not allowed (found '{tag}')"


def test_duplicate_key():
    text = "name: xor\ntraining:\n  epochs: 3\n  learning_rate: 0.1\n  seed: 1\n"
    text += "  learning_rate: 0.2\n"
    error = fails(text)
    assert error.detail == "duplicate key 'learning_rate' (first at line 4)"
    assert (error.line, error.column) == (6, 3)
    assert str(error) == "net.yaml:6:3: duplicate key 'learning_rate' (first at line 4)"


def test_duplicate_key_in_flow_mapping():
    error = fails("a: {x: 1, x: 2}\n")
    assert error.detail == "duplicate key 'x' (first at line 1)"
    assert (error.line, error.column) == (1, 11)


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("layers:\n\t- size: 2\n", 2, 1),
        ("training:\n  epochs: 3\n\tseed: 1\n", 3, 1),
        ("a:\n  b: 1\n  \tc: 2\n", 3, 3),
        ("weights: [1,\n\t2]\n", 2, 1),  # libyaml alone would accept this one
    ],
)
def test_tab_indentation(text, line, column):
    error = fails(text)
    assert error.detail == "tabs are not allowed for indentation; use spaces"
    assert (error.line, error.column) == (line, column)


def test_tabs_inside_multiline_scalars_are_content():
    doc = parse_yaml('a: "x\n\ty"\nb: |\n  x\n  \ty\n', "t.yaml")
    assert doc.data == {"a": "x y", "b": "x\n\ty\n"}


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("a: b: c\n", 1, 5),
        ("key: value\n  bad: 1\n", 2, 6),
        ("a: [1, 2\nb: 3\n", 2, 2),
        ("a: 'open\n", 2, 1),
    ],
)
def test_syntax_errors(text, line, column):
    # the problem is PyYAML's own words, passed on whatever they are in the installed release
    with pytest.raises(yaml.MarkedYAMLError) as raised:
        yaml.load(text, Loader=yaml.SafeLoader)
    error = fails(text)
    assert error.detail.startswith(f"YAML syntax error: {raised.value.problem}")
    assert (error.line, error.column) == (line, column)


def test_single_document_only():
    error = fails("a: 1\n---\nb: 2\n")
    assert error.detail == "only one YAML document is allowed per file"
    assert error.line == 2


def test_control_characters():
    error = fails("a: 1\nb: x\x07y\n")
    assert error.detail == "the character U+0007 is not allowed in YAML"
    assert (error.line, error.column) == (2, 5)


# --- keys and top level ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found", "line"),
    [
        ("a: 1\n2: b\n", "a number ('2')", 2),
        ("true: 1\n", "a boolean ('true')", 1),
        ("~: 1\n", "null ('~')", 1),
        ("a:\n  ? [x, y]\n  : 1\n", "a list", 2),
    ],
)
def test_keys_must_be_strings(text, found, line):
    error = fails(text)
    assert error.detail == f"mapping keys must be strings, found {found}; put the key in quotes"
    assert error.line == line


def test_quoted_number_key_is_fine():
    assert parse_yaml("'2': b\n", "k.yaml").data == {"2": "b"}


@pytest.mark.parametrize(("text", "found"), [("- 1\n- 2\n", "a list"), ("42\n", "a number")])
def test_top_level_must_be_mapping(text, found):
    error = fails(text)
    assert error.detail.startswith("expected a mapping at the top level")
    assert error.detail.endswith(f"found {found}")
    assert (error.line, error.column) == (1, 1)


@pytest.mark.parametrize("text", ["", "  \n\n"])
def test_empty(text):
    error = fails(text)
    assert error.detail == "the file is empty"
    assert error.line is None


@pytest.mark.parametrize("text", ["# just a comment\n", "---\n"])
def test_no_data(text):
    assert fails(text).detail == "the file is empty (it has only comments)"


# --- limits ---------------------------------------------------------------------------


def test_limit_values():
    assert (MAX_FILE_BYTES, MAX_ALIASES, MAX_DEPTH) == (1024 * 1024, 100, 20)


def test_text_too_large():
    text = "a: '" + "x" * MAX_FILE_BYTES + "'\n"
    assert fails(text).detail == "the file is larger than 1 MiB (1048576 bytes)"


def test_file_too_large(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("a: '" + "é" * (MAX_FILE_BYTES // 2) + "'\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"big\.yaml: the file is larger than 1 MiB"):
        read_yaml(path)


def aliases(count: int) -> str:
    return "x: &x 1\nl: [" + ", ".join(["*x"] * count) + "]\n"


def test_alias_limit():
    assert len(parse_yaml(aliases(MAX_ALIASES), "a.yaml").data["l"]) == MAX_ALIASES
    error = fails(aliases(MAX_ALIASES + 1))
    assert error.detail == "too many aliases (at most 100 '*name' uses)"
    assert (error.line, error.column) == (2, 5 + 4 * MAX_ALIASES)


def test_billion_laughs():
    text = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    names = "abcdefghi"
    for previous, name in zip(names, names[1:], strict=False):
        text += f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]\n"
    error = fails(text)
    assert "aliases expand the document to more than" in error.detail
    assert error.line is not None and error.line < 10


def test_value_limit_without_aliases(monkeypatch):
    monkeypatch.setattr(yaml_source, "MAX_VALUES", 10)
    error = fails("a: [" + ", ".join(["1"] * 10) + "]\n")
    assert error.detail == "the document has more than 10 values"


def test_recursive_alias():
    error = fails("a: &a [1, *a]\n")
    assert error.detail == "alias '*a' is inside the value it refers to"
    assert (error.line, error.column) == (1, 11)


def test_unknown_and_duplicate_anchors():
    assert fails("a: 1\nb: *nope\n").detail == "unknown alias '*nope' (no '&nope' before it)"
    error = fails("a: &x 1\nb: &x 2\n")
    assert error.detail == "duplicate anchor '&x' (first at line 1)"
    assert error.line == 2


def nested(depth: int) -> str:
    # the top-level mapping is one level, each bracket one more
    return "a: " + "[" * (depth - 1) + "]" * (depth - 1) + "\n"


def test_depth_limit():
    parse_yaml(nested(MAX_DEPTH), "d.yaml")
    error = fails(nested(MAX_DEPTH + 1))
    assert error.detail == "nesting is deeper than 20 levels"
    assert (error.line, error.column) == (1, 4 + MAX_DEPTH - 1)


def test_depth_limit_through_alias():
    deep = "[" * 15 + "]" * 15
    error = fails(f"a: &d {deep}\nb: [[[[[[*d]]]]]]\n")
    assert error.detail == "nesting is deeper than 20 levels"
    assert (error.line, error.column) == (2, 10)


def test_very_deep_input_is_refused_without_recursion_error():
    assert "nesting is deeper" in fails("a: " + "[" * 100_000).detail


# --- files ----------------------------------------------------------------------------


def test_read_file(tmp_path):
    path = tmp_path / "net.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    doc = read_yaml(path)
    assert doc.path == str(path)
    assert doc.data["name"] == "xor"


def test_read_with_text_does_not_touch_disk(tmp_path):
    doc = read_yaml(tmp_path / "nowhere.yaml", text="a: 1\n")
    assert doc.data == {"a": 1}
    assert doc.path == str(tmp_path / "nowhere.yaml")


def test_missing_file(tmp_path):
    path = tmp_path / "nope.yaml"
    with pytest.raises(InputError) as caught:
        read_yaml(path)
    assert str(caught.value) == f"{path}: cannot read the file: no such file"


def test_directory(tmp_path):
    with pytest.raises(InputError, match="cannot read the file: it is a directory"):
        read_yaml(tmp_path)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs a non-root POSIX user")
def test_permission_denied(tmp_path):
    path = tmp_path / "locked.yaml"
    path.write_text("a: 1\n")
    path.chmod(0)
    with pytest.raises(InputError, match="cannot read the file: permission denied"):
        read_yaml(path)


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("a: 1\nname: café\n".encode("latin-1"))
    with pytest.raises(InputError) as caught:
        read_yaml(path)
    error = caught.value
    assert error.detail == "the file is not UTF-8 text (byte 0xe9 is invalid); save it as UTF-8"
    assert (error.file, error.line, error.column) == (str(path), 2, 10)


# --- robustness -----------------------------------------------------------------------

YAMLISH = st.text(st.sampled_from(list("ab:-[]{}&*!,?'\"|>#<\t\n 1.%@`~")), max_size=60)


# the autouse loader fixture is per test, not per example, which is what is wanted here
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(YAMLISH)
def test_any_text_gives_a_document_or_an_input_error(text):
    try:
        doc = parse_yaml(text, "f.yaml")
    except InputError as error:
        assert error.file == "f.yaml"
        assert "\n" not in str(error)
    else:
        assert isinstance(doc.data, dict)
