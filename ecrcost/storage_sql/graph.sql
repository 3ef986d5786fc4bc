-- The blob graph, built once per snapshot (ecrcost.storage.blob_graph), over the views of
-- inputs.sql (format-v2 columns: digests are int32 ids; a manifests row per digest; blobs_in
-- lists each manifest, blob pair once). Sizes are bytes; times int64 ns since the epoch (UTC).

-- every repository (listed, or holding images), sorted: its position is its id
CREATE TEMP TABLE repos AS
SELECT ((row_number() OVER (ORDER BY account_id, region, repository)) - 1)::INTEGER AS repo,
       account_id, region, repository,
       (dense_rank() OVER (ORDER BY account_id, region) - 1)::INTEGER AS registry
FROM (SELECT account_id, region, repository FROM repositories_in
      UNION SELECT account_id, region, repository FROM images_in);

-- one row per image. kind: 0 = unknown (manifest not collected or not parsed), 1 = image,
-- 2 = index; bytes: what one pull transfers at most -- an image manifest the sum of its
-- (distinct) blobs, an index its largest child's, an unknown image its imageSizeInBytes;
-- pushed: NULL when unknown
CREATE TEMP TABLE img AS
WITH manifest_bytes AS (
    SELECT manifest_id, sum(size_bytes)::DOUBLE AS bytes FROM blobs_in GROUP BY manifest_id
), child_max AS (
    SELECT c.index_id, max(mb.bytes) AS bytes
    FROM children_in c LEFT JOIN manifest_bytes mb ON mb.manifest_id = c.child_id
    GROUP BY c.index_id
), kinds AS (
    SELECT digest_id, (CASE kind WHEN 'image' THEN 1 ELSE 2 END)::UTINYINT AS kind
    FROM manifests_in WHERE kind IN ('image', 'index')
)
SELECT i.row, r.repo, r.registry, i.digest_id, i.tagged, i.size_bytes::DOUBLE AS naive,
       i.status IN ('ARCHIVED', 'ACTIVATING') AS archived,
       i.pushed_ns AS pushed, i.last_pull_ns,
       coalesce(k.kind, 0)::UTINYINT AS kind,
       CASE coalesce(k.kind, 0) WHEN 0 THEN i.size_bytes::DOUBLE
                                WHEN 1 THEN coalesce(mb.bytes, 0)
                                ELSE cm.bytes END AS bytes
FROM images_in i
JOIN repos r ON r.account_id IS NOT DISTINCT FROM i.account_id
            AND r.region IS NOT DISTINCT FROM i.region
            AND r.repository IS NOT DISTINCT FROM i.repository
LEFT JOIN kinds k ON k.digest_id = i.digest_id
LEFT JOIN manifest_bytes mb ON mb.manifest_id = i.digest_id
LEFT JOIN child_max cm ON cm.index_id = i.digest_id;

-- one row per (repository, blob), keyed k = repo << 32 | blob_id (one integer groups fastest):
-- size_archived = the blob's size if every image of the repository referencing it is archived,
-- else -1 - size (a blob's size is the same wherever it is referenced, so one min() gives both,
-- without overflow for any size); pushed: the earliest push of those images (an unknown push
-- counts as the epoch)
CREATE TEMP TABLE repo_blobs AS
WITH reach AS (
    SELECT repo, archived, coalesce(pushed, 0) AS pushed, digest_id AS manifest_id FROM img
    UNION ALL
    SELECT i.repo, i.archived, coalesce(i.pushed, 0), c.child_id
    FROM img i JOIN children_in c ON c.index_id = i.digest_id
)
SELECT (r.repo::BIGINT << 32) | b.blob_id::BIGINT AS k,
       min(CASE WHEN r.archived THEN b.size_bytes ELSE -1 - b.size_bytes END) AS size_archived,
       min(r.pushed) AS pushed
FROM reach r JOIN blobs_in b ON b.manifest_id = r.manifest_id
GROUP BY k;
