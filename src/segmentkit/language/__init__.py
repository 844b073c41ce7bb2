"""The query language: text -> AST -> checked AST -> canonical text.

``ast`` (the nodes, the one meeting point of every stage), ``parse`` (with
``ast_builder`` and ``parse_errors``), ``check`` (structure and names) and
``format``. Imports ``models`` only; the evaluator and the storage layer
know nothing of lark. Import from the modules, e.g.
``from segmentkit.language.parse import parse``.
"""
