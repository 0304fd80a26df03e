using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Training;

/// <summary>
/// Mini-batches of a data set held in two tensors: each epoch a new permutation from a private seeded generator (other
/// code in the process may reseed torch's global one), batches taken with <c>index_select</c>; the last, smaller batch
/// is kept unless <c>dropLast</c>.
/// </summary>
public sealed class BatchIterator : IBatchSource, IDisposable
{
    private readonly Tensor _x, _y;
    private readonly int _batchSize;
    private readonly bool _dropLast;
    private readonly Generator _generator;

    /// <summary>Creates the iterator.</summary>
    /// <param name="x">Inputs, samples along the first dimension.</param>
    /// <param name="y">Targets, as many samples.</param>
    /// <param name="batchSize">Samples per batch, 1 to the number of samples.</param>
    /// <param name="seed">Seed of the batch order.</param>
    /// <param name="dropLast">Skip the last batch when it is smaller than <paramref name="batchSize"/>.</param>
    /// <exception cref="ArgumentException">The sample counts differ, the set is empty, or the batch size does not fit it.</exception>
    public BatchIterator(Tensor x, Tensor y, int batchSize, long seed = 0, bool dropLast = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.dim() == 0 || y.dim() == 0 || x.size(0) != y.size(0))
            throw new ArgumentException($"BatchIterator: inputs and targets must hold the same number of samples along dimension 0, got shapes [{string.Join(", ", x.shape)}] and [{string.Join(", ", y.shape)}].", nameof(y));
        if (x.size(0) == 0) throw new ArgumentException("BatchIterator: the data set is empty.", nameof(x));
        if (batchSize < 1 || batchSize > x.size(0))
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize,
                $"BatchIterator: the batch size must be between 1 and the number of samples ({x.size(0)}); lower it or train on more samples.");
        if (seed < 0) throw new ArgumentOutOfRangeException(nameof(seed), seed, "BatchIterator: the seed must be >= 0.");
        (_x, _y, _batchSize, _dropLast) = (x, y, batchSize, dropLast);
        _generator = new Generator((ulong)seed);
    }

    /// <summary>The batch order's generator: its state (<c>get_state</c>/<c>set_state</c>) decides every later epoch's order.</summary>
    public Generator Generator => _generator;

    /// <inheritdoc/>
    public IReadOnlyList<Generator> Generators => new[] { _generator };

    /// <summary>Number of samples.</summary>
    public long Count => _x.size(0);

    /// <inheritdoc/>
    public int BatchesPerEpoch => (int)(_dropLast ? Count / _batchSize : (Count + _batchSize - 1) / _batchSize);

    /// <inheritdoc/>
    public IEnumerable<(Tensor X, Tensor Y)> NextEpoch()
    {
        var order = torch.randperm(Count, generator: _generator, device: _x.device).DetachFromDisposeScope();
        try
        {
            for (int b = 0; b < BatchesPerEpoch; b++)
            {
                long start = (long)b * _batchSize, size = Math.Min(_batchSize, Count - start);
                var index = order.narrow(0, start, size);
                yield return (_x.index_select(0, index), _y.index_select(0, index));
            }
        }
        finally
        {
            order.Dispose();
        }
    }

    /// <summary>Frees the generator (not the data, which the caller owns).</summary>
    public void Dispose() => _generator.Dispose();
}
