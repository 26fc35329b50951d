"""SM4-GCM encryption and SM3-HMAC blind indexes for personal identifiers (no Django).

GB/T 39786 expects government systems to protect personal data with the national ciphers, so ID
numbers and phones are stored as SM4-GCM ciphertext. Exact-value search still works through a
keyed SM3-HMAC of the normalised value (a "blind index"): equal values give equal indexes, but the
database alone reveals neither the value nor, without the key, a dictionary of candidates.
"""

from __future__ import annotations

import base64
import hmac as std_hmac
import os
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_create_encryption_ctx: Any
try:  # the Rust core's context factory, which `Cipher.encryptor()` calls after its checks
    from cryptography.hazmat.bindings._rust import openssl as _rust_openssl

    _create_encryption_ctx = _rust_openssl.ciphers.create_encryption_ctx
except (ImportError, AttributeError):  # pragma: no cover - another cryptography release
    _create_encryption_ctx = None

CIPHERTEXT_PREFIX = "sm4g1:"
_NONCE_BYTES = 12
_TAG_BYTES = 16


class DecryptionError(ValueError):
    """The ciphertext was altered, or was made with another data key."""


def sm3_hex(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


@dataclass(frozen=True)
class DataCipher:
    """Encrypts and indexes values under one master key (32 bytes, hex in the data directory)."""

    master_key: bytes
    _keys: dict[str, bytes] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_hex(cls, hex_key: str) -> DataCipher:
        key = bytes.fromhex(hex_key)
        if len(key) < 16:
            raise ValueError("数据密钥太短：至少需要16字节（32个十六进制字符）")
        return cls(key)

    def _derive(self, purpose: str) -> bytes:
        # Separate keys per purpose: a leaked index key must not help decrypt.
        if purpose not in self._keys:
            self._keys[purpose] = HKDF(
                algorithm=hashes.SM3(), length=16, salt=None, info=purpose.encode()
            ).derive(self.master_key)
        return self._keys[purpose]

    @cached_property
    def _enc_key(self) -> bytes:
        return self._derive("wangge/sm4-gcm/v1")

    @cached_property
    def _sm4(self) -> algorithms.SM4:
        """One algorithm object for every message (its key checked once, not per value)."""
        return algorithms.SM4(self._enc_key)

    @cached_property
    def _index_key(self) -> bytes:
        return self._derive("wangge/sm3-hmac-index/v1")

    def encrypt(self, plaintext: str, *, associated: bytes = b"") -> str:
        nonce = os.urandom(_NONCE_BYTES)
        encryptor = Cipher(self._sm4, modes.GCM(nonce)).encryptor()
        if associated:
            encryptor.authenticate_additional_data(associated)
        body = encryptor.update(plaintext.encode("utf-8")) + encryptor.finalize()
        token = base64.b64encode(nonce + body + encryptor.tag).decode("ascii")
        return CIPHERTEXT_PREFIX + token

    def encrypt_many(self, plaintexts: list[str]) -> list[str]:
        """`encrypt` of each value ('' stays ''), each with its own nonce. For bulk writers (an
        import commit seals a million rows): where this `cryptography` exposes it, the cipher
        context is made by its Rust core directly, without the per-call argument checks of
        `Cipher` (about half the cost of a short value); otherwise through `Cipher`."""
        if _create_encryption_ctx is None:
            return [self.encrypt(p) if p else "" for p in plaintexts]
        algorithm, gcm, b64 = self._sm4, modes.GCM, base64.b64encode
        # every nonce from one read of the system's random source (one call per value cost
        # as much as the encryption of a short value); each value still has its own nonce
        nonces = os.urandom(_NONCE_BYTES * len(plaintexts))
        out = []
        for i, plain in enumerate(plaintexts):
            if not plain:
                out.append("")
                continue
            nonce = nonces[i * _NONCE_BYTES : (i + 1) * _NONCE_BYTES]
            context = _create_encryption_ctx(algorithm, gcm(nonce))
            body = context.update(plain.encode("utf-8")) + context.finalize()
            out.append(CIPHERTEXT_PREFIX + b64(nonce + body + context.tag).decode("ascii"))
        return out

    def decrypt(self, token: str, *, associated: bytes = b"") -> str:
        if not token.startswith(CIPHERTEXT_PREFIX):
            raise DecryptionError("不是本系统的密文格式")
        raw = base64.b64decode(token[len(CIPHERTEXT_PREFIX) :])
        if len(raw) < _NONCE_BYTES + _TAG_BYTES:
            raise DecryptionError("密文长度不正确")
        nonce, body, tag = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:-_TAG_BYTES], raw[-_TAG_BYTES:]
        decryptor = Cipher(self._sm4, modes.GCM(nonce, tag)).decryptor()
        if associated:
            decryptor.authenticate_additional_data(associated)
        try:
            return (decryptor.update(body) + decryptor.finalize()).decode("utf-8")
        except InvalidTag as exc:
            raise DecryptionError("密文校验失败：数据被篡改或密钥不匹配") from exc

    def encrypt_bytes(self, data: bytes) -> bytes:
        """Whole files (staged imports) at rest: nonce + SM4-GCM body + tag."""
        nonce = os.urandom(_NONCE_BYTES)
        encryptor = Cipher(self._sm4, modes.GCM(nonce)).encryptor()
        return nonce + encryptor.update(data) + encryptor.finalize() + encryptor.tag

    def decrypt_bytes(self, blob: bytes) -> bytes:
        if len(blob) < _NONCE_BYTES + _TAG_BYTES:
            raise DecryptionError("密文长度不正确")
        nonce, body, tag = blob[:_NONCE_BYTES], blob[_NONCE_BYTES:-_TAG_BYTES], blob[-_TAG_BYTES:]
        decryptor = Cipher(self._sm4, modes.GCM(nonce, tag)).decryptor()
        try:
            return decryptor.update(body) + decryptor.finalize()
        except InvalidTag as exc:
            raise DecryptionError("密文校验失败：数据被篡改或密钥不匹配") from exc

    def blind_index(self, value: str) -> str:
        """Keyed SM3-HMAC of an already normalised value; '' for an empty value."""
        if not value:
            return ""
        mac = self._index_mac.copy()
        mac.update(value.encode("utf-8"))
        return mac.finalize().hex()

    @cached_property
    def _index_mac(self) -> crypto_hmac.HMAC:
        """The keyed HMAC before any value, copied per value: half the cost of keying a new
        one (a 1M-row import computes about a million blind indexes). Never updated itself."""
        return crypto_hmac.HMAC(self._index_key, hashes.SM3())

    @cached_property
    def _audit_key(self) -> bytes:
        return self._derive("wangge/sm3-hmac-audit-query/v1")

    def audit_hash(self, value: str) -> str:
        """Keyed SM3-HMAC of a searched value for the audit log. A key of its own, not the blind
        index's: the audit store alone must not join its entries to the persons' rows, while an
        investigator holding the key can still ask "who searched for this number?"."""
        if not value:
            return ""
        mac = crypto_hmac.HMAC(self._audit_key, hashes.SM3())
        mac.update(value.encode("utf-8"))
        return mac.finalize().hex()

    def same_index(self, a: str, b: str) -> bool:
        return std_hmac.compare_digest(a, b)
