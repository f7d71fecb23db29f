"""schemas.petition and schemas.receipt: our own versioned schemas, and schemas.validate."""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from lxml import etree

from gateway.domain.documents import Receipt, ReceiptOutcome
from gateway.domain.petition import Category, Petition, Petitioner, PetitionerKind, nfc
from gateway.errors import ErrorCode, SchemaRejected
from schemas import xml
from schemas.petition import NS as PETITION_NS
from schemas.petition import decode_petition, encode_petition
from schemas.receipt import NS as RECEIPT_NS
from schemas.receipt import decode_receipt, encode_receipt
from schemas.validate import Schema, validate
from schemas.values import format_utc, parse_utc

DSIG = "http://www.w3.org/2000/09/xmldsig#"
HANOI = timezone(timedelta(hours=7))


# -- factories ---------------------------------------------------------------------------------


def a_petitioner(**changes: str) -> Petitioner:
    values = {
        "name": "Nguyễn Văn Mẫu",
        "id_number": "001200000001",
        "phone": "0900000001",
        "email": "mau@example.vn",
        "address": "Số 1 phố Mẫu, Hà Nội",
    }
    values.update(changes)
    return Petitioner(PetitionerKind.CITIZEN, **values)


def a_petition(**changes: object) -> Petition:
    values: dict[str, object] = {
        "petition_id": "0b6c1f9e-3a52-4d0e-9a57-3f1c2b7d9e10",
        "category": Category.POLICY,
        "title": "Thủ tục hành chính chưa phù hợp",
        "content": "Đề nghị xem xét sửa đổi quy định về thành phần hồ sơ.\nTrân trọng.",
        "petitioner": a_petitioner(),
        "received_at": datetime(2024, 5, 6, 2, 3, 4, 567000, tzinfo=UTC),
        "portal": "nguoidan",
    }
    values.update(changes)
    return Petition(**values)  # type: ignore[arg-type]


def a_receipt(**changes: object) -> Receipt:
    values: dict[str, object] = {
        "receipt_id": "7d3e2a10-5b8c-4f6e-9d1a-2c4b6e8f0a13",
        "document_id": "000.00.00.G22,2024/05/06,7/VPCP-PAKN",
        "sender": "000.00.00.G22",
        "receiver": "000.00.00.G17",
        "digest_sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "received_at": datetime(2024, 5, 6, 2, 3, 5, tzinfo=UTC),
    }
    values.update(changes)
    return Receipt(**values)  # type: ignore[arg-type]


def over_the_wire(root: etree._Element) -> etree._Element:
    return xml.parse(xml.tostring(root))


def child(root: etree._Element, ns: str, name: str) -> etree._Element:
    found = root.find(f"{{{ns}}}{name}")
    assert found is not None, name
    return found


def rejected_petition(root: etree._Element) -> SchemaRejected:
    with pytest.raises(SchemaRejected) as caught:
        decode_petition(over_the_wire(root))
    assert caught.value.code == ErrorCode.SCHEMA_INVALID
    return caught.value


def rejected_receipt(root: etree._Element) -> SchemaRejected:
    with pytest.raises(SchemaRejected) as caught:
        decode_receipt(over_the_wire(root))
    assert caught.value.code == ErrorCode.SCHEMA_INVALID
    return caught.value


# -- petitions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "petition",
    [
        a_petition(),
        a_petition(
            petitioner=Petitioner(PetitionerKind.BUSINESS, "Công ty TNHH Mẫu"),
            category=Category.PROPOSAL,
            portal="doanhnghiep",
        ),
        a_petition(
            received_at=datetime(2024, 5, 6, 9, 0, 0, tzinfo=HANOI), category=Category.CONDUCT
        ),
    ],
    ids=["citizen", "business-with-name-only", "received-in-hanoi-time"],
)
def test_a_petition_round_trips_through_bytes(petition: Petition) -> None:
    root = encode_petition(petition)

    validate(root, Schema.PETITION)
    assert decode_petition(over_the_wire(root)) == petition


def test_a_decoded_petition_has_received_at_in_utc_written_with_z() -> None:
    root = encode_petition(a_petition(received_at=datetime(2024, 5, 6, 9, 0, tzinfo=HANOI)))

    assert child(root, PETITION_NS, "ReceivedAt").text == "2024-05-06T02:00:00Z"
    assert decode_petition(root).received_at.tzinfo is UTC


