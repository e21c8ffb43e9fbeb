"""init."""

__all__ = []
