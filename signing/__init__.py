"""XML signatures for the gateway: keys, signing, verification, trust, and a development PKI.

    from signing import DevPki, TrustStore, Verifier, XmlSigner, load_key_pair

    signer = XmlSigner(load_key_pair(key_path, cert_path))       # once, at start-up
    body = signer.sign(root, parent=header)                       # enveloped, URI=""
    verified = Verifier(TrustStore.from_pem_files([ca])).verify(body)
    verified.require_organ(claimed_from_organ_id)                 # the UID binding
    use(verified.signed_root)                                     # only what was signed

Importing this package does no I/O.
"""

import logging

from signing.binding import organ_id_of
from signing.keys import KeyPair, load_key_pair
from signing.pki import DevPki
from signing.policy import SignerPolicy, check_signer
from signing.signer import XmlSigner
from signing.trust import TrustStore
from signing.verifier import VerificationPolicy, VerifiedDocument, Verifier

# signxml logs every canonicalized document at DEBUG, whole: petitions carry personal data, so
# its debug output is never emitted, whatever level the gateway's logging is set to
logging.getLogger("signxml").setLevel(logging.INFO)

__all__ = [
    "DevPki",
    "KeyPair",
    "SignerPolicy",
    "TrustStore",
    "VerificationPolicy",
    "VerifiedDocument",
    "Verifier",
    "XmlSigner",
    "check_signer",
    "load_key_pair",
    "organ_id_of",
]
