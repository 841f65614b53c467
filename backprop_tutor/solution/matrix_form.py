"""One iteration in matrix form: each layer's matrices, read from the trace (no new arithmetic).

The batch is a matrix, not a loop. With samples as columns (the default, as in Nielsen,
*Neural Networks and Deep Learning*, ch. 2, and Ng's course notes), for layer l of L with
n_l units and a batch of m samples:

    Z⁽ˡ⁾ = W⁽ˡ⁾A⁽ˡ⁻¹⁾ + b⁽ˡ⁾            (n_l × m; A⁽⁰⁾ = X, b added to every column)
    A⁽ˡ⁾ = f(Z⁽ˡ⁾)
    δ⁽ᴸ⁾ = ∂E/∂A⁽ᴸ⁾ ⊙ f′(Z⁽ᴸ⁾)           (A⁽ᴸ⁾ − T for softmax with cross-entropy; another
                                         softmax layer multiplies each column by its Jacobian)
    δ⁽ˡ⁾ = (W⁽ˡ⁺¹⁾)ᵀδ⁽ˡ⁺¹⁾ ⊙ f′(Z⁽ˡ⁾)
    ∂E/∂W⁽ˡ⁾ = (1/m) δ⁽ˡ⁾(A⁽ˡ⁻¹⁾)ᵀ + λW⁽ˡ⁾   (no 1/m with ``reduction: sum``; λW with ``l2``)
    ∂E/∂b⁽ˡ⁾ = (1/m) δ⁽ˡ⁾1                 (row sums; a shared bias sums over the units too)
    W⁽ˡ⁾ ← W⁽ˡ⁾ − η ∂E/∂W⁽ˡ⁾,  b⁽ˡ⁾ ← b⁽ˡ⁾ − η ∂E/∂b⁽ˡ⁾

With samples as rows (Goodfellow et al., *Deep Learning*, §6.5; most code) every per-sample
matrix is the transpose (m × n_l): Z⁽ˡ⁾ = A⁽ˡ⁻¹⁾(W⁽ˡ⁾)ᵀ + b⁽ˡ⁾, δ⁽ˡ⁾ = δ⁽ˡ⁺¹⁾W⁽ˡ⁺¹⁾ ⊙ f′(Z⁽ˡ⁾),
∂E/∂W⁽ˡ⁾ = (1/m)(δ⁽ˡ⁾)ᵀA⁽ˡ⁻¹⁾, ∂E/∂b⁽ˡ⁾ = (1/m)1ᵀδ⁽ˡ⁾; W keeps its shape n_l × n_(l−1).

Every entry is a number of the trace that the worked solution's ``values`` map holds too, and
each entry carries that address (``z12@3``, ``dE/dw211``), so that the two views can be checked
against each other. δ here is each sample's ∂E_s/∂z, as in the worked solution; the batch's
mean (or sum) is taken in the gradient.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from ..network.addresses import at_sample, derivative, state, updated
from ..network.kernels import softmax_factor
from ..network.plan import Plan, PlanLayer
from ..scenario.optimizer import settings
from ..scenario.schema import Scenario
from ..training.trace import IterationRecord, LayerRecord
from .matrix_optimizer import optimizer_equations

__all__ = ["Layout", "Matrix", "MatrixForm", "Step", "matrix_form", "superscript"]

Layout = Literal["columns", "rows"]  # where the samples of a batch go
_SUPERSCRIPT = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")


def superscript(layer: int | str) -> str:
    """A layer number as the superscript of a matrix: ``⁽²⁾``."""
    return f"({layer})".translate(_SUPERSCRIPT)


@dataclass(frozen=True)
class Matrix:
    """A named matrix: its entries, and for each entry the address of the same number in the
    worked solution's ``values`` map; a parameter before the update is addressed by its name
    (``w211``, as in the parameters maps); None where no address names the number (λW)."""

    name: str  # text, layer as a superscript: "Z⁽¹⁾", "∂E/∂W⁽²⁾"
    latex: str  # "Z^{(1)}"
    entries: tuple[tuple[float, ...], ...]
    addresses: tuple[tuple[str | None, ...], ...]
    rows: tuple[str, ...]  # what each row is: a unit's z, or "sample 2"
    columns: tuple[str, ...]
    # what the matrix is, in ASCII, with its layer: W1, A0, b1, Z1, T, E_s, E, dE/dA2, f'(Z2),
    # J2@3 (sample 3's softmax Jacobian), delta2, l2W1, dE/dW1, dE/db1, W1+, b1+
    key: str = ""

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        return len(self.entries), len(self.entries[0]) if self.entries else 0

    def array(self) -> np.ndarray:
        """The entries as a float array of ``shape``."""
        return np.array(self.entries, dtype=float).reshape(self.shape)


@dataclass(frozen=True)
class Step:
    """One equation of the matrix form and the matrices it shows, the result last."""

    layer: int  # 1-based; 0 for the loss
    stage: Literal["forward", "loss", "backward", "gradients", "updates"]
    result: Literal["Z", "A", "E", "delta", "dE/dW", "dE/db", "W+", "b+"]  # what it gives
    text: str  # the equation in the scenario's letters: "Z⁽¹⁾ = W⁽¹⁾A⁽⁰⁾ + b⁽¹⁾"
    latex: str
    shapes: str  # how the shapes combine: "(2×2)(2×4) + (2×1) → 2×4"
    matrices: tuple[Matrix, ...]
    note: str = ""  # what the equation does beyond its symbols (a mean over m = 4 samples)


@dataclass(frozen=True)
class MatrixForm:
    """One iteration as matrix equations, layer by layer, in the order a course works them."""

    iteration: int
    layout: Layout
    samples: tuple[int, ...]  # 1-based, the batch's columns (or rows)
    steps: tuple[Step, ...]


def _size(shape: tuple[int, int]) -> str:
    return f"{shape[0]}×{shape[1]}"


class _Builder:
    """The matrices of one iteration in one layout."""

    def __init__(self, scenario: Scenario, plan: Plan, record: IterationRecord,
                 layout: Layout) -> None:
        self.plan, self.record, self.layout = plan, record, layout
        letters = scenario.symbols
        self.Z, self.A = letters.net.upper(), letters.activation.upper()
        self.W, self.b = letters.weight.upper(), letters.bias
        self.T, self.E = letters.target.upper(), letters.loss
        several = len(record.samples) > 1
        self.suffixes = [at_sample("", s) if several else "" for s in record.samples]
        self.sample_labels = tuple(f"sample {s}" for s in record.samples)
        self.m = len(record.samples)
        self.mean = scenario.reduction == "mean"
        self.l2 = scenario.l2
        self.rate = scenario.learning_rate
        self.frozen = frozenset(scenario.frozen)
        self.optimizer = settings(scenario)[0]  # sgd: plain gradient descent

    # -- matrices ---------------------------------------------------------------------------
    def per_sample(self, name: str, latex: str, array: np.ndarray,
                   names: list[str] | None, units: list[str]) -> Matrix:
        """A [sample, unit] array of the trace as the layout's matrix; ``names`` the value
        addresses of its units (None: numbers the values map does not hold)."""
        rows = array.tolist()  # [sample][unit]
        addresses = [[None if names is None else names[j] + self.suffixes[s]
                      for j in range(len(units))] for s in range(self.m)]
        if self.layout == "columns":
            return Matrix(name, latex, tuple(map(tuple, zip(*rows, strict=True))),
                          tuple(map(tuple, zip(*addresses, strict=True))), tuple(units),
                          self.sample_labels)
        return Matrix(name, latex, tuple(map(tuple, rows)), tuple(map(tuple, addresses)),
                      self.sample_labels, tuple(units))

    def parameters(self, name: str, latex: str, array: np.ndarray, layer: PlanLayer,
                   address) -> Matrix:
        """A [unit, input] array: weights, their gradients or their updates."""
        units = layer.units
        return Matrix(name, latex, tuple(map(tuple, array.tolist())),
                      tuple(tuple(address(w) if address else None for w in u.weights)
                            for u in units),
                      tuple(u.net for u in units), units[0].inputs)

    def biases(self, name: str, latex: str, array: np.ndarray, layer: PlanLayer,
               address) -> Matrix:
        """A bias vector: a column (samples as columns) or a row; one entry when shared."""
        units = layer.units
        if layer.shared:
            return Matrix(name, latex, ((float(array[0]),),), ((address(units[0].bias),),),
                          ("",), ("",))
        values = array.tolist()
        if self.layout == "columns":
            return Matrix(name, latex, tuple((v,) for v in values),
                          tuple((address(u.bias),) for u in units),
                          tuple(u.net for u in units), ("",))
        return Matrix(name, latex, (tuple(values),), (tuple(address(u.bias) for u in units),),
                      ("",), tuple(u.net for u in units))

    # -- names ------------------------------------------------------------------------------
    def sym(self, letter: str, layer: int, *, transposed: bool = False) -> tuple[str, str]:
        text = f"{letter}{superscript(layer)}"
        tex = f"{_tex(letter)}^{{({layer})}}"
        if transposed:
            return f"({text})ᵀ", rf"\left({tex}\right)^{{\mathsf{{T}}}}"
        return text, tex

    def d(self, letter: str, layer: int) -> tuple[str, str]:
        text, tex = self.sym(letter, layer)
        return f"∂{self.E}/∂{text}", rf"\frac{{\partial {_tex(self.E)}}}{{\partial {tex}}}"

    def delta(self, layer: int) -> tuple[str, str]:
        return f"δ{superscript(layer)}", rf"\delta^{{({layer})}}"

    # -- steps ------------------------------------------------------------------------------
    def build(self) -> tuple[Step, ...]:
        plan, record = self.plan, self.record
        steps: list[Step] = []
        for n, (layer, rec) in enumerate(zip(plan.layers, record.layers, strict=True), 1):
            steps += self.forward(n, layer, rec)
        steps.append(self.loss())
        count = len(plan.layers)
        for n in range(count, 0, -1):
            steps.append(self.backward(n))
        for n in range(count, 0, -1):
            steps += self.gradients(n)
        for n in range(count, 0, -1):
            steps += self.updates(n)
        return tuple(steps)

    def below(self, n: int) -> Matrix:
        """A⁽ⁿ⁻¹⁾ (the inputs X for the first layer)."""
        record, plan = self.record, self.plan
        if n == 1:
            text, tex = self.sym(self.A, 0)
            return _keyed(self.per_sample(text, tex, record.inputs, list(plan.inputs),
                                          list(plan.inputs)), "A0")
        units = plan.layers[n - 2].units
        text, tex = self.sym(self.A, n - 1)
        outs = [u.out for u in units]
        return _keyed(self.per_sample(text, tex, record.layers[n - 2].a, outs, outs), f"A{n - 1}")

    def forward(self, n: int, layer: PlanLayer, rec: LayerRecord) -> list[Step]:
        W, b, Z, A = (self.sym(x, n) for x in (self.W, self.b, self.Z, self.A))
        prev = self.sym(self.A, n - 1)
        below = self.below(n)
        weights = _keyed(self.parameters(*W, rec.weights, layer, lambda w: w), f"W{n}")
        nets = [u.net for u in layer.units]
        z = _keyed(self.per_sample(*Z, rec.z, nets, nets), f"Z{n}")
        has_bias = bool(layer.biases)
        shown = [weights, below]
        if self.layout == "columns":
            text, tex = f"{Z[0]} = {W[0]}{prev[0]}", f"{Z[1]} = {W[1]} {prev[1]}"
            shapes = f"({_size(weights.shape)})({_size(below.shape)})"
        else:
            Wt = self.sym(self.W, n, transposed=True)
            text, tex = f"{Z[0]} = {prev[0]}{Wt[0]}", f"{Z[1]} = {prev[1]} {Wt[1]}"
            shapes = f"({_size(below.shape)})({_size(weights.shape[::-1])})"
        note = ""
        if has_bias:
            bias = _keyed(self.biases(*b, rec.biases, layer, lambda p: p), f"b{n}")
            shown.append(bias)
            text, tex = text + f" + {b[0]}", tex + f" + {b[1]}"
            shapes += f" + ({_size(bias.shape)})"
            note = ("the one shared bias is added to every entry" if layer.shared else
                    f"{b[0]} is added to every {'column' if self.layout == 'columns' else 'row'}")
        if n == 1:
            note = "; ".join(x for x in (f"{prev[0]} = the inputs", note) if x)
        shapes += f" → {_size(z.shape)}"
        outs = [u.out for u in layer.units]
        activation = _keyed(self.per_sample(*A, rec.a, outs, outs), f"A{n}")
        label = _function_text(layer)
        f_text = f"{A[0]} = {label}({Z[0]})"
        f_tex = rf"{A[1]} = {_function_tex(layer)}\left({Z[1]}\right)"
        f_note = "each column by itself" if layer.coupled and self.layout == "columns" else \
            "each row by itself" if layer.coupled else "entry by entry"
        return [Step(n, "forward", "Z", text, tex, shapes, (*shown, z), note),
                Step(n, "forward", "A", f_text, f_tex, f"{_size(z.shape)} → {_size(z.shape)}",
                     (activation,), f_note)]

    def loss(self) -> Step:
        plan, record = self.plan, self.record
        targets = _keyed(self.per_sample(self.T, _tex(self.T), record.targets,
                                         list(plan.targets), list(plan.targets)), "T")
        E = plan.loss_symbol
        how = "mean" if self.mean else "sum"
        losses = _keyed(self.per_sample(f"{self.E}_s", f"{_tex(self.E)}_s",
                                        record.sample_losses[:, None], [E], [E]), "E_s")
        total = Matrix(self.E, _tex(self.E), ((record.loss,),), ((E,),), ("",), ("",), "E")
        shown = (targets, losses, total) if self.m > 1 else (targets, total)
        return Step(0, "loss", "E", plan.loss_formula,
                    rf"{_tex(self.E)} = \text{{{plan.loss_name.replace('_', ' ')}}}",
                    "→ 1×1", shown,
                    f"the {how} of the {self.m} samples' losses" if self.m > 1 else "")

    def backward(self, n: int) -> Step:
        plan, record = self.plan, self.record
        layer, rec = plan.layers[n - 1], record.layers[n - 1]
        top = n == len(plan.layers)
        E = plan.loss_symbol
        units = layer.units
        nets, outs = [u.net for u in units], [u.out for u in units]
        d_text, d_tex = self.delta(n)
        delta = _keyed(self.per_sample(d_text, d_tex, rec.dE_dz,
                                       [derivative(E, z) for z in nets], nets), f"delta{n}")
        dA = _keyed(self.per_sample(*self.d(self.A, n), rec.dE_da,
                                    [derivative(E, a) for a in outs], outs), f"dE/dA{n}")
        if top and layer.coupled and plan.softmax_cross_entropy:
            A = self.sym(self.A, n)
            targets = _keyed(self.per_sample(self.T, _tex(self.T), record.targets,
                                             list(plan.targets), list(plan.targets)), "T")
            activation = _keyed(self.per_sample(*A, rec.a, outs, outs), f"A{n}")
            return Step(n, "backward", "delta", f"{d_text} = {A[0]} − {self.T}",
                        f"{d_tex} = {A[1]} - {_tex(self.T)}",
                        f"({_size(activation.shape)}) − ({_size(targets.shape)}) → "
                        f"{_size(delta.shape)}", (activation, targets, delta),
                        f"softmax with cross-entropy: ∂{self.E}/∂{self.A} times the softmax "
                        f"Jacobian simplifies to {self.A} − {self.T}")
        if top:
            upstream_text, upstream_tex = self.d(self.A, n)
            shapes = f"({_size(dA.shape)})"
        else:
            above = plan.layers[n].units
            W, Wt = self.sym(self.W, n + 1), self.sym(self.W, n + 1, transposed=True)
            above_text, above_tex = self.delta(n + 1)
            k = len(above)
            if self.layout == "columns":
                upstream_text, upstream_tex = f"{Wt[0]}{above_text}", f"{Wt[1]} {above_tex}"
                shapes = f"({k}×{len(units)})ᵀ({k}×{self.m})"
            else:
                upstream_text, upstream_tex = f"{above_text}{W[0]}", f"{above_tex} {W[1]}"
                shapes = f"({self.m}×{k})({k}×{len(units)})"
        Z = self.sym(self.Z, n)
        if layer.coupled:
            jacobians = [self.jacobian(n, s) for s in range(self.m)]
            J = "J" + superscript(n)
            text = f"{d_text} = {J}ᵀ·({upstream_text}), each sample's column" \
                if self.layout == "columns" else \
                f"{d_text} = ({upstream_text})·{J}, each sample's row"
            tex = rf"{d_tex} = \left(J^{{({n})}}\right)^{{\mathsf{{T}}}} {upstream_tex}" \
                if self.layout == "columns" else rf"{d_tex} = {upstream_tex} J^{{({n})}}"
            return Step(n, "backward", "delta", text, tex,
                        f"{shapes} → {_size(delta.shape)}", (dA, *jacobians, delta),
                        f"softmax: {J}[i, j] = ∂a_i/∂z_j = a_i(δ_ij − a_j), one "
                        f"{len(units)}×{len(units)} Jacobian per sample" + (
                            "" if top else
                            f"; {upstream_text} = ∂{self.E}/∂{self.A}{superscript(n)}"))
        derivative_matrix = self.per_sample(
            f"{_function_text(layer)}′({Z[0]})", rf"{_function_tex(layer)}'\left({Z[1]}\right)",
            rec.da_dz,
            [derivative(a, z) for a, z in zip(outs, nets, strict=True)], nets)
        derivative_matrix = _keyed(derivative_matrix, f"f'(Z{n})")
        text = f"{d_text} = {upstream_text} ⊙ {_function_text(layer)}′({Z[0]})"
        tex = rf"{d_tex} = {upstream_tex} \odot {_function_tex(layer)}'\left({Z[1]}\right)"
        note = "⊙: entry by entry; " + (
            self.output_derivative(n) if top
            else f"{upstream_text} = ∂{self.E}/∂{self.A}{superscript(n)}")
        return Step(n, "backward", "delta", text, tex,
                    f"{shapes} ⊙ ({_size(derivative_matrix.shape)}) → {_size(delta.shape)}",
                    (dA, derivative_matrix, delta), note)

    def output_derivative(self, n: int) -> str:
        """∂E_s/∂A of the output layer in words and letters, for the loss's note."""
        A, T = f"{self.A}{superscript(n)}", self.T
        k = len(self.plan.layers[n - 1].units)
        written = {"half_squared_error": f"{A} − {T}", "squared_error": f"2({A} − {T})",
                   "mse": f"2({A} − {T})" + (f"/{k}" if k > 1 else ""),
                   "binary_cross_entropy": f"−({T}/{A} − (1 − {T})/(1 − {A}))",
                   "cross_entropy": f"−{T}/{A}"}.get(self.plan.loss_name)
        head = f"∂{self.E}/∂{A}"
        if written is None:
            return f"{head}: the loss's derivative for each sample"
        return f"{head} = {written}, of each sample's own loss"

    def jacobian(self, n: int, s: int) -> Matrix:
        """The softmax Jacobian ∂a_i/∂z_j of layer n for sample index s (0-based)."""
        layer, rec = self.plan.layers[n - 1], self.record.layers[n - 1]
        units = layer.units
        a = rec.a[s:s + 1]
        entries = tuple(tuple(float(softmax_factor(a, i, j)[0]) for j in range(len(units)))
                        for i in range(len(units)))
        addresses = tuple(tuple(derivative(ui.out, uj.net) + self.suffixes[s] for uj in units)
                          for ui in units)
        sample = self.record.samples[s]
        tag = f", sample {sample}" if self.m > 1 else ""
        return Matrix(f"J{superscript(n)}{tag}", rf"J^{{({n})}}" + (
            rf"_{{\text{{sample {sample}}}}}" if self.m > 1 else ""), entries, addresses,
            tuple(u.out for u in units), tuple(u.net for u in units), f"J{n}@{sample}")

    def gradients(self, n: int) -> list[Step]:
        plan = self.plan
        layer, rec = plan.layers[n - 1], self.record.layers[n - 1]
        E = plan.loss_symbol
        d_text, d_tex = self.delta(n)
        prev = self.sym(self.A, n - 1)
        prev_t = self.sym(self.A, n - 1, transposed=True)
        W = self.sym(self.W, n)
        dW = self.d(self.W, n)
        grad = _keyed(self.parameters(*dW, rec.grad_weights, layer,
                                      lambda w: derivative(E, w)), f"dE/dW{n}")
        scale_text = "(1/m)·" if self.mean else ""
        scale_tex = r"\frac{1}{m}" if self.mean else ""
        # δAᵀ (columns) or δᵀA (rows): (units × m)(m × inputs) either way
        shapes = f"({len(layer.units)}×{self.m})({self.m}×{len(layer.units[0].inputs)})"
        if self.layout == "columns":
            product, product_tex = f"{d_text}{prev_t[0]}", f"{d_tex} {prev_t[1]}"
        else:
            product = f"({d_text})ᵀ{prev[0]}"
            product_tex = rf"\left({d_tex}\right)^{{\mathsf{{T}}}} {prev[1]}"
        text, tex = f"{dW[0]} = {scale_text}{product}", f"{dW[1]} = {scale_tex} {product_tex}"
        shown: list[Matrix] = []
        if self.l2:
            text, tex = text + f" + λ{W[0]}", tex + rf" + \lambda {W[1]}"
            shapes += f" + ({_size(grad.shape)})"
            shown.append(_keyed(self.parameters(f"λ{W[0]}", rf"\lambda {W[1]}",
                                                rec.l2_weights, layer, None), f"l2W{n}"))
        shapes += f" → {_size(grad.shape)}"
        samples = f"{self.m} sample{'s' if self.m > 1 else ''}"
        how = f"the mean over m = {samples}" if self.mean else f"the sum over the {samples}"
        out = [Step(n, "gradients", "dE/dW", text, tex, shapes, (*shown, grad),
                    how + (f"; λ = {self.l2:g}" if self.l2 else ""))]
        if not layer.biases:
            return out
        db = self.d(self.b, n)
        bias_grad = _keyed(self.biases(*db, rec.grad_biases, layer,
                                       lambda b: derivative(E, b)), f"dE/db{n}")
        if layer.shared:
            text, tex = f"{db[0]} = {scale_text}1ᵀ{d_text}1", \
                rf"{db[1]} = {scale_tex} \mathbf{{1}}^{{\mathsf{{T}}}} {d_tex} \mathbf{{1}}"
            note = "one bias shared by the layer's units: the sum of every entry of " + d_text
        elif self.layout == "columns":
            text, tex = f"{db[0]} = {scale_text}{d_text}1", rf"{db[1]} = {scale_tex} {d_tex} " \
                                                            r"\mathbf{1}"
            note = f"the row sums of {d_text}"
        else:
            text, tex = f"{db[0]} = {scale_text}1ᵀ{d_text}", \
                rf"{db[1]} = {scale_tex} \mathbf{{1}}^{{\mathsf{{T}}}} {d_tex}"
            note = f"the column sums of {d_text}"
        if self.mean:
            note += f", divided by m = {self.m}"
        out.append(Step(n, "gradients", "dE/db", text, tex, f"→ {_size(bias_grad.shape)}",
                        (bias_grad,), note))
        return out

    def updates(self, n: int) -> list[Step]:
        layer, rec = self.plan.layers[n - 1], self.record.layers[n - 1]
        W, dW = self.sym(self.W, n), self.d(self.W, n)
        frozen = [p for p in (*(w for u in layer.units for w in u.weights), *layer.biases)
                  if p in self.frozen]
        note = ("frozen, kept as they are: " + ", ".join(frozen)) if frozen else ""
        after = _keyed(self.parameters(f"{W[0]} new", rf"{W[1]}_{{\text{{new}}}}",
                                       rec.weights_after, layer, updated), f"W{n}+")
        text, tex = (f"{W[0]} ← {W[0]} − η·{dW[0]}", rf"{W[1]} \leftarrow {W[1]} - \eta {dW[1]}")
        held: tuple[Matrix, ...] = ()
        if self.optimizer != "sgd":
            text, tex = optimizer_equations(self.optimizer, W, dW)
            held = tuple(_keyed(self.parameters(name, latex, array, layer, address), key)
                         for name, latex, array, address, key in
                         self.state(W, rec.state_after.weights, f"W{n}"))
        out = [Step(n, "updates", "W+", text, tex, f"→ {_size(after.shape)}",
                    (*held, after), self.state_note(note))]
        if layer.biases:
            b, db = self.sym(self.b, n), self.d(self.b, n)
            bias = _keyed(self.biases(f"{b[0]} new", rf"{b[1]}_{{\text{{new}}}}",
                                      rec.biases_after, layer, updated), f"b{n}+")
            text, tex = (f"{b[0]} ← {b[0]} − η·{db[0]}",
                         rf"{b[1]} \leftarrow {b[1]} - \eta {db[1]}")
            held = ()
            if self.optimizer != "sgd":
                text, tex = optimizer_equations(self.optimizer, b, db)
                held = tuple(_keyed(self.biases(name, latex, array, layer, address), key)
                             for name, latex, array, address, key in
                             self.state(b, rec.state_after.biases, f"b{n}"))
            out.append(Step(n, "updates", "b+", text, tex, f"→ {_size(bias.shape)}",
                            (*held, bias), self.state_note(note)))
        return out

    def state(self, P: tuple[str, str], arrays: dict[str, np.ndarray], key: str) -> list:
        """(name, LaTeX, array, address of an entry's parameter → its value's address, key)
        of each of the optimizer's state matrices of ``P`` after the update: v(W⁽²⁾) new,
        m̂(W⁽²⁾), …"""
        out = []
        for kind, array in arrays.items():
            hat = kind in ("mhat", "vhat")
            letter = {"m": "m", "v": "v", "mhat": "m̂", "vhat": "v̂"}[kind]
            tex = {"m": "m", "v": "v", "mhat": r"\hat{m}", "vhat": r"\hat{v}"}[kind]
            name = f"{letter}({P[0]})" + ("" if hat else " new")
            latex = rf"{tex}\left({P[1]}\right)" + ("" if hat else r"_{\text{new}}")

            def address(p: str, kind: str = kind, hat: bool = hat) -> str:
                return state(kind, p) if hat else updated(state(kind, p))

            out.append((name, latex, array, address, f"{kind}{key}" + ("" if hat else "+")))
        return out

    def state_note(self, note: str) -> str:
        """The update's note, and under an optimizer what its equations mean."""
        if self.optimizer == "sgd":
            return note
        said = f"{self.optimizer} (torch.optim's rule)"
        if self.optimizer in ("rmsprop", "adam"):
            said += ": squares, roots and quotients entry by entry"
        said += "; every state starts at 0"
        if self.optimizer == "adam":
            said += f"; t = {self.record.iteration}"
        return f"{said}; {note}" if note else said


