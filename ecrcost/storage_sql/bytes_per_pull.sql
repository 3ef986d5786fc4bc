-- What one pull of each repository transfers (ecrcost.usage.bytes_per_pull), over graph.sql's
-- tables: the mean bytes of the images last pulled within [$start, $end] (ns, inclusive), else
-- the newest tagged image's, else the newest image's (ties: the later row; an unknown push
-- counts as the oldest). NULL bytes (unknown) make the mean NULL.
WITH b AS (
    SELECT repo, tagged,
           -- (push time, row) as one orderable number: row < 2^40
           (coalesce(pushed, -9223372036854775807)::HUGEINT << 40) + row AS newest,
           coalesce(last_pull_ns BETWEEN $start AND $end, false) AS pulled,
           bytes
    FROM img
)
SELECT repo,
       count(*) AS images,
       count(*) FILTER (pulled) AS pulled_images,
       CASE WHEN bool_and(bytes IS NOT NULL) FILTER (pulled)
            THEN sum(bytes) FILTER (pulled) / count(*) FILTER (pulled) END AS pulled_mean,
       count(*) FILTER (tagged) AS tagged_images,
       arg_max_null(bytes, newest) FILTER (tagged) AS tagged_bytes,
       arg_max_null(bytes, newest) AS newest_bytes
FROM b GROUP BY repo;
