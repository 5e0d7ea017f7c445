-- Metrics: labels are stored once per series (keyed by a fingerprint of name and labels),
-- samples as (metric, fingerprint, time, value), the layout that keeps bytes per sample low.
CREATE TABLE IF NOT EXISTS metric_series
(
    metric      LowCardinality(String),
    fingerprint UInt64,
    labels      Map(LowCardinality(String), String),
    last_seen   DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(last_seen)
ORDER BY (metric, fingerprint);

CREATE TABLE IF NOT EXISTS metric_samples
(
    metric      LowCardinality(String),
    fingerprint UInt64,
    ts          DateTime64(3, 'UTC') CODEC(DoubleDelta, ZSTD(1)),
    value       Float64 CODEC(Gorilla, ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toDate(ts)
ORDER BY (metric, fingerprint, ts)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS metric_metadata
(
    metric  String,
    type    LowCardinality(String),
    unit    String,
    help    String,
    updated DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated)
ORDER BY metric
