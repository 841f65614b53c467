"""A PrairieLearn question folder: ``info.json``, ``question.html`` and ``server.py``.

As PrairieLearn's question documentation lays them out (docs/question/overview.md, server.md,
template.md, elements/pl-number-input.md, and the ``infoQuestion`` JSON Schema): one
``<pl-number-input>`` per quantity asked, with the grading rules' margin as ``rtol``/``atol``
(``relabs``); ``server.py`` picks a variant in ``generate`` and, in ``grade``, marks each answer
by the grading rules (within tolerance, or correctly rounded; an update by its change) and gives
``ecf_credit`` for a value that follows, by the worked solution's formula, from the student's own
wrong earlier values (error carried forward). Its formulas are the worked solution's, printed by
sympy as NumPy source, written out as Python functions: the question needs numpy only, not this
tool.
"""

from __future__ import annotations

import ast
import json
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

import numpy as np

from ...network.kernels import _CONSTANTS, _FUNCTIONS
from .exercise import Exercise, plain_number, section_title

# PrairieLearn ids made from a scenario and its options: the same export, the same uuid
_NAMESPACE = uuid.UUID("6f0d3c52-51f4-4c1e-9a7e-2b1f4c6ad0b7")


def question_uuid(exercises: Sequence[Exercise], options: dict[str, Any]) -> str:
    """A uuid that is the same for the same scenario (its variants) and options."""
    seed = json.dumps({"scenarios": [e.scenario_text for e in exercises], "options": options},
                      sort_keys=True, ensure_ascii=False)
    return str(uuid.uuid5(_NAMESPACE, seed))


def info_json(exercises: Sequence[Exercise], options: dict[str, Any]) -> dict[str, Any]:
    """info.json: uuid, type v3, title, topic, tags (fields of PrairieLearn's infoQuestion)."""
    first = exercises[0]
    sections = list(dict.fromkeys(a.section for a in first.asked))
    tags = ["backprop-tutor", *sections]
    if len(exercises) > 1:
        tags.append(f"{len(exercises)}-variants")
    info: dict[str, Any] = {
        "uuid": question_uuid(exercises, options),
        "type": "v3",
        "title": f"Backpropagation: {first.title}",
        "topic": "Backpropagation",
        "tags": tags,
        "partialCredit": True,
    }
    if len(exercises) == 1:
        info["singleVariant"] = True
    return info


def _tex(text: str) -> str:
    # Mustache reads {{ … }} anywhere in question.html: keep LaTeX braces apart
    while "{{" in text or "}}" in text:
        text = text.replace("{{", "{ {").replace("}}", "} }")
    return text


def _same(values: list[float]) -> bool:
    return all(v == values[0] for v in values)


