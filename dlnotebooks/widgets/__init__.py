"""widgets."""

__all__ = []
