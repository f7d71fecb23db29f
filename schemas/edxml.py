"""edXML (QCVN 102:2016/BTTTT) packages as Python values, and back.

Two kinds of package travel in edXML: a văn bản điện tử (:class:`Edoc`) and a gói tin trạng thái
(:class:`StatusPackage`). :func:`decode` validates a parsed tree against our XSD, then enforces
what the XSD deliberately leaves to code — required fields, "at most once", known status codes,
real dates — and answers :class:`~gateway.errors.SchemaRejected` naming the element at fault.
:func:`encode_edoc` and :func:`encode_status` build the tree in the official samples' order and
prefixes, unsigned: the signer puts ``ds:Signature`` last in :func:`header_of`.

Values are NFC-normalised and stripped on decode; absent optional text reads as ``""``. Dates are
``datetime.date``; timestamps are naive ``datetime`` in Vietnam's local time, as on the wire.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import TypeVar

from lxml import etree

from gateway.domain.documents import BusinessDocType, StatusCode
from gateway.domain.petition import nfc
from gateway.errors import ErrorCode, SchemaRejected
from schemas.validate import Schema, validate

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
PREFIX = "edXML"
VN_TIME = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
"""Vietnam's civil time (UTC+7, no daylight saving): the zone of every edXML timestamp."""

_T = TypeVar("_T")
_DATE = re.compile(r"([0-9]{4})/([0-9]{2})/([0-9]{2})")
_TIMESTAMP = re.compile(r"([0-9]{4})/([0-9]{2})/([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})")


# -- values ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Organ:
    """Cơ quan, tổ chức: a sender (From) or a recipient (To)."""

    organ_id: str
    organ_name: str = ""
    organization_in_charge: str = ""
    organ_add: str = ""
    email: str = ""
    telephone: str = ""
    fax: str = ""
    website: str = ""


@dataclass(frozen=True)
class ResponseFor:
    """Văn bản được phúc đáp: the document this package answers or reports on."""

    organ_id: str
    code: str = ""
    promulgation_date: date | None = None
    document_id: str = ""


@dataclass(frozen=True)
class StaffInfo:
    """Cán bộ xử lý: who handled the package."""

    department: str = ""
    staff: str = ""
    mobile: str = ""
    email: str = ""


@dataclass(frozen=True)
class SignerInfo:
    """Người ký: competence (thẩm quyền), position and name of the signer."""

    competence: str = ""
    position: str = ""
    full_name: str = ""


@dataclass(frozen=True)
class DocumentType:
    """Loại văn bản: type and detail codes, and the type's name (e.g. "Công văn")."""

    type: int = 1
    type_detail: int = 0
    type_name: str = ""


@dataclass(frozen=True)
class OtherInfo:
    """Thông tin khác: priority (độ khẩn), distribution, page count, appendixes."""

    priority: int = 0
    sphere_of_promulgation: str = ""
    typer_notation: str = ""
    promulgation_amount: int = 0
    page_amount: int = 0
    direction: bool = False
    appendixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class TraceHeader:
    """One hop of the package: which organ handled it, when (local time)."""

    organ_id: str
    timestamp: datetime


@dataclass(frozen=True)
class ReplacementInfo:
    """A document replaced by this one, and the organs that received it."""

    document_id: str
    organ_ids: tuple[str, ...]


@dataclass(frozen=True)
class Receiver:
    organ_id: str
    receiver_type: int


@dataclass(frozen=True)
class BusinessDocumentInfo:
    """What an update (BussinessDocType 2) changes: the document info and/or its receivers."""

    document_info: str = ""
    document_receiver: str = ""
    receivers: tuple[Receiver, ...] = ()


@dataclass(frozen=True)
class Business:
    """Nghiệp vụ: new, revoke, update or replace (TraceHeaderList/Bussiness)."""

    doc_type: BusinessDocType
    reason: str = ""
    document_id: str = ""
    paper: int = 0
    staff_info: StaffInfo | None = None
    replacement_info: tuple[ReplacementInfo, ...] = ()
    document_info: BusinessDocumentInfo | None = None


@dataclass(frozen=True)
class Attachment:
    """Tệp đính kèm: a manifest Reference and its base64 payload, matched by ContentId."""

    content_id: str
    name: str
    content_type: str
    data: bytes
    description: str = ""


