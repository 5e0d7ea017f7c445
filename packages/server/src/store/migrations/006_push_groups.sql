-- Pushgateway groups, so they survive a restart (the receiver re-writes their last values
-- every minute; without this table a restart would stop that until the job pushes again).
-- One row per change of a group; the latest by `updated` wins, a delete is a row with deleted = 1.
-- samples: JSON array of {metric, labels, value, family} (family decides what a POST replaces;
-- value as text so NaN and infinities survive). metadata: JSON array of the families' metadata.
CREATE TABLE IF NOT EXISTS push_groups
(
    key          String,
    job          String,
    grouping     Map(String, String),
    samples      String,
    metadata     String,
    push_time    Float64,
    failure_time Float64,
    updated      DateTime64(3, 'UTC'),
    deleted      UInt8
)
ENGINE = ReplacingMergeTree(updated)
ORDER BY key
