using System;
using System.Diagnostics;
using TorchLip.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Bench.Workloads;

/// <summary>
/// The tutorial's training step through the library's <see cref="Trainer.Step"/>: a batch taken by <c>index_select</c>
/// on a <c>randperm</c> (a fresh permutation each epoch, last partial batch dropped), HKR loss (α = 10, margin 1), Adam
/// 1e-3, one dispose scope per step, no collector calls.
/// </summary>
internal sealed class TrainingLoop : IDisposable
{
    public const int BatchSize = 128;
    public const double Alpha = 10, MinMargin = 1, LearningRate = 1e-3;

    private readonly nn.Module<Tensor, Tensor> _model;
    private readonly TrainingData _data;
    private readonly optim.Optimizer _optimizer;
    private readonly Trainer _trainer;
    private Tensor _perm;
    private long _position;
    private long _steps;

    public TrainingLoop(nn.Module<Tensor, Tensor> model, TrainingData data)
    {
        _model = model;
        _data = data;
        _model.train();
        _optimizer = torchlip.Adam(model.parameters(), lr: LearningRate);
        _trainer = new Trainer(model, _optimizer, (output, target) => torchlip.hkr_loss(output, target, Alpha, MinMargin));
        _perm = NewPermutation();
    }

    /// <summary>Training steps run so far.</summary>
    public long Steps => _steps;

    /// <summary>Runs <paramref name="steps"/> steps and returns their wall time.</summary>
    public TimeSpan Run(int steps)
    {
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++) Step();
        return watch.Elapsed;
    }

    /// <summary>Runs steps until <paramref name="target"/> has passed and at least <paramref name="minSteps"/> ran; returns the step count.</summary>
    public long RunFor(TimeSpan target, int minSteps = 1)
    {
        var watch = Stopwatch.StartNew();
        long n = 0;
        while (n < minSteps || watch.Elapsed < target) { Step(); n++; }
        return n;
    }

    /// <summary>Runs steps until <paramref name="maxSteps"/> ran or <paramref name="limit"/> has passed, whichever comes first (at least one); returns the step count.</summary>
    public int RunUpTo(int maxSteps, TimeSpan limit)
    {
        var watch = Stopwatch.StartNew();
        int n = 0;
        do { Step(); n++; }
        while (n < maxSteps && watch.Elapsed < limit);
        return n;
    }

    /// <summary>One training step.</summary>
    public void Step()
    {
        using (var scope = torch.NewDisposeScope())
        {
            if (_position + BatchSize > _data.Count)
            {
                _perm.Dispose();
                _perm = NewPermutation();
                _position = 0;
            }
            var idx = _perm.narrow(0, _position, BatchSize);
            _position += BatchSize;
            _trainer.Step(_data.Images.index_select(0, idx), _data.Labels.index_select(0, idx));
        }
        _steps++;
    }

    // Lives across steps, so it must not belong to the step's dispose scope.
    private Tensor NewPermutation() => torch.randperm(_data.Count, generator: _data.Generator).DetachFromDisposeScope();

    public void Dispose()
    {
        _perm.Dispose();
        _optimizer.Dispose();
    }
}
