"""Evaluation of a checked query against a storage ``Snapshot``.

``windows`` (time points and window bounds), ``compare`` (three-valued
comparisons), ``scan`` (restrictions over columns) and ``evaluate``. Imports
``language`` and ``storage``, never the repository: it reads snapshots.
"""
