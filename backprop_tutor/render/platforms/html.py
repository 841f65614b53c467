"""The exercise as HTML for quiz platforms (Moodle, Canvas): built with ElementTree, maths as
``\\( … \\)`` and ``\\[ … \\]`` for MathJax (Moodle's MathJax filter, Canvas's equations)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from .exercise import Asked, Exercise, plain_number


def exercise_element(e: Exercise) -> ET.Element:
    """The exercise: title, network and loss (or a circuit's nodes), and a table of the
    given numbers."""
    root = ET.Element("div")
    ET.SubElement(root, "h3").text = e.title + (f" (variant {e.variant})" if e.variant else "")
    if e.teaches:
        ET.SubElement(root, "p").text = f"Teaches: {e.teaches}."
    if e.rounding:
        ET.SubElement(root, "p").text = f"The key is {e.rounding}."
    if e.circuit:
        ET.SubElement(root, "p").text = (
            "The circuit, each node a formula of the names above it: "
            + ", ".join(rf"\({node}\)" for node in e.circuit)
            + f". Work the forward pass, the local gradients and the backward pass to the "
            f"gradient of the output {e.output} by hand and give each number to at least four "
            "significant digits; give an updated parameter w+ with enough decimals to show "
            "its change from w to three significant digits (w+ is judged by that change).")
    else:
        ET.SubElement(root, "p").text = (
            f"Network {e.network}; loss {e.loss}. Work iteration {e.iteration} of training by "
            "hand and give each number to at least four significant digits; give an updated "
            "parameter w+ with enough decimals to show its change from w to three significant "
            "digits (w+ is judged by that change).")
    table = ET.SubElement(root, "table")
    for g in e.given:
        row = ET.SubElement(table, "tr")
        ET.SubElement(row, "td").text = rf"\({g.label}\)"
        ET.SubElement(row, "td").text = plain_number(g.value)
    return root


def asked_line(a: Asked) -> str:
    """What a quantity asks: its label and formula, as inline maths."""
    return rf"\({a.label} = {a.formula}\)"


def worked_element(e: Exercise) -> ET.Element:
    """The worked solution of the quantities asked, one display per quantity."""
    root = ET.Element("div")
    ET.SubElement(root, "h4").text = "Worked solution"
    for a in e.asked:
        ET.SubElement(root, "p").text = rf"\[{a.worked}\]"
        if a.margin.note:
            ET.SubElement(root, "p").text = f"{a.text}: {a.margin.note}."
    return root


def html(element: ET.Element) -> str:
    """An element as HTML text."""
    return ET.tostring(element, encoding="unicode", method="html")
