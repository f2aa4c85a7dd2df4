"""Discovery models."""
