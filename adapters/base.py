"""The Adapter port.

``deliver`` hands one signed edXML document to the agency system and returns what it answered,
as evidence. It raises :class:`~gateway.errors.TransientDeliveryError` when trying again later may
work (timeout, connection refused, 5xx, 429) and :class:`~gateway.errors.PermanentDeliveryError`
when it never will (4xx, a SOAP client fault, the agency rejected the document). It never returns
on failure and never raises anything else.

Every kind shipped (``soap``, ``rest``) and an in-memory one pass the same contract suite,
``tests/integration/test_adapter_contract.py``. ``pull`` is not an adapter: nothing is pushed, the
document waits in the agency's inbox (see :mod:`adapters.pull` and
:class:`adapters.registry.DeliveryMode`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class OutboundDocument:
    delivery_id: str
    organ_id: str
    doc_key: str
    """The edXML DocumentId."""
    sha256: str
    body: bytes
    """The exact signed bytes, sent unchanged."""


@dataclass(frozen=True)
class Envelopes:
    """The exact bytes of one request and its answer (a SOAP exchange), kept as evidence.

    Adapters attach them to their :class:`AdapterResponse`, and to a delivery error as its
    ``envelopes`` context, so that failed attempts are provable too."""

    request: bytes
    response: bytes | None = None


@dataclass(frozen=True)
class AdapterResponse:
    """What the agency system answered: kept as delivery evidence."""

    status: str
    """Short protocol outcome, e.g. "HTTP 200"."""
    body: bytes
    content_type: str = ""
    elapsed_ms: float = 0.0
    envelopes: Envelopes | None = None


class Adapter(ABC):
    kind: ClassVar[str]
    secret_fields: ClassVar[frozenset[str]] = frozenset()
    """Config fields never printed back (tokens, passwords)."""
    summary: ClassVar[str] = ""
    """One line for ``gateway adapter kinds``."""

    @classmethod
    @abstractmethod
    def from_config(cls, config: Mapping[str, Any], *, timeout: float) -> Adapter:
        """Build an instance from stored configuration.

        Raises:
            InputInvalid: the configuration is incomplete or wrong (named field, why).
        """

    @abstractmethod
    def deliver(self, document: OutboundDocument) -> AdapterResponse:
        """Deliver one document. Raises TransientDeliveryError or PermanentDeliveryError."""

    def check(self) -> str:
        """Check, without delivering anything, that the agency system can be used as configured
        (for SOAP: the WSDL loads and has the operation). Returns a one-line diagnosis.

        Raises:
            InputInvalid: it cannot (named reason).
        """
        return "configuration is complete"

    def probe(self) -> str | None:
        """Reach the agency system without sending a document (for a dry-run test); None when
        this kind has nothing to reach. Raises TransientDeliveryError when it cannot."""
        return None

    def status(self, doc_key: str) -> str | None:
        """What the agency system says about a document it was sent, if this kind can ask
        (SOAP with a ``status_operation``); None when it cannot."""
        return None

    def close(self) -> None:  # noqa: B027 — optional hook, nothing to release by default
        """Release connections."""

    @classmethod
    def redact(cls, config: Mapping[str, Any]) -> dict[str, Any]:
        """The configuration with secrets masked, for display."""
        return {k: ("••••" if k in cls.secret_fields and v else v) for k, v in config.items()}