def test_empty_petitioner_contact_fields_are_left_out() -> None:
    root = encode_petition(a_petition(petitioner=a_petitioner(phone="", email="")))

    petitioner = child(root, PETITION_NS, "Petitioner")
    assert [element.tag.rpartition("}")[2] for element in petitioner] == [
        "Name",
        "IdNumber",
        "Address",
    ]


def test_the_portals_client_ref_stays_inside_the_gateway() -> None:
    data = xml.tostring(encode_petition(a_petition(client_ref="portal-ref-42")))

    assert b"portal-ref-42" not in data
    assert decode_petition(xml.parse(data)).client_ref is None


def test_decomposed_petition_text_decodes_to_nfc() -> None:
    title = unicodedata.normalize("NFD", "Phản ánh về việc cấp sổ đỏ")
    name = unicodedata.normalize("NFD", "Trần Thị Hồng")
    data = xml.tostring(
        encode_petition(a_petition(title=title, petitioner=a_petitioner(name=name)))
    )
    assert title.encode() in data

    petition = decode_petition(xml.parse(data))

    assert petition.title == nfc(title) != title
    assert petition.petitioner.name == nfc(name)


def test_a_naive_received_at_cannot_be_encoded() -> None:
    with pytest.raises(ValueError, match="naive"):
        encode_petition(a_petition(received_at=datetime(2024, 5, 6, 9, 0)))


def test_a_petition_with_an_unknown_category_is_rejected() -> None:
    root = encode_petition(a_petition())
    child(root, PETITION_NS, "Category").text = "complaint"

    assert "Category" in rejected_petition(root).message


def test_a_petition_title_over_500_characters_is_rejected() -> None:
    assert "Title" in rejected_petition(encode_petition(a_petition(title="x" * 501))).message


def test_a_petition_content_over_100000_characters_is_rejected() -> None:
    root = encode_petition(a_petition(content="x" * 100_001))

    assert "Content" in rejected_petition(root).message


def test_a_petition_with_fields_out_of_order_is_rejected() -> None:
    root = encode_petition(a_petition())
    root.append(child(root, PETITION_NS, "PetitionId"))

    assert "PetitionId" in rejected_petition(root).message


@pytest.mark.parametrize(
    "text",
    [
        "2024-05-06T02:03:04",
        "2024-05-06T09:03:04+07:00",
        "2024-05-06 02:03:04Z",
        "2024-05-06T02:03:04.1234567Z",
    ],
)
def test_a_received_at_that_is_not_utc_with_z_is_rejected(text: str) -> None:
    root = encode_petition(a_petition())
    child(root, PETITION_NS, "ReceivedAt").text = text

    assert "ReceivedAt" in rejected_petition(root).message


@pytest.mark.parametrize("version", [None, "2"])
def test_a_petition_of_another_version_is_rejected(version: str | None) -> None:
    root = encode_petition(a_petition())
    if version is None:
        del root.attrib["version"]
    else:
        root.set("version", version)

    assert "version" in rejected_petition(root).message


def test_a_petitioner_of_an_unknown_kind_is_rejected() -> None:
    root = encode_petition(a_petition())
    child(root, PETITION_NS, "Petitioner").set("kind", "robot")

    assert "kind" in rejected_petition(root).message


def test_utc_helpers_keep_microseconds_and_refuse_garbage() -> None:
    moment = datetime(2024, 5, 6, 2, 3, 4, 5, tzinfo=UTC)

    assert format_utc(moment) == "2024-05-06T02:03:04.000005Z"
    assert parse_utc(format_utc(moment)) == moment
    with pytest.raises(SchemaRejected):
        parse_utc("yesterday")


# -- receipts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "receipt",
    [
        a_receipt(),
        a_receipt(
            outcome=ReceiptOutcome.REJECTED,
            reason_code="SIGNATURE_INVALID",
            reason="Chữ ký số không hợp lệ",
        ),
        a_receipt(received_at=datetime(2024, 5, 6, 9, 3, 5, 123456, tzinfo=HANOI), reason=""),
    ],
    ids=["accepted", "rejected-with-code-and-reason", "hanoi-time-empty-reason"],
)
def test_a_receipt_round_trips_through_bytes(receipt: Receipt) -> None:
    root = encode_receipt(receipt)

    validate(root, Schema.RECEIPT)
    assert decode_receipt(over_the_wire(root)) == receipt


