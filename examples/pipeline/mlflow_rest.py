"""A few MLflow tracking REST calls with Python's standard library only.

`stellwerk run` gives the step MLFLOW_TRACKING_URI and MLFLOW_RUN_ID when the server answered,
so a step logs into its own run. Without them the calls do nothing: a pipeline must not fail
because its observability is down.
"""

import json
import os
import time
import urllib.request

TRACKING_URI = os.environ.get("MLFLOW_TRACKING_URI", "").rstrip("/")
RUN_ID = os.environ.get("MLFLOW_RUN_ID", "")


def enabled():
    return TRACKING_URI.startswith("http") and RUN_ID != ""


def _post(path, body):
    req = urllib.request.Request(
        f"{TRACKING_URI}/api/2.0/mlflow/{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            return json.loads(res.read() or b"{}")
    except OSError as err:  # HTTPError and URLError are OSErrors
        print(f"warning: MLflow call {path} failed: {err}", flush=True)
        return None


def log_params(params):
    if enabled():
        _post("runs/log-batch", {"run_id": RUN_ID, "params": [{"key": k, "value": str(v)} for k, v in params.items()]})


def log_metrics(metrics, step=0):
    if enabled():
        now = int(time.time() * 1000)
        batch = [{"key": k, "value": float(v), "timestamp": now, "step": step} for k, v in metrics.items()]
        _post("runs/log-batch", {"run_id": RUN_ID, "metrics": batch})


def set_tag(key, value):
    if enabled():
        _post("runs/set-tag", {"run_id": RUN_ID, "key": key, "value": str(value)})
