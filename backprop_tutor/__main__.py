"""``python -m backprop_tutor``."""

from .cli import main

main()
