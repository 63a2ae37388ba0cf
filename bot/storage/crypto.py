"""Encryption at rest for check-in text, with keys from the environment or a key file.

New text is sealed with AES-256-GCM (authenticated encryption) under a key derived from
the configured one, with associated data naming the table, row and column it belongs
to, so a value copied elsewhere no longer opens: "v3." then url-safe base64 of the
12-byte random nonce and the ciphertext with its tag. Older rows still open: "v2."
tokens (the same without associated data) and Fernet tokens (AES-128-CBC with
HMAC-SHA256).

Rotation: the first key seals and fingerprints; older keys (UPSTANDER_OLD_SECRET_KEYS)
still open values and find rows by their fingerprints until `keys rotate` has re-sealed
everything under the first.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.core.errors import StorageError

log = logging.getLogger(__name__)

KEY_FILE_NAME = "secret.key"
SECRET_KEY_VARIABLE = "UPSTANDER_SECRET_KEY"
OLD_KEYS_VARIABLE = "UPSTANDER_OLD_SECRET_KEYS"
UNBOUND = "v2."  # not in the base64 alphabet, so never the start of a Fernet token
BOUND = "v3."
NONCE_BYTES = 12
# What the key check seals: opening it proves a key is the one the data was sealed under.
CHECK_TEXT = "upstander key check"

# Where a value lives: table, row id, column.
Place = tuple[str, str, str]


def associated_data(place: Place) -> bytes:
    return json.dumps(place, separators=(",", ":")).encode()


@dataclass(frozen=True, slots=True)
class _Key:
    key_id: str
    aead: AESGCM
    fernet: Fernet
    fp_key: bytes


def _derive(key: bytes) -> _Key:
    # Separate keys for sealing, fingerprints and the key id, derived so one secret is enough.
    sealing = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"upstander-at-rest-v2"
    ).derive(base64.urlsafe_b64decode(key))
    key_id = hmac.new(key, b"upstander-key-id", hashlib.sha256).hexdigest()[:16]
    fp_key = hashlib.sha256(b"upstander-fingerprint:" + key).digest()
    return _Key(key_id, AESGCM(sealing), Fernet(key), fp_key)


class Cipher:
    """AES-GCM (authenticated encryption) for text, reading older formats and keys too;
    HMAC fingerprints for lookups by person."""

    def __init__(self, key: bytes, old_keys: Sequence[bytes] = ()) -> None:
        self._keys = tuple(_derive(k) for k in dict.fromkeys((key, *old_keys)))
        self._current = self._keys[0]

    @property
    def key_id(self) -> str:
        """The sealing key's id: an HMAC of a fixed label under the key, never the key."""
        return self._current.key_id

    def seal(self, text: str, place: Place) -> str:
        if not text:
            return ""
        return _seal(self._current, text, place)

    def open(self, token: str, place: Place) -> str:
        if not token:
            return ""
        for key in self._keys:
            try:
                return _open(key, token, place)
            except (InvalidTag, InvalidToken, ValueError):
                continue
        raise StorageError(f"stored {place[0]}.{place[2]} cannot be decrypted with the keys set")

    def fingerprint(self, value: str) -> str:
        """Under the sealing key: what new rows store."""
        return _fingerprint(self._current, value)

    def fingerprints(self, value: str) -> tuple[str, ...]:
        """Under every key, the sealing key's first: what finds rows made before a rotation."""
        return tuple(_fingerprint(key, value) for key in self._keys)

    def key_check(self) -> tuple[str, str]:
        """The sealing key's id and the check value sealed under it."""
        return self.key_id, _seal(self._current, CHECK_TEXT, _check_place(self.key_id))

    def opens_check(self, key_id: str, sealed: str) -> bool:
        """Whether one of the keys set has this id and opens the check value."""
        for key in self._keys:
            if key.key_id == key_id:
                try:
                    return _open(key, sealed, _check_place(key_id)) == CHECK_TEXT
                except (InvalidTag, InvalidToken, ValueError):
                    return False
        return False


def _check_place(key_id: str) -> Place:
    return ("key_check", key_id, "check_enc")


def _seal(key: _Key, text: str, place: Place) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = key.aead.encrypt(nonce, text.encode(), associated_data(place))
    return BOUND + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def _open(key: _Key, token: str, place: Place) -> str:
    """The text, or InvalidTag/InvalidToken/ValueError when this key does not open it."""
    for prefix, data in ((BOUND, associated_data(place)), (UNBOUND, None)):
        if token.startswith(prefix):
            raw = base64.urlsafe_b64decode(token[len(prefix) :])
            return key.aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], data).decode()
    return key.fernet.decrypt(token.encode("ascii")).decode()


def _fingerprint(key: _Key, value: str) -> str:
    return hmac.new(key.fp_key, value.encode(), hashlib.sha256).hexdigest()[:32]


def load_key(env_value: str | None, data_dir: Path) -> bytes:
    """The key from UPSTANDER_SECRET_KEY, else a key file in the data directory.

    The key file is for the embedded default only: whoever can read the data directory
    can read the check-ins, so production sets the environment variable.
    """
    if env_value:
        key = env_value.strip().encode()
        _check(key, SECRET_KEY_VARIABLE)
        return key
    path = data_dir / KEY_FILE_NAME
    if path.exists():
        key = path.read_bytes().strip()
        _check(key, SECRET_KEY_VARIABLE)
        return key
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = Fernet.generate_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    log.warning(
        "created an encryption key file at %s; set UPSTANDER_SECRET_KEY in production", path
    )
    return key


def load_old_keys(env_value: str | None) -> tuple[bytes, ...]:
    """The keys in UPSTANDER_OLD_SECRET_KEYS (comma-separated): they open, never seal."""
    keys = tuple(part.strip().encode() for part in (env_value or "").split(",") if part.strip())
    for key in keys:
        _check(key, f"each key in {OLD_KEYS_VARIABLE}")
    return keys


def _check(key: bytes, what: str) -> None:
    try:
        if len(base64.urlsafe_b64decode(key)) != 32:
            raise ValueError
    except ValueError as exc:
        raise StorageError(
            f"{what} must be a Fernet key: 32 url-safe base64-encoded bytes "
            "(python -c 'from cryptography.fernet import Fernet;"
            " print(Fernet.generate_key().decode())')"
        ) from exc
