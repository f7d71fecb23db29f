"""Migration 0007: outgoing documents recorded as 'rsa-sha256' get the algorithm their own signed
bytes name (an ECDSA gateway key was recorded as RSA)."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from gateway.store.db import alembic_config, make_engine, upgrade
from tests.conftest import utc

ECDSA = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
RSA = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"


def body(method: str | None) -> bytes:
    signature = (
        f'<ds:Signature><ds:SignedInfo><ds:SignatureMethod Algorithm="{method}"/>'
        "</ds:SignedInfo></ds:Signature>"
        if method
        else ""
    )
    return f"<edXML>{signature}</edXML>".encode()


def test_outgoing_rows_get_the_algorithm_of_their_own_signature(db_url):
    engine = make_engine(db_url)
    try:
        config = alembic_config(engine.url.render_as_string(hide_password=False))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0006")
        rows = {
            "ec-out": ("out", body(ECDSA), "rsa-sha256"),
            "rsa-out": ("out", body(RSA), "rsa-sha256"),
            "unsigned-out": ("out", body(None), "rsa-sha256"),
            "in": ("in", body(ECDSA), RSA),  # inbound rows already name what was verified
        }
        with engine.begin() as c:
            for document_id, (direction, content, algorithm) in rows.items():
                c.execute(
                    text(
                        "INSERT INTO documents (document_id, direction, kind, doc_key, sender, "
                        "recipient, sha256, size, body, signature_algorithm, created_at) VALUES "
                        "(:id, :direction, 'edoc', :id, 'G22', 'G17', 'x', 1, :body, :alg, :at)"
                    ),
                    {
                        "id": document_id,
                        "direction": direction,
                        "body": content,
                        "alg": algorithm,
                        "at": utc(2026, 1, 5),
                    },
                )
        upgrade(engine)
        with engine.connect() as c:
            found = dict(
                c.execute(text("SELECT document_id, signature_algorithm FROM documents")).all()
            )
        assert found == {"ec-out": ECDSA, "rsa-out": RSA, "unsigned-out": None, "in": RSA}
    finally:
        engine.dispose()
