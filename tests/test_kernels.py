"""Kernels: sympy's printed NumPy text, turned into functions without executing any text."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from backprop_tutor.maths.activations import BUILTIN, Z, leaky_relu
from backprop_tutor.maths.activations import A as ACT_A
from backprop_tutor.maths.expression import custom_activation
from backprop_tutor.maths.losses import LOSSES
from backprop_tutor.maths.losses import A as LOSS_A
from backprop_tutor.maths.losses import T as LOSS_T
from backprop_tutor.network.kernels import Kernel, KernelError, compile_kernel
from backprop_tutor.symbolic.kernel_source import activation_kernels, kernel_of, loss_kernels

ACTIVATIONS = [*BUILTIN.values(), leaky_relu(0.2), custom_activation("z/(1 + abs(z))"),
               custom_activation("exp(-z**2)"), custom_activation("log(1 + exp(z)) - sqrt(2)")]


def _lambdified(expr: sp.Expr, args: tuple[sp.Symbol, ...]):
    # the independent oracle: sympy's own lambdify with NumPy
    return sp.lambdify(args, expr, modules="numpy")


@pytest.mark.parametrize("activation", ACTIVATIONS, ids=lambda a: a.name)
def test_activation_kernels_compute_what_lambdify_computes(activation):
    rng = np.random.default_rng(7)
    z = rng.normal(size=(5, 4)) * 3
    z[0, 0] = 0.0  # the kink of relu and leaky relu
    a = rng.uniform(0.01, 0.99, size=(5, 4))
    f, df = activation_kernels(activation)
    got = compile_kernel(df)(z, a)
    expected = np.broadcast_to(_lambdified(activation.derivative, (Z, ACT_A))(z, a), z.shape)
    np.testing.assert_array_equal(got, expected)
    assert got.shape == z.shape and got.dtype == np.float64
    if f is not None:
        np.testing.assert_array_equal(compile_kernel(f)(z),
                                      _lambdified(activation.expression, (Z,))(z))


@pytest.mark.parametrize("loss", list(LOSSES.values()), ids=lambda loss: loss.name)
def test_loss_kernels_compute_what_lambdify_computes(loss):
    rng = np.random.default_rng(3)
    a = rng.uniform(0.01, 0.99, size=(6, 3))
    t = rng.uniform(0, 1, size=(6, 3))
    for kernel, expr in zip(loss_kernels(loss), (loss.term, loss.derivative), strict=True):
        np.testing.assert_array_equal(compile_kernel(kernel)(a, t),
                                      _lambdified(expr, (LOSS_A, LOSS_T))(a, t))


def test_a_constant_kernel_gives_an_array_of_the_argument_shape():
    ones = compile_kernel(kernel_of(sp.Integer(1), (Z, ACT_A)))(np.zeros((3, 2)), np.zeros((3, 2)))
    assert ones.shape == (3, 2) and ones.dtype == np.float64 and (ones == 1).all()


@pytest.mark.parametrize("source", [
    "__import__('os').system('true')",
    "open('x', 'w')",
    "z.__class__",
    "(lambda: 1)()",
    "[x for x in z]",
    "exec('1')",
    "getattr(z, 'T')",
    "'text'",
    "z if z else z",
    "numpy.exp(z)",
    "exp(*z)",
    "exp(**z)",
    "z; z",
])
def test_anything_but_numpy_arithmetic_is_refused(source):
    with pytest.raises(KernelError):
        compile_kernel(Kernel(("z",), source))


def test_argument_names_must_be_names():
    with pytest.raises(KernelError):
        compile_kernel(Kernel(("z=1",), "z"))


def test_a_reciprocal_is_the_same_number_as_numpys_power():
    # sympy prints 1/x as x**(-1.0); the kernel divides, which must give the same doubles
    kernel = compile_kernel(Kernel(("z",), "(1 + z)**(-1.0)"))
    rng = np.random.default_rng(11)
    z = np.concatenate([rng.normal(size=1000) * 10.0 ** rng.integers(-300, 300, size=1000),
                        [0.0, -0.0, -1.0, np.inf, -np.inf, np.nan, 5e-324, 1.7e308, -2.0]])
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(kernel(z), np.power(1 + z, -1.0))


@pytest.mark.parametrize("source", [
    "a*(1 - a) + 0*9**9**9",  # a power of integers that never ends
    "a*(1 - a) + 0*amax([1.0]*(10**9))",  # a list of a billion numbers
    "(1 + exp(-z))**(-1/0)",  # a constant that divides by zero
    "z**(10**400)",
    "(-8)**(1/3)*z",  # a constant that is not a real number
    "(z, z)",  # a tuple
    "[z]",  # a list that is not the argument of select, reduce, amax or amin
    "amax([z]*64)",
    "select([greater(z, 0), True], [" + ", ".join(["1"] * 65) + "])",
    "exp(z, out=z)",  # writes into its argument
    "select([True], [z], dtype=object)",
    "reduce(open, [z])",
    "matmul(z, z)",
    "z" + " + z" * 600,  # deeper than MAX_DEPTH
    "-" * 600 + "z",
    "z.reduce()",
    "add.reduce((z, z))",
])
def test_anything_but_bounded_arithmetic_is_refused(source):
    with pytest.raises(KernelError):
        compile_kernel(Kernel(("z",), source))


def test_a_kernel_over_the_size_limits_is_refused(monkeypatch):
    import backprop_tutor.network.kernels as kernels

    source = "z" + " + z" * 40
    compile_kernel(Kernel(("z",), source))
    for name, bound in (("MAX_NODES", 50), ("MAX_SOURCE", 100), ("MAX_DEPTH", 20)):
        with monkeypatch.context() as patched:
            patched.setattr(kernels, name, bound)
            with pytest.raises(KernelError):
                kernels.compile_kernel.__wrapped__(Kernel(("z",), source))


def test_a_kernel_that_gives_no_array_of_its_arguments_shape_raises_when_called():
    tuple_of_indices = compile_kernel(Kernel(("z",), "where(z)"))  # NumPy gives a tuple
    with pytest.raises(KernelError):
        tuple_of_indices(np.array([-1.0, 2.0]))
    by_rows = compile_kernel(Kernel(("z",), "amax([z, 0*z], axis=0)"))  # how Max may print
    np.testing.assert_array_equal(by_rows(np.array([-1.0, 2.0])), [0.0, 2.0])


def test_the_conditions_sympy_prints_for_min_and_max_are_read():
    source = ("(select([logical_and.reduce((greater(z, -1),greater(z, 1))),logical_and.reduce("
              "(equal(z, 1),greater(z, -1))),True], [0,1/2,1], default=nan))")
    kernel = compile_kernel(Kernel(("z",), source))
    np.testing.assert_array_equal(kernel(np.array([-2.0, 0.0, 1.0, 2.0])), [1.0, 1.0, 0.5, 0.0])


def test_a_long_sum_compiles_in_time_and_evaluates():
    # a unit with many inputs: a left-nested sum as deep as the tree may be, constants folded
    # once at the root only (no work per level that grows with the depth below it)
    import time

    source = " + ".join(f"z*{i}" for i in range(240)) + " + (1/2)*(2**10)"
    started = time.monotonic()
    kernel = compile_kernel(Kernel(("z",), source))
    assert time.monotonic() - started < 1.0
    np.testing.assert_array_equal(kernel(np.array([1.0, 2.0])), [28680.0 + 512, 57360.0 + 512])
