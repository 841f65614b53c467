"""An optimizer's update in matrix form: the equations of its state and of the new parameter
matrix, entry by entry (solution/optimizer_shapes.py has the same rules for one parameter).

For a parameter matrix P with gradient ∂E/∂P, the state matrices are written v(P), m(P) (before
the update, on the right of ←) and m̂(P), v̂(P); squares, roots and quotients are taken entry
by entry, as torch.optim applies them.
"""

from __future__ import annotations

__all__ = ["optimizer_equations"]


def optimizer_equations(name: str, P: tuple[str, str], dP: tuple[str, str]
                        ) -> tuple[str, str]:
    """(text, LaTeX) of the optimizer ``name``'s update of the matrix ``P`` = (text, LaTeX)
    with gradient ``dP``: its state's equations, then P's, separated by semicolons."""
    p, p_tex = P
    g, g_tex = dP

    def held(kind: str) -> tuple[str, str]:
        letter = {"m": "m", "v": "v", "mhat": "m̂", "vhat": "v̂"}[kind]
        tex = {"m": "m", "v": "v", "mhat": r"\hat{m}", "vhat": r"\hat{v}"}[kind]
        return f"{letter}({p})", rf"{tex}\left({p_tex}\right)"

    v, v_tex = held("v")
    if name in ("momentum", "nesterov"):
        text = [f"{v} ← μ·{v} + {g}"]
        tex = [rf"{v_tex} \leftarrow \mu {v_tex} + {g_tex}"]
        if name == "momentum":
            text.append(f"{p} ← {p} − η·{v}")
            tex.append(rf"{p_tex} \leftarrow {p_tex} - \eta {v_tex}")
        else:
            text.append(f"{p} ← {p} − η·({g} + μ·{v})")
            tex.append(rf"{p_tex} \leftarrow {p_tex} - \eta \left({g_tex} + \mu {v_tex}\right)")
    elif name == "rmsprop":
        text = [f"{v} ← ρ·{v} + (1 − ρ)·({g})²", f"{p} ← {p} − η·{g}/(√{v} + ε)"]
        tex = [rf"{v_tex} \leftarrow \rho {v_tex} + \left(1 - \rho\right) "
               rf"\left({g_tex}\right)^{{2}}",
               rf"{p_tex} \leftarrow {p_tex} - \eta \frac{{{g_tex}}}{{\sqrt{{{v_tex}}} "
               r"+ \varepsilon}"]
    else:  # adam
        m, m_tex = held("m")
        m_hat, m_hat_tex = held("mhat")
        v_hat, v_hat_tex = held("vhat")
        text = [f"{m} ← β1·{m} + (1 − β1)·{g}", f"{v} ← β2·{v} + (1 − β2)·({g})²",
                f"{m_hat} = {m}/(1 − β1^t)", f"{v_hat} = {v}/(1 − β2^t)",
                f"{p} ← {p} − η·{m_hat}/(√{v_hat} + ε)"]
        tex = [rf"{m_tex} \leftarrow \beta_{{1}} {m_tex} + \left(1 - \beta_{{1}}\right) {g_tex}",
               rf"{v_tex} \leftarrow \beta_{{2}} {v_tex} + \left(1 - \beta_{{2}}\right) "
               rf"\left({g_tex}\right)^{{2}}",
               rf"{m_hat_tex} = \frac{{{m_tex}}}{{1 - \beta_{{1}}^{{t}}}}",
               rf"{v_hat_tex} = \frac{{{v_tex}}}{{1 - \beta_{{2}}^{{t}}}}",
               rf"{p_tex} \leftarrow {p_tex} - \eta \frac{{{m_hat_tex}}}{{\sqrt{{{v_hat_tex}}} "
               r"+ \varepsilon}"]
    return "; ".join(text), r";\quad ".join(tex)
