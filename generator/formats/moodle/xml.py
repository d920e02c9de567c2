"""Package stage helper (Moodle backup): how Moodle's backup files spell values, and one way to serialise them."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Final

from lxml import etree
from lxml.builder import ElementMaker

E: Final = ElementMaker()
NULL: Final = "$@NULL@$"
"""Moodle's backup writer spells a database NULL this way; its restore reads it back as NULL."""
Value = str | int | Decimal | bool | None


def text(value: Value) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def leaves(*pairs: tuple[str, Value]) -> list[etree._Element]:
    """One child element per (name, value), in order, the way Moodle writes a table row."""
    return [E(name, text(value)) for name, value in pairs]


def node(tag: str, ident: int | str | None, *children: etree._Element | Iterable[etree._Element],
         **attributes: str) -> etree._Element:
    """An element with an optional `id` attribute and children (lists are flattened)."""
    flat: list[etree._Element] = []
    for child in children:
        if isinstance(child, etree._Element):
            flat.append(child)
        else:
            flat.extend(child)
    attrs = {"id": str(ident)} if ident is not None else {}
    return E(tag, *flat, **attrs, **attributes)


def decimal(value: Decimal | int, places: int = 7) -> str:
    """A fixed-point number as Moodle's DECIMAL columns print it, e.g. `1.0000000`."""
    return f"{Decimal(value):.{places}f}"


def serialise(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
