-- Metric rollups raw -> 1 min -> 1 h -> 1 d, kept by materialized views. Each row holds
-- aggregate states; rows for one (series, bucket) may exist several times until merged, so
-- readers must aggregate with the -Merge combinators and GROUP BY (see MetricsRepository.rollup).
-- Counters: a reset-adjusted increase needs the samples in order, which an MV over an
-- insert block cannot see; first/last (argMin/argMax by ts) plus min/max per bucket let the
-- reader compute it across adjacent buckets (rollupCounterIncrease).
-- An MV insert is not atomic with the base insert: MetricsRepository.rebuildRollups repairs a range.
-- The deduplication window matters: a retried sample insert (same token) is dropped from
-- metric_samples, but the views still push its rows; without a window here they count twice.
CREATE TABLE IF NOT EXISTS metric_rollup_1m
(
    metric       LowCardinality(String),
    fingerprint  UInt64,
    bucket       DateTime('UTC'),
    min_value    AggregateFunction(min, Float64),
    max_value    AggregateFunction(max, Float64),
    sum_value    AggregateFunction(sum, Float64),
    sample_count AggregateFunction(count),
    first_value  AggregateFunction(argMin, Float64, DateTime64(3, 'UTC')),
    last_value   AggregateFunction(argMax, Float64, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (metric, fingerprint, bucket)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS metric_rollup_1h
(
    metric       LowCardinality(String),
    fingerprint  UInt64,
    bucket       DateTime('UTC'),
    min_value    AggregateFunction(min, Float64),
    max_value    AggregateFunction(max, Float64),
    sum_value    AggregateFunction(sum, Float64),
    sample_count AggregateFunction(count),
    first_value  AggregateFunction(argMin, Float64, DateTime64(3, 'UTC')),
    last_value   AggregateFunction(argMax, Float64, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (metric, fingerprint, bucket)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS metric_rollup_1d
(
    metric       LowCardinality(String),
    fingerprint  UInt64,
    bucket       DateTime('UTC'),
    min_value    AggregateFunction(min, Float64),
    max_value    AggregateFunction(max, Float64),
    sum_value    AggregateFunction(sum, Float64),
    sample_count AggregateFunction(count),
    first_value  AggregateFunction(argMin, Float64, DateTime64(3, 'UTC')),
    last_value   AggregateFunction(argMax, Float64, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYear(bucket)
ORDER BY (metric, fingerprint, bucket)
SETTINGS non_replicated_deduplication_window = 10000;

-- Staleness markers are not samples. A genuine NaN sample is a value and is kept, as raw
-- queries keep it (it makes that bucket's sum NaN, like sum_over_time would).
CREATE MATERIALIZED VIEW IF NOT EXISTS metric_rollup_1m_mv TO metric_rollup_1m AS
SELECT
    metric,
    fingerprint,
    toStartOfMinute(toDateTime(ts, 'UTC')) AS bucket,
    minState(value) AS min_value,
    maxState(value) AS max_value,
    sumState(value) AS sum_value,
    countState() AS sample_count,
    argMinState(value, ts) AS first_value,
    argMaxState(value, ts) AS last_value
FROM metric_samples
WHERE stale = 0
GROUP BY metric, fingerprint, bucket;

-- Cascades: fed by the rows the 1m view (or a rebuild) inserts, merging their states. The
-- qualified column keeps the same-named alias from referring to itself.
CREATE MATERIALIZED VIEW IF NOT EXISTS metric_rollup_1h_mv TO metric_rollup_1h AS
SELECT
    metric,
    fingerprint,
    toStartOfHour(metric_rollup_1m.bucket) AS bucket,
    minMergeState(min_value) AS min_value,
    maxMergeState(max_value) AS max_value,
    sumMergeState(sum_value) AS sum_value,
    countMergeState(sample_count) AS sample_count,
    argMinMergeState(first_value) AS first_value,
    argMaxMergeState(last_value) AS last_value
FROM metric_rollup_1m
GROUP BY metric, fingerprint, bucket;

CREATE MATERIALIZED VIEW IF NOT EXISTS metric_rollup_1d_mv TO metric_rollup_1d AS
SELECT
    metric,
    fingerprint,
    toStartOfDay(metric_rollup_1h.bucket) AS bucket,
    minMergeState(min_value) AS min_value,
    maxMergeState(max_value) AS max_value,
    sumMergeState(sum_value) AS sum_value,
    countMergeState(sample_count) AS sample_count,
    argMinMergeState(first_value) AS first_value,
    argMaxMergeState(last_value) AS last_value
FROM metric_rollup_1h
GROUP BY metric, fingerprint, bucket
