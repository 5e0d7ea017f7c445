-- Logs: one row per record. Attributes are split by type so that numbers compare as
-- numbers; the source's UTC offset is kept beside the UTC timestamp.
CREATE TABLE IF NOT EXISTS logs
(
    ts          DateTime64(9, 'UTC') CODEC(Delta, ZSTD(1)),
    tz_offset   Int16,
    observed_ts DateTime64(9, 'UTC') CODEC(Delta, ZSTD(1)),
    service     LowCardinality(String),
    host        LowCardinality(String),
    level       LowCardinality(String),
    level_raw   LowCardinality(String),
    message     String CODEC(ZSTD(1)),
    attr_str    Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    attr_num    Map(LowCardinality(String), Float64) CODEC(ZSTD(1)),
    attr_bool   Map(LowCardinality(String), UInt8) CODEC(ZSTD(1)),
    resource    Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    run_id      String CODEC(ZSTD(1)),
    trace_id    String CODEC(ZSTD(1)),
    span_id     String CODEC(ZSTD(1)),
    INDEX idx_message lower(message) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 1,
    INDEX idx_trace trace_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_run run_id TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = MergeTree
PARTITION BY toDate(ts)
ORDER BY (toStartOfHour(ts), service, level, ts)
SETTINGS non_replicated_deduplication_window = 10000, index_granularity = 8192
