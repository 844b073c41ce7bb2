"""Questions about a query beyond who is in it now: why a contact is or is not
(``explain``), and when membership changes (``history``)."""
