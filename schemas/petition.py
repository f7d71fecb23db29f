"""The structured petition (``urn:vn:gov:vpcp:pakn:petition:1``), sent as an edXML attachment.

Phản ánh, kiến nghị: systems that understand this schema read the petition from it; others read the
edXML Subject/Content summary. The portal's own ``client_ref`` stays inside the gateway and is not
written.
"""

from __future__ import annotations

from lxml import etree

from gateway.domain.petition import Category, Petition, Petitioner, PetitionerKind
from schemas.validate import Schema, validate
from schemas.values import add, children, format_utc, parse_utc, text

NS = "urn:vn:gov:vpcp:pakn:petition:1"
VERSION = "1"


def _add(parent: etree._Element, name: str, value: str) -> etree._Element:
    return add(parent, NS, name, value)


def encode_petition(p: Petition) -> etree._Element:
    """Build the petition document; empty optional petitioner fields are left out."""
    root = etree.Element(f"{{{NS}}}Petition", nsmap={None: NS})
    root.set("version", VERSION)
    _add(root, "PetitionId", p.petition_id)
    _add(root, "ReceivedAt", format_utc(p.received_at))
    _add(root, "Category", p.category.value)
    _add(root, "Title", p.title)
    _add(root, "Content", p.content)
    _add(root, "Portal", p.portal)
    petitioner = etree.SubElement(root, f"{{{NS}}}Petitioner")
    petitioner.set("kind", p.petitioner.kind.value)
    _add(petitioner, "Name", p.petitioner.name)
    for name, value in (
        ("IdNumber", p.petitioner.id_number),
        ("Phone", p.petitioner.phone),
        ("Email", p.petitioner.email),
        ("Address", p.petitioner.address),
    ):
        if value:
            _add(petitioner, name, value)
    return root


def decode_petition(root: etree._Element) -> Petition:
    """Read a petition document (text NFC-normalised, ``received_at`` aware UTC).

    Raises:
        SchemaRejected: code SCHEMA_INVALID, when it is not a valid version-1 petition.
    """
    validate(root, Schema.PETITION)
    fields = children(root)
    petitioner = fields["Petitioner"]
    person = children(petitioner)
    return Petition(
        petition_id=text(fields, "PetitionId"),
        category=Category(text(fields, "Category")),
        title=text(fields, "Title"),
        content=text(fields, "Content"),
        petitioner=Petitioner(
            PetitionerKind(petitioner.get("kind", "").strip()),
            text(person, "Name"),
            text(person, "IdNumber"),
            text(person, "Phone"),
            text(person, "Email"),
            text(person, "Address"),
        ),
        received_at=parse_utc(text(fields, "ReceivedAt")),
        portal=text(fields, "Portal"),
    )
