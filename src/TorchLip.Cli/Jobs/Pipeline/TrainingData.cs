using System;
using System.Collections.Generic;
using TorchLip.Training;
using static TorchSharp.torch;

namespace TorchLip.Cli.Jobs;

/// <summary>What a job trains on: the training batches, an optional validation set, and the tensors it owns.</summary>
public sealed class TrainingData : IDisposable
{
    private readonly IReadOnlyList<IDisposable> _owned;

    /// <summary>Creates the data.</summary>
    /// <param name="train">The training batches.</param>
    /// <param name="validation">Evaluated after every epoch, or null.</param>
    /// <param name="owned">Freed with the data (tensors, the batch iterator).</param>
    public TrainingData(IBatchSource train, (Tensor X, Tensor Y)? validation, params IDisposable[] owned)
    {
        Train = train ?? throw new ArgumentNullException(nameof(train));
        Validation = validation;
        _owned = owned;
    }

    /// <summary>The training batches.</summary>
    public IBatchSource Train { get; }

    /// <summary>The validation set, or null.</summary>
    public (Tensor X, Tensor Y)? Validation { get; }

    /// <summary>Frees what the data owns.</summary>
    public void Dispose()
    {
        foreach (var owned in _owned) owned.Dispose();
    }
}
