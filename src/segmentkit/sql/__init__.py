"""The same queries on SQL engines (SQL.md): ``SqlRepository`` keeps the
records in DuckDB or PostgreSQL, ``compile_query`` writes any query as one
statement for DuckDB, PostgreSQL or Spark, and ``spark_members`` runs it on a
``SparkSession``. Needs the ``sql`` extra (``pip install "segmentkit[sql]"``):
sqlglot, and duckdb / psycopg for the engine you use.
"""

try:
    import sqlglot  # noqa: F401
except ImportError:  # pragma: no cover - exercised in a venv without the extra
    raise ImportError(
        "segmentkit.sql needs the sql extra: pip install 'segmentkit[sql]'"
    ) from None

from segmentkit.sql.compile import CompiledQuery, compile_query
from segmentkit.sql.layout import TableLayout
from segmentkit.sql.repository import SqlRepository
from segmentkit.sql.spark import spark_members

__all__ = ["CompiledQuery", "SqlRepository", "TableLayout", "compile_query", "spark_members"]
