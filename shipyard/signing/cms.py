"""Check the CMS signature of a code signature: it must sign this CodeDirectory.

A certificate signature is a detached CMS SignedData whose signed attributes carry the
digest of the CodeDirectory (``messageDigest``) and are signed by the leaf certificate's key.
Without this check, code whose pages and CodeDirectory were rewritten would still show the
original signer.  ``cryptography`` parses the certificates and checks the RSA/ECDSA signature;
the few DER structures around them are walked here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

OID_MESSAGE_DIGEST = bytes.fromhex("2a864886f70d010904")  # 1.2.840.113549.1.9.4
DIGESTS = {  # DER OID body → (hashlib name, cryptography hash)
    bytes.fromhex("608648016503040201"): ("sha256", hashes.SHA256()),
    bytes.fromhex("608648016503040202"): ("sha384", hashes.SHA384()),
    bytes.fromhex("608648016503040203"): ("sha512", hashes.SHA512()),
    bytes.fromhex("2b0e03021a"): ("sha1", hashes.SHA1()),  # noqa: S303 - legacy Apple signatures
}


def _element(data: bytes, offset: int) -> tuple[int, int, int]:
    """(tag, value start, value end) of the DER element at ``offset``."""
    tag, length = data[offset], data[offset + 1]
    start = offset + 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(data[start:start + count], "big")
        start += count
    if start + length > len(data):
        raise ValueError("truncated DER")
    return tag, start, start + length


def _children(data: bytes, start: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """(tag, element start, value start, value end) of each element in ``data[start:end]``."""
    while start < end:
        tag, value, stop = _element(data, start)
        yield tag, start, value, stop
        start = stop


def cms_problems(cms: bytes, directory: bytes, certificates: list[x509.Certificate]) -> list[str]:
    """Why ``cms`` does not sign ``directory`` (empty when it does)."""
    try:
        info = _signer_info(cms)
        digest_oid, attrs_start, attrs_end, signature = info
        name, algorithm = DIGESTS[digest_oid]
    except (ValueError, IndexError, KeyError, StopIteration):
        return ["the CMS signature cannot be parsed"]
    signed_attrs = b"\x31" + cms[attrs_start + 1:attrs_end]  # signed as a SET, stored as [0]
    recorded = _message_digest(cms, attrs_start, attrs_end)
    if recorded != hashlib.new(name, directory).digest():
        return ["the CMS signature does not cover this CodeDirectory (changed after signing)"]
    for certificate in certificates:
        if _verifies(certificate, signature, signed_attrs, algorithm):
            return []
    return ["the CMS signature does not verify with its certificate"]


def _signer_info(cms: bytes) -> tuple[bytes, int, int, bytes]:
    _tag, start, end = _element(cms, 0)  # ContentInfo
    parts = list(_children(cms, start, end))
    _t, _s, value, stop = parts[1]  # [0] EXPLICIT SignedData
    _tag, start, end = _element(cms, value)
    signed_data = list(_children(cms, start, end))
    _t, _s, value, stop = signed_data[-1]  # signerInfos SET
    _tag, _es, first, last = next(_children(cms, value, stop))  # the first SignerInfo
    fields = list(_children(cms, first, last))
    _t, _s, oid_start, oid_end = fields[2]  # digestAlgorithm SEQUENCE
    _t, _s, value, stop = next(_children(cms, oid_start, oid_end))
    digest_oid = cms[value:stop]
    attrs = next(f for f in fields if f[0] == 0xA0)
    signature = next(f for f in fields[3:] if f[0] == 0x04)
    return digest_oid, attrs[1], attrs[3], cms[signature[2]:signature[3]]


def _message_digest(cms: bytes, start: int, end: int) -> bytes:
    _tag, value, stop = _element(cms, start)
    for _t, _s, attr_start, attr_end in _children(cms, value, stop):
        (_ot, _os, oid_start, oid_end), (_vt, _vs, set_start, set_end) = \
            list(_children(cms, attr_start, attr_end))[:2]
        if cms[oid_start:oid_end] == OID_MESSAGE_DIGEST:
            _t, _s, digest_start, digest_end = next(_children(cms, set_start, set_end))
            return cms[digest_start:digest_end]
    return b""


def _verifies(certificate: x509.Certificate, signature: bytes, data: bytes,
              algorithm: hashes.HashAlgorithm) -> bool:
    key = certificate.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(algorithm))
        else:
            return False
    except InvalidSignature:
        return False
    return True
