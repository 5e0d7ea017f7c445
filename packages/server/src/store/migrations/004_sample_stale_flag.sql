-- Prometheus' staleness marker is one NaN bit pattern; JSON and JS do not keep NaN payloads,
-- so the marker is stored as a flag beside the value.
ALTER TABLE metric_samples ADD COLUMN IF NOT EXISTS stale UInt8 DEFAULT 0 CODEC(ZSTD(1))
