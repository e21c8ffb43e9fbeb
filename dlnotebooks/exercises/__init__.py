"""exercises."""

__all__ = []
