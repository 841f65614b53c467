"""The YAML reader's fast path: same data, positions and errors as the strict path."""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backprop_tutor.errors import InputError
from backprop_tutor.scenario import yaml_source
from backprop_tutor.scenario.yaml_source import MAX_DEPTH, Document, parse_yaml, read_yaml

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted(
    {*ROOT.glob("backprop_tutor/examples/**/*.yaml"), *ROOT.glob("tests/**/*.yaml")}
)


# every test runs on the libyaml parser and on the pure Python fallback (conftest.py)
pytestmark = pytest.mark.usefixtures("yaml_parser")


def strict(text: str, name: str) -> Document:
    """The strict path alone, as parse_yaml read every file before the fast path."""
    return yaml_source._strict_document(yaml_source._checked_text(text, name), name)


def takes_fast_path(text: str) -> bool:
    return yaml_source._lean_data(yaml_source._checked_text(text, "f.yaml")) is not None


def outcome(parse, text: str, name: str = "f.yaml") -> Document | tuple:
    try:
        return parse(text, name)
    except InputError as error:
        return (str(error), error.detail, error.file, error.line, error.column, error.field)


def assert_same_data(a: Any, b: Any) -> None:
    """Equal, with equal types all the way down (True is not 1, 1 is not 1.0), NaN equal."""
    assert type(a) is type(b), (a, b)
    if isinstance(a, dict):
        assert list(a) == list(b)
        for key in a:
            assert_same_data(a[key], b[key])
    elif isinstance(a, list):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            assert_same_data(x, y)
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b)
    else:
        assert a == b


def assert_same_document(doc: Document, reference: Document) -> None:
    assert doc.path == reference.path
    assert_same_data(doc.data, reference.data)
    assert repr(doc) == repr(reference)
    for loc in reference._values:
        assert doc.locate(loc) == reference.locate(loc)
        assert doc.locate((*loc, "missing", 0)) == reference.locate((*loc, "missing", 0))
    for loc in reference._keys:
        assert doc.key_location(loc) == reference.key_location(loc)
    assert doc._values == reference._values
    assert doc._keys == reference._keys


def assert_agree(text: str, name: str = "f.yaml") -> Document | tuple:
    """parse_yaml and the strict path give the same document, or the same error."""
    fast, reference = outcome(parse_yaml, text, name), outcome(strict, text, name)
    if isinstance(reference, Document):
        assert isinstance(fast, Document), fast
        # whatever the strict path accepts, the fast path takes unless the text may need it
        needs_strict = any(chars in text for chars in yaml_source._STRICT_ONLY)
        assert (fast._text is None) is needs_strict
        assert_same_document(fast, reference)
    else:
        assert fast == reference
    return fast


# --- which path, and the same document -------------------------------------------------


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_project_files_agree(path):
    text = path.read_text(encoding="utf-8")
    needs_strict = any(chars in text for chars in yaml_source._STRICT_ONLY)
    assert takes_fast_path(text) is not needs_strict
    doc = parse_yaml(text, str(path))
    assert (doc._text is not None) is not needs_strict  # fast: positions not found yet
    assert_agree(text, str(path))


def scenario_like(seed: int) -> dict:
    rng = random.Random(seed)
    sizes = [rng.randint(1, 6) for _ in range(rng.randint(2, 4))]
    numbers = (lambda: round(rng.uniform(-1, 1), 6), lambda: rng.randint(-9, 9))
    return {
        "title": f"generated {seed}",
        "inputs": [f"x{i}" for i in range(sizes[0])],
        "layers": [
            {
                "units": units,
                "activation": rng.choice(["sigmoid", "relu", "tanh"]),
                "weights": [[rng.choice(numbers)() for _ in range(fan_in)] for _ in range(units)],
                "biases": [rng.choice(numbers)() for _ in range(units)],
                "frozen": rng.choice([True, False, None]),
            }
            for fan_in, units in zip(sizes, sizes[1:], strict=False)
        ],
        "data": [
            {"inputs": [rng.uniform(-1, 1) for _ in range(sizes[0])],
             "targets": [rng.uniform(0, 1) for _ in range(sizes[-1])]}
            for _ in range(rng.randint(1, 5))
        ],
        "learning_rate": 0.5,
        "note": "it's 'quoted', \"twice\" and: odd # not a comment",
        "empty": {},
        "nothing": [],
    }


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("style", [None, True, False])
def test_generated_documents_agree(seed, style):
    data = scenario_like(seed)
    text = "# generated\n" + yaml.safe_dump(data, sort_keys=False, default_flow_style=style)
    assert takes_fast_path(text)
    doc = assert_agree(text)
    assert doc.data == data


