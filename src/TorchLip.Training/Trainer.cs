using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using TorchLip.Training.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Training;

/// <summary>
/// The training loop every job shares: for each batch of an <see cref="IBatchSource"/>, forward, loss, backward,
/// optimizer step and the named metrics, each step in its own dispose scope; per epoch the sample-weighted means and,
/// optionally, the figures on a validation set in eval mode.
/// </summary>
/// <remarks>
/// Validation and <see cref="Evaluate"/> run in batches of <see cref="EvaluationBatchSize"/>: the loss and the
/// <see cref="IMetric"/> columns are means of batch values weighted by batch size (as Keras's evaluate; exact for
/// per-sample means such as accuracy or a hinge term, close for set-level figures such as KR), the
/// <see cref="IEvaluationMetric"/> columns are accumulated exactly.
/// </remarks>
/// <remarks>
/// Memory stays flat without collector calls: every tensor a step makes is freed with its scope, figures leave as
/// doubles, and the loop creates no native <c>Scalar</c> (the library's hot paths cache theirs).
/// </remarks>
public sealed class Trainer
{
    /// <summary>The name of the loss column.</summary>
    public const string LossName = "loss";

    private readonly nn.Module<Tensor, Tensor> _model;
    private readonly optim.Optimizer _optimizer;
    private readonly Func<Tensor, Tensor, Tensor> _loss;

