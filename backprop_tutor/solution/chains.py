"""One parameter's chain within the worked solution: the lines ``--explain`` shows."""

from __future__ import annotations

from ..network.addresses import derivative, state_of, updated
from .lines import Quantity


def chain_addresses(quantities: list[Quantity], parameter: str, loss: str) -> list[str]:
    """The backward-pass quantities the gradient of ``parameter`` is built from (followed
    through the formulas that read them), then the gradient, the optimizer's state of the
    parameter, and the update, in list order."""
    by_address = {q.address: q for q in quantities}
    gradient = derivative(loss, parameter)
    wanted: set[str] = set()
    todo = list(by_address[gradient].names)
    while todo:
        name = todo.pop()
        quantity = by_address.get(name)
        if quantity is None or quantity.section != "factors" or name in wanted:
            continue
        wanted.add(name)
        todo.extend(quantity.names)
    wanted |= {gradient, updated(parameter)}
    wanted |= {q.address for q in quantities
               if q.section == "optimizer" and state_of(q.address) == parameter}
    return [q.address for q in quantities if q.address in wanted]
