"""Loads files TorchLip.NET wrote into PyTorch models and compares their outputs with TorchLip's (run by the tests).

    python3 check_files.py plain MODEL.pth MODEL.safetensors CASE.json   the README's nn.Sequential for an exported model
    python3 check_files.py deel MODEL.pth CASE.json                      deel-torchlip 1.0.5 (on PYTHONPATH)

CASE.json holds {"x": tensor, "output": tensor}, a tensor being {shape, dtype, data}. Prints the largest difference per
file and exits with 1 when it is above 1e-5.
"""
import json
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


# --- The PyTorch modules a TorchLip export needs (as in the README, "PyTorch files") -------------------------------
class GroupSort2(nn.Module):
    """torchlip.GroupSort2: each pair of channels (0, 1), (2, 3), ... becomes (min, max)."""

    def forward(self, x):
        pairs = x.reshape(x.shape[0], x.shape[1] // 2, 2, *x.shape[2:])
        return torch.cat([pairs.min(dim=2, keepdim=True).values, pairs.max(dim=2, keepdim=True).values], dim=2).reshape(x.shape)


class FullSort(nn.Module):
    """torchlip.FullSort: sorts the channels (dimension 1) in ascending order."""

    def forward(self, x):
        return x.sort(dim=1).values


class PadConv2d(nn.Conv2d):
    """torchlip.PadConv2d (the export of a convolution whose padding nn.Conv2d cannot express, e.g. "symmetric"):
    pads (left, right, top, bottom) first, then convolves without padding. State keys weight, bias, as nn.Conv2d."""

    def __init__(self, in_channels, out_channels, kernel_size, pads, pad_mode, **kwargs):
        super().__init__(in_channels, out_channels, kernel_size, padding=0, **kwargs)
        self.pads, self.pad_mode = pads, pad_mode

    def forward(self, x):
        left, right, top, bottom = self.pads
        if self.pad_mode == "symmetric":  # numpy's "symmetric": the edge sample repeated, then the ones inside
            x = torch.cat([x[..., :left].flip(-1), x, x[..., x.shape[-1] - right:].flip(-1)], dim=-1)
            x = torch.cat([x[..., :top, :].flip(-2), x, x[..., x.shape[-2] - bottom:, :].flip(-2)], dim=-2)
        else:
            x = F.pad(x, self.pads, mode=self.pad_mode)
        return super().forward(x)


def exported_network():
    """The export of PlainFilesTests.LipschitzNetwork: SpectralConv2d(1, 4, 3, padding=1), GroupSort2(),
    SpectralConv2d(4, 4, 5, padding=2, padding_mode="symmetric"), Flatten(), SpectralLinear(144, 8), FullSort(),
    FrobeniusLinear(8, 1)."""
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        GroupSort2(),
        PadConv2d(4, 4, 5, pads=(2, 2, 2, 2), pad_mode="symmetric"),
        nn.Flatten(),
        nn.Linear(4 * 6 * 6, 8),
        FullSort(),
        nn.Linear(8, 1),
    )


def deel_network():
    """DeelTorchlipImportTests.DenseModel in deel-torchlip 1.0.5."""
    import deel.torchlip as tl

    return tl.Sequential(tl.SpectralLinear(6, 8), tl.FullSort(), tl.SpectralLinear(8, 4), tl.FullSort(), tl.FrobeniusLinear(4, 1))


# --- Files ------------------------------------------------------------------------------------------------------
def read_safetensors(path):
    try:
        from safetensors.torch import load_file
        return load_file(path)
    except ImportError:
        pass
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    dtypes = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64}
    state = {}
    for key, entry in header.items():
        if key == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        raw = bytearray(data[8 + length + begin:8 + length + end])
        state[key] = torch.frombuffer(raw, dtype=dtypes[entry["dtype"]]).reshape(entry["shape"]).clone()
    return state


def tensor(t):
    dtype = {"float32": torch.float32, "float64": torch.float64}[t["dtype"]]
    return torch.tensor(t["data"], dtype=dtype).reshape(t["shape"])


def compare(model, state, case, label):
    model.load_state_dict(state, strict=True)
    model.eval()
    with torch.no_grad():
        difference = (model(tensor(case["x"])) - tensor(case["output"])).abs().max().item()
    print(f"{label}: max |PyTorch - TorchLip.NET| = {difference:.3e}")
    return difference


def main():
    mode = sys.argv[1]
    torch.set_num_threads(1)
    if mode == "plain":
        with open(sys.argv[4]) as f:
            case = json.load(f)
        differences = [
            compare(exported_network(), torch.load(sys.argv[2]), case, "pth"),
            compare(exported_network(), read_safetensors(sys.argv[3]), case, "safetensors"),
        ]
    else:
        with open(sys.argv[3]) as f:
            case = json.load(f)
        differences = [compare(deel_network(), torch.load(sys.argv[2]), case, "deel-torchlip pth")]
    sys.exit(0 if max(differences) <= 1e-5 else 1)


if __name__ == "__main__":
    main()