    /// <summary>Creates the trainer.</summary>
    /// <param name="model">The model (its mode is set to train for the steps and eval for validation).</param>
    /// <param name="optimizer">The optimizer over the model's parameters.</param>
    /// <param name="loss">(output, target) → scalar loss to minimise.</param>
    /// <param name="metrics">Figures to track besides the loss, on training batches and validation; names unique and not "loss".</param>
    /// <param name="evaluationMetrics">Figures of the validation set and <see cref="Evaluate"/> only (certificates, ...).</param>
    /// <exception cref="ArgumentException">A metric name is empty, repeated or "loss".</exception>
    public Trainer(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, Func<Tensor, Tensor, Tensor> loss, IEnumerable<IMetric>? metrics = null,
        IEnumerable<IEvaluationMetric>? evaluationMetrics = null)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model), "Trainer: give the model to train.");
        _optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer), "Trainer: give an optimizer over the model's parameters, e.g. torchlip.Adam(model.parameters()).");
        _loss = loss ?? throw new ArgumentNullException(nameof(loss), "Trainer: give the loss, a function (output, target) -> scalar tensor.");
        Metrics = (metrics ?? Array.Empty<IMetric>()).ToList();
        EvaluationMetrics = (evaluationMetrics ?? Array.Empty<IEvaluationMetric>()).ToList();
        var names = new HashSet<string>(StringComparer.Ordinal) { LossName };
        foreach (var name in Metrics.Select(m => m?.Name).Concat(EvaluationMetrics.Select(m => m?.Name)))
        {
            if (name is null) throw new ArgumentException("Trainer: a metric is null.", nameof(metrics));
            if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("Trainer: every metric needs a name (its column in reports).", nameof(metrics));
            if (!names.Add(name))
                throw new ArgumentException($"Trainer: two columns would be named '{name}' ('{LossName}' is the loss's); give each metric its own name.", nameof(metrics));
        }
    }

    /// <summary>Samples per forward pass of <see cref="Evaluate"/> and of validation (default 1024).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Set below 1.</exception>
    public int EvaluationBatchSize
    {
        get => _evaluationBatchSize;
        init => _evaluationBatchSize = value >= 1 ? value
            : throw new ArgumentOutOfRangeException(nameof(EvaluationBatchSize), value, "Trainer: the evaluation batch size must be >= 1.");
    }

    private readonly int _evaluationBatchSize = 1024;

    /// <summary>The validation-only metrics, in column order after <see cref="Columns"/>.</summary>
    public IReadOnlyList<IEvaluationMetric> EvaluationMetrics { get; }

    /// <summary>Every validation column: <see cref="Columns"/>, then the evaluation metrics' names.</summary>
    public IReadOnlyList<string> ValidationColumns => Columns.Concat(EvaluationMetrics.Select(m => m.Name)).ToList();

    /// <summary>The tracked metrics, in column order after the loss.</summary>
    public IReadOnlyList<IMetric> Metrics { get; }

    /// <summary>Every column: "loss", then the metrics' names.</summary>
    public IReadOnlyList<string> Columns => new[] { LossName }.Concat(Metrics.Select(m => m.Name)).ToList();

    /// <summary>Trains epochs <paramref name="firstEpoch"/> to <paramref name="epochs"/>.</summary>
    /// <remarks>
    /// To resume, restore the model, optimizer and generators from a <see cref="Checkpoint"/> written after epoch e and
    /// pass <c>firstEpoch: e + 1</c>: the next epochs are then bit for bit those of an uninterrupted run.
    /// </remarks>
    /// <param name="train">The training batches.</param>
    /// <param name="epochs">Number of the last epoch (≥ <paramref name="firstEpoch"/>).</param>
    /// <param name="validation">A validation set evaluated after each epoch, or null.</param>
    /// <param name="onStep">Called after every step (progress bars, per-step records).</param>
    /// <param name="onEpoch">Called after every epoch, with its record.</param>
    /// <param name="firstEpoch">The number of the first epoch to train (1 for a new run; e + 1 to resume after epoch e).</param>
    /// <returns>One record per epoch trained.</returns>
    /// <exception cref="ArgumentException">Bad arguments, before any step.</exception>
    public IReadOnlyList<EpochRecord> Fit(IBatchSource train, int epochs, (Tensor X, Tensor Y)? validation = null,
        Action<StepRecord>? onStep = null, Action<EpochRecord>? onEpoch = null, int firstEpoch = 1)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (firstEpoch < 1) throw new ArgumentOutOfRangeException(nameof(firstEpoch), firstEpoch, "Trainer.Fit: epochs are numbered from 1.");
        if (epochs < firstEpoch)
            throw new ArgumentOutOfRangeException(nameof(epochs), epochs, firstEpoch == 1 ? "Trainer.Fit: train for at least one epoch."
                : $"Trainer.Fit: the last epoch ({epochs}) is before the first one to train ({firstEpoch}); raise the number of epochs to continue.");
        if (validation is (Tensor vx, Tensor vy) && (vx is null || vy is null || vx.dim() == 0 || vy.dim() == 0 || vx.size(0) != vy.size(0)))
            throw new ArgumentException("Trainer.Fit: the validation inputs and targets must hold the same number of samples along dimension 0.", nameof(validation));
        var records = new List<EpochRecord>(epochs - firstEpoch + 1);
        for (int epoch = firstEpoch; epoch <= epochs; epoch++)
        {
            var watch = Stopwatch.StartNew();
            var means = TrainEpoch(train, epoch, onStep);
            double trainSeconds = watch.Elapsed.TotalSeconds;
            var val = validation is (Tensor x, Tensor y) ? Evaluate(x, y) : null;
            var record = new EpochRecord(epoch, means, val, trainSeconds, watch.Elapsed.TotalSeconds - trainSeconds);
            records.Add(record);
            onEpoch?.Invoke(record);
        }
        return records;
    }

    /// <summary>
    /// The loss and every metric of the model on a whole set, in batches of <see cref="EvaluationBatchSize"/>, in eval
    /// mode without gradient; every submodule's mode is restored afterwards.
    /// </summary>
    /// <param name="x">Inputs.</param>
    /// <param name="y">Targets.</param>
    /// <returns>The figures by <see cref="ValidationColumns"/> name.</returns>
    public IReadOnlyDictionary<string, double> Evaluate(Tensor x, Tensor y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.dim() == 0 || y.dim() == 0 || x.size(0) != y.size(0) || x.size(0) == 0)
            throw new ArgumentException("Trainer.Evaluate: the inputs and targets must hold the same, non-zero number of samples along dimension 0.", nameof(y));
        using var mode = new EvalMode(_model);
        var context = new EvaluationContext(_model);
        var accumulators = EvaluationMetrics.Select(m => m.Start(context)).ToList();
        var sums = Columns.ToDictionary(c => c, _ => 0.0);
        long count = x.size(0);
        for (long start = 0; start < count; start += EvaluationBatchSize)
        {
            using var scope = torch.NewDisposeScope();
            long size = Math.Min(EvaluationBatchSize, count - start);
            var xb = x.narrow(0, start, size);
            var yb = y.narrow(0, start, size);
            var output = _model.call(xb);
            foreach (var (name, value) in Figures(_loss(output, yb), output, yb)) sums[name] += value * size;
            foreach (var accumulator in accumulators) accumulator.Add(output, yb);
        }
        var figures = sums.ToDictionary(kv => kv.Key, kv => kv.Value / count);
        for (int i = 0; i < accumulators.Count; i++) figures[EvaluationMetrics[i].Name] = accumulators[i].Result();
        return figures;
    }

    /// <summary>One training step on (x, y) without metrics; returns the loss before the step.</summary>
    /// <param name="x">The batch's inputs.</param>
    /// <param name="y">Its targets.</param>
    public double Step(Tensor x, Tensor y)
    {
        using var scope = torch.NewDisposeScope();
        var loss = Backward(x, y).Loss;
        return loss.to_type(ScalarType.Float64).item<double>();
    }

    private Dictionary<string, double> TrainEpoch(IBatchSource train, int epoch, Action<StepRecord>? onStep)
    {
        _model.train();
        var sums = Columns.ToDictionary(c => c, _ => 0.0);
        long samples = 0;
        int steps = train.BatchesPerEpoch, step = 0;
        using var batches = train.NextEpoch().GetEnumerator();
        while (true)
        {
            Dictionary<string, double> batch;
            long size;
            using (var scope = torch.NewDisposeScope())
            {
                // The batch is drawn inside the step's scope: its tensors are freed with it.
                if (!batches.MoveNext()) break;
                var (x, y) = batches.Current;
                var (loss, output) = Backward(x, y);
                using (torch.no_grad()) batch = Figures(loss, output, y);
                size = x.size(0);
            }
            step++;
            samples += size;
            foreach (var (name, value) in batch) sums[name] += value * size;
            if (onStep is not null)
                onStep(new StepRecord(epoch, step, steps, batch, sums.ToDictionary(kv => kv.Key, kv => kv.Value / samples)));
        }
        if (samples == 0) throw new InvalidOperationException("Trainer.Fit: the batch source yielded no batch for this epoch.");
        return sums.ToDictionary(kv => kv.Key, kv => kv.Value / samples);
    }

    private (Tensor Loss, Tensor Output) Backward(Tensor x, Tensor y)
    {
        var output = _model.call(x);
        var loss = _loss(output, y);
        if (loss.numel() != 1)
            throw new ArgumentException($"Trainer: the loss must be a scalar tensor, got shape [{string.Join(", ", loss.shape)}]; reduce it (mean).");
        _optimizer.zero_grad();
        loss.backward();
        _optimizer.step();
        return (loss, output);
    }

    private Dictionary<string, double> Figures(Tensor loss, Tensor output, Tensor y)
    {
        var figures = new Dictionary<string, double>(Metrics.Count + 1) { [LossName] = loss.detach().to_type(ScalarType.Float64).item<double>() };
        var detached = output.detach();
        foreach (var metric in Metrics) figures[metric.Name] = metric.Compute(detached, y);
        return figures;
    }
}
