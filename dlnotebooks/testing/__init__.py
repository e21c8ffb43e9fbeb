"""Gradient checking for learners and tests."""

from .gradcheck import GradientReport, check_gradients

__all__ = ["check_gradients", "GradientReport"]
