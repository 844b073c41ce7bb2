"""JSON Schemas of what segmentkit reads: contacts, interactions, segments and
query ASTs, so that another service can validate what it sends before sending it.

Each schema is generated from the Pydantic model that reads the JSON, so the
two cannot drift: a record the schema accepts is one the model accepts, as far
as JSON Schema can say (the schema cannot see, for instance, whether a
``$date`` string is a real calendar date, or whether a record's contact exists).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, TypeAdapter

from segmentkit.errors import InvalidArgumentError
from segmentkit.language.ast import AnyQuery
from segmentkit.models.records import Contact, Interaction, Segment
from segmentkit.suggestions import close_names

__all__ = ["SCHEMA_NAMES", "json_schema"]

_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _model(model: type[BaseModel]) -> Callable[[], dict[str, Any]]:
    return lambda: model.model_json_schema()


def _query() -> dict[str, Any]:
    schema = TypeAdapter(AnyQuery).json_schema()
    # The tag has a default in Python (Not(operand=...) needs no kind), but
    # in JSON it is what tells the nodes apart: every writer writes it, and
    # the reader dispatches on it.
    for definition in schema.get("$defs", {}).values():
        if "kind" in definition.get("properties", {}):
            definition["required"] = ["kind", *definition.get("required", ())]
            definition["properties"]["kind"].pop("default", None)
    return {"title": "Query", **schema}


_SCHEMAS: dict[str, Callable[[], dict[str, Any]]] = {
    "contact": _model(Contact),
    "interaction": _model(Interaction),
    "segment": _model(Segment),
    "query": _query,
}

SCHEMA_NAMES: tuple[str, ...] = tuple(_SCHEMAS)
"""The names ``json_schema`` (and ``segmentkit schema NAME``) know."""


def json_schema(name: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one kind of JSON that segmentkit reads.

    ``name`` is one of ``SCHEMA_NAMES``: ``"contact"``, ``"interaction"`` and
    ``"segment"`` describe a record as ``model_dump_json`` writes it (dates and
    datetimes inside attributes and properties as ``{"$date": ...}`` and
    ``{"$datetime": ...}``); ``"query"`` describes a query AST as
    ``Query.model_dump_json`` writes it. Any other name is an
    ``InvalidArgumentError`` that lists the names.
    """
    build = _SCHEMAS.get(name) if isinstance(name, str) else None
    if build is None:
        suggestions = close_names(name, SCHEMA_NAMES) if isinstance(name, str) else []
        guess = f"did you mean {' or '.join(suggestions)}? " if suggestions else ""
        raise InvalidArgumentError(
            f"there is no schema named {name!r}; {guess}"
            f"the schemas are: {', '.join(SCHEMA_NAMES)}",
            argument="name",
        )
    return {"$schema": _DIALECT, **build()}
