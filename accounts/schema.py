"""OpenAPI description of Netkeep's authentication schemes (drf-spectacular)."""

from __future__ import annotations

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema


class NetkeepJWTScheme(SimpleJWTScheme):
    """Our JWTAuthentication only adds checks; clients send the same Bearer token."""

    target_class = "accounts.authentication.JWTAuthentication"


class APITokenScheme(OpenApiAuthenticationExtension):
    """Personal API tokens: `Authorization: Token <key>`."""

    target_class = "accounts.authentication.APITokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "A personal API token, sent as `Token <key>` (create one on your account "
                "page or with POST /api/auth/tokens). A read-only token may only read."
            ),
        }
