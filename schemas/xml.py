"""The single entry point for parsing XML that comes from outside the gateway.

Everything that reads untrusted XML calls :func:`parse`. It refuses, before lxml builds a tree,
what no edXML package needs and every XML attack uses:

* a DTD or entity declaration (external entities, billion laughs, quadratic blow-up) — refused
  outright rather than "not expanded", so nothing depends on libxml2's entity settings;
* more than ``max_bytes`` bytes or more than ``max_elements`` elements (counted cheaply as ``<``);
* text that is not UTF-8 (edXML is UTF-8 only);
and after parsing, with the network off and entities never resolved:
* nesting deeper than ``max_depth``;
* processing instructions and XInclude elements.

Comments are dropped while parsing: exclusive C14N ignores them, so keeping them would let
``<OrganId>000.00.00.G<!---->22</OrganId>`` read differently from what was signed.

Real edXML traffic has quirks that are harmless and tolerated: a UTF-8 BOM and a few digits before
the XML declaration (one official SDK sample starts with ``1212<?xml``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from gateway.errors import ErrorCode, XmlRejected

XINCLUDE_NS = "http://www.w3.org/2001/XInclude"
_BOM = b"\xef\xbb\xbf"
_LEADING_JUNK = re.compile(rb"\A[0-9\s]{1,16}(?=<\?xml)")
_DECLARED_ENCODING = re.compile(rb"\A<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")


@dataclass(frozen=True)
class XmlLimits:
    """Bounds on what :func:`parse` accepts; one frozen value per use."""

    max_bytes: int = 16 * 1024 * 1024
    max_depth: int = 32
    max_elements: int = 20_000


DEFAULT_LIMITS = XmlLimits()


def hardened_parser() -> etree.XMLParser:
    """A parser with this module's settings, for libraries that re-parse (signxml)."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=False,
        collect_ids=False,
    )


def clean_prefix(data: bytes) -> bytes:
    """Drop a UTF-8 BOM and a short run of digits/blanks before the XML declaration."""
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    match = _LEADING_JUNK.match(data)
    if match:
        data = data[match.end() :]
    return data.lstrip(b" \t\r\n")


def parse(data: bytes, *, limits: XmlLimits = DEFAULT_LIMITS) -> etree._Element:
    """Parse untrusted XML bytes into an element tree, or raise :class:`XmlRejected`.

    Raises:
        XmlRejected: with code XML_TOO_LARGE, XML_ENCODING, XML_DTD_FORBIDDEN, XML_MALFORMED,
            XML_TOO_DEEP or XML_FORBIDDEN_CONSTRUCT. Never any other exception for any input.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError("parse() takes bytes; decode nothing before the parser sees it")
    data = bytes(data)
    if len(data) > limits.max_bytes:
        raise XmlRejected(
            f"document is {len(data)} bytes, over the limit of {limits.max_bytes}",
            code=ErrorCode.XML_TOO_LARGE,
        )
    data = clean_prefix(data)
    if not data:
        raise XmlRejected("empty document", code=ErrorCode.XML_MALFORMED)
    _check_encoding(data)
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise XmlRejected(
            "DTDs and entity declarations are not accepted", code=ErrorCode.XML_DTD_FORBIDDEN
        )
    if data.count(b"<") > limits.max_elements * 2 + 8:
        raise XmlRejected(
            f"document has more than {limits.max_elements} elements", code=ErrorCode.XML_TOO_LARGE
        )
    try:
        root = etree.fromstring(data, parser=hardened_parser())
    except etree.XMLSyntaxError as e:
        message = str(e.msg or e)
        code = ErrorCode.XML_TOO_DEEP if "depth" in message.lower() else ErrorCode.XML_MALFORMED
        raise XmlRejected(f"not well-formed XML: {message}", code=code) from e
    _check_tree(root, limits)
    return root


def _check_encoding(data: bytes) -> None:
    declared = _DECLARED_ENCODING.match(data)
    if declared and declared.group(1).decode("ascii").lower().replace("_", "-") not in (
        "utf-8",
        "utf8",
    ):
        raise XmlRejected(
            f"encoding {declared.group(1).decode('ascii')!r} is not accepted: edXML is UTF-8",
            code=ErrorCode.XML_ENCODING,
        )
    if b"\x00" in data:  # UTF-16/32 without a BOM: valid UTF-8 bytes, but libxml2 reads it as such
        raise XmlRejected("NUL bytes: the document is not UTF-8", code=ErrorCode.XML_ENCODING)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise XmlRejected(f"invalid UTF-8 at byte {e.start}", code=ErrorCode.XML_ENCODING) from e


def _check_tree(root: etree._Element, limits: XmlLimits) -> None:
    for sibling in (*root.itersiblings(preceding=True), *root.itersiblings()):
        if isinstance(sibling, etree._ProcessingInstruction):
            raise XmlRejected(
                "processing instructions are not accepted", code=ErrorCode.XML_FORBIDDEN_CONSTRUCT
            )
    depth = 0
    level = [root]
    while level:
        depth += 1
        if depth > limits.max_depth:
            raise XmlRejected(
                f"nesting deeper than {limits.max_depth} levels", code=ErrorCode.XML_TOO_DEEP
            )
        following: list[etree._Element] = []
        for element in level:
            if isinstance(element.tag, str) and element.tag.startswith("{" + XINCLUDE_NS + "}"):
                raise XmlRejected(
                    "XInclude is not accepted", code=ErrorCode.XML_FORBIDDEN_CONSTRUCT
                )
            for child in element:
                if isinstance(child, etree._ProcessingInstruction):
                    raise XmlRejected(
                        "processing instructions are not accepted",
                        code=ErrorCode.XML_FORBIDDEN_CONSTRUCT,
                    )
                following.append(child)
        level = following


def tostring(element: etree._Element) -> bytes:
    """Serialise a tree we built ourselves (UTF-8, with declaration)."""
    serialized: bytes = etree.tostring(element, xml_declaration=True, encoding="UTF-8")
    return serialized
