"""Small pieces our own XML schemas (petition, receipt) share: UTC times, reading children."""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree

from gateway.domain.petition import nfc
from gateway.errors import ErrorCode, SchemaRejected


def add(parent: etree._Element, namespace: str, name: str, value: str) -> etree._Element:
    """Append ``<name>value</name>`` in ``namespace`` and return it."""
    element = etree.SubElement(parent, f"{{{namespace}}}{name}")
    element.text = value
    return element


def format_utc(value: datetime) -> str:
    """xs:dateTime in UTC with ``Z``, microseconds kept when there are any.

    Raises:
        ValueError: ``value`` is naive — the instant it means is unknown.
    """
    if value.tzinfo is None:
        raise ValueError("a naive datetime cannot be written as UTC")
    value = value.astimezone(UTC)
    fraction = f".{value.microsecond:06d}" if value.microsecond else ""
    return f"{value:%Y-%m-%dT%H:%M:%S}{fraction}Z"


def parse_utc(text: str) -> datetime:
    """Read what :func:`format_utc` writes (already checked by the XSD) as an aware UTC value."""
    try:
        return datetime.fromisoformat(text.strip()).astimezone(UTC)
    except ValueError as e:
        raise SchemaRejected(
            f"{text!r} is not a UTC date-time", code=ErrorCode.SCHEMA_INVALID
        ) from e


def children(element: etree._Element) -> dict[str, etree._Element]:
    """The element children of an XSD-checked element (each name at most once), by local name."""
    return {child.tag.rpartition("}")[2]: child for child in element if isinstance(child.tag, str)}


def text(fields: dict[str, etree._Element], name: str) -> str:
    """The NFC-normalised, stripped text of ``fields[name]``; ``""`` when it is absent."""
    element = fields.get(name)
    return "" if element is None else nfc("".join(element.itertext()).strip())
