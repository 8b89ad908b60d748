"""Exception hierarchy. Messages are exact and complete sentences; the edges
(CLI, web) turn them into user-facing output without adding a traceback."""

from __future__ import annotations


class ParityError(Exception):
    """Base class of every error Parity raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} {self.hint}"


class UserInputError(ParityError):
    """Something the user gave us (a path, an option, a file) cannot be used."""

    exit_code = 2


class InputFileError(UserInputError):
    """A whole input file cannot be read (missing, wrong columns, bad encoding)."""


class SettingsError(UserInputError):
    """A settings or parameter file, or an environment variable, is invalid."""


class StoreError(ParityError):
    """The store cannot be opened or written."""

    exit_code = 3


class StoreLockedError(StoreError):
    """Another process holds the store's lock."""


class EmptyStoreError(StoreError):
    """The store holds no data for the requested analysis."""


class AccessDeniedError(ParityError):
    """The caller's role may not see what it asked for."""

    exit_code = 4


class DisclosureRefusedError(ParityError):
    """A release cannot be made without disclosing a protected cell."""

    exit_code = 5
