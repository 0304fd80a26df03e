"""Writes the PyTorch and deel-torchlip fixtures of tests/TorchLip.Tests/Interop (small: a few KB each).

Run from this folder with Debian's PyTorch and deel-torchlip 1.0.5 on the path:

    PYTHONPATH=/path/to/deel-torchlip-1.0.5 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 make_fixtures.py

Files written here:
  plain_sequential.pth / .safetensors   a plain nn.Sequential (Conv2d, ReLU, AvgPool2d, Conv2d, Flatten, Linear, ReLU,
                                        Linear) state_dict, float32; plain_sequential_f64.pth the same model in float64
  plain_sequential.json                 its input and outputs (float32 and float64)
  deel_dense.pth, deel_dense.json       deel-torchlip Sequential(SpectralLinear, FullSort, SpectralLinear, FullSort,
                                        FrobeniusLinear) trained a few Adam steps (the MNIST 0-vs-8 tutorial's layers, small)
  deel_conv.pth, deel_conv.json         deel-torchlip Sequential(SpectralConv2d zero padding, GroupSort2,
                                        SpectralConv2d reflect padding, GroupSort2, Flatten, SpectralLinear, FrobeniusLinear)
The safetensors file is written by hand (8-byte little-endian header length, JSON header, raw little-endian bytes)
when the `safetensors` module is not installed, which is the case with Debian's packages.
"""
import json
import os
import struct

import torch
import deel.torchlip as tl
from deel.torchlip.utils.lconv_norm import compute_lconv_coef

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(20261204)
torch.set_num_threads(1)


def tensor_json(t):
    t = t.detach().contiguous()
    return {"shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", ""), "data": t.reshape(-1).tolist()}


def write_json(name, content):
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(content, f, indent=1)


def save_safetensors(state, path):
    try:
        from safetensors.torch import save_file
        save_file({k: v.contiguous() for k, v in state.items()}, path)
        return
    except ImportError:
        pass
    names = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}
    header, blobs, offset = {}, [], 0
    for key, value in state.items():
        raw = value.detach().contiguous().numpy().astype(value.numpy().dtype.newbyteorder("<")).tobytes()
        header[key] = {"dtype": names[value.dtype], "shape": list(value.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


def plain_sequential():
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 3, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.AvgPool2d(2),
        torch.nn.Conv2d(3, 2, 3, stride=2, bias=False),
        torch.nn.Flatten(),
        torch.nn.Linear(2, 5),
        torch.nn.ReLU(),
        torch.nn.Linear(5, 2),
    )
    model.eval()
    x = torch.randn(3, 1, 8, 8)
    state = model.state_dict()
    torch.save(state, os.path.join(HERE, "plain_sequential.pth"))
    save_safetensors(state, os.path.join(HERE, "plain_sequential.safetensors"))
    with torch.no_grad():
        y = model(x)
        model64 = model.double()
        torch.save(model64.state_dict(), os.path.join(HERE, "plain_sequential_f64.pth"))
        y64 = model64(x.double())
    write_json("plain_sequential.json", {
        "note": "torch.nn.Sequential(Conv2d(1, 3, 3, padding=1), ReLU(), AvgPool2d(2), Conv2d(3, 2, 3, stride=2, bias=False), "
                "Flatten(), Linear(2, 5), ReLU(), Linear(5, 2)) in eval mode; output = model(x); output_f64 = model.double()(x.double())",
        "torch": torch.__version__,
        "keys": list(state.keys()),
        "x": tensor_json(x), "output": tensor_json(y), "output_f64": tensor_json(y64),
    })


def train_a_little(model, x, steps=5):
    """A few Adam steps so that the raw weights are no longer the orthogonal initialization, then one train-mode
    forward without a step: deel-torchlip's eval mode uses the Björck result cached by the last train-mode forward
    (buffer _w_bjorck), so this makes the cache the result of the saved raw weights and power-iteration vectors."""
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    model.train()
    for _ in range(steps):
        optimizer.zero_grad()
        loss = (model(x) ** 2).mean() - model(x).mean()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        model(x)
    model.eval()


def deel_dense():
    model = tl.Sequential(
        tl.SpectralLinear(6, 8),
        tl.FullSort(),
        tl.SpectralLinear(8, 4),
        tl.FullSort(),
        tl.FrobeniusLinear(4, 1),
    )
    x = torch.randn(5, 6)
    train_a_little(model, x)
    torch.save(model.state_dict(), os.path.join(HERE, "deel_dense.pth"))
    with torch.no_grad():
        y = model(x)
        weights = {str(i): tensor_json(model[i].weight) for i in (0, 2, 4)}
    write_json("deel_dense.json", {
        "note": "deel-torchlip 1.0.5 Sequential(SpectralLinear(6, 8), FullSort(), SpectralLinear(8, 4), FullSort(), FrobeniusLinear(4, 1)) "
                "(defaults: eps_spectral 1e-3, eps_bjorck 1e-3, one power iteration per train forward), 5 Adam steps (lr 0.05) "
                "on x, one train-mode forward without a step, then eval: output = model(x); weights[i] = model[i].weight in eval mode",
        "torch": torch.__version__,
        "keys": list(model.state_dict().keys()),
        "x": tensor_json(x), "output": tensor_json(y), "weights": weights,
    })


def deel_conv():
    model = tl.Sequential(
        tl.SpectralConv2d(1, 4, 3, padding=1),
        tl.GroupSort2(),
        tl.SpectralConv2d(4, 4, 3, padding=1, padding_mode="reflect"),
        tl.GroupSort2(),
        torch.nn.Flatten(),
        tl.SpectralLinear(4 * 5 * 5, 6),
        tl.FrobeniusLinear(6, 1),
    )
    x = torch.randn(3, 1, 5, 5)
    train_a_little(model, x)
    torch.save(model.state_dict(), os.path.join(HERE, "deel_conv.pth"))
    with torch.no_grad():
        layer_outputs, h = [], x
        for layer in model:
            h = layer(h)
            layer_outputs.append(h)
        conv = {}
        for i in (0, 2):
            layer = model[i]
            conv[str(i)] = {
                "input": tensor_json(x if i == 0 else layer_outputs[i - 1]),
                "output": tensor_json(layer_outputs[i]),
                "bjorck": tensor_json(layer.parametrizations.weight[1]._w_bjorck),
                "lconv_coef": float(compute_lconv_coef(layer.kernel_size, None, layer.stride)),
                "padding_mode": layer.padding_mode,
            }
    write_json("deel_conv.json", {
        "note": "deel-torchlip 1.0.5 Sequential(SpectralConv2d(1, 4, 3, padding=1), GroupSort2(), SpectralConv2d(4, 4, 3, padding=1, "
                "padding_mode='reflect'), GroupSort2(), Flatten(), SpectralLinear(100, 6), FrobeniusLinear(6, 1)), 5 Adam steps (lr 0.05) "
                "on x, one train-mode forward without a step, then eval: output = model(x); conv[i]: the layer's input and output in "
                "the network, its Björck result (_w_bjorck, before the lconv coefficient) and the coefficient it multiplies by",
        "torch": torch.__version__,
        "keys": list(model.state_dict().keys()),
        "x": tensor_json(x), "output": tensor_json(layer_outputs[-1]), "conv": conv,
    })


plain_sequential()
deel_dense()
deel_conv()
