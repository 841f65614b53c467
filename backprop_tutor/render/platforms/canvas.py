"""A Canvas quiz as a QTI 1.2 package: ``imsmanifest.xml`` and one assessment per variant.

As Canvas exports and imports numerical questions (IMS QTI 1.2 ASI, Canvas's
``question_type`` metadata): a text-only item with the exercise, then one
``numerical_question`` per quantity, answered in a ``render_fib`` decimal field and scored 100
when the answer is the key or lies in [key − margin, key + margin], the margin by the grading
rules; the worked line as the item's general feedback.
"""

from __future__ import annotations

import hashlib
import io
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from .exercise import Asked, Exercise, plain_number
from .html import asked_line, exercise_element, html

QTI = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
MANIFEST = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
# a fixed time for every zip entry: the same export, the same bytes
_EPOCH = (2026, 1, 1, 0, 0, 0)


def _ident(*parts: str) -> str:
    return "g" + hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def bounds(a: Asked) -> tuple[str, str]:
    """[key − margin, key + margin] as exact decimals."""
    key, width = Decimal(plain_number(a.key)), Decimal(plain_number(a.margin.width))
    return plain_decimal(key - width), plain_decimal(key + width)


def plain_decimal(d: Decimal) -> str:
    """A decimal in positional notation, no trailing zeros."""
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _metadata(item: ET.Element, fields: dict[str, str]) -> None:
    meta = ET.SubElement(ET.SubElement(item, "itemmetadata"), "qtimetadata")
    for label, entry in fields.items():
        field = ET.SubElement(meta, "qtimetadatafield")
        ET.SubElement(field, "fieldlabel").text = label
        ET.SubElement(field, "fieldentry").text = entry


def _material(parent: ET.Element, text: str) -> None:
    ET.SubElement(ET.SubElement(parent, "material"), "mattext", {"texttype": "text/html"}).text \
        = text


def _text_item(section: ET.Element, e: Exercise, ident: str) -> None:
    item = ET.SubElement(section, "item", {"ident": ident, "title": "The exercise"})
    _metadata(item, {"question_type": "text_only_question", "points_possible": "0"})
    _material(ET.SubElement(item, "presentation"), html(exercise_element(e)))


def _numerical_item(section: ET.Element, a: Asked, ident: str) -> None:
    item = ET.SubElement(section, "item", {"ident": ident, "title": a.text})
    _metadata(item, {"question_type": "numerical_question", "points_possible": "1.0"})
    presentation = ET.SubElement(item, "presentation")
    _material(presentation, html(_prompt(a)))
    response = ET.SubElement(presentation, "response_str", {"ident": "response1",
                                                            "rcardinality": "Single"})
    fib = ET.SubElement(response, "render_fib", {"fibtype": "Decimal"})
    ET.SubElement(fib, "response_label", {"ident": "answer1"})
    processing = ET.SubElement(item, "resprocessing")
    ET.SubElement(ET.SubElement(processing, "outcomes"), "decvar",
                  {"maxvalue": "100", "minvalue": "0", "varname": "SCORE",
                   "vartype": "Decimal"})
    condition = ET.SubElement(processing, "respcondition", {"continue": "No"})
    either = ET.SubElement(ET.SubElement(condition, "conditionvar"), "or")
    ET.SubElement(either, "varequal", {"respident": "response1"}).text = plain_number(a.key)
    low, high = bounds(a)
    both = ET.SubElement(either, "and")
    ET.SubElement(both, "vargte", {"respident": "response1"}).text = low
    ET.SubElement(both, "varlte", {"respident": "response1"}).text = high
    ET.SubElement(condition, "setvar", {"action": "Set", "varname": "SCORE"}).text = "100"
    ET.SubElement(condition, "displayfeedback", {"feedbacktype": "Response",
                                                 "linkrefid": "general_fb"})
    feedback = ET.SubElement(item, "itemfeedback", {"ident": "general_fb"})
    worked = rf"\[{a.worked}\]" + (f" {a.text}: {a.margin.note}." if a.margin.note else "")
    _material(ET.SubElement(feedback, "flow_mat"), worked)


def _prompt(a: Asked) -> ET.Element:
    p = ET.Element("p")
    p.text = f"Work out {asked_line(a)}."
    return p


def assessment_xml(e: Exercise, ident: str) -> str:
    """One quiz: the exercise, then a numerical question per quantity."""
    root = ET.Element("questestinterop", {"xmlns": QTI})
    title = e.title + (f" (variant {e.variant})" if e.variant else "")
    assessment = ET.SubElement(root, "assessment", {"ident": ident, "title": title})
    meta = ET.SubElement(assessment, "qtimetadata")
    field = ET.SubElement(meta, "qtimetadatafield")
    ET.SubElement(field, "fieldlabel").text = "cc_maxattempts"
    ET.SubElement(field, "fieldentry").text = "1"
    section = ET.SubElement(assessment, "section", {"ident": "root_section"})
    _text_item(section, e, _ident(ident, "exercise"))
    for a in e.asked:
        _numerical_item(section, a, _ident(ident, a.address))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") \
        + "\n"


def manifest_xml(resources: Sequence[tuple[str, str]], ident: str) -> str:
    """imsmanifest.xml: one QTI 1.2 resource per assessment (identifier, file)."""
    root = ET.Element("manifest", {"identifier": ident, "xmlns": MANIFEST})
    metadata = ET.SubElement(root, "metadata")
    ET.SubElement(metadata, "schema").text = "IMS Content"
    ET.SubElement(metadata, "schemaversion").text = "1.1.3"
    ET.SubElement(root, "organizations")
    listed = ET.SubElement(root, "resources")
    for identifier, href in resources:
        resource = ET.SubElement(listed, "resource", {"identifier": identifier,
                                                      "type": "imsqti_xmlv1p2"})
        ET.SubElement(resource, "file", {"href": href})
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") \
        + "\n"


def canvas_package(exercises: Sequence[Exercise], options: dict[str, Any]) -> bytes:
    """The QTI .zip Canvas imports (Import Course Content → QTI .zip file)."""
    files: list[tuple[str, str]] = []
    resources = []
    for e in exercises:
        ident = _ident(e.scenario_text, repr(sorted(options.items())), e.variant or "")
        href = f"{ident}/{ident}.xml"
        files.append((href, assessment_xml(e, ident)))
        resources.append((ident, href))
    manifest = manifest_xml(resources, _ident("manifest", *(r for r, _ in resources)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in [("imsmanifest.xml", manifest), *files]:
            entry = zipfile.ZipInfo(name, _EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, text)
    return buffer.getvalue()
