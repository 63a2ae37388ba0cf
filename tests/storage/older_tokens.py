"""Sealed values as releases before associated data wrote them ("v2.": AES-GCM under the
HKDF-derived key, no associated data), written here from the format, not by our code."""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def v2_token(key: bytes, text: str) -> str:
    sealing = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"upstander-at-rest-v2"
    ).derive(base64.urlsafe_b64decode(key))
    nonce = os.urandom(12)
    sealed = AESGCM(sealing).encrypt(nonce, text.encode(), None)
    return "v2." + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
