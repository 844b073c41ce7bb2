"""Values of a user's own JSON columns, read in each engine's own way
(``TableLayout(keys=False)``, docs/sql.md "Your own tables").

JSON has strings, numbers, booleans, arrays and null. A value's kind is the
one its field declares (an interaction type's field, a declared contact
attribute), provided the JSON type fits it; an undeclared attribute takes
the kind of its JSON type. Dates are ISO ``YYYY-MM-DD`` text, compared as
text (ISO dates sort as dates do), datetimes ISO text the engine casts to a
timestamp with time zone. A value whose JSON type does not fit its
declared kind, or a JSON object, has no kind: every comparison with it is
UNKNOWN, as in memory for a value of another kind.

One reader per dialect (DuckDB's JSON, PostgreSQL's JSONB, Spark's
VARIANT); each changes only how a JSON value is reached and inspected.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from segmentkit.sql import keys
from segmentkit.sql.builder import Builder
from segmentkit.sql.operands import Operand

__all__ = ["JsonReader", "json_reader"]

ElementTest = Callable[[exp.Expr], exp.Expr]

# The JSON type a declared kind is written as.
_JSON_KIND_OF = {
    keys.TEXT: keys.TEXT,
    keys.DATE: keys.TEXT,
    keys.INSTANT: keys.TEXT,
    keys.NUMBER: keys.NUMBER,
    keys.BOOLEAN: keys.BOOLEAN,
    keys.LIST: keys.LIST,
}
_ISO_DATE = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
# What PostgreSQL's cast to timestamptz takes without failing (an ISO
# datetime; an impossible one, month 13, still fails there: docs/sql.md).
_ISO_DATETIME = (
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,6})?)?"
    "(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)?$"
)


def _string(text: str) -> exp.Literal:
    return exp.Literal.string(text)


def _kind_case(type_name: exp.Expr, names: dict[str, tuple[str, ...]]) -> exp.Expr:
    """The kind letter for an engine's JSON type name (NULL for null, objects)."""
    return exp.Case(
        ifs=[
            exp.If(
                this=exp.In(this=type_name.copy(), expressions=[_string(n) for n in found]),
                true=_string(kind),
            )
            for kind, found in names.items()
        ]
    )


