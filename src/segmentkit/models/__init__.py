"""The domain records and the value kinds they hold.

``records`` defines ``Contact``, ``Interaction``, ``InteractionType`` and
``Segment``; ``values`` the constrained types they share with the query AST
(``Value``, ``FieldKind``, identifiers); ``text`` the check that every stored
text can be saved (no lone surrogate). The bottom layer: it imports nothing
of segmentkit but ``errors``.
"""

from segmentkit.models.records import Contact, Interaction, InteractionType, Segment
from segmentkit.models.values import FieldKind, Value

__all__ = ["Contact", "FieldKind", "Interaction", "InteractionType", "Segment", "Value"]
