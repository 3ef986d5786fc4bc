"""Units every stage shares, defined once.

- `GB`: 1 GB = 2^30 bytes, as AWS bills storage and transfer (and as every report states).
- `DAYS_PER_MONTH`: 365.25 / 12 = 30.4375 days, the month of a monthly run-rate (pulls per day x
  this; "pushed in the last month" = the last 30.4375 days).
"""

from __future__ import annotations

GB = 2**30
DAYS_PER_MONTH = 365.25 / 12
