"""Named refusals of the CoP rules; each message is fit to show a teacher as it is."""

from __future__ import annotations


class CopRuleError(Exception):
    """A command the CoP guidelines do not allow; `str(error)` explains why in plain words."""


class InvalidTransition(CopRuleError):
    """The cycle cannot take this step now (wrong session order, closed cycle, ...)."""


class NotPrioritisable(CopRuleError):
    """The challenge is out of the members' control, so it stays in the parking lot."""


class TooManyPriorities(CopRuleError):
    """The cycle already focuses on as many challenges as it may."""


class TryoutNotAllowed(CopRuleError):
    """A try-out cannot be planned or judged for this challenge now."""


class ValidationError(CopRuleError):
    """Input that breaks a rule, field by field: `errors` maps a field name to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        # Keep a copy so the caller cannot change the error after raising it.
        self.errors: dict[str, str] = dict(errors)
        super().__init__("; ".join(self.errors.values()))

    def __reduce__(self) -> tuple[type[ValidationError], tuple[dict[str, str]]]:
        # The default pickling would pass the joined message back as `errors`.
        return (type(self), (self.errors,))


class EditConflict(CopRuleError):
    """Someone saved a newer version of this record since it was opened; `theirs` describes their change."""

    def __init__(self, message: str, theirs: dict[str, object] | None = None) -> None:
        self.theirs: dict[str, object] = dict(theirs or {})
        super().__init__(message)
