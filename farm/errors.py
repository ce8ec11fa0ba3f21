"""Domain errors: raised by services, turned into form errors by pages and into the error envelope by the API."""
from __future__ import annotations


class DomainError(Exception):
    """A request the park's rules refuse; nothing has been changed."""

    status = 422
    code = "invalid"

    def __init__(self, message, fields: dict | None = None, code: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.fields = dict(fields or {})
        if code:
            self.code = code

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "message": str(self.message),
            "fields": {name: str(why) for name, why in self.fields.items()},
        }


class Malformed(DomainError):
    status = 400
    code = "malformed"


class Invalid(DomainError):
    status = 422
    code = "invalid"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Throttled(DomainError):
    status = 429
    code = "throttled"
