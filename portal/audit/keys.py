"""The audit log's keys, from configuration only: they are never written to the database, so reading or writing
the database gives neither sealed records' content nor the power to rewrite the chain."""

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


def chain_key() -> bytes:
    """The HMAC key of the chain's digests and of the anchors (AUDIT_KEY)."""
    return current_app.config["AUDIT_KEY"].encode("utf-8")


def seal_key() -> bytes:
    """The AES-256 key of sealed records: AUDIT_SEAL_KEY, or else derived from SECRET_KEY."""
    config = current_app.config
    secret = config.get("AUDIT_SEAL_KEY") or config["SECRET_KEY"]
    # HKDF separates this key from every other use of the secret (sessions, CSRF tokens, reset links).
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"portal audit seal v1").derive(secret.encode("utf-8"))