def test_a_receipt_says_which_digest_algorithm_it_uses() -> None:
    digest = child(encode_receipt(a_receipt()), RECEIPT_NS, "Digest")

    assert digest.get("algorithm") == "sha-256"


def test_a_signed_receipt_decodes_ignoring_its_signature() -> None:
    receipt = a_receipt()
    root = encode_receipt(receipt)
    signature = etree.SubElement(root, f"{{{DSIG}}}Signature", nsmap={"ds": DSIG})
    etree.SubElement(signature, f"{{{DSIG}}}SignatureValue").text = "AAAA"

    assert root[-1] is signature
    assert decode_receipt(over_the_wire(root)) == receipt


def test_an_element_after_the_signature_is_rejected() -> None:
    root = encode_receipt(a_receipt())
    etree.SubElement(root, f"{{{DSIG}}}Signature")
    etree.SubElement(root, f"{{{RECEIPT_NS}}}Reason").text = "late"

    assert "Reason" in rejected_receipt(root).message


def test_a_signature_outside_the_xmldsig_namespace_is_rejected() -> None:
    root = encode_receipt(a_receipt())
    etree.SubElement(root, "{urn:evil}Signature")

    assert "Signature" in rejected_receipt(root).message


@pytest.mark.parametrize("digest", [a_receipt().digest_sha256.upper(), "9f86d0", "z" * 64])
def test_a_digest_that_is_not_64_lowercase_hex_is_rejected(digest: str) -> None:
    assert "Digest" in rejected_receipt(encode_receipt(a_receipt(digest_sha256=digest))).message


def test_a_digest_algorithm_other_than_sha256_is_rejected() -> None:
    root = encode_receipt(a_receipt())
    child(root, RECEIPT_NS, "Digest").set("algorithm", "sha-1")

    assert "algorithm" in rejected_receipt(root).message


def test_a_receipt_with_an_unknown_outcome_is_rejected() -> None:
    root = encode_receipt(a_receipt())
    child(root, RECEIPT_NS, "Outcome").text = "maybe"

    assert "Outcome" in rejected_receipt(root).message


def test_a_receipt_without_receiver_is_rejected() -> None:
    root = encode_receipt(a_receipt())
    root.remove(child(root, RECEIPT_NS, "Receiver"))

    assert "Receiver" in rejected_receipt(root).message


def test_a_decoded_receipt_has_received_at_in_utc() -> None:
    receipt = a_receipt(received_at=datetime(2024, 5, 6, 9, 0, tzinfo=HANOI))

    decoded = decode_receipt(over_the_wire(encode_receipt(receipt)))

    assert decoded.received_at.tzinfo is UTC
    assert decoded == replace(receipt, received_at=datetime(2024, 5, 6, 2, 0, tzinfo=UTC))


# -- validation --------------------------------------------------------------------------------


def test_a_document_of_one_schema_is_rejected_by_another() -> None:
    with pytest.raises(SchemaRejected) as caught:
        validate(encode_receipt(a_receipt()), Schema.PETITION)

    assert caught.value.code == ErrorCode.SCHEMA_INVALID
    assert "pakn-petition-1.xsd" in caught.value.message


def test_concurrent_validations_each_report_their_own_first_error() -> None:
    def broken(i: int) -> bytes:
        root = encode_receipt(a_receipt())
        etree.SubElement(root, f"{{{RECEIPT_NS}}}Extra{i}")
        return xml.tostring(root)

    documents = {i: xml.parse(broken(i)) for i in range(8)}
    messages: dict[int, list[str]] = {i: [] for i in documents}

    def work(i: int) -> None:
        for _ in range(50):
            try:
                validate(documents[i], Schema.RECEIPT)
            except SchemaRejected as e:
                messages[i].append(e.message)

    threads = [threading.Thread(target=work, args=(i,)) for i in documents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    for i, seen in messages.items():
        assert len(seen) == 50
        assert all(f"Extra{i}'" in message for message in seen)
