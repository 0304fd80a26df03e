using System;
using System.IO;
using TorchLip.PyTorch;
using static TorchLip.torchlip;
using static TorchSharp.torch;

namespace TorchLip.Cli.Jobs;

/// <summary>
/// A plain model's <c>.pth</c>/<c>.safetensors</c> state_dict with its <c>--arch</c> as a <see cref="CertifyTarget"/>:
/// its bound is computed here, as the product of rigorous per-layer bounds (<c>torchlip.certify_model</c>).
/// </summary>
internal static class StateDictTarget
{
    public static CertifyTarget Open(string path, string? architecture, long[] sampleShape)
    {
        if (architecture is null)
            throw new OptionsException($"'{path}' holds weights only: describe the layers with --arch, e.g. --arch \"flatten; linear(784, 128); relu; linear(128, 10)\" (torchlip.plain_sequential's grammar; PyTorch's printed names such as nn.Conv2d(1, 16, 3, padding=1) are accepted).");
        TorchSharp.Modules.Sequential model;
        try
        {
            model = plain_sequential(architecture);
        }
        catch (FormatException e)
        {
            throw new OptionsException($"--arch: {e.Message}");
        }
        try
        {
            if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)) pytorch.load_safetensors(model, path);
            else pytorch.load_pth(model, path);
            model.eval();
            var layers = CertifyModelBound(model, sampleShape, path);
            return new CertifyTarget
            {
                Kind = "state_dict",
                Description = $"Plain model {path}, layers: {architecture}",
                LipschitzBound = layers.Bound,
                OutputLipschitzBound = layers.Bound,
                BoundSource = "computed here by certify_model: the product of rigorous per-layer bounds",
                Layers = layers,
                Forward = CertifyTarget.NoGradForward(model),
                Owned = model,
            };
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>certify_model for the data's samples, with an error that names the shape when the model does not take them.</summary>
    internal static Evaluation.ModelBound CertifyModelBound(nn.Module model, long[] sampleShape, string path)
    {
        try
        {
            return certify_model(model, sampleShape);
        }
        catch (Exception e) when (e is System.Runtime.InteropServices.ExternalException or ArgumentException)
        {
            throw new InvalidDataException($"'{path}': the model does not take the test set's samples of shape ({string.Join(", ", sampleShape)}): {CertifyTarget.FirstLine(e.Message)} A dense model needs a flatten first (\"flatten; linear(784, ...)...\").", e);
        }
    }
}