class JsonReader:
    """Reads one JSON value (an expression of the engine's JSON type)."""

    def __init__(self, builder: Builder, alias: Callable[[str], str]) -> None:
        self.builder = builder
        self.alias = alias  # a fresh name for a table or a lambda variable

    # -- what each dialect says its own way ---------------------------------------------

    def member(self, column: exp.Expr, field: str) -> exp.Expr:
        """The JSON value of ``column``'s member ``field``; NULL when missing."""
        path = exp.JSONPath(expressions=[exp.JSONPathRoot(), exp.JSONPathKey(this=field)])
        return exp.JSONExtract(this=column, expression=path)

    def json_kind(self, value: exp.Expr) -> exp.Expr:
        """``t`` / ``n`` / ``b`` / ``L`` by the JSON type; NULL for null, an object, missing."""
        json_type = exp.Anonymous(this="json_type", expressions=[value.copy()])
        return _kind_case(json_type, {
            keys.TEXT: ("VARCHAR",),
            keys.NUMBER: ("BIGINT", "UBIGINT", "HUGEINT", "UHUGEINT", "DOUBLE"),
            keys.BOOLEAN: ("BOOLEAN",),
            keys.LIST: ("ARRAY",),
        })

    def is_null(self, value: exp.Expr) -> exp.Expr:
        json_type = exp.Anonymous(this="json_type", expressions=[value.copy()])
        return exp.EQ(this=json_type, expression=_string("NULL"))

    def text(self, value: exp.Expr) -> exp.Expr:
        """The text of a JSON string."""
        return exp.JSONExtractScalar(
            this=value.copy(), expression=exp.JSONPath(expressions=[exp.JSONPathRoot()])
        )

    def cast(self, value: exp.Expr, to: exp.DType) -> exp.Expr:
        """A JSON number, boolean or ISO datetime text as ``to``; NULL when it is not one."""
        return exp.TryCast(this=self.text(value), to=exp.DataType.build(to))

    def any_element(self, value: exp.Expr, test: ElementTest) -> exp.Expr:
        """TRUE when ``test`` (of a JSON element) is TRUE for an element of the array."""
        alias = self.alias("l")
        wildcard = exp.JSONPath(
            expressions=[exp.JSONPathRoot(), exp.JSONPathSubscript(this=exp.JSONPathWildcard())]
        )
        elements = exp.Unnest(
            expressions=[exp.JSONExtract(this=value.copy(), expression=wildcard)],
            alias=exp.TableAlias(this=exp.to_identifier(alias), columns=[exp.to_identifier("e")]),
        )
        element = exp.column("e", table=alias)
        found = exp.select(exp.Literal.number(1)).from_(elements).where(test(element))
        return exp.Exists(this=found)

    # -- the same for every dialect -------------------------------------------------------

    def operand(self, value: exp.Expr, declared: str | None) -> Operand:
        """The value as an ``Operand``: of its declared kind (a letter of
        ``sql.keys``) when its JSON type fits, else of its JSON type's kind."""
        json_kind = self.json_kind(value)
        if declared is None:
            kind: exp.Expr = json_kind
        else:
            fits: exp.Expr = exp.EQ(this=json_kind, expression=_string(_JSON_KIND_OF[declared]))
            if declared == keys.DATE:
                pattern = exp.RegexpLike(this=self.text(value), expression=_string(_ISO_DATE))
                fits = exp.and_(fits, pattern)
            kind = exp.Case(ifs=[exp.If(this=fits, true=_string(declared))])
        missing = exp.or_(exp.Is(this=value.copy(), expression=exp.Null()), self.is_null(value))

        def read(wanted: str) -> exp.Expr:
            if wanted == keys.TEXT:
                return self.builder.ordered(exp.Lower(this=self.text(value)))
            if wanted == keys.DATE:
                return self.builder.ordered(self.text(value))
            if wanted == keys.NUMBER:
                return self.cast(value, exp.DType.DOUBLE)
            if wanted == keys.BOOLEAN:
                return self.cast(value, exp.DType.BOOLEAN)
            return self.cast(value, exp.DType.TIMESTAMPTZ)

        return Operand(kind=kind, missing=missing, read=read)


class _PostgresReader(JsonReader):
    """JSONB: ``#>`` and ``#>>``, ``jsonb_typeof``; casts guarded, as
    PostgreSQL has no TRY_CAST."""

    def member(self, column: exp.Expr, field: str) -> exp.Expr:
        return exp.JSONBExtract(this=column, expression=_string(f"{{{field}}}"))

    def _typeof(self, value: exp.Expr) -> exp.Expr:
        return exp.Anonymous(this="jsonb_typeof", expressions=[value.copy()])

    def json_kind(self, value: exp.Expr) -> exp.Expr:
        return _kind_case(self._typeof(value), {
            keys.TEXT: ("string",),
            keys.NUMBER: ("number",),
            keys.BOOLEAN: ("boolean",),
            keys.LIST: ("array",),
        })

    def is_null(self, value: exp.Expr) -> exp.Expr:
        return exp.EQ(this=self._typeof(value), expression=_string("null"))

    def text(self, value: exp.Expr) -> exp.Expr:
        return exp.JSONBExtractScalar(this=value.copy(), expression=_string("{}"))

    def cast(self, value: exp.Expr, to: exp.DType) -> exp.Expr:
        json_type = {exp.DType.DOUBLE: "number", exp.DType.BOOLEAN: "boolean"}.get(to, "string")
        fits: exp.Expr = exp.EQ(this=self._typeof(value), expression=_string(json_type))
        if to == exp.DType.TIMESTAMPTZ:
            fits = exp.and_(
                fits, exp.RegexpLike(this=self.text(value), expression=_string(_ISO_DATETIME))
            )
        return exp.Case(ifs=[exp.If(this=fits, true=exp.cast(self.text(value), to))])

    def any_element(self, value: exp.Expr, test: ElementTest) -> exp.Expr:
        alias = self.alias("l")
        is_array = exp.EQ(this=self._typeof(value), expression=_string("array"))
        array = exp.Case(ifs=[exp.If(this=is_array, true=value.copy())])
        elements = exp.Table(
            this=exp.Anonymous(this="jsonb_array_elements", expressions=[array]),
            alias=exp.TableAlias(this=exp.to_identifier(alias), columns=[exp.to_identifier("e")]),
        )
        element = exp.column("e", table=alias)
        found = exp.select(exp.Literal.number(1)).from_(elements).where(test(element))
        return exp.Exists(this=found)