def _keyed(matrix: Matrix, key: str) -> Matrix:
    return replace(matrix, key=key)


def _tex(letter: str) -> str:
    return letter if len(letter) == 1 else rf"\mathrm{{{letter}}}"


def _function_text(layer: PlanLayer) -> str:
    """The activation's short name (σ, tanh, relu, softmax), or f for a formula."""
    label = "softmax" if layer.coupled else layer.label
    return label if len(label) <= 10 and " " not in label else "f"


_TEX_FUNCTIONS = {"sigmoid": r"\sigma", "tanh": r"\tanh"}


def _function_tex(layer: PlanLayer) -> str:
    if layer.activation in _TEX_FUNCTIONS:
        return _TEX_FUNCTIONS[layer.activation]
    name = layer.activation
    if name == "custom" or not name.replace("_", "").isalnum() or not name.isascii():
        return "f"
    escaped = name.replace("_", "\\_")
    return rf"\operatorname{{{escaped}}}"


def matrix_form(scenario: Scenario, plan: Plan, record: IterationRecord,
                layout: Layout = "columns") -> MatrixForm:
    """The matrix form of one iteration kept in full, samples as ``columns`` or ``rows``.

    Every number is the trace's (training/trace.py), as the worked solution's values map holds
    it; only the softmax Jacobian's entries are formed, by the same ``softmax_factor`` that
    the values map uses. Raises ValueError for a layout that is neither.
    """
    if layout not in ("columns", "rows"):
        raise ValueError(f"samples go in columns or rows, not {layout!r}")
    steps = _Builder(scenario, plan, record, layout).build()
    return MatrixForm(record.iteration, layout, record.samples, steps)
