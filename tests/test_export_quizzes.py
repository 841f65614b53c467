"""export --to moodle and --to canvas: quiz files parsed back, every value and margin checked
against the key of run --json and the grading rules."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backprop_tutor import api
from backprop_tutor.cli import app
from backprop_tutor.examples import network_names
from backprop_tutor.grading.solution import Solution

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
SHIPPED = network_names()
runner = CliRunner()
QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
BLANK = re.compile(r"\{1:NUMERICAL:=([^:}]+):([^#}]+)#[^}]*\}")


def export(tmp_path: Path, scenario: str, to: str, *args: str, name: str = "out") -> Path:
    target = tmp_path / name
    result = runner.invoke(app, ["export", str(SCENARIOS / f"{scenario}.yaml"), "--to", to,
                                 "-o", str(target), *args])
    assert result.exit_code == 0, result.output
    return target


def values_of(scenario: Path) -> dict[str, float]:
    result = runner.invoke(app, ["run", str(scenario), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["iterations"][0]["values"]


def expected_margins(scenario: Path, rel: float = 0.005) -> dict[str, tuple[float, float]]:
    """Each quantity's key and margin by the grading rules, worked out here from the key."""
    solution = Solution(api.run(api.load(scenario)))
    rounding = solution.run.rounding  # a key rounded as by hand: one unit of its last digit
    out = {}
    for address in solution.steps:
        key, start = solution.key[address], solution.start(address)
        slack = 0.0 if rounding is None else rounding.unit(key) * (1 + 1e-9)
        if start is None:
            out[address] = (key, max(slack, rel * abs(key)))
        elif abs(key - start) <= 4 * 2.220446049250313e-16 * max(abs(key), abs(start)):
            out[address] = (key, max(slack, 0.00005))
        else:
            out[address] = (key, slack + rel * abs(key - start))
    return out


def cloze_blanks(path: Path) -> list[list[tuple[str, str]]]:
    quiz = ET.parse(path).getroot()
    assert quiz.tag == "quiz"
    category = quiz.find("question[@type='category']/category/text").text
    assert category.startswith("$course$/")
    out = []
    for question in quiz.findall("question[@type='cloze']"):
        text = question.find("questiontext/text").text
        assert question.find("questiontext").get("format") == "html"
        assert "Worked solution" in question.find("generalfeedback/text").text
        out.append(BLANK.findall(text))
    return out


@pytest.mark.parametrize("scenario", SHIPPED)
def test_moodle_cloze_blanks_are_the_key_with_the_grading_margin(tmp_path, scenario):
    path = export(tmp_path, scenario, "moodle")
    values = values_of(SCENARIOS / f"{scenario}.yaml")
    margins = expected_margins(SCENARIOS / f"{scenario}.yaml")
    [blanks] = cloze_blanks(path)
    assert len(blanks) == len(margins)
    for (value, tolerance), (address, (key, width)) in zip(blanks, margins.items(),
                                                          strict=True):
        assert float(value) == key == values[address], address
        assert float(tolerance) == pytest.approx(width, rel=1e-12, abs=1e-300), address


def test_moodle_variants_one_cloze_each_in_one_category(tmp_path):
    path = export(tmp_path, "two_neuron", "moodle", "--variants", "4", "--seed", "11",
                  "--only", "gradients")
    folder = tmp_path / "v"
    made = runner.invoke(app, ["variants", str(SCENARIOS / "two_neuron.yaml"), "--count", "4",
                               "--seed", "11", "-o", str(folder)])
    assert made.exit_code == 0
    quiz = ET.parse(path).getroot()
    assert len(quiz.findall("question[@type='category']")) == 1
    questions = quiz.findall("question[@type='cloze']")
    assert len(questions) == 4
    for question, blanks in zip(questions, cloze_blanks(path), strict=True):
        ident = re.search(r"variant (\S+)\)", question.find("name/text").text).group(1)
        values = values_of(folder / f"{ident}.yaml")
        keys = [values[a] for a in ("dE/dw2", "dE/db2", "dE/dw1", "dE/db1")]
        assert [float(v) for v, _ in blanks] == keys
        assert [float(t) for _, t in blanks] == pytest.approx([0.005 * abs(k) for k in keys])


