"""backprop-tutor: learn backpropagation step by step."""

__version__ = "0.1.0"
