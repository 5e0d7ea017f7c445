-- Rollups move from a view on every sample insert to a periodic roller (store/rollup-roller.ts):
-- the raw -> 1m view cost ~70 % of each small insert. The 1h and 1d views stay; they now run
-- once per roll. The roller rolls raw samples by insert block number: a row's _block_number
-- is the number its insert got, allocated when the part became visible and kept through
-- merges by this setting, so every block up to the largest visible one is final.
DROP VIEW IF EXISTS metric_rollup_1m_mv;

ALTER TABLE metric_samples MODIFY SETTING enable_block_number_column = 1;

-- How far the tiers go: every sample block <= rolled_to is in them. A roll first records
-- rolling_to (its target), then inserts, then records rolled_to = rolling_to; a start that
-- finds them different rebuilds the days the interrupted roll touched. `seq` orders the
-- records without a clock: 2 * rolling_to for the start of a roll, + 1 when it is done.
CREATE TABLE IF NOT EXISTS metric_rollup_watermark
(
    id         UInt8,
    rolled_to  UInt64,
    rolling_to UInt64,
    seq        UInt64
)
ENGINE = ReplacingMergeTree(seq)
ORDER BY id;

-- Everything stored before this migration was rolled up by the view just dropped.
INSERT INTO metric_rollup_watermark (id, rolled_to, rolling_to, seq)
SELECT 0, w, w, 2 * w + 1
FROM (SELECT toUInt64(max(max_block_number)) AS w FROM system.parts
      WHERE database = currentDatabase() AND table = 'metric_samples' AND active)
