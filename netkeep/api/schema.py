"""Schema pieces shared by the API's documentation (drf-spectacular)."""

from __future__ import annotations

# What DRF answers for a ValidationError: each field with its messages
# ("non_field_errors" for the request as a whole).
FIELD_ERRORS: dict[str, object] = {
    "type": "object",
    "description": "Field errors: each field that was wrong, with what to fix.",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}


def one_of_field_errors(component: str) -> dict[str, object]:
    """A response that is either the named component or field errors."""
    return {"oneOf": [{"$ref": f"#/components/schemas/{component}"}, FIELD_ERRORS]}
