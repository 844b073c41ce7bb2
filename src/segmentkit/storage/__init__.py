"""How contacts and interactions are held: columns, snapshots, ingestion, checks.

``interaction_log`` (one type's records as columns), ``store`` (the
immutable ``Snapshot`` the evaluator reads, and bitsets over contacts),
``ingest`` (the fast write path), ``validation`` (the checks every write
passes) and ``builtin_types`` (Dynamics 365 Marketing's types). Imports
``models`` only; the repository on top of it lives in ``segmentkit.repository``.
"""
