"""Writes plain networks exported by PyTorch's own torch.onnx.export (no TorchLip metadata), each with one input batch
and PyTorch's outputs, for OnnxImportTests: plain_chain, plain_dense, plain_pool and plain_border (.onnx and
.json, a few KB each).

Run from this folder with Debian's PyTorch (1.13; torch.onnx.export needs no onnx package):

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 make_onnx_fixture.py

plain_chain: Conv2d(1, 4, 3, padding=1), BatchNorm2d(4) (eval, nonzero running statistics; PyTorch folds it into the
convolution), ReLU, MaxPool2d(2), Flatten, Linear(64, 8), Tanh, Linear(8, 3), on 1 x 8 x 8 inputs, opset 13.
plain_dense: Linear(5, 4) on 2 x 5 inputs (MatMul + Add), ELU, Flatten, Linear(8, 6), BatchNorm1d(6), LeakyReLU(0.2),
Linear(6, 4), Sigmoid, Linear(4, 2), Softplus, opset 17.
plain_pool: Conv2d(2, 3, 3, padding=1), ReLU6, AvgPool2d(3, 2, 1) (PyTorch writes Pad + AveragePool), Hardswish,
Conv2d(3, 2, 3), Hardsigmoid, Flatten, Linear(8, 4), Softmax(dim=1), on 2 x 8 x 8 inputs, opset 17.
plain_border: Conv2d(2, 3, 3, padding=(1, 2), padding_mode="reflect"), ReLU, Conv2d(3, 2, 3, padding=1,
padding_mode="replicate"), Flatten, Linear(96, 3), on 2 x 6 x 6 inputs, opset 13 (PyTorch computes the pads of each
Pad node with a few unfolded integer nodes).
"""
import json
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(20261205)
torch.set_num_threads(1)



def tensor_json(t):
    t = t.detach().contiguous()
    return {"shape": list(t.shape), "dtype": "float32", "data": t.reshape(-1).tolist()}


def randomize(bn):
    with torch.no_grad():
        bn.running_mean.uniform_(-0.5, 0.5)
        bn.running_var.uniform_(0.5, 2.0)
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-0.3, 0.3)


def write(name, model, x, opset):
    model.eval()
    with torch.no_grad():
        y = model(x)
    torch.onnx.export(model, x[:1], os.path.join(HERE, name + ".onnx"), opset_version=opset,
                      input_names=["x"], output_names=["y"], dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
    with open(os.path.join(HERE, name + ".json"), "w") as f:
        json.dump({"torch": torch.__version__, "opset": opset, "input": tensor_json(x), "output": tensor_json(y)}, f, indent=1)


chain = torch.nn.Sequential(
    torch.nn.Conv2d(1, 4, 3, padding=1),
    torch.nn.BatchNorm2d(4),
    torch.nn.ReLU(),
    torch.nn.MaxPool2d(2),
    torch.nn.Flatten(),
    torch.nn.Linear(4 * 4 * 4, 8),
    torch.nn.Tanh(),
    torch.nn.Linear(8, 3),
)
randomize(chain[1])
write("plain_chain", chain, torch.randn(3, 1, 8, 8), 13)

dense = torch.nn.Sequential(
    torch.nn.Linear(5, 4),
    torch.nn.ELU(),
    torch.nn.Flatten(),
    torch.nn.Linear(8, 6),
    torch.nn.BatchNorm1d(6),
    torch.nn.LeakyReLU(0.2),
    torch.nn.Linear(6, 4),
    torch.nn.Sigmoid(),
    torch.nn.Linear(4, 2),
    torch.nn.Softplus(),
)
randomize(dense[4])
write("plain_dense", dense, torch.randn(4, 2, 5), 17)

pool = torch.nn.Sequential(
    torch.nn.Conv2d(2, 3, 3, padding=1),
    torch.nn.ReLU6(),
    torch.nn.AvgPool2d(3, 2, 1),
    torch.nn.Hardswish(),
    torch.nn.Conv2d(3, 2, 3),
    torch.nn.Hardsigmoid(),
    torch.nn.Flatten(),
    torch.nn.Linear(8, 4),
    torch.nn.Softmax(dim=1),
)
write("plain_pool", pool, 2 * torch.randn(3, 2, 8, 8), 17)

border = torch.nn.Sequential(
    torch.nn.Conv2d(2, 3, 3, padding=(1, 2), padding_mode="reflect"),
    torch.nn.ReLU(),
    torch.nn.Conv2d(3, 2, 3, padding=1, padding_mode="replicate"),
    torch.nn.Flatten(),
    torch.nn.Linear(2 * 6 * 8, 3),
)
write("plain_border", border, torch.randn(3, 2, 6, 6), 13)
