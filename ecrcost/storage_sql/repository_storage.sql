-- Bytes per repository (ecrcost.storage.repository_storage), over the tables of graph.sql.
-- $registry: false = repository scope (each repository stores its blobs), true = registry scope
-- (a blob referenced by n repositories of an account+region: size/n to each; exclusive only if
-- n = 1). $start / $end: the period, int64 ns. Unknown (NULL) stand-ins make the sum NULL.
WITH rb AS (  -- repo_blobs' key decoded
    SELECT k, (k >> 32)::INTEGER AS repo, (k & 4294967295)::INTEGER AS blob_id,
           CASE WHEN size_archived >= 0 THEN size_archived ELSE -1 - size_archived END AS size,
           size_archived >= 0 AS archived, pushed
    FROM repo_blobs
), reg AS (  -- registry scope only: each row's account+region
    SELECT rb.*, p.registry FROM rb JOIN repos p ON p.repo = rb.repo WHERE $registry
), refs AS (
    SELECT registry, blob_id, count(*) AS n FROM reg GROUP BY registry, blob_id
), shares AS (  -- registry scope: the rows of blobs referenced by n > 1 repositories
    SELECT g.k, r.n FROM reg g JOIN refs r ON r.registry = g.registry AND r.blob_id = g.blob_id
    WHERE r.n > 1
), scoped AS (
    SELECT b.repo, b.archived, b.pushed,
           b.size / coalesce(s.n, 1) AS share,
           CASE WHEN s.n IS NULL THEN b.size ELSE 0 END::DOUBLE AS excl,
           greatest(0, least($end - greatest(b.pushed, $start), $end - $start)) / 3.6e12 AS hours
    FROM rb b LEFT JOIN shares s ON s.k = b.k
), by_blob AS (
    SELECT repo,
           sum(share) AS unique_bytes,
           coalesce(sum(share) FILTER (archived), 0) AS archive_bytes,
           sum(excl) AS exclusive_bytes,
           coalesce(sum(share * hours) FILTER (NOT archived), 0) AS standard_byte_hours,
           coalesce(sum(share * hours) FILTER (archived), 0) AS archive_byte_hours,
           coalesce(sum(share) FILTER (pushed >= $start AND pushed < $end), 0) AS new_bytes
    FROM scoped GROUP BY repo
), stand_in AS (  -- images without known blobs count with imageSizeInBytes
    SELECT repo, archived, coalesce(pushed, 0) AS pushed,
           CASE WHEN kind = 0 THEN naive ELSE 0 END AS s,
           greatest(0, least($end - greatest(coalesce(pushed, 0), $start), $end - $start)) / 3.6e12 AS hours,
           naive, tagged, kind
    FROM img
), by_image AS (
    SELECT repo,
           count(*) AS images,
           count(*) FILTER (tagged) AS tagged_images,
           CASE WHEN bool_and(naive IS NOT NULL) THEN sum(naive) END AS naive_bytes,
           CASE WHEN bool_and(s IS NOT NULL) THEN sum(s) END AS s_all,
           CASE WHEN bool_and(s IS NOT NULL) THEN sum(CASE WHEN archived THEN s ELSE 0 END) END AS s_arc,
           CASE WHEN bool_and(s IS NOT NULL)
                THEN sum(CASE WHEN archived THEN 0 ELSE s * hours END) END AS s_std_h,
           CASE WHEN bool_and(s IS NOT NULL)
                THEN sum(CASE WHEN archived THEN s * hours ELSE 0 END) END AS s_arc_h,
           CASE WHEN bool_and(s IS NOT NULL)
                THEN sum(CASE WHEN pushed >= $start AND pushed < $end THEN s ELSE 0 END) END AS s_new,
           count(*) FILTER (kind = 0) AS missing_manifests
    FROM stand_in GROUP BY repo
)
SELECT r.repo,
       coalesce(i.images, 0) AS images,
       coalesce(i.tagged_images, 0) AS tagged_images,
       coalesce(i.naive_bytes, CASE WHEN i.repo IS NULL THEN 0 END) AS naive_bytes,
       coalesce(b.unique_bytes, 0) + coalesce(i.s_all, CASE WHEN i.repo IS NULL THEN 0 END) AS unique_bytes,
       coalesce(b.archive_bytes, 0) + coalesce(i.s_arc, CASE WHEN i.repo IS NULL THEN 0 END) AS archive_bytes,
       coalesce(b.exclusive_bytes, 0) + coalesce(i.s_all, CASE WHEN i.repo IS NULL THEN 0 END) AS exclusive_bytes,
       coalesce(i.missing_manifests, 0) AS missing_manifests,
       coalesce(b.standard_byte_hours, 0) + coalesce(i.s_std_h, CASE WHEN i.repo IS NULL THEN 0 END) AS standard_byte_hours,
       coalesce(b.archive_byte_hours, 0) + coalesce(i.s_arc_h, CASE WHEN i.repo IS NULL THEN 0 END) AS archive_byte_hours,
       coalesce(b.new_bytes, 0) + coalesce(i.s_new, CASE WHEN i.repo IS NULL THEN 0 END) AS new_bytes
FROM repos r
LEFT JOIN by_blob b ON b.repo = r.repo
LEFT JOIN by_image i ON i.repo = r.repo
ORDER BY r.repo;
