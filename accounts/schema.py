"""OpenAPI description of Netkeep's JWT authentication (drf-spectacular)."""

from __future__ import annotations

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class NetkeepJWTScheme(SimpleJWTScheme):
    """Our JWTAuthentication only adds checks; clients send the same Bearer token."""

    target_class = "accounts.authentication.JWTAuthentication"
