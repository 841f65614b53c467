"""``python -m backprop_tutor``."""

from .launch import main

main()
