using System;
using System.Collections.Generic;
using TorchLip.Modules;
using TorchLip.Training;
using TorchLip.Training.Metrics;
using static TorchSharp.torch;

namespace TorchLip.Cli.Jobs;

/// <summary>
/// What one command adds to the shared <see cref="JobPipeline"/>: its data, model, loss, metrics, epoch line and what
/// it does with the trained model (extra evaluation, plots, report). An instance serves one run.
/// </summary>
/// <typeparam name="TOptions">The command's settings.</typeparam>
/// <typeparam name="TReport">What it writes to report.json.</typeparam>
public abstract class TrainingJob<TOptions, TReport> where TOptions : JobOptions
{
    /// <summary>The report's file name, the same for every job.</summary>
    public const string ReportFile = "report.json";

    /// <summary>The command's name (error lines, report).</summary>
    public abstract string Name { get; }

    /// <summary>Every file the job writes, report.json included, in the order the final line lists them.</summary>
    public abstract IReadOnlyList<string> Files { get; }

    /// <summary>Every problem with the options, one line each (the shared ones first).</summary>
    /// <param name="options">The settings.</param>
    public abstract IReadOnlyList<string> Validate(TOptions options);

    /// <summary>Loads or generates the data (printing its summary); runs before the model is built.</summary>
    /// <param name="run">The run.</param>
    public abstract TrainingData LoadData(JobRun<TOptions> run);

    /// <summary>The untrained model, on the CPU (built after <c>torch.manual_seed(seed)</c>).</summary>
    /// <param name="options">The settings.</param>
    public abstract Sequential BuildModel(TOptions options);

    /// <summary>One sample's shape as the model takes it, without the batch (e.g. (1, 28, 28)), for export and certification.</summary>
    /// <param name="options">The settings.</param>
    public abstract long[] SampleShape(TOptions options);

    /// <summary>(output, target) → the scalar loss to minimise.</summary>
    /// <param name="options">The settings.</param>
    public abstract Func<Tensor, Tensor, Tensor> Loss(TOptions options);

    /// <summary>The metrics of training batches and validation.</summary>
    /// <param name="options">The settings.</param>
    public virtual IReadOnlyList<IMetric> Metrics(TOptions options) => Array.Empty<IMetric>();

    /// <summary>The validation-only metrics (certificates, ...).</summary>
    /// <param name="options">The settings.</param>
    public virtual IReadOnlyList<IEvaluationMetric> EvaluationMetrics(TOptions options) => Array.Empty<IEvaluationMetric>();

    /// <summary>A line printed just before training starts, or null.</summary>
    /// <param name="run">The run.</param>
    /// <param name="data">The data.</param>
    public virtual string? TrainingBanner(JobRun<TOptions> run, TrainingData data) => null;

    /// <summary>Called once with the optimizer, before training (e.g. to keep it for a learning-rate schedule in <see cref="OnStep"/>).</summary>
    /// <param name="options">The settings.</param>
    /// <param name="optimizer">The optimizer the trainer steps.</param>
    public virtual void OnOptimizer(TOptions options, TorchSharp.torch.optim.Optimizer optimizer) { }

    /// <summary>Called after every training step (before the progress bar is drawn).</summary>
    /// <param name="step">The step's record.</param>
    public virtual void OnStep(StepRecord step) { }

    /// <summary>
    /// What the job keeps across epochs beyond the epoch records (per-step figures, a schedule's position), saved in
    /// every checkpoint; null when nothing.
    /// </summary>
    public virtual System.Text.Json.Nodes.JsonNode? SaveState() => null;

    /// <summary>Restores what <see cref="SaveState"/> saved, on <c>--resume</c> (after <see cref="OnOptimizer"/>, before the epochs are replayed).</summary>
    /// <param name="state">The saved state.</param>
    public virtual void RestoreState(System.Text.Json.Nodes.JsonNode state) { }

    /// <summary>Records an epoch and returns its printed line (on <c>--resume</c> also for every epoch already trained, with its recorded figures).</summary>
    /// <param name="run">The run.</param>
    /// <param name="record">The trainer's record.</param>
    /// <param name="seconds">The epoch's wall time, the memory release after it included.</param>
    /// <param name="rssMb">Resident memory at its end, in MiB.</param>
    public abstract string OnEpoch(JobRun<TOptions> run, EpochRecord record, double seconds, double rssMb);

    /// <summary>
    /// After training, with the model in eval mode: the job's own evaluation, its files (through
    /// <see cref="JobRun{TOptions}.Files"/>) and the report that the pipeline then writes as report.json.
    /// </summary>
    /// <param name="run">The run.</param>
    /// <param name="model">The trained model.</param>
    /// <param name="trainer">Its trainer (for <see cref="Trainer.Evaluate"/>).</param>
    /// <param name="data">The data.</param>
    public abstract TReport Finish(JobRun<TOptions> run, Sequential model, Trainer trainer, TrainingData data);
}
