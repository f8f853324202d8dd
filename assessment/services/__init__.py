"""The assessment actions. Each takes the Actor first, checks it through the access layer,
runs in one durable transaction and leaves its records of change."""

from .base import AssessmentError
from .exits import (
    RETURN_REASONS,
    LiftOutcome,
    mark_lifted,
    return_to_poverty,
    rollback_status,
)

__all__ = [
    "RETURN_REASONS",
    "AssessmentError",
    "LiftOutcome",
    "mark_lifted",
    "return_to_poverty",
    "rollback_status",
]
