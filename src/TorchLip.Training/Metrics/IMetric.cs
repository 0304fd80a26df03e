using static TorchSharp.torch;

namespace TorchLip.Training.Metrics;

/// <summary>A figure computed on each batch and averaged over an epoch, weighted by batch size (as Keras does).</summary>
public interface IMetric
{
    /// <summary>The column name in epoch records, reports and plots (unique within a trainer; "loss" is reserved).</summary>
    string Name { get; }

    /// <summary>The batch's value. Called without gradient, on the detached output.</summary>
    /// <param name="output">The model's output for the batch.</param>
    /// <param name="target">The batch's targets.</param>
    double Compute(Tensor output, Tensor target);
}
