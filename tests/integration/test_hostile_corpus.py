"""Every document of the hostile corpus (tests/integration/hostile_cases.py) is refused with its
expected code — the same code in the error, our signed rejection receipt and the audit event — in
bounded time and memory, and changes no petition, case, delivery, document or outbox row. Replays
get the original receipt back. On SQLite and on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import resource
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from sqlalchemy import create_engine, func, select, text

from gateway.bootstrap import bootstrap
from gateway.config import Settings
from gateway.domain.documents import ReceiptOutcome
from gateway.errors import ErrorCode, Rejected
from gateway.service.admin import add_agency
from gateway.service.inbound import accept_document
from gateway.service.intake import submit_petition
from gateway.service.services import Services
from gateway.service.signatures import verify_signed
from gateway.store import tables as t
from schemas import edxml, xml
from schemas.receipt import decode_receipt
from signing import DevPki, KeyPair, load_key_pair
from signing.binding import subject_for
from signing.pki import generate_key, issue_certificate
from signing.revocation import LocalRevocation, serial_hex
from tests import signer_certs
from tests.conftest import AGENCY_A, AGENCY_B, PG_ADMIN_URL, new_petition, require_service
from tests.integration.hostile_cases import CASES, DUPLICATE, Case, Kit, signed_status_for
from tests.interop import INTEROP

SAMPLES = sorted(INTEROP.glob("*.edxml")) if INTEROP.is_dir() else []

MAX_SECONDS = 2.0
MAX_PYTHON_MEMORY = 64 * 1024 * 1024
MAX_RSS_GROWTH_KIB = 128 * 1024


def test_the_corpus_is_big_enough_and_covers_every_listed_attack() -> None:
    names = {case.name for case in CASES}
    assert len(CASES) >= 40 and len(names) == len(CASES)
    assert len([c for c in CASES if c.name.startswith("wrap-")]) >= 8
    for needed in (
        "xxe-file",
        "xxe-network",
        "billion-laughs",
        "quadratic-blowup",
        "deep-nesting",
        "oversize",
        "external-dtd",
        "xinclude",
        "pi-before-root",
        "stripped-signature",
        "key-not-matching-certificate",
        "self-signed",
        "expired",
        "not-yet-valid",
        "revoked-local",
        "revoked-crl",
        "another-agencys-certificate",
        "sha1-not-legacy",
        "rsa-1024",
        "ec-p521",
        "ed25519-certificate",
        "ca-signer",
        "tls-server-certificate",
        "replay-identical",
        "wrong-recipient-reply",
        "wrong-recipient-reply-response-for",
        "timestamp-year-1",
        "timestamp-2099",
        "invalid-utf8",
    ):
        assert needed in names


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'gateway.db'}"
        return
    require_service("PostgreSQL", "127.0.0.1", 5432)
    name = f"pakn_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> DevPki:
    """A PKI of this module's own: the corpus writes a revocation list and a CRL into it."""
    dev = DevPki(tmp_path_factory.mktemp("hostile-pki"))
    dev.init()
    dev.issue(*AGENCY_A)  # RSA: the SHA-1 and raw signxml cases sign with it
    dev.issue(*AGENCY_B, key_type="ec")
    return dev


@pytest.fixture(scope="module")
def world(
    database: str, pki: DevPki, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Services, Kit]]:
    settings = Settings(
        home=tmp_path_factory.mktemp("home"),
        pki_dir=pki.directory,
        database_url=database,
        max_document_bytes=1_000_000,
    )
    svc = bootstrap(settings)
    for organ_id, name in (AGENCY_A, AGENCY_B):
        add_agency(svc, organ_id, name)
    transfers = []
    for i, organ_id in enumerate((AGENCY_A[0], AGENCY_B[0])):
        petition_id = submit_petition(svc, new_petition(i, route_to=(organ_id,))).petition_id
        with svc.store.unit_of_work() as uow:
            transfers.append(uow.cases.for_petition(petition_id)[0].transfer_doc_key)
    kit = _kit(svc, pki, transfers[0], transfers[1], tmp_path_factory.mktemp("stranger"))
    accept_document(svc, kit.accepted)
    try:
        yield svc, kit
    finally:
        svc.close()


