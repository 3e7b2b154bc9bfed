"""Vietnamese dates: "22/10/2010", "22-10-2010", "22 tháng 10 năm 2010", "22.10.2010"."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

# One pattern for every printed form; the day/month may be blank in a form left to fill
# ("ngày   tháng 11 năm 2024"), which callers treat as no date.
DATE = r"\d{1,2}\s?[/.-]\s?\d{1,2}\s?[/.-]\s?(?:19|20)\d{2}|\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+(?:19|20)\d{2}"
_PARTS = re.compile(r"(\d{1,2})\D+?(\d{1,2})\D+?((?:19|20)\d{2})")


# (cached: the same few dates are printed again and again, within a document and across
# documents, and each one cost a search and a date object)
@lru_cache(maxsize=4096)
def parse_date(text: str) -> str | None:
    """ISO date of a printed date, or ``None`` when it is not a real calendar date."""
    m = _PARTS.search(text)
    if not m:
        return None
    day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None
