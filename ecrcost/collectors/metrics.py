"""Daily pull counts from CloudWatch: `AWS/ECR` `RepositoryPullCount`, dimension `RepositoryName`,
statistic Sum, period one day, for the last `days` complete UTC days.

Up to 500 metric queries (one per repository) per GetMetricData call; ⌈repositories/500⌉ calls
per account-region (more only when a response is paginated). Days without a datapoint have no row
(CloudWatch publishes nothing for a day without pulls).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from ..aws import pages

QUERIES_PER_CALL = 500
DAY = 86400


def window(days: int, now: datetime | None = None) -> tuple[datetime, datetime]:
    """[start, end) of the last `days` complete UTC days before `now`."""
    now = now or datetime.now(UTC)
    end = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return end - timedelta(days=days), end


def collect_pulls(
    client: Any,
    account_id: str,
    region: str,
    repositories: Sequence[str],
    days: int,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Rows of the snapshot's `pulls` table (account_id, region, repository, date, pulls)."""
    if days <= 0 or not repositories:
        return []
    start, end = window(days, now)
    # one row per repository-day (a paginated result can split a day's datapoints); summed in
    # plain Python: no pandas on the way (its first groupby in a process costs ~40 ms of GIL)
    pulls: dict[tuple[str, datetime], float] = {}
    for i in range(0, len(repositories), QUERIES_PER_CALL):
        chunk = list(repositories[i : i + QUERIES_PER_CALL])
        queries = [
            {
                "Id": f"r{j}",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/ECR",
                        "MetricName": "RepositoryPullCount",
                        "Dimensions": [{"Name": "RepositoryName", "Value": name}],
                    },
                    "Period": DAY,
                    "Stat": "Sum",
                },
                "ReturnData": True,
            }
            for j, name in enumerate(chunk)
        ]
        for page in pages(
            client,
            "get_metric_data",
            token="NextToken",
            MetricDataQueries=queries,
            StartTime=start,
            EndTime=end,
            ScanBy="TimestampAscending",
        ):
            for result in page.get("MetricDataResults", []):
                name = chunk[int(result["Id"][1:])]
                for ts, value in zip(
                    result.get("Timestamps", []), result.get("Values", []), strict=False
                ):
                    key = (name, _utc_day(ts))
                    pulls[key] = pulls.get(key, 0.0) + float(value)
    return [
        {"account_id": account_id, "region": region, "repository": name, "date": day, "pulls": n}
        for (name, day), n in pulls.items()
    ]


def _utc_day(ts: datetime) -> datetime:
    """The start of the UTC day of `ts` (a naive one is taken as UTC)."""
    ts = ts.astimezone(UTC) if ts.tzinfo else ts.replace(tzinfo=UTC)
    return ts.replace(hour=0, minute=0, second=0, microsecond=0)
