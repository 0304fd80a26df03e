using System.Collections.Generic;
using TorchLip.Evaluation;

namespace TorchLip.Cli.Jobs;

/// <summary>What <c>torchlip certify</c> measured (the <c>--json</c> file, snake_case keys).</summary>
public sealed record CertifyReport
{
    /// <summary>The MODEL argument.</summary>
    public required string Model { get; init; }

    /// <summary>checkpoint, state_dict or onnx.</summary>
    public required string Kind { get; init; }

    /// <summary>The training command that wrote a checkpoint, else null.</summary>
    public string? Command { get; init; }

    /// <summary>The test set.</summary>
    public required string Data { get; init; }

    /// <summary>Test samples evaluated.</summary>
    public required int TestSamples { get; init; }

    /// <summary>The true L2 bound of the map the certificates use.</summary>
    public required double LipschitzUpperBound { get; init; }

    /// <summary>The true bound of each output the certificates use.</summary>
    public required double OutputLipschitzUpperBound { get; init; }

    /// <summary>Where the bounds come from.</summary>
    public required string BoundSource { get; init; }

    /// <summary>The per-layer bounds, or null where the bound was read from the file.</summary>
    public IReadOnlyList<LayerBound>? Layers { get; init; }

    /// <summary>Share of test samples classified correctly.</summary>
    public required double CleanAccuracy { get; init; }

    /// <summary>Radius (invariant text) → share classified correctly with a certificate above it.</summary>
    public required IReadOnlyDictionary<string, double> CertifiedAccuracy { get; init; }

    /// <summary>Mean certified radius of the predicted class over all samples (the training commands' definition).</summary>
    public required double MeanCertificate { get; init; }

    /// <summary>Median certified radius over the correctly classified samples (0 when none).</summary>
    public required double MedianCertificateCorrect { get; init; }

    /// <summary>The histogram PNG written.</summary>
    public required string Histogram { get; init; }

    /// <summary>Wall time of the evaluation, in seconds.</summary>
    public required double Seconds { get; init; }
}
