"""Settings of the library, read each time they are used: assign to change them.

::

    import segmentkit.settings
    segmentkit.settings.max_query_length = 500_000
"""

from __future__ import annotations

__all__ = ["max_query_length"]

# The longest query text (in characters) that parse reads; a longer one is a
# QueryValidationError naming this limit. At 100,000 characters the worst
# query (short tokens, or a list of that many items) parses in well under a
# second here, so every input up to 1 MB is read or refused within 2 s
# (LANGUAGE.md "Size"). Raising it lets longer queries through at about
# three seconds per megabyte of short tokens.
max_query_length: int = 100_000
