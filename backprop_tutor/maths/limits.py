"""What a custom activation's formula may contain, so that sympy always finishes quickly.

A formula is at most ``MAX_LENGTH`` characters, yet sympy can take minutes (or forever) on short
ones: ``exp`` nested 30 deep, ``(z + 1)**1000``, ``sigmoid`` six deep. The bounds below are
checked on the parsed formula before sympy derives anything (maths/expression.py), each refusal
naming its limit; ``SIMPLIFY_OPS`` bounds the derivation itself. Measured on a 2-core machine,
the largest formulas inside the limits derive in well under a second (docs/limits.md). This
module imports nothing, so scenario/limits.py can list these limits without loading sympy.
"""

from __future__ import annotations

MAX_LENGTH = 200  # characters of the formula
MAX_PARTS = 100  # numbers, z, operations and calls in the formula
MAX_NESTING = 20  # operations and calls inside one another
MAX_FUNCTION_NESTING = 4  # calls inside calls: sigmoid(sigmoid(sigmoid(sigmoid(z))))
MAX_EXPONENT = 100  # |n| of a constant power z**n, after sympy has combined powers
MAX_DERIVATIVE_OPS = 500  # operations in f′(z) as sympy derives it, before any tidying
# f′(z) is tidied by sympy's simplify only up to this many operations: simplify's time grows
# very fast with the size of what it is given (1.6 s at 43 operations), so larger derivatives
# are shown as differentiated.
SIMPLIFY_OPS = 30
