"""Schema pieces shared by the API's documentation (drf-spectacular)."""

from __future__ import annotations

# What DRF answers for a ValidationError: each field with its messages
# ("non_field_errors" for the request as a whole).
# A body that cannot be read at all (malformed JSON, a wrong content type) gets
# {"detail": "<why>"} instead.
FIELD_ERRORS: dict[str, object] = {
    "type": "object",
    "description": "Field errors: each field that was wrong, with what to fix; or `detail` "
    "when the body could not be read at all (malformed JSON).",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}


def one_of_field_errors(component: str) -> dict[str, object]:
    """A response that is either the named component or field errors."""
    return {"oneOf": [{"$ref": f"#/components/schemas/{component}"}, FIELD_ERRORS]}
