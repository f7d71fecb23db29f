"""XML Schema validation against the gateway's own XSDs (``schemas/xsd/``).

Each XSD is read from the package data and compiled the first time it is needed, then kept for the
life of the process. The XSD parser reads no network resource and resolves no entity. Nothing
happens at import time.

lxml keeps one error log per compiled schema; a lock per schema keeps concurrent validations from
mixing their messages.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from importlib import resources

from lxml import etree

from gateway.errors import ErrorCode, SchemaRejected


class Schema(StrEnum):
    """The schemas the gateway validates against; the value is the XSD's file name."""

    EDXML = "edxml-qcvn102-2016.xsd"  # văn bản điện tử / gói tin trạng thái (QCVN 102:2016)
    PETITION = "pakn-petition-1.xsd"  # phản ánh, kiến nghị
    RECEIPT = "pakn-receipt-1.xsd"  # biên nhận


@dataclass(frozen=True)
class _Compiled:
    xsd: etree.XMLSchema
    lock: threading.Lock = field(default_factory=threading.Lock)


@cache
def _compiled(schema: Schema) -> _Compiled:
    source = resources.files("schemas").joinpath("xsd", schema.value).read_bytes()
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True
    )
    return _Compiled(etree.XMLSchema(etree.fromstring(source, parser=parser)))


def validate(root: etree._Element, schema: Schema) -> None:
    """Check ``root`` against ``schema``.

    Raises:
        SchemaRejected: code SCHEMA_INVALID, naming the first error and its line.
    """
    compiled = _compiled(schema)
    with compiled.lock:
        if compiled.xsd.validate(root):
            return
        first = next(iter(compiled.xsd.error_log), None)
    line = 0 if first is None else first.line
    message = "no detail given" if first is None else first.message
    raise SchemaRejected(
        f"not valid against {schema.value} (line {line}): {message}",
        code=ErrorCode.SCHEMA_INVALID,
        line=line,
    )
