-- Every (image, blob) pair once (ecrcost.storage.image_blob_edges): an image reaches the blobs
-- of its manifest, an index those of its children. image = row position in the images table.
CREATE TEMP TABLE image_blobs AS
SELECT DISTINCT image, blob, size_bytes FROM (
    SELECT i.row AS image, b.blob_id AS blob, b.size_bytes
    FROM img i JOIN blobs_in b ON b.manifest_id = i.digest_id
    UNION ALL
    SELECT i.row, b.blob_id, b.size_bytes
    FROM img i JOIN children_in c ON c.index_id = i.digest_id
    JOIN blobs_in b ON b.manifest_id = c.child_id
)
ORDER BY image, blob;
