"""Ed25519 signatures on hand-offs, and the registry of agencies' public keys.

A key file pair per party: ``<party>.key`` (PKCS8 PEM, private, 0600) and
``<party>.pub`` (SubjectPublicKeyInfo PEM). The key id is the first 16 hex digits of
the SHA-256 of the raw public key, so a rotated key has a new id.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

TEST_KEY_MARKER = "FUNDLINK TEST KEY - NOT FOR PRODUCTION"


class SignatureError(ValueError):
    """The signature is missing, malformed, made by an unknown key, or does not verify."""


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


@dataclass(frozen=True)
class Signer:
    party: str
    private_key: Ed25519PrivateKey

    @property
    def key_id(self) -> str:
        return key_id(self.private_key.public_key())

    def sign(self, data: bytes) -> str:
        return base64.b64encode(self.private_key.sign(data)).decode()

    def sign_envelope(self, envelope):
        return envelope.with_signature(self.party, self.key_id, self.sign)


def generate_keys(party: str, directory: Path, *, test: bool = False, overwrite: bool = False) -> Path:
    """Write a new key pair for ``party``; refuse to overwrite unless told to."""
    directory.mkdir(parents=True, exist_ok=True)
    private_path = directory / f"{party}.key"
    if private_path.exists() and not overwrite:
        raise FileExistsError(f"{private_path} exists; pass --overwrite to rotate the key")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    pub = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    if test:
        note = f"# {TEST_KEY_MARKER}\n".encode()
        pem, pub = note + pem, note + pub
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    (directory / f"{party}.pub").write_bytes(pub)
    return private_path


def _pem_body(data: bytes) -> bytes:
    # Test keys carry a comment line before the PEM block.
    start = data.find(b"-----BEGIN")
    return data[start:] if start >= 0 else data


def load_signer(party: str, directory: Path) -> Signer:
    path = directory / f"{party}.key"
    if not path.exists():
        raise FileNotFoundError(
            f"no private key for {party!r} at {path}; run `fundlink keys generate {party}`"
        )
    key = serialization.load_pem_private_key(_pem_body(path.read_bytes()), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return Signer(party, key)


class KeyRegistry:
    """Public keys by key id, each bound to the one party that owns it."""

    def __init__(self, keys: dict[str, tuple[str, Ed25519PublicKey]] | None = None):
        self._keys: dict[str, tuple[str, Ed25519PublicKey]] = dict(keys or {})

    @classmethod
    def from_directory(cls, directory: Path) -> KeyRegistry:
        registry = cls()
        if directory.is_dir():
            for path in sorted(directory.glob("*.pub")):
                registry.add(path.stem, path.read_bytes())
        return registry

    def add(self, party: str, pem: bytes) -> str:
        key = serialization.load_pem_public_key(_pem_body(pem))
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError(f"public key for {party!r} is not Ed25519")
        kid = key_id(key)
        self._keys[kid] = (party, key)
        return kid

    def parties(self) -> set[str]:
        return {party for party, _ in self._keys.values()}

    def verify(self, envelope) -> str:
        """Return the verified signer; raise SignatureError with a reason otherwise."""
        if not envelope.signature:
            raise SignatureError("unsigned: no ce-signature header; every hand-off must be signed")
        if not envelope.signingkey or envelope.signingkey not in self._keys:
            raise SignatureError(
                f"unknown signing key {envelope.signingkey!r}: not in the public-key registry; "
                "register the sender's .pub file"
            )
        party, public_key = self._keys[envelope.signingkey]
        if envelope.signer != party:
            raise SignatureError(
                f"key {envelope.signingkey} belongs to {party!r}, but ce-signer says {envelope.signer!r}"
            )
        try:
            signature = base64.b64decode(envelope.signature, validate=True)
            public_key.verify(signature, envelope.signing_bytes())
        except (InvalidSignature, ValueError) as exc:
            raise SignatureError(
                f"forged or altered: the signature does not verify with {party}'s key "
                f"{envelope.signingkey}"
            ) from exc
        return party
