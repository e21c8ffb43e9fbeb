"""monitor."""

__all__ = []
