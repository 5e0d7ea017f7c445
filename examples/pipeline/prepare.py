"""Step 1: load the data, clean it, split it into train and test CSV files."""

import sys
from pathlib import Path

import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

import mlflow_rest

work = Path(sys.argv[1])
work.mkdir(parents=True, exist_ok=True)

data = load_breast_cancer(as_frame=True)
frame = data.frame.rename(columns=lambda c: c.replace(" ", "_"))
frame["size_class"] = pd.cut(frame["mean_radius"], bins=[0, 12, 16, 100], labels=["small", "medium", "large"]).astype(str)
print(f"loaded {len(frame)} rows, {frame.shape[1]} columns", flush=True)

# Outliers: rows with any feature beyond 4 standard deviations are removed.
numeric = frame.select_dtypes("number").drop(columns=["target"])
z = (numeric - numeric.mean()) / numeric.std()
outliers = (z.abs() > 4).any(axis=1)
frame = frame[~outliers]
print(f"removed {int(outliers.sum())} outlier rows (|z| > 4)", flush=True)

train, test = train_test_split(frame, test_size=0.25, random_state=7, stratify=frame["target"])
train.to_csv(work / "train.csv", index=False)
test.to_csv(work / "test.csv", index=False)
print(f"train {len(train)} rows, test {len(test)} rows", flush=True)
if len(train) < 100:
    print("too few training rows", file=sys.stderr, flush=True)
    sys.exit(3)

mlflow_rest.log_params({"test_size": 0.25, "outlier_rule": "abs(z) > 4"})
mlflow_rest.log_metrics({"rows_train": len(train), "rows_test": len(test), "outliers_removed": int(outliers.sum())})
