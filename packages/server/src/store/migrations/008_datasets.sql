-- Dataset profiles: one per run and role (train/validation/serving); a new upload replaces the
-- profile, so the table keeps the latest version. The profile is JSON: its shape is the
-- contract (contracts/datasets.ts) and is only ever read whole.
CREATE TABLE IF NOT EXISTS dataset_profiles
(
    run_id       String,
    role         LowCardinality(String),
    source       LowCardinality(String),
    upload_id    String,
    profile_json String,
    created      DateTime64(3, 'UTC'),
    version      UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (run_id, role);

-- A baseline pins a copy of a run's profile under a name: later uploads to that run do not move it.
CREATE TABLE IF NOT EXISTS dataset_baselines
(
    name         String,
    run_id       String,
    role         LowCardinality(String),
    upload_id    String,
    profile_json String,
    created      DateTime64(3, 'UTC'),
    version      UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY name;

-- Uploaded rows, one value per row and column, staged so profiles and exact drift statistics
-- (KS, PSI bins) are computed by the engine rather than in server memory. Nulls are not staged
-- (a column's nulls are the upload's rows minus its values); `num` is the value when it reads
-- as a finite number. Staged values expire; drift then falls back to the profiles' histograms.
CREATE TABLE IF NOT EXISTS dataset_values
(
    upload_id String,
    column    LowCardinality(String),
    value     String,
    num       Nullable(Float64),
    created   DateTime DEFAULT now()
)
ENGINE = MergeTree
ORDER BY (upload_id, column)
TTL created + INTERVAL 30 DAY;

-- Every computed drift report, whole, so it stays retrievable after the metrics were charted.
CREATE TABLE IF NOT EXISTS dataset_drift_reports
(
    run_id      String,
    role        LowCardinality(String),
    report_id   String,
    reference   String,
    report_json String,
    created     DateTime64(3, 'UTC')
)
ENGINE = MergeTree
ORDER BY (run_id, role, created)
