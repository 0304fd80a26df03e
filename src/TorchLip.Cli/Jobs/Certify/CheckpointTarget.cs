using System;
using System.Globalization;
using static TorchLip.torchlip;
using static TorchSharp.torch;

namespace TorchLip.Cli.Jobs;

/// <summary>A training command's checkpoint as a <see cref="CertifyTarget"/>: the TorchLip model, with its own certified bounds.</summary>
internal static class CheckpointTarget
{
    public static CertifyTarget Open(string path)
    {
        var loaded = JobCheckpoint.LoadModel(path);
        try
        {
            var model = loaded.Model;
            return new CertifyTarget
            {
                Kind = "checkpoint",
                Description = $"'torchlip {loaded.Command}' model, epoch {loaded.Checkpoint.Epoch.ToString(CultureInfo.InvariantCulture)} of {loaded.Checkpoint.Path}:{Environment.NewLine}{model}",
                LipschitzBound = lipschitz_upper_bound(model),
                OutputLipschitzBound = output_lipschitz_upper_bound(model),
                BoundSource = "the TorchLip model's certified constant (lipschitz_upper_bound: the product of its layers' bounds with their rounding allowance)",
                Layers = certify_model(model, loaded.SampleShape),
                Command = loaded.Command,
                Forward = CertifyTarget.NoGradForward(model),
                Owned = loaded,
            };
        }
        catch
        {
            loaded.Dispose();
            throw;
        }
    }
}