def test_positions_are_found_once_and_only_when_asked(monkeypatch):
    calls = []
    real = yaml_source._strict_document
    monkeypatch.setattr(
        yaml_source, "_strict_document", lambda *args: calls.append(args) or real(*args)
    )
    text = "\ufeffname: xor\nlayers:\n  - units: 2\n    weights: [[0.5, -0.25]]\n"
    doc = read_yaml("net.yaml", text=text)
    assert calls == []
    assert doc == Document("net.yaml", {"name": "xor", "layers": [{"units": 2,
                                                                    "weights": [[0.5, -0.25]]}]})
    assert doc.key_location(("layers", 0, "weights")) == (4, 5)
    assert doc.locate(("layers", 0, "weights", 0, 1)) == (4, 21)
    assert doc.locate(("layers", 3)) == (3, 3)
    assert calls == [(text[1:], "net.yaml")]  # checked text: no byte order mark


def test_scalar_types_agree():
    text = (
        "a: 1\nb: 1.0\nc: 1e-3\nd: .nan\ne: -.inf\nf: 0x1F\ng: 0o7\nh: 017\ni: 1_000\nj: 1:30\n"
        "k: true\nl: False\nm: yes\nn: ~\no: null\np:\nq: ''\nr: '1'\ns: \"true\"\nt: 2024-01-31\n"
        "u: =\nv: -0.0\nw: +.5\nx: 190:20:30.15\ny: |\n  block\n  text\nz: >-\n  folded\n  text\n"
        "'1': quoted number key\n\"on\": key\n? explicit\n: key\n"
    )
    assert takes_fast_path(text)
    doc = assert_agree(text)
    assert (doc.data["a"], doc.data["b"], doc.data["k"], doc.data["m"]) == (1, 1.0, True, "yes")
    assert type(doc.data["b"]) is float and type(doc.data["k"]) is bool


# --- input for the strict path ---------------------------------------------------------

STRICT_ONLY = [
    # refused
    "a: 1\nb: !!python/object/apply:os.system ['true']\n",
    "a: !custom [1]\n",
    "%TAG !e! tag:example.com,2000:\n---\na: !e!x 1\n",
    "a: 1\nb: *nope\n",
    "a: &x 1\nb: &x 2\n",
    "a: &a [1, *a]\n",
    "x: &x 1\nl: [" + ", ".join(["*x"] * 101) + "]\n",
    "a:\n  <<: 3\n",
    "layers:\n\t- size: 2\n",
    "a:\n  b: 1\n  \tc: 2\n",
    "weights: [1,\n\t2]\n",
    "a: 1\tb\n",
    # accepted
    "base: &b\n  size: 2\nlayer:\n  <<: *b\n  size: 3\ncopy: *b\n",
    "'<<': 1\n",
    'a: "x\n\ty"\nb: |\n  x\n  \ty\n',
    "a: 1  # a comment with ! & * and <<\n",
    "a: 'quoted * and & and !'\n",
    "a: b*c\n",
    "a: 1\t# tab before a comment\n",
]


@pytest.mark.parametrize("text", STRICT_ONLY)
def test_strict_only_features_take_the_strict_path(text):
    assert not takes_fast_path(text)
    result = assert_agree(text)
    if isinstance(result, Document):
        assert result._text is None  # positions found while parsing


# --- errors: the fast path gives up and the strict path reports ------------------------


def nested(depth: int) -> str:
    return "a: " + "[" * (depth - 1) + "]" * (depth - 1) + "\n"


ERRORS = {
    "duplicate key": "name: xor\ntraining:\n  epochs: 3\n  rate: 0.1\n  rate: 0.2\n",
    "duplicate key in flow": "a: {x: 1, x: 2}\n",
    "duplicate top-level key": "a: 1\nb: 2\na: 3\n",
    "duplicate quoted key": "'a': 1\n\"a\": 2\n",
    "too deep": nested(MAX_DEPTH + 1),
    "too deep in blocks": "".join(f"{' ' * i}k{i}:\n" for i in range(MAX_DEPTH)) + " " * 20 + "- 1",
    "far too deep": "a: " + "[" * 100_000,
    "far too deep, closed": "a: " + "[" * 100_000 + "]" * 100_000 + "\n",
    "top-level list": "- 1\n- 2\n",
    "top-level number": "42\n",
    "top-level string": "just text\n",
    "two documents": "a: 1\n---\nb: 2\n",
    "two documents, second bad": "a: 1\n---\nb: [\n",
    "document end then more": "a: 1\n...\nb: 2\n",
    "number key": "a: 1\n2: b\n",
    "boolean key": "true: 1\n",
    "null key": "~: 1\n",
    "empty key": ": 1\n",
    "list key": "a:\n  ? [x, y]\n  : 1\n",
    "mapping key": "? {x: 1}\n: 2\n",
    "huge integer": "n: 1" + "0" * 5000 + "\n",
    "syntax: mapping in value": "a: b: c\n",
    "syntax: indentation": "key: value\n  bad: 1\n",
    "syntax: unclosed flow": "a: [1, 2\nb: 3\n",
    "syntax: unclosed quote": "a: 'open\n",
    "syntax: directive": "%YAML 2.0\n---\na: 1\n",
    "syntax: stray indicator": "a: 1\n]\n",
    "syntax: bad escape": 'a: "\\q"\n',
    "empty": "",
    "blank": "  \n\n",
    "comments only": "# just a comment\n",
    "document start only": "---\n",
    "control character": "a: 1\nb: x\x07y\n",
}


