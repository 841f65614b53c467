"""What practice mode prints: the given numbers, each prompt, the two hints, the score."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from ..notation.numbers import number
from ..notation.symbols import filled_numbers, symbol_text
from ..scenario.optimizer import description
from ..solution.lines import SECTIONS
from ..solution.run import Run
from ..solution.values import state_values
from ..training.optimizers import optimizer_state
from ..training.trace import IterationRecord
from .formulas import formula_text
from .network import network_view


def intro_view(run: Run, record: IterationRecord, count: int, precision: int) -> Group:
    """The task and every number the student starts from."""
    s = run.scenario
    plan = run.plan
    parts: list[RenderableType] = [
        Text(f"Practice: {s.title or 'scenario'}", style="bold reverse"),
        network_view(run.plan, run.initial_parameters, precision),
    ]
    for i, sample in enumerate(record.samples):
        given = [f"{x} = {number(record.inputs[i, j], precision)}"
                 for j, x in enumerate(plan.inputs)]
        given += [f"{t} = {number(record.targets[i, k], precision)}"
                  for k, t in enumerate(plan.targets)]
        parts.append(Text(f"sample {sample}: " + ", ".join(given)))
    parts.append(Text(f"loss {s.loss}: {run.plan.loss_formula};  learning rate "
                      f"η = {number(s.learning_rate, 6)}"))
    if run.rounding_note:
        parts.append(Text(f"The key is {run.rounding_note}."))
    optimizer = description(s)
    if optimizer is not None:  # its options, and the state the update starts from
        held = state_values(plan, record, before=True)
        start = ("every state starts at 0" if not any(held.values()) else ", ".join(
            f"{symbol_text(k)} = {number(v, precision)}" for k, v in held.items()))
        step = f"; step t = {record.iteration}" if "mhat" in optimizer_state(s) else ""
        parts.append(Text(f"optimizer {optimizer}{step}; {start}"))
    parts.append(Text(
        f"Work iteration 1: {count} numbers in textbook order. Type each one and press Enter; "
        "within 0.5 % or correctly rounded counts. A wrong answer gets a hint and another try. "
        "q quits.", style="italic"))
    return Group(*parts)


def _name(question) -> str:
    name = symbol_text(question.line.address)
    return f"{name} ({question.label})" if question.label else name


def prompt_text(question, n: int, total: int) -> Text:
    """``[3/16] a1 = `` (``z1 (sample 2) = `` in a batch)."""
    text = Text(f"[{n}/{total}] ", style="dim")
    text.append(_name(question), style="cyan bold")
    text.append(" = ")
    return text


def _batch_level(question) -> bool:
    # one number for the whole batch, made from each sample's: the loss or a gradient
    return question.row.numbers is None


def formula_hint(question, mistake: str | None = None) -> Text:
    """The first hint: the mistake grading would name, if any, then the formula."""
    formula = formula_text(question.line, mean=_batch_level(question))
    text = Text(f"  ✗ not quite: {mistake}. " if mistake else "  ✗ not quite. ", style="red")
    text.append(f"{_name(question)} = {formula}; try again.")
    return text


def numbers_hint(question, precision: int) -> Text:
    """The second hint: the numbers that go into the formula."""
    line = question.line
    if _batch_level(question):
        values = ", ".join(number(v, precision) for v in line.values)
        numbers = f"the {line.reduction} of {values}"
    else:
        numbers = filled_numbers(line.printed, question.row.numbers, precision)
    if line.l2_term:
        numbers += f" + {number(line.l2_term, precision)}"
    text = Text("  ✗ still not. ", style="red")
    text.append(f"{_name(question)} = {numbers}; one more try.")
    return text


def answer_text(value: float, precision: int) -> str:
    """The exact answer, two digits beyond the precision asked for."""
    return number(value, precision + 2)


def ending_view(outcomes, total: int, precision: int, stopped: bool = False,
                scenario: str = "SCENARIO") -> Group:
    """The score and the quantities to review, with their formulas."""
    first = sum(1 for o in outcomes if o.right and o.tries == 1)
    later = sum(1 for o in outcomes if o.right and o.tries > 1)
    missed = [o for o in outcomes if not o.right]
    parts: list[RenderableType] = [Text("")]
    if stopped:
        parts.append(Text(f"stopped after {len(outcomes)} of {total}"))
    unanswered = total - len(outcomes)
    left = f"; {unanswered} not answered" if unanswered else ""
    parts.append(Text(f"Score: {first + later} of {total} right ({first} at the first try, "
                      f"{later} after a hint; {len(missed)} missed{left})", style="bold"))
    review = [o for o in outcomes if o.tries > 1 or not o.right]
    if not review:
        if outcomes:
            given = "every answer you gave" if stopped else "every answer"
            parts.append(Text(f"Nothing to review: {given} was right at the first try.",
                              style="green"))
        return Group(*parts)
    parts.append(Text("To review:", style="bold"))
    for section, heading in SECTIONS.items():
        chosen = [o for o in review if o.question.line.section == section]
        if not chosen:
            continue
        parts.append(Text(f"  {heading}", style="bold"))
        for o in chosen:
            status = "missed" if not o.right else f"right at try {o.tries}"
            formula = formula_text(o.question.line, mean=_batch_level(o.question))
            parts.append(Text(f"    {_name(o.question)} = {formula}  "
                              f"({status}; it is {answer_text(_key(o.question), precision)})"))
    gradients = [o.question.line.address for o in review
                 if o.question.line.section in ("gradients", "updates")]
    if gradients:
        first_one = gradients[0].split("/d")[-1].rstrip("+")
        parts.append(Text(f"See a whole chain worked: backprop-tutor run {scenario} --explain "
                          f"{first_one}", style="italic"))
    return Group(*parts)


def _key(question) -> float:
    return question.row.value