def test_moodle_numerical_one_question_per_quantity(tmp_path):
    path = export(tmp_path, "two_neuron", "moodle", "--moodle-kind", "numerical", "--only",
                  "w1+,b1+,a2")
    values = values_of(SCENARIOS / "two_neuron.yaml")
    questions = ET.parse(path).getroot().findall("question[@type='numerical']")
    assert [q.find("name/text").text.rsplit(": ", 1)[1] for q in questions] == \
        ["a2", "w1+", "b1+"]
    answers = [(float(q.find("answer/text").text), float(q.find("answer/tolerance").text))
               for q in questions]
    assert answers[0] == (values["a2"], pytest.approx(0.005 * values["a2"]))
    assert answers[1][0] == values["w1+"]
    assert answers[1][1] == pytest.approx(0.005 * abs(values["w1+"] - 0.15))  # by the change
    assert all(q.find("answer").get("fraction") == "100" for q in questions)


def test_moodle_text_is_escaped_not_concatenated(tmp_path):
    scenario = tmp_path / "odd.yaml"
    text = (SCENARIOS / "two_neuron.yaml").read_text()
    text = re.sub(r"^title: .*$", 'title: "A <b>bold</b> & {1:NUMERICAL:=9:9} ]]> title"', text,
                  flags=re.M)
    scenario.write_text(text)
    result = runner.invoke(app, ["export", str(scenario), "--to", "moodle", "-o",
                                 str(tmp_path / "odd.xml"), "--only", "z1"])
    assert result.exit_code == 0, result.output
    quiz = ET.parse(tmp_path / "odd.xml").getroot()
    [question] = quiz.findall("question[@type='cloze']")
    assert "A <b>bold</b> & {1:NUMERICAL:=9:9} ]]> title" == question.find("name/text").text
    # in the HTML question text the title is text, escaped once more: no element, no blank
    body = question.find("questiontext/text").text
    assert "&lt;b&gt;bold" in body and "&#123;1:NUMERICAL:=9:9}" in body
    assert len(BLANK.findall(body)) == 1  # z1's only: the title's braces are not a blank
    assert BLANK.findall(body)[-1][0] == repr(values_of(scenario)["z1"])


def canvas_items(path: Path) -> list[tuple[ET.Element, ET.Element]]:
    """(assessment, its root) of every assessment the manifest lists."""
    with zipfile.ZipFile(path) as archive:
        manifest = ET.fromstring(archive.read("imsmanifest.xml"))
        ns = "{http://www.imsglobal.org/xsd/imscp_v1p1}".replace(
            "imscp", "imsccv1p1/imscp")
        out = []
        for resource in manifest.iter(f"{ns}resource"):
            assert resource.get("type") == "imsqti_xmlv1p2"
            href = resource.find(f"{ns}file").get("href")
            out.append(ET.fromstring(archive.read(href)))
    return out


@pytest.mark.parametrize("scenario", SHIPPED)
def test_canvas_numerical_questions_are_the_key_with_the_grading_margin(tmp_path, scenario):
    path = export(tmp_path, scenario, "canvas")
    values = values_of(SCENARIOS / f"{scenario}.yaml")
    margins = expected_margins(SCENARIOS / f"{scenario}.yaml")
    [root] = canvas_items(path)
    items = root.findall(f".//{QTI}item")
    types = [i.find(f".//{QTI}qtimetadatafield[{QTI}fieldlabel='question_type']/"
                    f"{QTI}fieldentry").text for i in items]
    assert types[0] == "text_only_question"
    assert set(types[1:]) == {"numerical_question"} and len(types) - 1 == len(margins)
    for item, (address, (key, width)) in zip(items[1:], margins.items(), strict=True):
        condition = item.find(f".//{QTI}respcondition/{QTI}conditionvar/{QTI}or")
        exact = condition.find(f"{QTI}varequal").text
        low = Decimal(condition.find(f"{QTI}and/{QTI}vargte").text)
        high = Decimal(condition.find(f"{QTI}and/{QTI}varlte").text)
        assert float(exact) == key == values[address], address
        assert high - Decimal(exact) == Decimal(exact) - low  # centred on the key
        assert float(high - Decimal(exact)) == pytest.approx(width, rel=1e-12, abs=1e-300)
        score = item.find(f".//{QTI}respcondition/{QTI}setvar")
        assert score.text == "100" and score.get("varname") == "SCORE"
        assert item.find(f"{QTI}presentation/{QTI}response_str/{QTI}render_fib")\
            .get("fibtype") == "Decimal"


def test_canvas_variants_are_one_quiz_each_and_the_package_is_reproducible(tmp_path):
    first = export(tmp_path, "xor", "canvas", "--variants", "2", "--only", "loss", name="a")
    again = export(tmp_path, "xor", "canvas", "--variants", "2", "--only", "loss", name="b")
    assert first.read_bytes() == again.read_bytes()
    roots = canvas_items(first)
    assert len(roots) == 2
    titles = [r.find(f"{QTI}assessment").get("title") for r in roots]
    assert all("(variant" in t for t in titles) and titles[0] != titles[1]
