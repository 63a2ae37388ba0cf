"""Encryption at rest for check-in text, with a key from the environment or a key file."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from bot.core.errors import StorageError

log = logging.getLogger(__name__)

KEY_FILE_NAME = "secret.key"


class Cipher:
    """Fernet (authenticated encryption) for text; HMAC fingerprints for lookups by person."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)
        # A separate key for fingerprints, derived so one secret is enough to operate.
        self._fp_key = hashlib.sha256(b"upstander-fingerprint:" + key).digest()

    def encrypt(self, text: str) -> str:
        if not text:
            return ""
        return self._fernet.encrypt(text.encode()).decode("ascii")

    def decrypt(self, token: str) -> str:
        if not token:
            return ""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode()
        except InvalidToken as exc:
            raise StorageError("stored text cannot be decrypted with this key") from exc

    def fingerprint(self, value: str) -> str:
        return hmac.new(self._fp_key, value.encode(), hashlib.sha256).hexdigest()[:32]


def load_key(env_value: str | None, data_dir: Path) -> bytes:
    """The key from UPSTANDER_SECRET_KEY, else a key file in the data directory.

    The key file is for the embedded default only: whoever can read the data directory
    can read the check-ins, so production sets the environment variable.
    """
    if env_value:
        key = env_value.strip().encode()
        _check(key)
        return key
    path = data_dir / KEY_FILE_NAME
    if path.exists():
        key = path.read_bytes().strip()
        _check(key)
        return key
    data_dir.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    log.warning(
        "created an encryption key file at %s; set UPSTANDER_SECRET_KEY in production", path
    )
    return key


def _check(key: bytes) -> None:
    try:
        if len(base64.urlsafe_b64decode(key)) != 32:
            raise ValueError
    except ValueError as exc:
        raise StorageError(
            "UPSTANDER_SECRET_KEY must be a Fernet key: 32 url-safe base64-encoded bytes "
            "(python -c 'from cryptography.fernet import Fernet;"
            " print(Fernet.generate_key().decode())')"
        ) from exc
