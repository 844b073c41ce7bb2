"""The interaction types of Dynamics 365 Marketing, registered in every new repository.

Field names are camelCase as in Dynamics 365 Marketing's interaction records.
One journey name is used throughout: ``journeyId`` (the customer journey that
caused the interaction), with ``activityId`` for the journey tile. Ids and
URLs are text; a bounce or block has a ``reason`` text. Event registrations
carry two contact references, ``registrantId`` (who filled in the form) and
``attendeeId`` (who will attend), so that
``EventRegistration via attendeeId where eventId = "..."`` selects attendees
registered by someone else.
"""

from __future__ import annotations

from segmentkit.models.records import InteractionType
from segmentkit.models.values import FieldKind

__all__ = ["BUILTIN_TYPES", "BUILTIN_TYPE_NAMES"]

# Every email interaction names the message and the journey that sent it.
_EMAIL: dict[str, FieldKind] = {
    "messageId": "text",
    "journeyId": "text",
    "activityId": "text",
}
_EVENT: dict[str, FieldKind] = {
    "eventId": "text",
    "eventName": "text",
    "eventDate": "date",
    "registrationId": "text",
}
_PAGE: dict[str, FieldKind] = {
    "pageUrl": "text",
    "referrerUrl": "text",
}


def _type(
    name: str,
    description: str,
    *field_groups: dict[str, FieldKind],
    references: frozenset[str] = frozenset(),
) -> InteractionType:
    fields: dict[str, FieldKind] = {}
    for group in field_groups:
        fields.update(group)
    return InteractionType(
        name=name, fields=fields, contact_references=references, description=description
    )


BUILTIN_TYPES: tuple[InteractionType, ...] = (
    # --- email -------------------------------------------------------------
    _type("EmailSent", "A marketing email was sent to the contact.", _EMAIL),
    _type("EmailDelivered", "The recipient's mail server accepted the email.", _EMAIL),
    _type(
        "EmailOpened",
        "The contact opened the email (images loaded).",
        _EMAIL,
        {"userAgent": "text", "deviceType": "text"},
    ),
    _type(
        "EmailClicked",
        "The contact clicked a link in the email.",
        _EMAIL,
        {"linkUrl": "text", "linkId": "text"},
    ),
    _type(
        "EmailForwarded",
        "The contact forwarded the email with its forward-to-a-friend form.",
        _EMAIL,
        {"forwardedToEmail": "text"},
    ),
    _type(
        "EmailHardBounced",
        "The email could not be delivered, permanently (e.g. no such mailbox).",
        _EMAIL,
        {"reason": "text"},
    ),
    _type(
        "EmailSoftBounced",
        "The email could not be delivered this time (e.g. mailbox full).",
        _EMAIL,
        {"reason": "text"},
    ),
    _type(
        "EmailBlocked",
        "The email was not sent (e.g. the address is on a block list).",
        _EMAIL,
        {"reason": "text"},
    ),
    _type(
        "EmailContainsBlockedLink",
        "The email was not sent because it links to a blocked site.",
        _EMAIL,
        {"linkUrl": "text"},
    ),
    _type(
        "EmailSubscriptionSubmit",
        "The contact changed subscriptions through the email's subscription center.",
        _EMAIL,
        {"subscriptionListId": "text"},
    ),
    # --- events ------------------------------------------------------------
    _type(
        "EventRegistration",
        "A contact was registered for an event, possibly by another contact.",
        _EVENT,
        {"registrantId": "text", "attendeeId": "text", "isWaitlisted": "boolean"},
        references=frozenset({"attendeeId", "registrantId"}),
    ),
    _type(
        "EventRegistrationCanceled",
        "An event registration was canceled.",
        _EVENT,
        {"registrantId": "text", "attendeeId": "text", "reason": "text"},
        references=frozenset({"attendeeId", "registrantId"}),
    ),
    _type(
        "EventCheckIn",
        "The contact checked in at an event.",
        _EVENT,
        {"attendeeId": "text", "checkInTime": "datetime"},
        references=frozenset({"attendeeId"}),
    ),
    _type(
        "SessionRegistration",
        "The contact registered for one session of an event.",
        _EVENT,
        {"sessionId": "text"},
    ),
    _type(
        "SessionCheckIn",
        "The contact checked in at one session of an event.",
        _EVENT,
        {"sessionId": "text", "checkInTime": "datetime"},
    ),
    # --- forms, pages and websites ----------------------------------------------
    _type(
        "FormVisited",
        "The contact opened a page that holds a marketing form.",
        {"formId": "text", "websiteId": "text", "journeyId": "text"},
        _PAGE,
    ),
    _type(
        "FormSubmitted",
        "The contact submitted a marketing form.",
        {
            "formId": "text",
            "websiteId": "text",
            "journeyId": "text",
            "submissionId": "text",
            "consentGiven": "boolean",
        },
        _PAGE,
    ),
    _type(
        "MarketingPageVisited",
        "The contact visited a marketing page.",
        {"marketingPageId": "text", "journeyId": "text"},
        _PAGE,
    ),
    _type(
        "WebsiteVisited",
        "The contact visited a tracked website page.",
        {"websiteId": "text", "durationSeconds": "number"},
        _PAGE,
    ),
    _type(
        "WebsiteClicked",
        "The contact clicked a tracked link on a website page.",
        {"websiteId": "text", "linkUrl": "text"},
        _PAGE,
    ),
    _type(
        "RedirectLinkClicked",
        "The contact followed a tracked redirect link.",
        {"redirectLinkId": "text", "linkUrl": "text", "journeyId": "text"},
    ),
    # --- subscription lists (segments) -----------------------------------------
    _type(
        "SegmentSubscribed",
        "The contact joined a subscription list (a static segment).",
        {"segmentId": "text", "journeyId": "text"},
    ),
    _type(
        "SegmentUnsubscribed",
        "The contact left a subscription list (a static segment).",
        {"segmentId": "text", "journeyId": "text", "reason": "text"},
    ),
)

BUILTIN_TYPE_NAMES: frozenset[str] = frozenset(t.name for t in BUILTIN_TYPES)
