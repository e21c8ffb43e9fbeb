"""optim."""

__all__ = []