def question_html(exercises: Sequence[Exercise]) -> str:
    """question.html: the exercise (network, given numbers from ``params``), then per quantity
    its formula and a number input; the worked key in the answer panel."""
    first = exercises[0]
    root = ET.Element("div")
    panel = ET.SubElement(root, "pl-question-panel")
    ET.SubElement(panel, "h2").text = first.title
    if first.teaches:
        ET.SubElement(panel, "p").text = f"Teaches: {first.teaches}."
    if first.rounding:
        ET.SubElement(panel, "p").text = f"The key is {first.rounding}."
    if first.circuit:
        ET.SubElement(panel, "p").text = (
            "The circuit, each node a formula of the names above it: "
            + ", ".join(f"${_tex(node)}$" for node in first.circuit)
            + ". Work by hand the forward pass, the local gradients, the backward pass to the "
            f"gradient of the output {first.output}"
            + (" and the updates" if any(a.start is not None for a in first.asked) else "")
            + ". Give each number to at least four significant digits.")
    else:
        ET.SubElement(panel, "p").text = (
            f"Network {first.network}; loss {first.loss}. Work iteration {first.iteration} of "
            "training by hand: the forward pass, the loss, the backward pass, the gradients "
            "and the updates. Give each number to at least four significant digits.")
    table = ET.SubElement(panel, "table", {"class": "table table-sm w-auto"})
    for g in first.given:
        row = ET.SubElement(table, "tr")
        ET.SubElement(row, "td").text = f"${_tex(g.label)}$"
        ET.SubElement(row, "td").text = "{{params.given." + g.name + "}}"
    section = None
    for i, a in enumerate(first.asked):
        if a.section != section:
            section = a.section
            ET.SubElement(root, "h3").text = section_title(section)
        block = ET.SubElement(root, "div", {"class": "mb-3"})
        ET.SubElement(block, "p").text = f"${_tex(a.label)} = {_tex(a.formula)}$"
        rel = [e.asked[i].margin.rel for e in exercises]
        absolute = [e.asked[i].margin.abs for e in exercises]
        attributes = {
            "answers-name": a.name,
            "comparison": "relabs",
            "rtol": plain_number(rel[0]) if _same(rel) else "{{params.rtol." + a.name + "}}",
            "atol": plain_number(absolute[0]) if _same(absolute)
            else "{{params.atol." + a.name + "}}",
            "label": f"${_tex(a.label)} =$",
        }
        ET.SubElement(block, "pl-number-input", attributes).text = ""
    answer = ET.SubElement(root, "pl-answer-panel")
    ET.SubElement(answer, "h3").text = "Worked solution"
    ET.SubElement(answer, "div").text = "{{#params.worked}}$${{.}}$${{/params.worked}}"
    ET.indent(root)
    return "".join(ET.tostring(child, encoding="unicode", method="html")
                   for child in root) + "\n"


def _names_used(source: str) -> set[str]:
    return {n.id for n in ast.walk(ast.parse(source, mode="eval")) if isinstance(n, ast.Name)
            and not (n.id.startswith("v") and n.id[1:].isdigit())}


def _imports(names: set[str]) -> list[str]:
    numpy_names = sorted(n for n in names if n != "reduce")
    for name in numpy_names:  # the kernels' own namespace (network/kernels.py): NumPy's
        if name not in _FUNCTIONS and name not in _CONSTANTS \
                and not isinstance(getattr(np, name, None), np.ufunc):
            raise ValueError(f"'{name}' is not a NumPy name a formula may use")
    out = []
    if "reduce" in names:
        out.append("from functools import reduce")
    if numpy_names:
        out.append(f"from numpy import {', '.join(numpy_names)}")
    return out


def server_py(exercises: Sequence[Exercise], *, ecf_credit: float) -> str:
    """server.py: the formulas as Python functions, every variant's numbers, and
    generate/grade."""
    functions: dict[tuple[tuple[str, ...], str], str] = {}
    for e in exercises:
        for step in e.steps:
            for formula in step.formulas:
                functions.setdefault(formula, f"f{len(functions)}")
    used = set().union(*(_names_used(source) for _, source in functions)) if functions \
        else set()
    first = exercises[0]
    variants = []
    for e in exercises:
        variants.append({
            "id": e.variant or "",
            "given": {g.name: plain_number(g.value) for g in e.given},
            "key": {a.address: a.key for a in e.asked},
            "start": {a.address: a.start for a in e.asked if a.start is not None},
            "rtol": {a.name: a.margin.rel for a in e.asked},
            "atol": {a.name: a.margin.abs for a in e.asked},
            "worked": [a.worked for a in e.asked],
            "env": e.env,
            "steps": [[s.address, [functions[f] for f in s.formulas], list(s.suffixes),
                       s.constant] for s in e.steps],
        })
    data = {"asked": [{"name": a.name, "address": a.address, "text": a.text}
                      for a in first.asked],
            "tolerance": {"rel": first.tolerance.rel, "abs": first.tolerance.abs,
                          "rounding": first.tolerance.rounding},
            "ecf_credit": ecf_credit, "variants": variants}
    out = ['"""A PrairieLearn question written by backprop-tutor export (see info.json).', "",
           "It runs with Python 3 and numpy only.", '"""', "",
           "import json", "import math", "import random",
           "from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation, "
           "localcontext", "", "import numpy as np", *_imports(used), "", "",
           "# Each quantity's formulas over earlier quantities (the worked solution's, printed "
           "by sympy)."]
    for (names, source), fname in functions.items():
        args = ", ".join(f"v{i}" for i in range(len(names)))
        out += ["", "", f"def {fname}({args}):", f"    # {', '.join(names) or 'a constant'}",
                f"    return {source}"]
    out += ["", "", "FORMULAS = {" + ", ".join(
        f"{fname!r}: ({fname}, {list(names)!r})" for (names, _), fname in functions.items())
        + "}", "", "DATA = json.loads(" + repr(json.dumps(data, ensure_ascii=False,
                                                           allow_nan=False)) + ")", "", ""]
    return "\n".join(out) + RUNTIME


