-- The blob graph, built once per snapshot (ecrcost.storage.blob_graph), over the views of
-- inputs.sql (format-v2 columns: digests are int32 ids; a manifests row per digest; blobs_in
-- lists each manifest, blob pair once). Sizes are bytes; times int64 ns since the epoch (UTC).

-- every repository (listed, or holding images), sorted: its position is its id
CREATE TEMP TABLE repos AS
SELECT (row_number() OVER (ORDER BY account_id, region, repository)) - 1 AS repo,
       account_id, region, repository,
       dense_rank() OVER (ORDER BY account_id, region) - 1 AS registry
FROM (SELECT account_id, region, repository FROM repositories_in
      UNION SELECT account_id, region, repository FROM images_in);

CREATE TEMP TABLE img AS
SELECT i.row, r.repo, r.registry, i.digest_id, i.n_tags, i.size_bytes::DOUBLE AS naive,
       i.status IN ('ARCHIVED', 'ACTIVATING') AS archived,
       coalesce(i.pushed_ns, 0) AS pushed, i.pushed_ns AS pushed_raw, i.last_pull_ns,
       CASE WHEN k.kind IN ('image', 'index') THEN k.kind ELSE 'unknown' END AS kind
FROM images_in i
JOIN repos r ON r.account_id IS NOT DISTINCT FROM i.account_id
            AND r.region IS NOT DISTINCT FROM i.region
            AND r.repository IS NOT DISTINCT FROM i.repository
LEFT JOIN manifests_in k ON k.digest_id = i.digest_id;  -- "image" | "index"; else unknown

-- each manifest's bytes: the sum of its (distinct) blobs
CREATE TEMP TABLE manifest_bytes AS
SELECT manifest_id, sum(size_bytes)::DOUBLE AS bytes FROM blobs_in GROUP BY manifest_id;

-- what one pull of each image transfers at most: its manifest's bytes; an index its largest
-- child's; an image whose manifest is unknown its imageSizeInBytes
CREATE TEMP TABLE image_bytes AS
WITH child_max AS (
    SELECT c.index_id, max(mb.bytes) AS bytes
    FROM children_in c LEFT JOIN manifest_bytes mb ON mb.manifest_id = c.child_id
    GROUP BY c.index_id
)
SELECT i.row,
       CASE i.kind WHEN 'unknown' THEN i.naive
                   WHEN 'index' THEN cm.bytes
                   ELSE coalesce(mb.bytes, 0) END AS bytes
FROM img i
LEFT JOIN manifest_bytes mb ON mb.manifest_id = i.digest_id
LEFT JOIN child_max cm ON cm.index_id = i.digest_id;

-- one row per (repository, blob): the blob's size, archived only if every image of the
-- repository referencing it is archived, and the earliest push of those images
CREATE TEMP TABLE repo_blobs AS
WITH reach AS (
    SELECT repo, registry, archived, pushed, digest_id AS manifest_id FROM img
    UNION ALL
    SELECT i.repo, i.registry, i.archived, i.pushed, c.child_id
    FROM img i JOIN children_in c ON c.index_id = i.digest_id
)
SELECT r.repo, any_value(r.registry) AS registry, b.blob_id, max(b.size_bytes) AS size,
       bool_and(r.archived) AS archived, min(r.pushed) AS pushed
FROM reach r JOIN blobs_in b ON b.manifest_id = r.manifest_id
GROUP BY r.repo, b.blob_id;
