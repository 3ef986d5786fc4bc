-- The model's inputs: views over a snapshot's format-v2 tables (ecrcost.storage.blob_graph).
-- {images}, {manifests}, {blobs}, {children}, {repositories} are the tables to read: on one
-- machine DuckDB's read_parquet over the snapshot directory (Hive-partitioned; account_id and
-- region declared VARCHAR), on Athena / Spark the external tables over the same files in S3.
-- Only the columns the model needs are read. Times become int64 ns since the epoch (UTC).
CREATE TEMP VIEW images_in AS
SELECT position AS row, account_id, region, repository, digest_id,
       coalesce(len(tags), 0) > 0 AS tagged, status, size_bytes,
       epoch_ns(pushed_at) AS pushed_ns, epoch_ns(last_pull_at) AS last_pull_ns
FROM {images};
CREATE TEMP VIEW manifests_in AS SELECT digest_id, kind FROM {manifests};
-- the edges are read twice (manifest bytes, repository blobs): decoded once
CREATE TEMP TABLE blobs_in AS SELECT manifest_id, blob_id, size_bytes FROM {blobs} WHERE NOT repeat;
CREATE TEMP VIEW children_in AS SELECT index_id, child_id FROM {children};
CREATE TEMP VIEW repositories_in AS
SELECT account_id, region, repository, images_complete FROM {repositories};