RUNTIME = '''ASKED = DATA["asked"]
VARIANTS = DATA["variants"]
TOLERANCE = DATA["tolerance"]
ECF_CREDIT = DATA["ecf_credit"]


def generate(data):
    """A variant at random (PrairieLearn seeds random per variant): its given numbers, the
    margins and the worked solution as params, the keys as correct answers."""
    variant = VARIANTS[random.randrange(len(VARIANTS))]
    data["params"]["variant"] = variant["id"]
    data["params"]["given"] = dict(variant["given"])
    data["params"]["rtol"] = dict(variant["rtol"])
    data["params"]["atol"] = dict(variant["atol"])
    data["params"]["worked"] = list(variant["worked"])
    for asked in ASKED:
        data["correct_answers"][asked["name"]] = variant["key"][asked["address"]]


def _variant(data):
    ident = data["params"].get("variant", "")
    for variant in VARIANTS:
        if variant["id"] == ident:
            return variant
    raise ValueError("unknown variant %r" % (ident,))


def _literal(text):
    cleaned = str(text).strip().replace("\\u2212", "-").replace(" ", "")
    try:
        d = Decimal(cleaned)
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def _significant(d):
    digits = list(d.as_tuple().digits)
    while len(digits) > 1 and digits[0] == 0:
        digits.pop(0)
    return len(digits)


def _rounds_to(key, d):
    if not math.isfinite(key):
        return False
    quantum = Decimal(1).scaleb(d.as_tuple().exponent)
    with localcontext() as context:
        context.prec = max(context.prec, len(d.as_tuple().digits) + 400)
        try:
            return any(Decimal(key).quantize(quantum, rounding=mode) == d
                       for mode in (ROUND_HALF_UP, ROUND_HALF_EVEN))
        except InvalidOperation:
            return False


def _change(start, key):
    change = key - start
    return 0.0 if abs(change) <= 4 * 2.220446049250313e-16 * max(abs(start), abs(key)) \\
        else change


def agrees(key, value, text, start=None):
    """The grading rules: within the tolerance of the key, or the key correctly rounded at the
    precision written (two significant digits at least); an update w+ by its change."""
    if not (math.isfinite(key) and math.isfinite(value)):
        return False
    rel, absolute = TOLERANCE["rel"], TOLERANCE["abs"]
    d = _literal(text) if TOLERANCE["rounding"] else None
    if start is None:
        difference = abs(value - key)
        if difference <= absolute or difference <= rel * abs(key):
            return True
        return d is not None and _significant(d) >= 2 and _rounds_to(key, d)
    change = _change(start, key)
    if abs(value - start - change) <= absolute + rel * abs(change):
        return True
    if d is None:
        return False
    if change == 0:
        return _rounds_to(start, d)
    quantum = Decimal(1).scaleb(d.as_tuple().exponent)
    return _significant(d) >= 2 and quantum <= Decimal(abs(change)) and _rounds_to(key, d)


def _resolve(variant, name, suffix):
    return name + suffix if suffix and name + suffix in variant["env"] else name


def _apply(variant, address, function, suffixes, constant, env):
    formula, names = FORMULAS[function]
    total = 0.0
    for suffix in suffixes:
        args = [np.float64(env[_resolve(variant, n, suffix)]) for n in names]
        try:
            with np.errstate(all="ignore"):
                total += float(formula(*args))
        except (OverflowError, ZeroDivisionError, ValueError, TypeError):
            return math.nan
    return total / len(suffixes) + constant


def evaluate(variant, target, own, formula=0):
    """The target's value by its ``formula``-th formula, from the student's ``own`` earlier
    values where they gave them and the key's elsewhere."""
    env = dict(variant["env"])
    for address, functions, suffixes, constant in variant["steps"]:
        if address == target:
            return _apply(variant, address, functions[formula], suffixes, constant, env)
        if address in own:
            env[address] = own[address]
        elif functions:
            env[address] = _apply(variant, address, functions[0], suffixes, constant, env)
    raise KeyError(target)


def depends(variant, target, formula=0):
    """Every quantity the target's formula uses, directly or through earlier quantities."""
    steps = {s[0]: s for s in variant["steps"]}
    found = set()
    todo = [(target, formula)]
    while todo:
        address, index = todo.pop()
        _, functions, suffixes, _ = steps[address]
        if len(functions) <= index:
            continue
        for name in FORMULAS[functions[index]][1]:
            for suffix in suffixes:
                read = _resolve(variant, name, suffix)
                if read in steps and read not in found:
                    found.add(read)
                    todo.append((read, 0))
    return found


def _number(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            value = float(value)
        except (TypeError, ValueError):
            return None
    return float(value) if math.isfinite(value) else None


def grade(data):
    """Every answer by the grading rules; a wrong one that follows from the student's own
    earlier wrong values earns ECF_CREDIT (error carried forward)."""
    variant = _variant(data)
    submitted = data.get("submitted_answers") or {}
    raw = data.get("raw_submitted_answers") or {}
    own = {}
    for asked in ASKED:
        value = _number(submitted.get(asked["name"]))
        if value is not None:
            own[asked["address"]] = value
    order = [s[0] for s in variant["steps"]]
    steps = {s[0]: s for s in variant["steps"]}
    wrong = set()
    partial = data.setdefault("partial_scores", {})
    total = 0.0
    for asked in ASKED:
        address, name = asked["address"], asked["name"]
        if address not in own:
            score, feedback = 0.0, "not answered"
        else:
            value = own[address]
            text = raw.get(name, submitted.get(name))
            key = variant["key"][address]
            start = variant["start"].get(address)
            if agrees(key, value, text, start):
                score, feedback = 1.0, "correct"
            else:
                score, feedback = 0.0, "wrong"
                earlier = {a: v for a, v in own.items() if a != address}
                for index in range(len(steps[address][1])):
                    computed = evaluate(variant, address, earlier, index)
                    if math.isfinite(computed) and agrees(computed, value, text, start):
                        used = depends(variant, address, index)
                        sources = [a for a in order if a in wrong and a in used and a in own]
                        if sources:
                            texts = [q["text"] for q in ASKED if q["address"] in sources]
                            score = ECF_CREDIT
                            feedback = ("follows from your " + ", ".join(texts)
                                        + " (error carried forward)")
                        else:
                            score, feedback = 1.0, "follows from your rounded earlier values"
                        break
        if score < 1.0:
            wrong.add(address)
        partial[name] = {"score": score, "weight": 1, "feedback": feedback}
        total += score
    data["score"] = total / len(ASKED) if ASKED else 0.0
'''


def question_files(exercises: Sequence[Exercise], *, ecf_credit: float,
                   options: dict[str, Any]) -> dict[str, str]:
    """The question folder: file name → text."""
    return {
        "info.json": json.dumps(info_json(exercises, options), indent=2, ensure_ascii=False)
        + "\n",
        "question.html": question_html(exercises),
        "server.py": server_py(exercises, ecf_credit=ecf_credit),
    }
