"""Confidentiality at rest (a11y-security.md S17): SM4-GCM field encryption and an HMAC-SM3 blind
index, with the key outside the database.

- The master key is 32 random bytes, hex: `FIELD_KEY` (or `FIELD_KEY_FILE`, e.g. a secret mounted
  from the KMS) in production; on a fresh clone `VAR_DIR/.field-key` (mode 0600) is created, like
  the Django secret. Two keys are derived from it with HKDF-SM3: one for SM4 (16 bytes), one for
  the blind index. Older master keys stay readable through `FIELD_KEYS_OLD` (comma-separated hex):
  every token names the key it was written with (the first 8 hex digits of SM3 of the master).
- `encrypt(text)` → `sm4gcm:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>`, a fresh 96-bit nonce
  each time; `decrypt(token)` checks the tag (a changed byte raises `TamperedError`).
- `blind_index(text)` → HMAC-SM3 hex of the normalised text, for equality lookups of encrypted
  values (an ID number is found by its index, never by scanning ciphertext).
- `EncryptedTextField`: a model field the ORM encrypts on write and decrypts on read. It cannot be
  filtered by value (every write has a new nonce): give the model a blind-index column.
"""

from __future__ import annotations

import base64
import os
import secrets
from functools import cache

from django.db import models

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["EncryptedTextField", "TamperedError", "blind_index", "decrypt", "encrypt", "is_token"]

PREFIX = "sm4gcm"


class TamperedError(ValueError):
    """A token whose tag does not verify, or written with a key this server does not have."""


def _sm3(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def _derive(master: bytes, purpose: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SM3(), length=length, salt=None, info=b"yimen " + purpose).derive(master)


def _master_hex() -> str:
    from django.conf import settings

    from yimen.settings import env_secret

    value = env_secret("FIELD_KEY")
    if value:
        return value
    path = settings.VAR_DIR / ".field-key"
    if not path.exists():
        # written whole under another name, then linked into place: two processes starting at once
        # (granian workers) both end up reading the one key that won, never a half-written file
        tmp = path.with_name(f".field-key.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process's key won
        finally:
            tmp.unlink()
    return path.read_text().strip()


class _Key:
    def __init__(self, master_hex: str):
        master = bytes.fromhex(master_hex.strip())
        if len(master) != 32:
            raise ValueError("FIELD_KEY must be 32 bytes written as 64 hex digits")
        self.id = _sm3(master).hex()[:8]
        self.cipher = _derive(master, b"sm4-gcm field encryption", 16)
        self.index = _derive(master, b"hmac-sm3 blind index", 32)


@cache
def _keys() -> tuple[_Key, dict[str, _Key]]:
    """The current key and every readable key by id (cached per process)."""
    current = _Key(_master_hex())
    readable = {current.id: current}
    for old in filter(None, (os.environ.get("FIELD_KEYS_OLD") or "").split(",")):
        key = _Key(old)
        readable.setdefault(key.id, key)
    return current, readable


def is_token(value) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX + ":")


def encrypt(text: str) -> str:
    key = _keys()[0]
    nonce = secrets.token_bytes(12)
    enc = Cipher(algorithms.SM4(key.cipher), modes.GCM(nonce)).encryptor()
    body = enc.update(text.encode()) + enc.finalize()
    return f"{PREFIX}:{key.id}:" + base64.urlsafe_b64encode(nonce + body + enc.tag).decode()


def decrypt(token: str) -> str:
    try:
        prefix, key_id, data = token.split(":", 2)
        raw = base64.urlsafe_b64decode(data.encode())
    except ValueError as exc:
        raise TamperedError("not an encrypted field value") from exc
    key = _keys()[1].get(key_id)
    if prefix != PREFIX or key is None or len(raw) < 28:
        raise TamperedError("unknown key or malformed token")
    nonce, body, tag = raw[:12], raw[12:-16], raw[-16:]
    dec = Cipher(algorithms.SM4(key.cipher), modes.GCM(nonce, tag)).decryptor()
    try:
        return (dec.update(body) + dec.finalize()).decode()
    except InvalidTag as exc:
        raise TamperedError("the value was changed") from exc


def blind_index(text: str) -> str:
    """HMAC-SM3 of the upper-cased, stripped text ('' for an empty value)."""
    text = (text or "").strip().upper()
    if not text:
        return ""
    mac = hmac.HMAC(_keys()[0].index, hashes.SM3())
    mac.update(text.encode())
    return mac.finalize().hex()


class EncryptedTextField(models.TextField):
    """Plaintext in Python, SM4-GCM ciphertext in the database ('' and NULL stay as they are)."""

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if is_token(value) else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value and not is_token(value) else value


def encrypt_rows(model, fields: list[str], *, index: tuple[str, list[str]] | None = None) -> int:
    """For data migrations: write every row's `fields` again, so plaintext left from before a field
    became an `EncryptedTextField` is stored encrypted; `index` = (column, source fields) fills a
    blind index from the first non-empty source. Returns the rows written."""
    n = 0
    for row in model.objects.all().iterator():
        if index is not None:
            column, sources = index
            setattr(row, column, blind_index(next((getattr(row, f) for f in sources if getattr(row, f)), "")))
        row.save(update_fields=[*fields, *([index[0]] if index else [])])
        n += 1
    return n


BYTES_MAGIC = b"SM4G1"


def encrypt_bytes(data: bytes) -> bytes:
    """A file's content encrypted like a field: magic ‖ key id (4 bytes) ‖ nonce ‖ ciphertext ‖ tag."""
    key = _keys()[0]
    nonce = secrets.token_bytes(12)
    enc = Cipher(algorithms.SM4(key.cipher), modes.GCM(nonce)).encryptor()
    return BYTES_MAGIC + bytes.fromhex(key.id) + nonce + enc.update(data) + enc.finalize() + enc.tag


def decrypt_bytes(blob: bytes) -> bytes:
    if not blob.startswith(BYTES_MAGIC) or len(blob) < len(BYTES_MAGIC) + 4 + 12 + 16:
        raise TamperedError("not an encrypted file")
    head = len(BYTES_MAGIC)
    key = _keys()[1].get(blob[head:head + 4].hex())
    if key is None:
        raise TamperedError("unknown key")
    nonce, body, tag = blob[head + 4:head + 16], blob[head + 16:-16], blob[-16:]
    dec = Cipher(algorithms.SM4(key.cipher), modes.GCM(nonce, tag)).decryptor()
    try:
        return dec.update(body) + dec.finalize()
    except InvalidTag as exc:
        raise TamperedError("the file was changed") from exc
