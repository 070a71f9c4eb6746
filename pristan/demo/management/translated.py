"""Moved to `pristan.core.management.translated`: production commands must not import the demo app."""

from pristan.core.management.translated import TranslatedCommand

__all__ = ["TranslatedCommand"]