class _SparkReader(JsonReader):
    """Spark has no JSON type: the column holds JSON text, parsed to a
    VARIANT (Spark 4) whose ``schema_of_variant`` names the JSON type."""

    @staticmethod
    def _get(value: exp.Expr, path: str, to: str, *, safe: bool = False) -> exp.Expr:
        name = "try_variant_get" if safe else "variant_get"
        return exp.Anonymous(this=name, expressions=[value.copy(), _string(path), _string(to)])

    def member(self, column: exp.Expr, field: str) -> exp.Expr:
        parsed = exp.Anonymous(this="parse_json", expressions=[column])
        return self._get(parsed, f"$.{field}", "variant")

    def _schema(self, value: exp.Expr) -> exp.Expr:
        return exp.Anonymous(this="schema_of_variant", expressions=[value.copy()])

    def json_kind(self, value: exp.Expr) -> exp.Expr:
        schema = self._schema(value)

        def starts(prefix: str) -> exp.Expr:
            return exp.Like(this=schema.copy(), expression=_string(prefix + "%"))

        number = exp.or_(
            exp.In(this=schema.copy(), expressions=[_string("BIGINT"), _string("DOUBLE")]),
            starts("DECIMAL"),
        )
        return exp.Case(ifs=[
            exp.If(this=exp.EQ(this=schema.copy(), expression=_string("STRING")),
                   true=_string(keys.TEXT)),
            exp.If(this=number, true=_string(keys.NUMBER)),
            exp.If(this=exp.EQ(this=schema.copy(), expression=_string("BOOLEAN")),
                   true=_string(keys.BOOLEAN)),
            exp.If(this=starts("ARRAY"), true=_string(keys.LIST)),
        ])

    def is_null(self, value: exp.Expr) -> exp.Expr:
        return exp.EQ(this=self._schema(value), expression=_string("VOID"))

    def text(self, value: exp.Expr) -> exp.Expr:
        return self._get(value, "$", "string", safe=True)

    def cast(self, value: exp.Expr, to: exp.DType) -> exp.Expr:
        name = {exp.DType.DOUBLE: "double", exp.DType.BOOLEAN: "boolean"}.get(to, "timestamp")
        return self._get(value, "$", name, safe=True)

    def any_element(self, value: exp.Expr, test: ElementTest) -> exp.Expr:
        variable = exp.to_identifier(self.alias("x"))
        array = self._get(value, "$", "array<variant>", safe=True)
        found = exp.Exists(
            this=array, expression=exp.Lambda(this=test(variable), expressions=[variable.copy()])
        )
        return exp.Coalesce(this=found, expressions=[exp.false()])  # no array: none found


def json_reader(builder: Builder, alias: Callable[[str], str]) -> JsonReader:
    """The reader for ``builder``'s dialect (DuckDB's for any other)."""
    if builder.dialect == "postgres":
        return _PostgresReader(builder, alias)
    if builder.dialect == "spark":
        return _SparkReader(builder, alias)
    return JsonReader(builder, alias)
