"""Page blueprints, one module per area; each module's `bp` is registered by create_app()."""
from __future__ import annotations

from flask import request

from farm.errors import DomainError
from farm.inputs import parse


def form_input(model, **extra):
    """The submitted form, plus values the page fixes itself, parsed into an input model."""
    return parse(model, {**request.form.to_dict(), **extra})


def field_errors(error: DomainError) -> dict:
    return {name: str(why) for name, why in error.fields.items()}
