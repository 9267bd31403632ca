"""Domain errors raised by services; views turn them into messages in one place."""


class ChorusError(Exception):
    """Base of every domain error; its message is safe to show to the user."""

    status_code = 400
    title: str | None = None  # the error page's heading; None uses the status's own


class ValidationFailed(ChorusError):
    """Input that breaks a rule; the message says which and how to fix it."""


class NotFound(ChorusError):
    status_code = 404


class LoginThrottled(ChorusError):
    status_code = 429

    def __init__(self, retry_after_seconds: int) -> None:
        minutes = max(1, -(-retry_after_seconds // 60))
        super().__init__(
            f"Too many failed sign-in attempts. Try again in {minutes} minute"
            f"{'s' if minutes != 1 else ''}, or reset your password."
        )
        self.retry_after_seconds = retry_after_seconds


class InvalidToken(ChorusError):
    """A reset or invitation link that is wrong, used or expired."""

    title = "This link cannot be used"


class NotCertified(ChorusError):
    """Sharing is locked for this person (the gating policy's reason is the message)."""

    status_code = 403
    title = "Sharing is locked"
