"""The real `ecrcost` CLI with the collector's clock set to ECRCOST_TEST_NOW (ISO-8601), for the
recipe tests: a cron job on the 1st of three simulated months (tests/test_recipes.py)."""

from __future__ import annotations

import os
from datetime import datetime

import ecrcost.collectors.engine as engine
from ecrcost.cli import main


class SimulatedClock(datetime):
    """datetime whose now() is ECRCOST_TEST_NOW."""

    @classmethod
    def now(cls, tz=None):  # type: ignore[override]
        return datetime.fromisoformat(os.environ["ECRCOST_TEST_NOW"]).astimezone(tz)


engine.datetime = SimulatedClock  # type: ignore[misc]
main()
