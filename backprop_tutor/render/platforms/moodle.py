"""Moodle XML: one Embedded Answers (Cloze) question per variant, or one numerical question per
quantity, all in one category so that a quiz can draw one at random.

As Moodle's documentation gives the format (Moodle XML format; Embedded Answers (Cloze)
question type): each blank ``{1:NUMERICAL:=key:tolerance#feedback}``, the tolerance an
absolute margin (key ± tolerance) by the grading rules; the worked solution as the general
feedback.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from .exercise import Asked, Exercise, plain_number, section_title
from .html import asked_line, exercise_element, html, worked_element

# the characters a Cloze blank's feedback must escape with a backslash
_CLOZE_SPECIAL = {c: "\\" + c for c in "\\}#~/\""}


def cloze_escape(text: str) -> str:
    """Text for inside a Cloze blank (its feedback)."""
    return "".join(_CLOZE_SPECIAL.get(c, c) for c in text)


def cloze_blank(a: Asked) -> str:
    """``{1:NUMERICAL:=key:tolerance#feedback}``: one mark, the key, the margin."""
    return (f"{{1:NUMERICAL:={plain_number(a.key)}:{plain_number(a.margin.width)}"
            f"#{cloze_escape('correct')}}}")


def _text(parent: ET.Element, tag: str, text: str, *, format: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag, {"format": format} if format else {})
    ET.SubElement(element, "text").text = text
    return element


def _category(quiz: ET.Element, category: str) -> None:
    question = ET.SubElement(quiz, "question", {"type": "category"})
    _text(question, "category", f"$course$/top/backprop-tutor/{category}")


def _common(question: ET.Element, name: str, text: str, feedback: str, grade: int) -> None:
    _text(question, "name", name)
    _text(question, "questiontext", text, format="html")
    _text(question, "generalfeedback", feedback, format="html")
    ET.SubElement(question, "defaultgrade").text = str(grade)
    ET.SubElement(question, "penalty").text = "0.3333333"
    ET.SubElement(question, "hidden").text = "0"


def _name(e: Exercise) -> str:
    return e.title + (f" (variant {e.variant})" if e.variant else "")


def cloze_question(quiz: ET.Element, e: Exercise) -> None:
    """One Cloze question: the exercise, then each quantity's formula and its blank.

    Moodle reads every ``{n:TYPE:…}`` of the question text as a blank: every brace of the
    exercise's own text (a title, a formula) is written as the character reference ``&#123;``,
    so that only the blanks made here are blanks.
    """
    body = exercise_element(e)
    section = None
    rows = []
    for a in e.asked:
        if a.section != section:
            section = a.section
            ET.SubElement(body, "h4").text = section_title(section)
        row = ET.SubElement(body, "p")
        row.text = f"{asked_line(a)} = "
        rows.append((row, a))
    for element in body.iter():
        element.text = _guard(element.text)
        element.tail = _guard(element.tail)
    for row, a in rows:
        row.text += cloze_blank(a)
    question = ET.SubElement(quiz, "question", {"type": "cloze"})
    text = html(body).replace(_BRACE, "&#123;")
    _common(question, _name(e), text, html(worked_element(e)), len(e.asked))


_BRACE = "\ue0b0"  # a private-use character standing for a brace until the text is HTML


def _guard(text: str | None) -> str | None:
    return None if text is None else text.replace("{", _BRACE)


def numerical_questions(quiz: ET.Element, e: Exercise) -> None:
    """One numerical question per quantity asked."""
    for a in e.asked:
        body = exercise_element(e)
        ET.SubElement(body, "p").text = f"Work out {asked_line(a)}."
        feedback = ET.Element("div")
        ET.SubElement(feedback, "p").text = rf"\[{a.worked}\]"
        if a.margin.note:
            ET.SubElement(feedback, "p").text = f"{a.text}: {a.margin.note}."
        question = ET.SubElement(quiz, "question", {"type": "numerical"})
        _common(question, f"{_name(e)}: {a.text}", html(body), html(feedback), 1)
        answer = ET.SubElement(question, "answer", {"fraction": "100",
                                                    "format": "moodle_auto_format"})
        ET.SubElement(answer, "text").text = plain_number(a.key)
        ET.SubElement(answer, "tolerance").text = plain_number(a.margin.width)
        _text(answer, "feedback", "correct", format="html")
        ET.SubElement(question, "unitgradingtype").text = "0"
        ET.SubElement(question, "unitpenalty").text = "0.1000000"
        ET.SubElement(question, "showunits").text = "3"
        ET.SubElement(question, "unitsleft").text = "0"


def moodle_xml(exercises: Sequence[Exercise], *, kind: str = "cloze",
               category: str = "exercise") -> str:
    """The Moodle XML file: a category, then the questions."""
    quiz = ET.Element("quiz")
    _category(quiz, category)
    for e in exercises:
        if kind == "cloze":
            cloze_question(quiz, e)
        else:
            numerical_questions(quiz, e)
    ET.indent(quiz)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode") \
        + "\n"
