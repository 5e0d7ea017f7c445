"""Step 2: train a logistic model epoch by epoch, logging loss and accuracy per epoch."""

import pickle
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import accuracy_score, log_loss
from sklearn.preprocessing import StandardScaler

import mlflow_rest

work = Path(sys.argv[1])
epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
train = pd.read_csv(work / "train.csv")
y = train["target"].to_numpy()
x = train.drop(columns=["target", "size_class"]).to_numpy()
scaler = StandardScaler().fit(x)
x = scaler.transform(x)

params = {"model": "SGDClassifier", "loss": "log_loss", "alpha": 0.0005, "epochs": epochs}
mlflow_rest.log_params(params)
model = SGDClassifier(loss="log_loss", alpha=params["alpha"], random_state=1)
classes = np.unique(y)
for epoch in range(epochs):
    model.partial_fit(x, y, classes=classes)
    loss = log_loss(y, model.predict_proba(x))
    acc = accuracy_score(y, model.predict(x))
    mlflow_rest.log_metrics({"train_loss": loss, "train_accuracy": acc}, step=epoch)
    print(f"epoch {epoch} loss={loss:.4f} accuracy={acc:.4f}", flush=True)

with open(work / "model.pkl", "wb") as f:
    pickle.dump({"model": model, "scaler": scaler}, f)
print("saved model.pkl", flush=True)
