using System;
using System.IO;
using TorchLip.Evaluation;
using static TorchSharp.torch;

namespace TorchLip.Cli.Jobs;

/// <summary>
/// A model <c>torchlip certify</c> evaluates, whatever file it came from: its forward pass, true L2 bounds of its map and
/// of each output, where those bounds come from, and the per-layer table when they were computed here.
/// </summary>
public sealed class CertifyTarget : IDisposable
{
    /// <summary>What the file is: "checkpoint", "state_dict" or "onnx".</summary>
    public required string Kind { get; init; }

    /// <summary>The model as printed (its layers), or a one-line description.</summary>
    public required string Description { get; init; }

    /// <summary>A true L2 Lipschitz bound of the whole map.</summary>
    public required double LipschitzBound { get; init; }

    /// <summary>A true bound of each output coordinate (at most <see cref="LipschitzBound"/>).</summary>
    public required double OutputLipschitzBound { get; init; }

    /// <summary>How the bounds were obtained, for the report.</summary>
    public required string BoundSource { get; init; }

    /// <summary>The per-layer bounds (<c>torchlip.certify_model</c>), or null where the bound was read from the file.</summary>
    public ModelBound? Layers { get; init; }

    /// <summary>The training command that wrote a checkpoint (its default <c>--data</c>), else null.</summary>
    public string? Command { get; init; }

    /// <summary>One sample's shape as the model declares it (an ONNX input), or null where it takes the data's own.</summary>
    public long[]? SampleShape { get; init; }

    /// <summary>The model's outputs for a batch of inputs (float32, CPU), without gradient.</summary>
    public required Func<Tensor, Tensor> Forward { get; init; }

    /// <summary>What the target frees with itself (the model, an inference session).</summary>
    public IDisposable? Owned { get; init; }

    /// <summary>
    /// Opens <paramref name="options"/>' model by its kind: a directory or <c>.ckpt</c> file is a training command's
    /// checkpoint, <c>.pth</c>/<c>.pt</c>/<c>.safetensors</c> a plain model's state_dict (with <c>--arch</c>),
    /// <c>.onnx</c> an ONNX file.
    /// </summary>
    /// <param name="options">The settings (model, architecture).</param>
    /// <param name="dataSampleShape">One sample's shape in the test set, for the computed bounds of convolutions.</param>
    /// <exception cref="OptionsException">An unknown file kind, or a state_dict without --arch (or --arch elsewhere).</exception>
    public static CertifyTarget Open(CertifyOptions options, long[] dataSampleShape)
    {
        ArgumentNullException.ThrowIfNull(options);
        string model = options.Model;
        string extension = Path.GetExtension(model).ToLowerInvariant();
        bool stateDict = extension is ".pth" or ".pt" or ".safetensors";
        if (options.Architecture is not null && !stateDict)
            throw new OptionsException($"--arch describes the layers of a .pth/.safetensors state_dict; '{model}' is not one (a checkpoint or an .onnx file carries its own architecture). Drop --arch.");
        if (Directory.Exists(model) || extension == ".ckpt") return CheckpointTarget.Open(model);
        if (!File.Exists(model)) throw new FileNotFoundException($"There is no model '{model}'.", model);
        if (stateDict) return StateDictTarget.Open(model, options.Architecture, dataSampleShape);
        if (extension == ".onnx") return OnnxTarget.Open(model, options.Threads);
        throw new OptionsException($"MODEL '{model}': unknown kind '{extension}'. certify reads a training command's output directory or {JobCheckpoint.FileName}, a plain model's .pth/.pt/.safetensors state_dict (with --arch), or an .onnx file.");
    }

    /// <summary>Frees the model.</summary>
    public void Dispose() => Owned?.Dispose();

    /// <summary>A TorchSharp model's forward pass without gradient, as <see cref="Forward"/>.</summary>
    internal static Func<Tensor, Tensor> NoGradForward(nn.Module<Tensor, Tensor> model) => x =>
    {
        using (no_grad()) return model.call(x);
    };

    /// <summary>The first line of an exception's message (libtorch's and ONNX Runtime's messages carry a native stack below it).</summary>
    internal static string FirstLine(string message)
    {
        int end = message.IndexOfAny(new[] { '\n', '\r' });
        return (end < 0 ? message : message[..end]).Trim();
    }
}
