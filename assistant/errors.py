"""Errors a user can act on.

Everything the product raises on purpose is an `AssistantError` carrying a `hint` that says how to
fix it; the CLI prints it on one line and the chat shows it as a message, never a traceback.
"""

from __future__ import annotations


class AssistantError(Exception):
    """A failure with a one-line explanation and a fix."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message


class BackendUnavailable(AssistantError):
    """The chosen language-model backend cannot serve (server down, model missing, bad file)."""


class BadInput(AssistantError):
    """The user's input cannot be used as given."""
