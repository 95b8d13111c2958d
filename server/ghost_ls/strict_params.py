"""The converter pygls reads params with, strict about JSON's scalar types.

cattrs converts a scalar with the field's type: ``str(None)`` made ``"text": null`` a
document reading ``None``, ``int("11")`` and ``int(11.5)`` made positions out of a
string and a fraction, ``str(42)`` a ``rootUri``.  Here a field typed ``str`` takes a
JSON string only, ``int`` a JSON integer, ``float`` a number, ``bool`` true or false;
anything else fails to structure, which the server answers with InvalidParams (a
request) or ignores with a log line (a notification).  ``LSPAny`` fields (settings,
``initializationOptions``) keep whatever JSON they hold.

One exception: the client's capabilities in ``initialize``.  A loosely typed field
there (an editor's quirk in a capability ghost-ls never reads) must not cost the
whole session, so they are read strictly first and, failing that, the lenient way,
with a warning; the rest of ``initialize`` (``rootUri``, ``processId``...) is strict.
"""

from __future__ import annotations

import logging
from typing import Any

import cattrs
from lsprotocol import types
from pygls.protocol import default_converter

log = logging.getLogger(__name__)


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
    lenient: cattrs.Converter = default_converter()  # type: ignore[no-untyped-call]
    converter.register_structure_hook(str, _string)
    converter.register_structure_hook(int, _integer)
    converter.register_structure_hook(float, _number)
    converter.register_structure_hook(bool, _boolean)
    strict_capabilities = converter.get_structure_hook(types.ClientCapabilities)

    def capabilities(value: Any, type_: Any) -> types.ClientCapabilities:
        try:
            result: types.ClientCapabilities = strict_capabilities(value, type_)
        except (cattrs.BaseValidationError, TypeError, ValueError) as error:
            log.warning("the client's capabilities hold loosely typed fields, read leniently: %s",
                        "; ".join(cattrs.transform_error(error)) if isinstance(
                            error, cattrs.BaseValidationError) else error)
            result = lenient.structure(value, type_)
        return result

    converter.register_structure_hook(types.ClientCapabilities, capabilities)
    return converter
