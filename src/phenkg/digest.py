"""HTTP Digest authentication (RFC 7616) for `remote.request`: Virtuoso's authenticated endpoints
(/sparql-auth, /sparql-graph-crud-auth) take only Digest.

The response digest is computed by the standard library's `urllib.request.AbstractDigestAuthHandler`
(MD5 and SHA, qop="auth", nonce counts); this module only keeps the server's last challenge so that
every request after the first carries its Authorization header at once. Digest needs one 401
answer to learn the nonce: `remote.request` sends the request, and on a 401 with a Digest
challenge it sends it again with the answer (its bodies are bytes, so they can be sent twice).
"""

from __future__ import annotations

import urllib.request
from dataclasses import dataclass, field


@dataclass
class Digest:
    """Digest credentials and the server's last challenge; `repr` never shows the password."""

    user: str
    password: str = field(repr=False)
    challenge: dict[str, str] | None = field(default=None, repr=False)
    _handler: urllib.request.AbstractDigestAuthHandler | None = field(default=None, repr=False)

    def learn(self, www_authenticate: str) -> bool:
        """Take a `WWW-Authenticate` header's Digest challenge; False when it holds none.

        A fresh nonce, or one the server calls stale, is worth one more try; the same challenge
        again after an answer means the credentials are wrong."""
        scheme, _, rest = www_authenticate.strip().partition(" ")
        if scheme.lower() != "digest":
            return False
        challenge = urllib.request.parse_keqv_list([p for p in urllib.request.parse_http_list(rest) if p])
        if "nonce" not in challenge or "realm" not in challenge:
            return False
        renewed = challenge.get("stale", "").lower() == "true"
        fresh = self.challenge is None or challenge["nonce"] != self.challenge.get("nonce") or renewed
        self.challenge = challenge
        return fresh

    def header(self, method: str, url: str) -> str | None:
        """The Authorization header for one request, or None before any challenge was seen."""
        if self.challenge is None:
            return None
        if self._handler is None:
            self._handler = urllib.request.AbstractDigestAuthHandler(_Passwords(self.user, self.password))
        # the handler reads the method, the full URL and the path from a Request; the body is not
        # part of qop="auth"
        answer = self._handler.get_authorization(urllib.request.Request(url, method=method), self.challenge)
        return f"Digest {answer}" if answer else None


class _Passwords(urllib.request.HTTPPasswordMgr):
    """The one user and password, for any realm and URL (the endpoint was chosen by the user)."""

    def __init__(self, user: str, password: str) -> None:
        super().__init__()
        self.user, self.password = user, password

    def find_user_password(self, realm: str | None, authuri: str) -> tuple[str, str]:
        return self.user, self.password
