"""Sealed audit records: the fields that would say who bid on what, encrypted until the seal lifts.

AES-256-GCM with a random nonce; the record's action and scenario are authenticated with it, so a sealed blob
cannot be passed off as another record's. The plaintext is padded to a multiple of PAD bytes, so the length of
the ciphertext does not give away the length of a file name (one of up to 120 characters fits in one block).
"""

import base64
import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from portal.audit.keys import seal_key

VERSION = "v1"
PAD = 1024


class EnvelopeError(ValueError):
    """A sealed record cannot be opened: another key, or a changed record."""


def _aad(action: str, scenario_id: int) -> bytes:
    return f"{VERSION}|{action}|{scenario_id}".encode()


def seal(payload: dict, *, action: str, scenario_id: int) -> str:
    """Encrypt a record's revealing fields; the text is what the `sealed` column stores."""
    data = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    data += b" " * (-len(data) % PAD)  # JSON ignores trailing white space
    nonce = os.urandom(12)
    box = AESGCM(seal_key()).encrypt(nonce, data, _aad(action, scenario_id))
    return f"{VERSION}.{base64.urlsafe_b64encode(nonce + box).decode('ascii')}"


def open_sealed(text: str, *, action: str, scenario_id: int) -> dict:
    """The revealing fields of a sealed record; EnvelopeError if they cannot be read with the configured key."""
    version, _, body = (text or "").partition(".")
    if version != VERSION:
        raise EnvelopeError(f"unknown envelope {version!r}")
    try:
        raw = base64.urlsafe_b64decode(body.encode("ascii"))
        data = AESGCM(seal_key()).decrypt(raw[:12], raw[12:], _aad(action, scenario_id))
        return json.loads(data)
    except (InvalidTag, ValueError) as error:
        raise EnvelopeError("the sealed record cannot be opened with AUDIT_SEAL_KEY") from error