@pytest.mark.parametrize("text", ERRORS.values(), ids=ERRORS.keys())
def test_errors_are_the_strict_path_errors(text):
    result = assert_agree(text)
    assert isinstance(result, tuple)  # every case is an error
    assert result[2] == "f.yaml"


def test_duplicate_key_message():
    error = assert_agree(ERRORS["duplicate key"])
    assert error[0] == "f.yaml:5:3: duplicate key 'rate' (first at line 4)"


def test_depth_limit_is_the_same():
    assert takes_fast_path(nested(MAX_DEPTH))
    assert_agree(nested(MAX_DEPTH))
    assert not takes_fast_path(nested(MAX_DEPTH + 1))
    error = assert_agree(nested(MAX_DEPTH + 1))
    assert error[1:] == (f"nesting is deeper than {MAX_DEPTH} levels", "f.yaml", 1,
                         4 + MAX_DEPTH - 1, None)


def test_value_limit_is_the_same(monkeypatch):
    monkeypatch.setattr(yaml_source, "MAX_VALUES", 10)
    # the top-level mapping, the key and the list are 3 values: 7 numbers fit, 8 do not
    fits, too_many = ("a: [" + ", ".join(["1"] * n) + "]\n" for n in (7, 8))
    assert takes_fast_path(fits)
    assert_agree(fits)
    assert not takes_fast_path(too_many)
    error = assert_agree(too_many)
    assert error[1] == "the document has more than 10 values"
    # keys count as values too
    assert not takes_fast_path("".join(f"k{i}: 1\n" for i in range(5)))
    assert_agree("".join(f"k{i}: 1\n" for i in range(5)))


def test_file_too_large_is_the_same():
    assert_agree("a: '" + "x" * yaml_source.MAX_FILE_BYTES + "'\n")


# --- any data yaml.safe_dump writes ----------------------------------------------------

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
    | st.sampled_from(["1e3", "0x10", "1_0", "yes", "~", "<<", "a: b", "- x", "#", "=", ""])
)
KEYS = st.text(st.characters(exclude_categories=("Cs",)), max_size=8) | st.sampled_from(
    ["1", "true", "null", "<<", "a b", "-", "?"]
)
DATA = st.dictionaries(
    KEYS,
    st.recursive(
        SCALARS,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
        max_leaves=30,
    ),
    max_size=6,
)


# the autouse loader fixture is per test, not per example, which is what is wanted here
@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(DATA, st.booleans(), st.booleans())
def test_dumped_data_agrees(data, flow, unicode):
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=unicode, sort_keys=False)
    assert_agree(text)


def test_plain_decimals_are_the_floats_the_resolver_gives():
    forms = ["0.5", "-0.5", "-0.0", "10.25", "1.5e-3", "1.5E+3", "0.5e10", "123456789.987654321",
             "0.1000000000000000055511151231257827", "1.", "01.5", ".5", "+0.5", "1_0.5", "1.5e3"]
    text = "v: [" + ", ".join(forms) + "]\n" + "".join(
        f"k{n}: {form}\n" for n, form in enumerate(forms)) + "q: ['0.5', \"0.5\"]\n"
    assert takes_fast_path(text)
    doc = assert_agree(text)
    assert all(type(v) is float for v in doc.data["v"])
    assert doc.data["q"] == ["0.5", "0.5"]


@pytest.mark.parametrize("written", ["010", "1:30", "0x10", "0b101", "0o17", "-0x1F", "1:30.5",
                                     "007", "+5", "1_000", "010.5"])
def test_both_readers_read_yaml_1_1_number_forms_alike(written):
    # issue 16 §7: a number is read as written, or stays text for a number field to refuse
    text = f"a: {written}\nb: [{written}, {{c: {written}}}]\n"
    assert takes_fast_path(text)
    fast, slow = parse_yaml(text, "f.yaml"), strict(text, "f.yaml")
    assert_same_data(fast.data, slow.data)
