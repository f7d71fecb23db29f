"""Documents: the exact bytes sent and received."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from gateway.store import tables as t
from gateway.store.base import _Repository


@dataclass(frozen=True)
class StoredDocument:
    """A document as the exact bytes sent or received, with their SHA-256."""

    document_id: str
    direction: str  # "in" | "out"
    kind: str
    doc_key: str
    sender: str
    recipient: str
    sha256: str
    body: bytes
    created_at: datetime
    petition_id: str | None = None
    case_id: int | None = None
    signer: str | None = None
    signature_algorithm: str | None = None
    receipt_id: str | None = None


class DocumentRepository(_Repository):
    def add(self, doc: StoredDocument) -> None:
        self.c.execute(
            insert(t.documents).values(
                document_id=doc.document_id,
                direction=doc.direction,
                kind=doc.kind,
                doc_key=doc.doc_key,
                sender=doc.sender,
                recipient=doc.recipient,
                petition_id=doc.petition_id,
                case_id=doc.case_id,
                sha256=doc.sha256,
                size=len(doc.body),
                body=doc.body,
                signer=doc.signer,
                signature_algorithm=doc.signature_algorithm,
                receipt_id=doc.receipt_id,
                created_at=doc.created_at,
            )
        )

    def get(self, document_id: str) -> StoredDocument | None:
        row = self.c.execute(
            select(t.documents).where(t.documents.c.document_id == document_id)
        ).first()
        return _document(row) if row else None

    def find(self, direction: str, sender: str, doc_key: str) -> StoredDocument | None:
        row = self.c.execute(
            select(t.documents).where(
                t.documents.c.direction == direction,
                t.documents.c.sender == sender,
                t.documents.c.doc_key == doc_key,
            )
        ).first()
        return _document(row) if row else None

    def find_by_digest(self, direction: str, sha256: str) -> StoredDocument | None:
        row = self.c.execute(
            select(t.documents).where(
                t.documents.c.direction == direction, t.documents.c.sha256 == sha256
            )
        ).first()
        return _document(row) if row else None

    def for_petition(self, petition_id: str) -> list[StoredDocument]:
        rows = self.c.execute(
            select(t.documents)
            .where(t.documents.c.petition_id == petition_id)
            .order_by(t.documents.c.created_at)
        )
        return [_document(row) for row in rows]

    def set_receipt(self, document_id: str, receipt_id: str) -> None:
        self.c.execute(
            update(t.documents)
            .where(t.documents.c.document_id == document_id)
            .values(receipt_id=receipt_id)
        )


def _document(row: Any) -> StoredDocument:
    return StoredDocument(
        row.document_id,
        row.direction,
        row.kind,
        row.doc_key,
        row.sender,
        row.recipient,
        row.sha256,
        bytes(row.body),
        row.created_at,
        row.petition_id,
        row.case_id,
        row.signer,
        row.signature_algorithm,
        row.receipt_id,
    )
