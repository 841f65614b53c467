"""Answer sheets: YAML or JSON, ∂ addresses, blanks, written text kept, located errors."""

from __future__ import annotations

import json

import pytest

from backprop_tutor.errors import InputError
from backprop_tutor.grading.sheet import read_sheet, sheet_from_text


def test_a_yaml_sheet_keeps_addresses_values_and_written_text():
    sheet = sheet_from_text(
        "student: Ada Lovelace\niteration: 1\nanswers:\n  z1: 0.415\n  ∂E/∂w2: 0.05706\n"
        "  dz2/da1: 0.450\n  w2+: '−0.2'\n  a1:\n")
    by = {a.address: a for a in sheet.answers}
    assert sheet.name == "Ada Lovelace"
    assert by["dE/dw2"].written_as == "∂E/∂w2"
    assert by["dz2/da1"].text == "0.450"
    assert by["w2+"].value == -0.2
    assert by["a1"].blank


def test_a_json_sheet_reads_the_same(tmp_path):
    path = tmp_path / "ada.json"
    path.write_text(json.dumps({"answers": {"z1": 0.415, "dE/dw2": 0.05706}}, indent=2))
    sheet = read_sheet(path)
    assert [(a.address, a.value, a.text) for a in sheet.answers] == [
        ("z1", 0.415, "0.415"), ("dE/dw2", 0.05706, "0.05706")]
    assert sheet.name == "ada"


def test_an_unknown_key_is_an_input_error_at_its_line():
    with pytest.raises(InputError) as error:
        sheet_from_text("studnet: Ada\nanswers: {z1: 0.4}\n", "s.yaml")
    assert error.value.line == 1
    assert "did you mean student" in str(error.value)


def test_the_same_quantity_twice_is_an_input_error():
    with pytest.raises(InputError, match="same quantity"):
        sheet_from_text("answers:\n  dE/dw2: 0.1\n  ∂E/∂w2: 0.1\n")


def test_a_word_is_not_a_number_but_does_not_stop_the_sheet():
    sheet = sheet_from_text("answers:\n  z1: about half\n")
    assert sheet.answers[0].value is None
    assert not sheet.answers[0].blank


def test_an_unreadable_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_sheet(tmp_path / "missing.yaml")