@dataclass(frozen=True)
class Edoc:
    """Văn bản điện tử."""

    from_: Organ
    to: tuple[Organ, ...]
    document_id: str
    code_number: str = ""
    code_notation: str = ""
    promulgation_place: str = ""
    promulgation_date: date | None = None
    document_type: DocumentType | None = None
    subject: str = ""
    content: str = ""
    signer: SignerInfo | None = None
    due_date: date | None = None
    other_info: OtherInfo | None = None
    response_for: tuple[ResponseFor, ...] = ()
    steering_type: int | None = None
    to_places: tuple[str, ...] = ()
    trace: tuple[TraceHeader, ...] = ()
    business: Business | None = None
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class StatusPackage:
    """Gói tin trạng thái."""

    from_: Organ
    response_for: ResponseFor
    status_code: StatusCode
    timestamp: datetime
    description: str = ""
    staff_info: StaffInfo | None = None


# -- dates and timestamps ----------------------------------------------------------------------


def _rejected(message: str) -> SchemaRejected:
    return SchemaRejected(message, code=ErrorCode.SCHEMA_INVALID)


def format_date(value: date) -> str:
    """``yyyy/MM/dd``."""
    return f"{value.year:04d}/{value.month:02d}/{value.day:02d}"


def parse_date(text: str) -> date:
    """Read ``yyyy/MM/dd``. Raises SchemaRejected for other text or a date that does not exist."""
    match = _DATE.fullmatch(text.strip())
    if match is None:
        raise _rejected(f"{text!r} is not a date in the form yyyy/MM/dd")
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError as e:
        raise _rejected(f"{text!r} is not a real date") from e


def format_timestamp(value: datetime) -> str:
    """``yyyy/MM/dd HH:mm:ss`` in Vietnam's local time (an aware value is converted first)."""
    if value.tzinfo is not None:
        value = value.astimezone(VN_TIME)
    return f"{format_date(value)} {value.hour:02d}:{value.minute:02d}:{value.second:02d}"


