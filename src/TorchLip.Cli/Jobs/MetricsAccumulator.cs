namespace TorchLip.Cli.Jobs;

/// <summary>Sample-weighted running means of the training figures over an epoch's batches (as Keras averages them).</summary>
public sealed class MetricsAccumulator
{
    private double _loss, _kr, _acc;
    private long _samples;

    /// <summary>Adds one batch.</summary>
    /// <param name="batch">The batch's figures.</param>
    /// <param name="size">Its number of samples.</param>
    public void Add(BinaryMetrics batch, long size)
    {
        _loss += batch.Loss * size;
        _kr += batch.Kr * size;
        _acc += batch.Acc * size;
        _samples += size;
    }

    /// <summary>The means so far (zeros before the first batch).</summary>
    public BinaryMetrics Mean => _samples == 0 ? default : new BinaryMetrics(_loss / _samples, _kr / _samples, _acc / _samples);
}
