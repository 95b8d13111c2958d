"""The converter pygls reads params with, strict about JSON's scalar types.

cattrs converts a scalar with the field's type: ``str(None)`` made ``"text": null`` a
document reading ``None``, ``int("11")`` and ``int(11.5)`` made positions out of a
string and a fraction, ``str(42)`` a ``rootUri``.  Here a field typed ``str`` takes a
JSON string only, ``int`` a JSON integer, ``float`` a number, ``bool`` true or false;
anything else fails to structure, which the server answers with InvalidParams (a
request) or ignores with a log line (a notification).  ``LSPAny`` fields (settings,
``initializationOptions``) keep whatever JSON they hold.
"""

from __future__ import annotations

from typing import Any

import cattrs
from pygls.protocol import default_converter


def _string(value: Any, _type: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _integer(value: Any, _type: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"expected an integer, got {type(value).__name__}")
    return value


def _number(value: Any, _type: Any) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    return float(value)


def _boolean(value: Any, _type: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {type(value).__name__}")
    return value


def strict_converter() -> cattrs.Converter:
    """pygls' converter (lsprotocol's hooks) with strict scalars."""
    converter: cattrs.Converter = default_converter()  # type: ignore[no-untyped-call]
    converter.register_structure_hook(str, _string)
    converter.register_structure_hook(int, _integer)
    converter.register_structure_hook(float, _number)
    converter.register_structure_hook(bool, _boolean)
    return converter
