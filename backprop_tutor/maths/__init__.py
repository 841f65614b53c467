"""The mathematics of one unit kind at a time: activations and losses, derived with sympy."""
