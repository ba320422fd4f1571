"""Encryption of small secrets kept in the database (TOTP keys) and carried in links (a pending registration).

Fernet (AES-128-CBC with an HMAC-SHA256, from `cryptography`) under a key derived from SECRET_KEY by
HKDF-SHA256 with a purpose label, so each use has its own key and none of them is the signing key itself.
A database copy without SECRET_KEY reveals no TOTP secret. Replacing SECRET_KEY makes the stored secrets
unreadable: their owners then sign in with a recovery code or ask an admin to reset the second factor.
"""

import base64
from datetime import datetime

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

__all__ = ["InvalidToken", "decrypt", "encrypt"]


def _fernet(purpose: str) -> Fernet:
    secret = current_app.secret_key
    secret = secret.encode() if isinstance(secret, str) else secret
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"portal.{purpose}".encode()).derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(purpose: str, data: bytes, at: datetime) -> str:
    """Encrypt `data` for `purpose`; `at` (the portal clock) is the token's timestamp."""
    return _fernet(purpose).encrypt_at_time(data, int(at.timestamp())).decode("ascii")


def decrypt(purpose: str, token: str, at: datetime, max_age: int | None = None) -> bytes:
    """Decrypt a token made by encrypt() for the same purpose; InvalidToken when forged, damaged or too old."""
    box = _fernet(purpose)
    try:
        raw = token.encode("ascii")
    except UnicodeEncodeError as error:
        raise InvalidToken from error
    if max_age is None:
        return box.decrypt(raw)
    return box.decrypt_at_time(raw, max_age, int(at.timestamp()))
