"""How a document's tables are laid out on the page, shared by the HTML and Markdown renderers:
which rows and columns are shown (names first, then the money columns), labels for a one-row
(vertical) table, and the "first N of M rows" caption."""

from __future__ import annotations

import pandas as pd

from .document import Table
from .labels import header
from .tables import format_cell
from .terminal import preference

#: readable names for the summary's figures (the CSV keeps the column names)
LABELS = {
    "total_usd": "Total, USD/month",
    "storage_usd": "Storage, USD/month",
    "egress_usd": "Egress, USD/month",
    "replication_usd": "Replication, USD/month",
    "naive_bytes": "Sum of imageSizeInBytes (naive)",
    "unique_bytes": "Stored, deduplicated (billed estimate)",
    "overcount_bytes": "Naive over deduplicated",
    "overcount_pct": "Naive over deduplicated, %",
    "accounts": "Accounts",
    "regions": "Regions",
    "repositories": "Repositories",
    "images": "Images",
}


def shown(table: Table) -> pd.DataFrame:
    """The rows and layout shown in HTML / Markdown (strings already formatted for vertical)."""
    if table.vertical:
        row = table.df.iloc[0] if len(table.df) else pd.Series(dtype=object)
        return pd.DataFrame(
            {
                "figure": [LABELS.get(str(c)) or header(c) for c in row.index],
                "value": [format_cell(str(c), v) for c, v in row.items()],
            }
        )
    df = (
        table.df
        if table.show is None
        else table.df[[c for c in table.show if c in table.df.columns]]
    )
    df = df[preference(df)]  # names first, then the money columns, then the rest
    return df if table.limit is None else df.head(table.limit)


def caption(table: Table) -> str | None:
    """ "First N of M rows" when the shown table is cut, else None."""
    if table.limit is not None and not table.vertical and len(table.df) > table.limit:
        return f"First {table.limit} of {len(table.df):,} rows; all rows in {table.name}.csv."
    return None
