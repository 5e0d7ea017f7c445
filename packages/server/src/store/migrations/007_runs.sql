-- Runs: experiments own runs; a run owns params, tags, metrics, dataset inputs and logged models.
-- Experiments, runs and tags change while a run progresses, so each change is a new row with
-- a higher `version` (ReplacingMergeTree): an update is one small insert, reads take FINAL
-- (or argMax by version) and see the latest state. Metrics are append-only history.
CREATE TABLE IF NOT EXISTS experiments
(
    experiment_id     String,
    name              String,
    artifact_location String,
    lifecycle_stage   LowCardinality(String),
    tags              Map(String, String),
    creation_time     DateTime64(3, 'UTC'),
    last_update_time  DateTime64(3, 'UTC'),
    version           UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY experiment_id;

-- MLflow clients expect experiment "0" named "Default" to exist.
INSERT INTO experiments
SELECT '0', 'Default', 'mlflow-artifacts:/0', 'active', map(), now64(3), now64(3), 1
WHERE (SELECT count() FROM experiments WHERE experiment_id = '0') = 0;

CREATE TABLE IF NOT EXISTS runs
(
    run_id          String,
    experiment_id   String,
    name            String,
    kind            LowCardinality(String),
    parent_run_id   String,
    status          LowCardinality(String),
    start_time      DateTime64(3, 'UTC'),
    end_time        Nullable(DateTime64(3, 'UTC')),
    lifecycle_stage LowCardinality(String),
    user            String,
    host            String,
    command         String,
    git_commit      String,
    exit_code       Nullable(Int32),
    artifact_uri    String,
    version         UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY run_id;

-- Params are write-once in MLflow (a different value for a logged key is an error).
CREATE TABLE IF NOT EXISTS run_params
(
    run_id  String,
    key     String,
    value   String,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (run_id, key);

-- A deleted tag is a row with deleted = 1 that outranks the earlier values.
CREATE TABLE IF NOT EXISTS run_tags
(
    run_id  String,
    key     String,
    value   String,
    deleted UInt8,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (run_id, key);

-- Every logged value is kept (metric history); "latest" is the highest step, then the
-- latest timestamp, then the highest value, as MLflow defines it.
CREATE TABLE IF NOT EXISTS run_metrics
(
    run_id    String,
    key       String,
    value     Float64,
    step      Int64,
    timestamp DateTime64(3, 'UTC')
)
ENGINE = MergeTree
ORDER BY (run_id, key, step, timestamp)
SETTINGS non_replicated_deduplication_window = 10000;

-- Datasets a run used (MLflow log-inputs) and models it logged (log-model's metadata).
CREATE TABLE IF NOT EXISTS run_inputs
(
    run_id      String,
    name        String,
    digest      String,
    source_type String,
    source      String,
    schema      String,
    profile     String,
    tags        Map(String, String),
    version     UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (run_id, name, digest);

CREATE TABLE IF NOT EXISTS run_models
(
    run_id     String,
    model_json String,
    logged_at  DateTime64(3, 'UTC')
)
ENGINE = MergeTree
ORDER BY (run_id, logged_at)
