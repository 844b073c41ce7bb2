"""What every ``Marketing`` action shares: the repository, the state, checked arguments.

Each action reads the state, builds the next state and the interactions
to add, and writes both inside one repository transaction. Anything wrong
raises before the writes or rolls them back, so a refused action changes
nothing (``m.state()`` is equal before and after).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from segmentkit.engine.windows import require_aware
from segmentkit.errors import InvalidArgumentError, UnknownRecordError
from segmentkit.marketing.records import (
    InteractionGroup,
    InteractionTemplate,
    LoggedSegment,
    Salesperson,
    SegmentHeader,
)
from segmentkit.marketing.state import EXTENSION_NAME, MarketingState
from segmentkit.models.records import Contact
from segmentkit.models.text import describe_problem
from segmentkit.repository import InMemoryRepository
from segmentkit.suggestions import close_names

__all__ = ["MarketingBase"]

ModelT = TypeVar("ModelT", bound=BaseModel)


def explain(error: ValidationError) -> str:
    """Pydantic's first problem in one line: ``field: message``."""
    return describe_problem(error.errors(include_url=False)[0])


class MarketingBase:
    """The repository a ``Marketing`` works on, and the helpers of its actions."""

    def __init__(self, repo: InMemoryRepository) -> None:
        if not isinstance(repo, InMemoryRepository):
            raise InvalidArgumentError(
                f"Marketing works on an InMemoryRepository, not {type(repo).__name__}",
                argument="repo",
            )
        self.repo = repo

    # -- state ------------------------------------------------------------------------

    def _state(self) -> MarketingState:
        state = self.repo.extension_state(EXTENSION_NAME)
        return state if isinstance(state, MarketingState) else MarketingState()

    @contextmanager
    def _changing(self) -> Iterator[MarketingState]:
        """A transaction and the state as it is inside it."""
        with self.repo.transaction():
            yield self._state()

    def _commit(self, state: MarketingState) -> None:
        self.repo.set_extension_state(EXTENSION_NAME, state)

    # -- arguments --------------------------------------------------------------------

    @staticmethod
    def _record(model: type[ModelT], value: object, noun: str) -> ModelT:
        """A record given as the model or as a dict of its fields."""
        if isinstance(value, model):
            return value
        if not isinstance(value, dict):
            raise InvalidArgumentError(
                f"expected a {model.__name__} (or a dict of its fields), "
                f"not {type(value).__name__}",
                argument=noun,
            )
        try:
            return model.model_validate(value)
        except ValidationError as error:
            raise InvalidArgumentError(
                f"this {noun} is not valid: {explain(error)}", argument=noun
            ) from None

    @staticmethod
    def _text(value: object, argument: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise InvalidArgumentError(
                f"{argument} must be a non-empty text, not {value!r}", argument=argument
            )
        return value

    @staticmethod
    def _instant(value: object, argument: str) -> datetime:
        return require_aware(value, argument)  # type: ignore[arg-type]

    # -- lookups that a misuse fails ----------------------------------------------------

    @staticmethod
    def _unknown(
        kind: str, key: object, known: list[str], hint: str | None = None
    ) -> UnknownRecordError:
        suggestions = close_names(key, known) if isinstance(key, str) else []
        return UnknownRecordError(kind, key, suggestions=suggestions, hint=hint)

    def _template(self, state: MarketingState, code: object) -> InteractionTemplate:
        found = state.template(code)
        if found is None:
            raise self._unknown(
                "interaction template",
                code,
                [t.code for t in state.templates],
                hint="Add it with add_template first",
            )
        return found

    def _salesperson(self, state: MarketingState, code: object) -> Salesperson:
        found = state.salesperson(code)
        if found is None:
            raise self._unknown(
                "salesperson", code, [s.code for s in state.salespeople],
                hint="Add them with add_salesperson first",
            )
        return found

    def _group(self, state: MarketingState, code: object) -> InteractionGroup:
        found = state.group(code)
        if found is None:
            raise self._unknown(
                "interaction group", code, [g.code for g in state.interaction_groups],
                hint="Add it with add_interaction_group first",
            )
        return found

    def _contact(self, contact_id: object) -> Contact:
        found = self.repo.get_contact(contact_id)  # type: ignore[arg-type]
        if found is None:
            raise UnknownRecordError(
                "contact", contact_id, hint="Add the contact to the repository first"
            )
        return found

    def _open_segment(self, state: MarketingState, number: object) -> SegmentHeader:
        found = state.segment(number)
        if found is None:
            logged = [s for s in state.logged_segments if s.segment_no == number]
            hint = (
                f"It was logged as logged segment {logged[-1].entry_no}"
                if logged
                else "Open segments are listed by segments()"
            )
            raise self._unknown("open segment", number, [s.number for s in state.segments], hint)
        return found

    def _logged(self, state: MarketingState, entry_no: object) -> LoggedSegment:
        # Entry numbers are ints: True or 1.0 equal 1 in Python, but name nothing here.
        found = state.logged(entry_no) if type(entry_no) is int else None
        if found is None:
            raise UnknownRecordError(
                "logged segment", entry_no, hint="Logged segments are listed by logged_segments()"
            )
        return found

    def _taken(self, state: MarketingState) -> Any:
        """Whether an entry number is in use (by the repository or a postponed entry)."""
        postponed = {entry.id for entry in state.postponed}
        repo = self.repo
        return lambda entry_id: entry_id in postponed or repo.get_interaction(entry_id) is not None
