"""Independent hand calculations of two circuits, in plain floats one line per quantity, for
the tests of grading and export: CS231n's sigmoid neuron as gates
(scenarios/circuit_sigmoid_neuron.yaml) and a circuit whose input x feeds two nodes."""

from __future__ import annotations

import math

FAN_OUT = """\
inputs: {x: 1.5, y: -1}
parameters: {w: 0.8, b: 0.7}
learning_rate: 0.1
nodes:
  p: w * x
  s: p + b
  m: max(s, y)
  f: m * x
output: f
"""
ETA = 0.1


def neuron(slip: dict[str, float] | None = None) -> dict[str, float]:
    """The sigmoid neuron of CS231n's notes as gates (scenarios/circuit_sigmoid_neuron.yaml),
    by hand: ``slip`` replaces a quantity by a wrong value, and every later one is worked
    from it, as a student carrying their own value forward would."""
    slip = slip or {}
    v: dict[str, float] = {}

    def put(address: str, value: float) -> float:
        v[address] = slip.get(address, value)
        return v[address]

    x0, x1, w0, w1, w2 = -1.0, -2.0, 2.0, -3.0, -3.0
    a = put("a", w0 * x0)
    b = put("b", w1 * x1)
    c = put("c", a + b)
    s = put("s", c + w2)
    n = put("n", -1 * s)
    u = put("u", math.exp(n))
    vv = put("v", u + 1)
    put("f", 1 / vv)
    for name, value in (("da/dw0", x0), ("da/dx0", w0), ("db/dw1", x1), ("db/dx1", w1),
                        ("dc/da", 1), ("dc/db", 1), ("ds/dc", 1), ("ds/dw2", 1),
                        ("dn/ds", -1), ("du/dn", u), ("dv/du", 1)):
        put(name, value)
    dv = put("df/dv", -1 / vv ** 2)
    du = put("df/du", dv * v["dv/du"])
    dn = put("df/dn", du * v["du/dn"])
    ds = put("df/ds", dn * v["dn/ds"])
    dc = put("df/dc", ds * v["ds/dc"])
    da = put("df/da", dc * v["dc/da"])
    db = put("df/db", dc * v["dc/db"])
    put("df/dx0", da * v["da/dx0"])
    put("df/dx1", db * v["db/dx1"])
    gw0 = put("df/dw0", da * v["da/dw0"])
    gw1 = put("df/dw1", db * v["db/dw1"])
    gw2 = put("df/dw2", ds * v["ds/dw2"])
    put("w0+", w0 - ETA * gw0)
    put("w1+", w1 - ETA * gw1)
    put("w2+", w2 - ETA * gw2)
    return v


def fan_out(slip: dict[str, float] | None = None) -> dict[str, float]:
    """FAN_OUT by hand: x feeds p = w·x and f = m·x, so ∂f/∂x is the sum of what both send
    back."""
    slip = slip or {}
    v: dict[str, float] = {}

    def put(address: str, value: float) -> float:
        v[address] = slip.get(address, value)
        return v[address]

    x, y, w, b = 1.5, -1.0, 0.8, 0.7
    p = put("p", w * x)
    s = put("s", p + b)
    m = put("m", max(s, y))
    put("f", m * x)
    for name, value in (("dp/dw", x), ("dp/dx", w), ("ds/dp", 1), ("ds/db", 1),
                        ("dm/ds", 1.0 if s > y else 0.0), ("dm/dy", 1.0 if y > s else 0.0)):
        put(name, value)
    dm = put("df/dm", x)
    ds = put("df/ds", dm * v["dm/ds"])
    dp = put("df/dp", ds * v["ds/dp"])
    from_p = put("df/dp*dp/dx", dp * v["dp/dx"])
    from_f = put("df/df*df/dx", m)
    put("df/dx", from_p + from_f)
    put("df/dy", dm * v["dm/dy"])
    gw = put("df/dw", dp * v["dp/dw"])
    gb = put("df/db", ds * v["ds/db"])
    put("w+", w - ETA * gw)
    put("b+", b - ETA * gb)
    return v
