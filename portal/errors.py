"""Domain errors: raised by operations, turned into a message for the user in one place."""


class DomainError(Exception):
    """A rule of the portal refused the action; `message` is shown to the user."""

    status_code = 409

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidTransition(DomainError):
    pass


class DeadlinePassed(DomainError):
    pass


class NotReady(DomainError):
    """The object lacks something required for the step (e.g. a scenario without a deadline)."""

    status_code = 422


class Conflict(DomainError):
    pass


class PermissionDenied(DomainError):
    status_code = 403


class InvalidInput(DomainError):
    """What was entered cannot be used (e.g. a thesaurus entry without expansions)."""

    status_code = 422
