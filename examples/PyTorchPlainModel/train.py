"""A plain (unconstrained) PyTorch MLP on MNIST 0 vs 8, saved as a state_dict and as ONNX, for `torchlip certify`.

    python3 train.py [MNIST_DIR] [OUT_DIR]

MNIST_DIR holds the four IDX files (default ~/.cache/torchlip/mnist, where `torchlip mnist08` puts them). Labels are
+1 for 0 and -1 for 8, as in the tutorial; the network has the tutorial's shape with ReLU and no constraint, trained
with the hinge loss. Then, from the repository root:

    dotnet run --project src/TorchLip.Cli -c Release -- certify OUT_DIR/plain.pth --data mnist08 \
        --arch "flatten; linear(784, 128); relu; linear(128, 64); relu; linear(64, 32); relu; linear(32, 1)"
    dotnet run --project src/TorchLip.Cli -c Release -- certify OUT_DIR/plain.onnx --data mnist08
"""
import os
import struct
import sys

import numpy as np
import torch
from torch import nn


def idx(path):
    with open(path, "rb") as f:
        _, _, _, dims = struct.unpack(">BBBB", f.read(4))
        shape = struct.unpack(">" + "I" * dims, f.read(4 * dims))
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(shape)


def zero_vs_eight(folder, prefix):
    x = idx(os.path.join(folder, f"{prefix}-images-idx3-ubyte"))
    y = idx(os.path.join(folder, f"{prefix}-labels-idx1-ubyte"))
    keep = (y == 0) | (y == 8)
    images = torch.tensor(x[keep], dtype=torch.float32).unsqueeze(1) / 255.0
    labels = torch.tensor(np.where(y[keep] == 0, 1.0, -1.0), dtype=torch.float32)
    return images, labels


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else os.path.expanduser("~/.cache/torchlip/mnist")
    out = sys.argv[2] if len(sys.argv) > 2 else "."
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    x, y = zero_vs_eight(data, "train")
    tx, ty = zero_vs_eight(data, "t10k")
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                          nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 1))
    optimizer = torch.optim.Adam(model.parameters(), 1e-3)
    for epoch in range(10):
        order = torch.randperm(len(x))
        for i in range(0, len(x), 128):
            batch = order[i:i + 128]
            loss = torch.relu(1 - y[batch] * model(x[batch]).flatten()).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            accuracy = ((model(tx).flatten() > 0) == (ty > 0)).float().mean().item()
        print(f"epoch {epoch + 1}: loss {loss.item():.4f}, test accuracy {accuracy:.4f}")
    model.eval()
    torch.save(model.state_dict(), os.path.join(out, "plain.pth"))
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), os.path.join(out, "plain.onnx"), opset_version=13,
                      input_names=["input"], output_names=["output"], dynamic_axes={"input": {0: "N"}, "output": {0: "N"}})
    print(f"wrote {out}/plain.pth and {out}/plain.onnx")


if __name__ == "__main__":
    main()
