"""The audit chain's cryptography, free of Django.

Entry hashes are a keyed SM3-HMAC over the previous hash, the sequence number and the canonical
content, so someone who can write the database but does not hold the data key cannot recompute
a chain after editing it (a plain hash chain can be rebuilt by anyone). Checkpoints are signed
with Ed25519; both keys are derived (HKDF-SM3) from the platform's data key, so there is no new
key file to lose, and the checkpoint key's public half can be handed to an outside witness.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

GENESIS = "0" * 64


def _derive(master_key: bytes, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SM3(), length=32, salt=None, info=purpose.encode()).derive(
        master_key
    )


def canonical(content: dict[str, Any]) -> bytes:
    return json.dumps(
        content, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
    ).encode()


@dataclass(frozen=True)
class ChainKeys:
    mac_key: bytes
    signing_key: Ed25519PrivateKey

    @classmethod
    def from_master(cls, master_key: bytes) -> ChainKeys:
        return cls(
            mac_key=_derive(master_key, "wangge/audit-chain/v1"),
            signing_key=Ed25519PrivateKey.from_private_bytes(
                _derive(master_key, "wangge/audit-checkpoint/v1")
            ),
        )

    def link(self, prev_hash: str, seq: int, content: dict[str, Any]) -> str:
        mac = crypto_hmac.HMAC(self.mac_key, hashes.SM3())
        mac.update(f"{prev_hash}|{seq}|".encode())
        mac.update(canonical(content))
        return mac.finalize().hex()

    @staticmethod
    def _checkpoint_message(seq: int, entry_hash: str) -> bytes:
        return f"wangge-audit-checkpoint/v1|{seq}|{entry_hash}".encode()

    def sign(self, seq: int, entry_hash: str) -> str:
        return self.signing_key.sign(self._checkpoint_message(seq, entry_hash)).hex()

    def signature_ok(self, seq: int, entry_hash: str, signature: str) -> bool:
        try:
            self.signing_key.public_key().verify(
                bytes.fromhex(signature), self._checkpoint_message(seq, entry_hash)
            )
        except (InvalidSignature, ValueError):
            return False
        return True

    @property
    def public_key_hex(self) -> str:
        return self.signing_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def parse_anchor(text: str) -> tuple[int, str]:
    """`123:ab12…` (as printed by `wangge audit-sequence`) → (123, 'ab12…')."""
    seq_text, sep, digest = text.strip().partition(":")
    digest = digest.strip().lower()
    if not sep or not seq_text.strip().isdigit() or len(digest) != 64:
        raise ValueError(f"锚点格式应为“序号:哈希”（64位十六进制），收到：{text!r}")
    try:
        bytes.fromhex(digest)
    except ValueError as exc:
        raise ValueError(f"锚点哈希不是十六进制：{text!r}") from exc
    return int(seq_text), digest