def _kit(svc: Services, pki: DevPki, transfer: str, other_transfer: str, stranger_dir: Path) -> Kit:
    now = datetime.now(UTC)
    ca = load_key_pair(pki.ca_key_path, pki.ca_path)

    def issued(
        organ_id: str = AGENCY_A[0],
        *,
        before: timedelta = timedelta(hours=1),
        after: timedelta = timedelta(days=30),
    ) -> KeyPair:
        return pki.issue_key_pair(
            organ_id, "Bộ Xây dựng", not_before=now - before, not_after=now + after, key_type="ec"
        )

    def policy_breaking(name: str) -> KeyPair:
        return signer_certs.issue(signer_certs.variant(name), ca)

    key = generate_key("ec")
    self_signed = issue_certificate(
        subject_for(AGENCY_A[0], "Bộ Xây dựng"),
        key.public_key(),
        issuer_key=key,
        issuer_certificate=None,
        not_before=now - timedelta(hours=1),
        not_after=now + timedelta(days=30),
    )
    unbound_key = generate_key("ec")
    unbound = issue_certificate(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Bộ Xây dựng")]),
        unbound_key.public_key(),
        issuer_key=ca.private_key,
        issuer_certificate=ca.certificate,
        not_before=now - timedelta(hours=1),
        not_after=now + timedelta(days=30),
    )
    stranger = DevPki(stranger_dir)
    stranger.init()
    revoked_locally, revoked_by_crl = issued(), issued()
    svc.verifier.trust.revocations.add_local(
        LocalRevocation(
            issuer=revoked_locally.certificate.issuer.rfc4514_string(),
            serial=serial_hex(revoked_locally.certificate),
            organ_id=AGENCY_A[0],
            revoked_at="2026-01-01T00:00:00Z",
            reason="key compromise",
        )
    )
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.certificate.subject)
        .last_update(now - timedelta(hours=1))
        .next_update(now + timedelta(days=7))
        .add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(revoked_by_crl.certificate.serial_number)
            .revocation_date(now - timedelta(minutes=5))
            .build()
        )
        .sign(ca.private_key, hashes.SHA256())
    )
    svc.settings.crl_path.mkdir(parents=True, exist_ok=True)
    (svc.settings.crl_path / "dev-ca.crl").write_bytes(crl.public_bytes(Encoding.DER))
    local_now = now.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).replace(tzinfo=None, microsecond=0)
    kit = Kit(
        transfer_key=transfer,
        other_transfer_key=other_transfer,
        now=local_now,
        agency=load_key_pair(*pki.agency_paths(AGENCY_A[0])),
        other=load_key_pair(*pki.agency_paths(AGENCY_B[0])),
        unbound=KeyPair(unbound_key, unbound),
        expired=issued(before=timedelta(days=400), after=-timedelta(days=1)),
        not_yet_valid=issued(before=-timedelta(days=1)),
        revoked_locally=revoked_locally,
        revoked_by_crl=revoked_by_crl,
        self_signed=KeyPair(key, self_signed),
        stranger=stranger.issue_key_pair(
            AGENCY_A[0],
            "Bộ Xây dựng",
            not_before=now - timedelta(hours=1),
            not_after=now + timedelta(days=30),
        ),
        unknown_agency=issued("000.00.00.G99"),
        weak_rsa=policy_breaking("rsa-1024"),
        wrong_curve=policy_breaking("ec-p521"),
        wrong_key_type=policy_breaking("ed25519"),
        ca_signer=policy_breaking("ca-true"),
        tls_only=policy_breaking("eku-server-auth-only"),
        accepted=b"",
        accepted_root=None,  # type: ignore[arg-type]
    )
    kit.accepted, kit.accepted_root = signed_status_for(kit)
    return kit


def snapshot(svc: Services) -> dict[str, Any]:
    """Every business table's content (audit events: all but the rejections)."""
    with svc.store.engine.connect() as c:
        state: dict[str, Any] = {
            table.name: sorted(map(repr, c.execute(select(table)).all()))
            for table in (t.documents, t.cases, t.petitions, t.deliveries, t.outbox, t.agencies)
        }
        state["audit"] = c.execute(
            select(func.count())
            .select_from(t.audit_events)
            .where(t.audit_events.c.action != "document.rejected")
        ).scalar_one()
    return state


def rejection_events(svc: Services) -> list[dict[str, Any]]:
    with svc.store.engine.connect() as c:
        rows = c.execute(
            select(t.audit_events.c.details)
            .where(t.audit_events.c.action == "document.rejected")
            .order_by(t.audit_events.c.seq)
        )
        return [row.details for row in rows]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_hostile_document_is_refused_with_its_code_and_changes_nothing(
    world: tuple[Services, Kit], case: Case
) -> None:
    svc, kit = world
    body = case.build(kit)
    before, events_before = snapshot(svc), len(rejection_events(svc))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    tracemalloc.start()
    started = time.perf_counter()
    try:
        outcome: Any = accept_document(svc, body)
    except Rejected as e:
        outcome = e
    finally:
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

    assert elapsed < MAX_SECONDS, f"{case.name} took {elapsed:.2f} s"
    assert peak < MAX_PYTHON_MEMORY, f"{case.name} allocated {peak / 2**20:.0f} MiB"
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before < MAX_RSS_GROWTH_KIB
    assert snapshot(svc) == before
    if case.expected == DUPLICATE:
        assert not isinstance(outcome, Exception), outcome
        assert outcome.duplicate
        original = accept_document(svc, kit.accepted)
        assert outcome.receipt == original.receipt and outcome.document_id == original.document_id
        assert len(rejection_events(svc)) == events_before
        return
    assert_refused_consistently(svc, body, outcome, case.expected, events_before, case.name)