def parse_timestamp(text: str) -> datetime:
    """Read ``yyyy/MM/dd HH:mm:ss`` as naive local time; SchemaRejected if it is not one."""
    match = _TIMESTAMP.fullmatch(text.strip())
    if match is None:
        raise _rejected(f"{text!r} is not a timestamp in the form yyyy/MM/dd HH:mm:ss")
    year, month, day, hour, minute, second = (int(part) for part in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError as e:
        raise _rejected(f"{text!r} is not a real time") from e


# -- decoding ----------------------------------------------------------------------------------


def _text(element: etree._Element) -> str:
    return nfc("".join(element.itertext()).strip())


class _Fields:
    """The element children of one edXML element by local name, enforcing cardinality."""

    __slots__ = ("_by_name", "path")

    def __init__(self, element: etree._Element, path: str) -> None:
        self.path = path
        self._by_name: dict[str, list[etree._Element]] = {}
        for child in element:
            if isinstance(child.tag, str):
                self._by_name.setdefault(child.tag.rpartition("}")[2], []).append(child)

    def all(self, name: str) -> list[etree._Element]:
        return self._by_name.get(name, [])

    def has(self, name: str) -> bool:
        return name in self._by_name

    def one(self, name: str) -> etree._Element | None:
        found = self.all(name)
        if len(found) > 1:
            raise _rejected(f"{self.path}/{name} appears {len(found)} times; at most once allowed")
        return found[0] if found else None

    def need(self, name: str) -> etree._Element:
        element = self.one(name)
        if element is None:
            raise _rejected(f"{self.path}/{name} is required")
        return element

    def sub(self, name: str) -> _Fields | None:
        element = self.one(name)
        return None if element is None else _Fields(element, f"{self.path}/{name}")

    def need_sub(self, name: str) -> _Fields:
        return _Fields(self.need(name), f"{self.path}/{name}")

    def each(self, name: str) -> list[_Fields]:
        return [_Fields(element, f"{self.path}/{name}") for element in self.all(name)]

    def text(self, name: str) -> str:
        element = self.one(name)
        return "" if element is None else _text(element)

    def required_text(self, name: str) -> str:
        text = _text(self.need(name))
        if not text:
            raise _rejected(f"{self.path}/{name} must not be empty")
        return text

    def texts(self, name: str) -> tuple[str, ...]:
        return tuple(_text(element) for element in self.all(name))

    def number(self, name: str, default: int = 0) -> int:
        value = self.optional_number(name)
        return default if value is None else value

    def optional_number(self, name: str) -> int | None:
        element = self.one(name)
        if element is None:
            return None
        try:
            return int(_text(element))
        except ValueError as e:
            raise _rejected(f"{self.path}/{name} is not a whole number") from e

    def flag(self, name: str) -> bool:
        return self.text(name) in ("true", "1")  # xs:boolean: true, false, 1 or 0

    def date(self, name: str) -> date | None:
        element = self.one(name)
        return None if element is None else _read(parse_date, _text(element), self.path, name)

    def timestamp(self, name: str) -> datetime:
        return _read(parse_timestamp, self.required_text(name), self.path, name)


def _read(parse: Callable[[str], _T], text: str, path: str, name: str) -> _T:
    try:
        return parse(text)
    except SchemaRejected as e:
        raise _rejected(f"{path}/{name}: {e.message}") from e


def decode(root: etree._Element) -> Edoc | StatusPackage:
    """Read an edXML package: a status package if MessageHeader has a StatusCode, else a document.

    Works on a freshly parsed tree and on a verifier's ``signed_xml`` (the tree minus its
    signature) alike. A non-standard OrganId is accepted.

    Raises:
        SchemaRejected: code SCHEMA_INVALID; the message names the element at fault.
    """
    validate(root, Schema.EDXML)
    package = _Fields(root, "edXML")
    envelope = package.need_sub("edXMLEnvelope")
    header = envelope.need_sub("edXMLHeader")
    message = header.need_sub("MessageHeader")
    if message.has("StatusCode"):
        return _status(message)
    return _edoc(message, header, envelope, package)


def _status(m: _Fields) -> StatusPackage:
    for name in ("To", "DocumentId"):
        if m.has(name):
            raise _rejected(
                f"{m.path}/{name} is not allowed in a status package (it has StatusCode)"
            )
    code = m.required_text("StatusCode")
    try:
        status_code = StatusCode(code)
    except ValueError as e:
        raise _rejected(f"{m.path}/StatusCode {code!r} is not a known status code") from e
    response_for = _response_for(m.need_sub("ResponseFor"))
    if not response_for.document_id:
        raise _rejected(f"{m.path}/ResponseFor/DocumentId is required in a status package")
    staff = m.sub("StaffInfo")
    return StatusPackage(
        _organ(m.need_sub("From")),
        response_for,
        status_code,
        m.timestamp("Timestamp"),
        description=m.text("Description"),
        staff_info=None if staff is None else _staff(staff),
    )


def _edoc(m: _Fields, header: _Fields, envelope: _Fields, package: _Fields) -> Edoc:
    to = m.each("To")
    if not to:
        raise _rejected(f"{m.path} has neither StatusCode (status package) nor To (document)")
    code, info, kind = m.sub("Code"), m.sub("PromulgationInfo"), m.sub("DocumentType")
    signer, other, places = m.sub("SignerInfo"), m.sub("OtherInfo"), m.sub("ToPlaces")
    trace = header.sub("TraceHeaderList")
    business = None if trace is None else trace.sub("Bussiness")
    return Edoc(
        from_=_organ(m.need_sub("From")),
        to=tuple(_organ(organ) for organ in to),
        document_id=m.required_text("DocumentId"),
        code_number="" if code is None else code.text("CodeNumber"),
        code_notation="" if code is None else code.text("CodeNotation"),
        promulgation_place="" if info is None else info.text("Place"),
        promulgation_date=None if info is None else info.date("PromulgationDate"),
        document_type=None
        if kind is None
        else DocumentType(kind.number("Type", 1), kind.number("TypeDetail"), kind.text("TypeName")),
        subject=m.text("Subject"),
        content=m.text("Content"),
        signer=None
        if signer is None
        else SignerInfo(
            signer.text("Competence"), signer.text("Position"), signer.text("FullName")
        ),
        due_date=m.date("DueDate"),
        other_info=None if other is None else _other_info(other),
        response_for=tuple(_response_for(ref) for ref in m.each("ResponseFor")),
        steering_type=m.optional_number("SteeringType"),
        to_places=() if places is None else places.texts("Place"),
        trace=()
        if trace is None
        else tuple(
            TraceHeader(hop.required_text("OrganId"), hop.timestamp("Timestamp"))
            for hop in trace.each("TraceHeader")
        ),
        business=None if business is None else _business(business),
        attachments=_attachments(envelope, package),
    )


def _organ(f: _Fields) -> Organ:
    return Organ(
        f.required_text("OrganId"),
        f.text("OrganName"),
        f.text("OrganizationInCharge"),
        f.text("OrganAdd"),
        f.text("Email"),
        f.text("Telephone"),
        f.text("Fax"),
        f.text("Website"),
    )


def _response_for(f: _Fields) -> ResponseFor:
    return ResponseFor(
        f.required_text("OrganId"), f.text("Code"), f.date("PromulgationDate"), f.text("DocumentId")
    )


def _staff(f: _Fields) -> StaffInfo:
    return StaffInfo(f.text("Department"), f.text("Staff"), f.text("Mobile"), f.text("Email"))


def _other_info(f: _Fields) -> OtherInfo:
    appendixes = f.sub("Appendixes")
    return OtherInfo(
        f.number("Priority"),
        f.text("SphereOfPromulgation"),
        f.text("TyperNotation"),
        f.number("PromulgationAmount"),
        f.number("PageAmount"),
        f.flag("Direction"),
        () if appendixes is None else appendixes.texts("Appendix"),
    )


def _business(f: _Fields) -> Business:
    doc_type = f.optional_number("BussinessDocType")
    if doc_type is None:
        raise _rejected(f"{f.path}/BussinessDocType is required")
    replacements = f.sub("ReplacementInfoList")
    info = f.sub("BussinessDocumentInfo")
    staff = f.sub("StaffInfo")
    return Business(
        BusinessDocType(doc_type),
        reason=f.text("BussinessDocReason"),
        document_id=f.text("DocumentId"),
        paper=f.number("Paper"),
        staff_info=None if staff is None else _staff(staff),
        replacement_info=()
        if replacements is None
        else tuple(_replacement(r) for r in replacements.each("ReplacementInfo")),
        document_info=None if info is None else _document_info(info),
    )


def _replacement(f: _Fields) -> ReplacementInfo:
    organs = f.sub("OrganIdList")
    return ReplacementInfo(
        f.required_text("DocumentId"), () if organs is None else organs.texts("OrganId")
    )


def _document_info(f: _Fields) -> BusinessDocumentInfo:
    receivers = f.sub("ReceiverList")
    return BusinessDocumentInfo(
        f.text("DocumentInfo"),
        f.text("DocumentReceiver"),
        ()
        if receivers is None
        else tuple(
            Receiver(r.required_text("OrganId"), r.number("ReceiverType"))
            for r in receivers.each("Receiver")
        ),
    )


def _attachments(envelope: _Fields, package: _Fields) -> tuple[Attachment, ...]:
    body, encoded = envelope.sub("edXMLBody"), package.sub("AttachmentEncoded")
    references = [] if body is None else body.need_sub("edXMLManifest").each("Reference")
    payloads: dict[str, _Fields] = {}
    for payload in [] if encoded is None else encoded.each("Attachment"):
        content_id = payload.required_text("ContentId")
        if content_id in payloads:
            raise _rejected(f"{payload.path}: ContentId {content_id!r} appears twice")
        payloads[content_id] = payload
    attachments: list[Attachment] = []
    for reference in references:
        content_id = reference.required_text("ContentId")
        if any(a.content_id == content_id for a in attachments):
            raise _rejected(f"{reference.path}: ContentId {content_id!r} appears twice")
        if content_id not in payloads:
            raise _rejected(f"the manifest lists {content_id!r} but AttachmentEncoded lacks it")
        payload = payloads.pop(content_id)
        attachments.append(
            Attachment(
                content_id,
                reference.text("AttachmentName") or payload.text("AttachmentName"),
                reference.text("ContentType") or payload.text("ContentType"),
                _payload(payload),
                description=reference.text("Description") or payload.text("Description"),
            )
        )
    if payloads:
        raise _rejected(
            f"AttachmentEncoded holds {', '.join(map(repr, payloads))}, "
            "which the manifest does not list"
        )
    return tuple(attachments)


def _payload(f: _Fields) -> bytes:
    encoded = "".join(f.need("ContentTransferEncoded").itertext())
    try:
        return base64.b64decode("".join(encoded.split()), validate=True)
    except (binascii.Error, ValueError) as e:
        raise _rejected(f"{f.path}/ContentTransferEncoded is not base64") from e


# -- encoding ----------------------------------------------------------------------------------


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _add(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, _q(name))
    element.text = text
    return element


def _add_text(parent: etree._Element, name: str, text: str) -> None:
    """Write an optional text element, leaving it out when empty."""
    if text:
        _add(parent, name, text)


def _new_package() -> tuple[etree._Element, etree._Element, etree._Element]:
    """The root, the envelope and the header, with the samples' namespace prefixes."""
    root = etree.Element(_q("edXML"), nsmap={None: NS})
    envelope = etree.SubElement(root, _q("edXMLEnvelope"), nsmap={PREFIX: NS})
    return root, envelope, _add(envelope, "edXMLHeader")


def header_of(root: etree._Element) -> etree._Element:
    """edXMLHeader, where the signer appends ``ds:Signature`` as the last child.

    Raises:
        SchemaRejected: the tree has no edXMLEnvelope/edXMLHeader.
    """
    header = root.find(f"{_q('edXMLEnvelope')}/{_q('edXMLHeader')}")
    if header is None:
        raise _rejected("the package has no edXMLEnvelope/edXMLHeader")
    return header


def encode_edoc(doc: Edoc) -> etree._Element:
    """Build an unsigned edXML document in the samples' canonical order."""
    root, envelope, header = _new_package()
    m = _add(header, "MessageHeader")
    _add_organ(m, "From", doc.from_)
    for organ in doc.to:
        _add_organ(m, "To", organ)
    _add(m, "DocumentId", doc.document_id)
    if doc.code_number or doc.code_notation:
        code = _add(m, "Code")
        _add_text(code, "CodeNumber", doc.code_number)
        _add_text(code, "CodeNotation", doc.code_notation)
    if doc.promulgation_place or doc.promulgation_date is not None:
        info = _add(m, "PromulgationInfo")
        _add_text(info, "Place", doc.promulgation_place)
        if doc.promulgation_date is not None:
            _add(info, "PromulgationDate", format_date(doc.promulgation_date))
    if doc.document_type is not None:
        kind = _add(m, "DocumentType")
        _add(kind, "Type", str(doc.document_type.type))
        _add(kind, "TypeDetail", str(doc.document_type.type_detail))
        _add_text(kind, "TypeName", doc.document_type.type_name)
    _add_text(m, "Subject", doc.subject)
    _add_text(m, "Content", doc.content)
    if doc.signer is not None:
        signer = _add(m, "SignerInfo")
        _add_text(signer, "Competence", doc.signer.competence)
        _add_text(signer, "Position", doc.signer.position)
        _add_text(signer, "FullName", doc.signer.full_name)
    if doc.due_date is not None:
        _add(m, "DueDate", format_date(doc.due_date))
    if doc.other_info is not None:
        _add_other_info(m, doc.other_info)
    for ref in doc.response_for:
        _add_response_for(m, ref)
    if doc.steering_type is not None:
        _add(m, "SteeringType", str(doc.steering_type))
    if doc.to_places:
        places = _add(m, "ToPlaces")
        for place in doc.to_places:
            _add(places, "Place", place)
    if doc.trace or doc.business is not None:
        trace = _add(header, "TraceHeaderList")
        for hop in doc.trace:
            element = _add(trace, "TraceHeader")
            _add(element, "OrganId", hop.organ_id)
            _add(element, "Timestamp", format_timestamp(hop.timestamp))
        if doc.business is not None:
            _add_business(trace, doc.business)
    if doc.attachments:
        _add_attachments(root, envelope, doc.attachments)
    return root


def encode_status(pkg: StatusPackage) -> etree._Element:
    """Build an unsigned edXML status package in the samples' order."""
    root, _, header = _new_package()
    m = _add(header, "MessageHeader")
    _add_organ(m, "From", pkg.from_)
    _add_response_for(m, pkg.response_for)
    if pkg.staff_info is not None:
        _add_staff(m, pkg.staff_info)
    _add(m, "StatusCode", StatusCode(pkg.status_code).value)
    _add_text(m, "Description", pkg.description)
    _add(m, "Timestamp", format_timestamp(pkg.timestamp))
    return root


def _add_organ(parent: etree._Element, name: str, organ: Organ) -> None:
    element = _add(parent, name)
    _add(element, "OrganId", organ.organ_id)
    _add_text(element, "OrganizationInCharge", organ.organization_in_charge)
    _add_text(element, "OrganName", organ.organ_name)
    _add_text(element, "OrganAdd", organ.organ_add)
    _add_text(element, "Email", organ.email)
    _add_text(element, "Telephone", organ.telephone)
    _add_text(element, "Fax", organ.fax)
    _add_text(element, "Website", organ.website)


def _add_response_for(parent: etree._Element, ref: ResponseFor) -> None:
    element = _add(parent, "ResponseFor")
    _add(element, "OrganId", ref.organ_id)
    _add_text(element, "Code", ref.code)
    if ref.promulgation_date is not None:
        _add(element, "PromulgationDate", format_date(ref.promulgation_date))
    _add_text(element, "DocumentId", ref.document_id)


def _add_staff(parent: etree._Element, staff: StaffInfo) -> None:
    element = _add(parent, "StaffInfo")
    _add_text(element, "Department", staff.department)
    _add_text(element, "Staff", staff.staff)
    _add_text(element, "Mobile", staff.mobile)
    _add_text(element, "Email", staff.email)


def _add_other_info(parent: etree._Element, other: OtherInfo) -> None:
    element = _add(parent, "OtherInfo")
    _add(element, "Priority", str(other.priority))
    _add_text(element, "SphereOfPromulgation", other.sphere_of_promulgation)
    _add_text(element, "TyperNotation", other.typer_notation)
    _add(element, "PromulgationAmount", str(other.promulgation_amount))
    _add(element, "PageAmount", str(other.page_amount))
    _add(element, "Direction", "true" if other.direction else "false")
    if other.appendixes:
        appendixes = _add(element, "Appendixes")
        for appendix in other.appendixes:
            _add(appendixes, "Appendix", appendix)


def _add_business(parent: etree._Element, business: Business) -> None:
    element = _add(parent, "Bussiness")
    _add_text(element, "DocumentId", business.document_id)
    _add(element, "BussinessDocType", str(int(business.doc_type)))
    _add_text(element, "BussinessDocReason", business.reason)
    _add(element, "Paper", str(business.paper))
    if business.document_info is not None:
        info = _add(element, "BussinessDocumentInfo")
        _add_text(info, "DocumentInfo", business.document_info.document_info)
        _add_text(info, "DocumentReceiver", business.document_info.document_receiver)
        if business.document_info.receivers:
            receivers = _add(info, "ReceiverList")
            for receiver in business.document_info.receivers:
                item = _add(receivers, "Receiver")
                _add(item, "OrganId", receiver.organ_id)
                _add(item, "ReceiverType", str(receiver.receiver_type))
    if business.replacement_info:
        replacements = _add(element, "ReplacementInfoList")
        for replacement in business.replacement_info:
            item = _add(replacements, "ReplacementInfo")
            _add(item, "DocumentId", replacement.document_id)
            organs = _add(item, "OrganIdList")
            for organ_id in replacement.organ_ids:
                _add(organs, "OrganId", organ_id)
    if business.staff_info is not None:
        _add_staff(element, business.staff_info)


def _add_attachments(
    root: etree._Element, envelope: etree._Element, attachments: tuple[Attachment, ...]
) -> None:
    manifest = _add(_add(envelope, "edXMLBody"), "edXMLManifest")
    manifest.set("version", "1.0")
    encoded = _add(root, "AttachmentEncoded")
    for attachment in attachments:
        reference = _add(manifest, "Reference")
        _add(reference, "ContentId", attachment.content_id)
        _add_text(reference, "ContentType", attachment.content_type)
        _add_text(reference, "Description", attachment.description)
        _add_text(reference, "AttachmentName", attachment.name)
        payload = _add(encoded, "Attachment")
        _add(payload, "ContentId", attachment.content_id)
        _add_text(payload, "AttachmentName", attachment.name)
        _add_text(payload, "Description", attachment.description)
        _add_text(payload, "ContentType", attachment.content_type)
        data = etree.SubElement(payload, _q("ContentTransferEncoded"), nsmap={PREFIX: NS})
        data.text = base64.b64encode(attachment.data).decode("ascii")


def document_key(pkg: Edoc | StatusPackage) -> str:
    """The identity a package is de-duplicated by: its DocumentId, or for a status package the
    document it reports on, its code and its time."""
    if isinstance(pkg, StatusPackage):
        return (
            f"{pkg.response_for.document_id}#status:{StatusCode(pkg.status_code).value}"
            f"@{format_timestamp(pkg.timestamp)}"
        )
    return pkg.document_id
