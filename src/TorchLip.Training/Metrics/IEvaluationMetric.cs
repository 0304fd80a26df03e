using static TorchSharp.torch;

namespace TorchLip.Training.Metrics;

/// <summary>
/// A figure of a whole evaluation set, computed batch by batch without approximation (counts and sums, not a mean of
/// batch values), that may need the model and its Lipschitz bound. It runs on the validation set and in
/// <see cref="Trainer.Evaluate"/> only, never on training batches: certificates of a model whose weights move at every
/// step would mean nothing.
/// </summary>
public interface IEvaluationMetric
{
    /// <summary>The column name in validation records and reports (unique within a trainer).</summary>
    string Name { get; }

    /// <summary>Starts one evaluation.</summary>
    /// <param name="context">The model being evaluated and its bound.</param>
    IMetricAccumulator Start(EvaluationContext context);
}

/// <summary>The running state of one <see cref="IEvaluationMetric"/> over one evaluation.</summary>
public interface IMetricAccumulator
{
    /// <summary>Adds a batch. Called without gradient, in eval mode, inside the batch's dispose scope.</summary>
    /// <param name="output">The model's output for the batch.</param>
    /// <param name="target">The batch's targets.</param>
    void Add(Tensor output, Tensor target);

    /// <summary>The figure over every batch added.</summary>
    double Result();
}