def assert_refused_consistently(
    svc: Services, body: bytes, outcome: Any, expected: str, events_before: int, name: str
) -> None:
    """Refused with ``expected``: in the error, our signed receipt, and one audit event."""
    assert isinstance(outcome, Rejected), f"{name} was accepted"
    assert outcome.code == expected, f"{name}: {outcome}"
    receipt = decode_receipt(
        verify_signed(svc.trust, xml.parse(outcome.receipt), svc.organ_id, legacy=False).signed_root
    )
    assert receipt.outcome == ReceiptOutcome.REJECTED
    assert receipt.reason_code == expected
    assert receipt.digest_sha256 == hashlib.sha256(body).hexdigest()
    assert receipt.receiver == svc.organ_id
    events = rejection_events(svc)
    assert len(events) == events_before + 1
    assert events[-1]["code"] == expected
    assert events[-1]["receipt_id"] == receipt.receipt_id


@pytest.mark.skipif(not SAMPLES, reason=f"official samples not found in {INTEROP}")
@pytest.mark.parametrize("sample", SAMPLES, ids=[p.name for p in SAMPLES])
def test_an_official_sample_parses_and_is_refused_for_its_signature_not_a_crash(
    world: tuple[Services, Kit], sample: Path
) -> None:
    """The SDK samples sign RSA-SHA1 with truncated certificates, in a <Signature> outside the
    XML-DSig namespace: they parse, decode, and are refused as unsigned, changing nothing."""
    svc, _ = world
    body = sample.read_bytes()
    edxml.decode(xml.parse(body))  # still parses and decodes
    before, events_before = snapshot(svc), len(rejection_events(svc))
    with pytest.raises(Rejected) as caught:
        accept_document(svc, body)
    assert snapshot(svc) == before
    assert_refused_consistently(
        svc, body, caught.value, ErrorCode.SIGNATURE_MISSING, events_before, sample.name
    )


def test_a_comment_splitting_signed_text_does_not_change_what_is_read(
    world: tuple[Services, Kit],
) -> None:
    """The SAML-style attack: c14n ignores comments, so a comment inserted into signed text keeps
    the signature valid; a reader that stopped at the comment would see a different value. Our
    parser drops comments, so the gateway reads the value that was signed."""
    from tests.integration.hostile_cases import sign, status

    svc, kit = world
    body = sign(status(kit, description="Chờ xử lý", seconds=45), kit.agency)
    spliced = body.replace(b"<edXML:OrganId>000.00.00.G1", b"<edXML:OrganId>000.00.00.G1<!---->")
    assert spliced != body

    accepted = accept_document(svc, spliced)

    assert not accepted.duplicate
    with svc.store.unit_of_work() as uow:
        stored = uow.documents.get(accepted.document_id)
    assert stored is not None and stored.sender == AGENCY_A[0]


def test_a_replay_of_the_exact_bytes_gets_the_original_receipt_even_after_revocation(
    world: tuple[Services, Kit], pki: DevPki
) -> None:
    from tests.integration.hostile_cases import sign, status

    svc, kit = world
    now = datetime.now(UTC)
    pair = pki.issue_key_pair(
        AGENCY_A[0],
        "Bộ Xây dựng",
        not_before=now - timedelta(hours=1),
        not_after=now + timedelta(days=30),
        key_type="ec",
    )
    root = status(kit, description="Đã đến (khóa sắp bị thu hồi)", seconds=50)
    body = sign(root, pair)
    original = accept_document(svc, body)
    svc.verifier.trust.revocations.add_local(
        LocalRevocation(
            issuer=pair.certificate.issuer.rfc4514_string(),
            serial=serial_hex(pair.certificate),
            organ_id=AGENCY_A[0],
            revoked_at="2026-11-22T00:00:00Z",
            reason="key compromise",
        )
    )
    before = snapshot(svc)

    replayed = accept_document(svc, body)

    assert replayed.duplicate and replayed.receipt == original.receipt
    assert snapshot(svc) == before
    root.find(".//{*}Description").text = "Ký lại bằng khóa đã thu hồi"
    with pytest.raises(Rejected) as caught:
        accept_document(svc, sign(root, pair))
    assert caught.value.code == ErrorCode.CERT_REVOKED
    assert snapshot(svc) == before
