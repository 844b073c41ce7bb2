"""Business Central's marketing workflows over one repository (WORKFLOWS.md).

Interaction templates, interactions created from them (postponed and
resumed), segments (send lists) built by criteria and logged with an
optional follow-up, and the number series that number them::

    from segmentkit.marketing import Marketing, InteractionTemplate
    m = Marketing(repo)
    m.add_template(InteractionTemplate(code="ABSTRACT", unit_cost=Decimal("2.50")))

Everything is kept in the repository, so it is saved and loaded with it.
"""

from segmentkit.marketing.records import (
    CriteriaAction,
    InteractionGroup,
    InteractionTemplate,
    LoggedSegment,
    MarketingSetup,
    NumberSeries,
    PostponedInteraction,
    Salesperson,
    SegmentHeader,
    SegmentLine,
)
from segmentkit.marketing.service import Marketing
from segmentkit.marketing.state import TEMPLATE_FIELDS, MarketingState

__all__ = [
    "TEMPLATE_FIELDS",
    "CriteriaAction",
    "InteractionGroup",
    "InteractionTemplate",
    "LoggedSegment",
    "Marketing",
    "MarketingSetup",
    "MarketingState",
    "NumberSeries",
    "PostponedInteraction",
    "Salesperson",
    "SegmentHeader",
    "SegmentLine",
]
