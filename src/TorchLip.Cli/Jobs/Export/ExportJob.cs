using System;
using System.Globalization;
using System.IO;
using TorchLip.Onnx;
using TorchLip.PyTorch;
using static TorchLip.torchlip;

namespace TorchLip.Cli.Jobs;

/// <summary>
/// <c>torchlip export</c>: rebuilds the model a training command saved (from its checkpoint alone) and writes it for
/// deployment or for PyTorch: the plain exported model (<c>vanilla_export</c>, the weights it applies) as a
/// <c>.pth</c> state_dict and as <c>.safetensors</c>, the model as ONNX with its certified bound in the metadata, and
/// the Lipschitz model as a deel-torchlip state_dict. Each file is written to a temporary name and renamed.
/// </summary>
public static class ExportJob
{
    /// <summary>Runs the export.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="output">Where the summary is printed.</param>
    /// <returns>The model's certified bounds (map, each output).</returns>
    /// <exception cref="OptionsException">An unusable option.</exception>
    /// <exception cref="IOException">No checkpoint there, or a file cannot be written.</exception>
    /// <exception cref="InvalidDataException">The checkpoint is corrupt or was not written by a training command.</exception>
    public static (double Map, double Output) Run(ExportOptions options, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        var problems = options.Validate();
        if (problems.Count > 0) throw new OptionsException(string.Join(Environment.NewLine, problems));
        TorchSharp.torch.set_num_threads(1);

        using var loaded = JobCheckpoint.LoadModel(options.Checkpoint);
        var model = loaded.Model;
        double map = lipschitz_upper_bound(model), each = output_lipschitz_upper_bound(model);
        output.WriteLine(FormattableString.Invariant(
            $"Read the 'torchlip {loaded.Command}' model of {loaded.Checkpoint.Path} (epoch {loaded.Checkpoint.Epoch}); input per sample ({string.Join(", ", loaded.SampleShape)}); certified L2 bound {map:R} (each output {each:R})."));
        using (var plain = model.vanilla_export())
        {
            if (options.Pth is string pth) Written(output, pth, "PyTorch state_dict of the exported plain model", () => pytorch.save_pth(plain, pth));
            if (options.Safetensors is string st) Written(output, st, "safetensors of the exported plain model", () => pytorch.save_safetensors(plain, st));
        }
        if (options.Onnx is string onnx)
            Written(output, onnx, FormattableString.Invariant($"ONNX (opset {OnnxExport.Opset}), bound {map:R} in its metadata"), () => OnnxExport.Save(model, onnx, loaded.SampleShape));
        if (options.DeelTorchlip is string deel)
            Written(output, deel, "deel-torchlip 1.0.5 state_dict of the Lipschitz model", () => pytorch.save_deel_torchlip(model, deel));
        return (map, each);
    }

    private static void Written(TextWriter output, string path, string what, Action write)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        write();
        output.WriteLine($"Wrote {path} ({new FileInfo(path).Length.ToString("N0", CultureInfo.InvariantCulture)} bytes): {what}.");
    }
}
