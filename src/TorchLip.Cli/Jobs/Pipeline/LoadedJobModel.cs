using System;
using TorchLip.Modules;
using TorchLip.Training;

namespace TorchLip.Cli.Jobs;

/// <summary>A model rebuilt from a training command's checkpoint (<see cref="JobCheckpoint.LoadModel"/>).</summary>
/// <param name="Model">The model, weights and constraint state loaded, in eval mode; the caller disposes it.</param>
/// <param name="Command">The command that trained it (mnist08, moons, ...).</param>
/// <param name="Options">The options it was trained with.</param>
/// <param name="Checkpoint">The checkpoint (epoch, epoch records).</param>
/// <param name="SampleShape">One sample's shape as the model takes it, without the batch (e.g. (1, 28, 28)).</param>
public sealed record LoadedJobModel(Sequential Model, string Command, JobOptions Options, Checkpoint Checkpoint, long[] SampleShape) : IDisposable
{
    /// <summary>Frees the model.</summary>
    public void Dispose() => Model.Dispose();
}
