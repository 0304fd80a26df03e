using System.Collections.Generic;
using System.Linq;

namespace TorchLip.Cli.Jobs;

/// <summary>The settings of <c>torchlip export</c>: the checkpoint to read and the files to write (at least one).</summary>
public sealed record ExportOptions
{
    /// <summary>A training command's output directory or checkpoint file.</summary>
    public required string Checkpoint { get; init; }

    /// <summary>The PyTorch state_dict to write (the exported plain model's keys), or null.</summary>
    public string? Pth { get; init; }

    /// <summary>The safetensors file to write (the same keys), or null.</summary>
    public string? Safetensors { get; init; }

    /// <summary>The ONNX file to write (with the certified bound in its metadata), or null.</summary>
    public string? Onnx { get; init; }

    /// <summary>A deel-torchlip 1.0.5 state_dict of the Lipschitz model (to continue training in Python), or null.</summary>
    public string? DeelTorchlip { get; init; }

    /// <summary>Every problem with the options, one line each.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Checkpoint)) errors.Add("CHECKPOINT must name a training command's output directory or its checkpoint file.");
        if (Pth is null && Safetensors is null && Onnx is null && DeelTorchlip is null)
            errors.Add("nothing to write: give at least one of --pth FILE, --safetensors FILE, --onnx FILE, --deel-torchlip FILE.");
        foreach (var (option, value) in new[] { ("--pth", Pth), ("--safetensors", Safetensors), ("--onnx", Onnx), ("--deel-torchlip", DeelTorchlip) })
            if (value is not null && (string.IsNullOrWhiteSpace(value) || value.EndsWith('/') || System.IO.Directory.Exists(value)))
                errors.Add($"{option} must name a file to write, got '{value}'.");
        var given = new[] { Pth, Safetensors, Onnx, DeelTorchlip }.Where(v => v is not null).Select(v => System.IO.Path.GetFullPath(v!)).ToList();
        if (given.Distinct().Count() < given.Count) errors.Add("two outputs name the same file: give each format its own file.");
        return errors;
    }
}
