-- Per image: bytes of its blobs that no other image of the scope references
-- (ecrcost.storage.image_storage). $registry: the scope is the account+region, else the repository.
WITH e AS (
    SELECT ib.image, ib.blob, ib.size_bytes,
           CASE WHEN $registry THEN i.registry ELSE i.repo END AS grp
    FROM image_blobs ib JOIN img i ON i.row = ib.image
), refs AS (
    SELECT grp, blob, count(*) AS n FROM e GROUP BY grp, blob
)
SELECT e.image, sum(e.size_bytes)::DOUBLE AS exclusive_bytes
FROM e JOIN refs r ON r.grp = e.grp AND r.blob = e.blob
WHERE r.n = 1
GROUP BY e.image;
