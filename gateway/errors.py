"""The gateway's errors, split by what the caller must do about them.

Every rejection carries one stable :class:`ErrorCode`; the same code appears in the HTTP problem
body, in a rejection receipt, on the CLI's error line and in the audit event. Codes are part of the
product: never rename one, only add.

    GatewayError
    ├── Rejected                  the input is wrong; answer 4xx, never retry, change nothing
    │   ├── XmlRejected           hostile or malformed XML (XML_*)
    │   ├── SchemaRejected        well-formed but not what QCVN 102 / our schemas allow
    │   ├── SignatureRejected     signature or certificate not acceptable (SIGNATURE_*, CERT_*)
    │   ├── BodyTooLarge          the request body is over the size limit (413)
    │   ├── InputInvalid          a JSON or CLI field is wrong
    │   ├── NotFound              the thing named does not exist (or is not yours to see)
    │   ├── Unauthorized          no valid credentials (401)
    │   ├── Forbidden             valid credentials, but not for this (403)
    │   ├── Conflict              the request clashes with current state (409)
    │   ├── IllegalTransition     a case cannot move that way (409)
    │   └── ReceiptRejected       a receipt an agency hands us does not match or verify (422)
    ├── DeliveryError             an agency system did not take a document
    │   ├── TransientDeliveryError   try again later (timeout, 5xx, connection refused)
    │   └── PermanentDeliveryError   will never work as is (4xx, SOAP client fault); dead-letter
    ├── TransportError            the message transport failed
    │   └── TransportUnavailable  the broker/queue cannot be reached now (503, retry)
    ├── DatabaseBusy              the database write lock was not free in time (503, retry)
    ├── ConfigurationError        the gateway itself is set up wrong (missing key, bad URL)
    └── IntegrityBroken           the audit trail, a seal, a stored document or a bundle does
                                  not verify (AUDIT_*, DOCUMENT_TAMPERED, BUNDLE_INVALID)

What an error says beyond its code and message is a typed attribute of its class, given as a
keyword when it is raised: ``envelopes`` on delivery errors, ``receipt`` on a rejected inbound
document, ``case_id``/``current``/``target`` on conflicts, ``line`` on schema errors, ``path`` on
configuration errors.

Library exceptions are translated at the boundary with ``raise … from e``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol


class ErrorCode(StrEnum):
    """Stable machine-readable reason codes."""

    # hostile or malformed XML
    XML_MALFORMED = "XML_MALFORMED"
    XML_ENCODING = "XML_ENCODING"
    XML_TOO_LARGE = "XML_TOO_LARGE"
    XML_TOO_DEEP = "XML_TOO_DEEP"
    XML_DTD_FORBIDDEN = "XML_DTD_FORBIDDEN"
    XML_FORBIDDEN_CONSTRUCT = "XML_FORBIDDEN_CONSTRUCT"
    # schema
    SCHEMA_INVALID = "SCHEMA_INVALID"
    # signatures and certificates
    SIGNATURE_MISSING = "SIGNATURE_MISSING"
    SIGNATURE_INVALID = "SIGNATURE_INVALID"
    SIGNATURE_ALGORITHM_REFUSED = "SIGNATURE_ALGORITHM_REFUSED"
    SIGNATURE_REFERENCE_INVALID = "SIGNATURE_REFERENCE_INVALID"
    CERT_UNTRUSTED = "CERT_UNTRUSTED"
    CERT_EXPIRED = "CERT_EXPIRED"
    CERT_NOT_YET_VALID = "CERT_NOT_YET_VALID"
    CERT_REVOKED = "CERT_REVOKED"
    CERT_ORGAN_MISMATCH = "CERT_ORGAN_MISMATCH"
    KEY_TOO_WEAK = "KEY_TOO_WEAK"  # RSA under 2048 bits
    KEY_CURVE_REFUSED = "KEY_CURVE_REFUSED"  # EC on a curve other than P-256/P-384
    KEY_TYPE_REFUSED = "KEY_TYPE_REFUSED"  # neither RSA nor EC
    CERT_CA_SIGNER = "CERT_CA_SIGNER"  # a CA certificate (CA:TRUE) used to sign a document
    CERT_USAGE_REFUSED = "CERT_USAGE_REFUSED"  # extended key usage does not allow signing
    # time
    TIMESTAMP_INVALID = "TIMESTAMP_INVALID"  # outside the window around the gateway's clock
    # addressing and references
    UNKNOWN_AGENCY = "UNKNOWN_AGENCY"
    WRONG_RECIPIENT = "WRONG_RECIPIENT"
    UNKNOWN_DOCUMENT = "UNKNOWN_DOCUMENT"
    NOT_YOUR_CASE = "NOT_YOUR_CASE"
    # requests
    INPUT_INVALID = "INPUT_INVALID"
    BODY_TOO_LARGE = "BODY_TOO_LARGE"
    BODY_TIMEOUT = "BODY_TIMEOUT"  # the body did not arrive within GATEWAY_BODY_SECONDS
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    NOT_FOUND = "NOT_FOUND"
    AUTH_REQUIRED = "AUTH_REQUIRED"
    FORBIDDEN = "FORBIDDEN"
    CSRF_INVALID = "CSRF_INVALID"  # a console form without its session's CSRF token
    LOGIN_THROTTLED = "LOGIN_THROTTLED"  # too many failed logins for one user name
    CONFLICT = "CONFLICT"
    IDEMPOTENCY_CONFLICT = "IDEMPOTENCY_CONFLICT"  # a client_ref reused with a different body
    ILLEGAL_TRANSITION = "ILLEGAL_TRANSITION"
    # infrastructure
    TRANSPORT_UNAVAILABLE = "TRANSPORT_UNAVAILABLE"
    DATABASE_BUSY = "DATABASE_BUSY"  # the database write lock was not free in time (503)
    MAINTENANCE = "MAINTENANCE"  # intake paused for maintenance (503 + Retry-After)
    CONFIGURATION = "CONFIGURATION"
    DELIVERY_TRANSIENT = "DELIVERY_TRANSIENT"
    DELIVERY_PERMANENT = "DELIVERY_PERMANENT"
    DELIVERY_EXHAUSTED = "DELIVERY_EXHAUSTED"
    RECEIPT_MISMATCH = "RECEIPT_MISMATCH"
    MESSAGE_UNDECODABLE = "MESSAGE_UNDECODABLE"
    # audit trail and evidence
    AUDIT_CHAIN_BROKEN = "AUDIT_CHAIN_BROKEN"
    AUDIT_SEAL_INVALID = "AUDIT_SEAL_INVALID"
    DOCUMENT_TAMPERED = "DOCUMENT_TAMPERED"
    BUNDLE_INVALID = "BUNDLE_INVALID"


class GatewayError(Exception):
    """Base of every error the gateway raises on purpose."""

    code: ErrorCode = ErrorCode.CONFIGURATION
    http_status: int = 500

    def __init__(self, message: str, *, code: ErrorCode | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class Rejected(GatewayError):
    """The input is wrong. Answer 4xx, never retry, leave no state behind."""

    code = ErrorCode.INPUT_INVALID
    http_status = 400

    def __init__(self, message: str, *, code: ErrorCode | None = None) -> None:
        super().__init__(message, code=code)
        self.receipt: bytes | None = None
        """Our signed rejection receipt naming the same code, when the refused input was an
        inbound edXML document (set by ``gateway.service.inbound``; the API returns it)."""


class XmlRejected(Rejected):
    code = ErrorCode.XML_MALFORMED


class SchemaRejected(Rejected):
    code = ErrorCode.SCHEMA_INVALID
    http_status = 422

    def __init__(
        self, message: str, *, code: ErrorCode | None = None, line: int | None = None
    ) -> None:
        super().__init__(message, code=code)
        self.line = line
        """The line of the first schema error, when a schema validation found it."""


class SignatureRejected(Rejected):
    code = ErrorCode.SIGNATURE_INVALID
    http_status = 422


class BodyTooLarge(Rejected):
    code = ErrorCode.BODY_TOO_LARGE
    http_status = 413


class InputInvalid(Rejected):
    code = ErrorCode.INPUT_INVALID
    http_status = 422


class NotFound(Rejected):
    code = ErrorCode.NOT_FOUND
    http_status = 404


class Unauthorized(Rejected):
    """No credentials, or credentials we do not know (HTTP 401)."""

    code = ErrorCode.AUTH_REQUIRED
    http_status = 401


class Forbidden(Rejected):
    """Known credentials that do not allow this (HTTP 403)."""

    code = ErrorCode.FORBIDDEN
    http_status = 403


class TooManyRequests(Rejected):
    """Refused for a while (HTTP 429): too many failed logins for one user name."""

    code = ErrorCode.LOGIN_THROTTLED
    http_status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Conflict(Rejected):
    code = ErrorCode.CONFLICT
    http_status = 409

    def __init__(
        self, message: str, *, code: ErrorCode | None = None, case_id: int | None = None
    ) -> None:
        super().__init__(message, code=code)
        self.case_id = case_id
        """The case the request clashes with, when it is about one."""


class IllegalTransition(Conflict):
    code = ErrorCode.ILLEGAL_TRANSITION

    def __init__(
        self,
        message: str,
        *,
        code: ErrorCode | None = None,
        case_id: int | None = None,
        current: str | None = None,
        target: str | None = None,
    ) -> None:
        super().__init__(message, code=code, case_id=case_id)
        self.current = current
        """The state the case is in (a ``CaseState`` value)."""
        self.target = target
        """The state it was asked to move to."""


class IdempotencyConflict(Conflict):
    """A client_ref reused with a different body (HTTP 409); the same body answers 200."""

    code = ErrorCode.IDEMPOTENCY_CONFLICT


class ReceiptRejected(Rejected):
    """A signed receipt the agency itself presents (e.g. with an inbox acknowledgement) names
    other bytes or is not validly signed by it: the caller's fault (HTTP 422). When the receipt is
    an agency system's answer to our push delivery, the delivery path turns this into a
    :class:`PermanentDeliveryError` with the same code."""

    code = ErrorCode.RECEIPT_MISMATCH
    http_status = 422


class Exchanged(Protocol):
    """The exact bytes of one request to an agency system and its answer, kept as evidence
    (``adapters.base.Envelopes``; this module imports nothing but the standard library)."""

    @property
    def request(self) -> bytes: ...

    @property
    def response(self) -> bytes | None: ...


class DeliveryError(GatewayError):
    """An agency system did not take a document."""

    code = ErrorCode.DELIVERY_TRANSIENT
    http_status = 502

    def __init__(
        self, message: str, *, code: ErrorCode | None = None, envelopes: Exchanged | None = None
    ) -> None:
        super().__init__(message, code=code)
        self.envelopes = envelopes
        """The exact exchange of the failed attempt, when the adapter captured it."""


class TransientDeliveryError(DeliveryError):
    """Worth trying again later: timeout, 5xx, refused connection."""

    code = ErrorCode.DELIVERY_TRANSIENT


class PermanentDeliveryError(DeliveryError):
    """Will never succeed as is: 4xx, SOAP client fault, the agency rejected the document."""

    code = ErrorCode.DELIVERY_PERMANENT


class TransportError(GatewayError):
    code = ErrorCode.TRANSPORT_UNAVAILABLE
    http_status = 503


class TransportUnavailable(TransportError):
    """The broker or queue cannot be reached now; callers may retry."""


class ConfigurationError(GatewayError):
    code = ErrorCode.CONFIGURATION
    http_status = 500

    def __init__(
        self,
        message: str,
        *,
        code: ErrorCode | None = None,
        path: str | None = None,
        key_path: str | None = None,
        cert_path: str | None = None,
    ) -> None:
        super().__init__(message, code=code)
        self.path = path
        """The file that is missing, unreadable or wrong."""
        self.key_path = key_path
        """A private key file that does not match :attr:`cert_path`."""
        self.cert_path = cert_path


class IntegrityBroken(GatewayError):
    """Evidence does not verify: the audit chain, a seal, a stored document or a bundle."""

    code = ErrorCode.AUDIT_CHAIN_BROKEN
    http_status = 500


class StoreConflict(GatewayError):
    """The database refused a write for one of its constraints — usually because a concurrent
    writer stored the same thing first (a unique key). The store raises it in place of the
    driver's error, so that callers look for the winner without knowing SQL (HTTP 409)."""

    code = ErrorCode.CONFLICT
    http_status = 409


class InMaintenance(GatewayError):
    """Intake is paused for maintenance (`gateway maintenance on`): try again later (503)."""

    code = ErrorCode.MAINTENANCE
    http_status = 503


class DatabaseBusy(GatewayError):
    """The database's write lock was not free in time; the caller may retry (503 + Retry-After)."""

    code = ErrorCode.DATABASE_BUSY
    http_status = 503
