-- What one pull of each repository transfers (ecrcost.usage.bytes_per_pull), over graph.sql's
-- tables: the mean bytes of the images last pulled within [$start, $end] (ns, inclusive), else
-- the newest tagged image's, else the newest image's (ties: the later row). NULL bytes (unknown)
-- make the mean NULL.
WITH b AS (
    SELECT i.repo, i.row, i.n_tags > 0 AS tagged,
           coalesce(i.pushed_raw, -9223372036854775807) AS p,
           coalesce(i.last_pull_ns BETWEEN $start AND $end, false) AS pulled,
           ib.bytes
    FROM img i JOIN image_bytes ib ON ib.row = i.row
)
SELECT repo,
       count(*) FILTER (pulled) AS pulled_images,
       CASE WHEN bool_and(bytes IS NOT NULL) FILTER (pulled)
            THEN sum(bytes) FILTER (pulled) / count(*) FILTER (pulled) END AS pulled_mean,
       count(*) FILTER (tagged) AS tagged_images,
       arg_max_null(bytes, [p, row]) FILTER (tagged) AS tagged_bytes,
       arg_max_null(bytes, [p, row]) AS newest_bytes
FROM b GROUP BY repo;
