"""Identifiers: reproducible ones (ids) and unguessable ones (tokens).

With a ``seed``, library, item and session ids repeat from run to run; tokens that grant
access (API session tokens, upload URLs) always come from :mod:`secrets`.
"""

from __future__ import annotations

import random
import secrets
import threading
import uuid

from vcl_fake import messages as M
from vcl_fake.errors import vapi_error


class IdSource:
    def __init__(self, seed: int | None = None) -> None:
        self._rng: random.Random = (
            random.Random(seed) if seed is not None else random.SystemRandom()
        )
        self._lock = threading.Lock()

    def uuid(self) -> str:
        with self._lock:
            return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def session_id(self) -> str:
        """Update-session ids look like real ones: two UUIDs joined by a colon."""
        return f"{self.uuid()}:{self.uuid()}"

    @staticmethod
    def token() -> str:
        """An unguessable token (128 bits or more of randomness)."""
        return secrets.token_hex(16)

    @staticmethod
    def url_token() -> str:
        """The token of a transfer URL (upload or download): 256 bits of randomness."""
        return secrets.token_hex(32)


def check_client_token(token: str) -> None:
    """A client token must be a UUID (the bindings: InvalidArgument otherwise)."""
    try:
        uuid.UUID(token)
    except ValueError:
        raise vapi_error("INVALID_ARGUMENT", M.CLIENT_TOKEN_INVALID, token) from None
