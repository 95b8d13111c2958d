"""A small module to try ghost-ls on: `ghost-ls complete examples/demo.py --line 14`."""

import math


def circle_area(radius: float) -> float:
    """Area of a circle with the given radius."""
    return math.pi * radius ** 2


def circle_circumference(radius: float) -> float:
    """Circumference of a circle with the given radius."""
    return 
