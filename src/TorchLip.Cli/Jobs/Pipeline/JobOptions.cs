using System;
using System.Collections.Generic;
using System.Text.Json.Serialization;

namespace TorchLip.Cli.Jobs;

/// <summary>
/// The settings every job has: epochs, batch size, learning rate, seed, threads, device, output directory and the
/// progress bar; and the checks of the values that several jobs share.
/// </summary>
public abstract record JobOptions
{
    /// <summary>Default of <see cref="Threads"/>.</summary>
    /// <remarks>
    /// Measured on the two-core machine (MNIST job, seed 0, 10 epochs): 2 threads gave 1.8–2.7 s per epoch when idle,
    /// 1 thread 2.1–2.7 s; but while another process used a core, 2 threads fell to 12–50 s per epoch (208 s in all
    /// against 30 s for 1 thread). One thread is never much slower and never collapses.
    /// </remarks>
    public const int DefaultThreads = 1;

    /// <summary>Sets the job's own default output directory.</summary>
    /// <param name="defaultOutput">Where the job writes unless told otherwise.</param>
    protected JobOptions(string defaultOutput) => Output = defaultOutput;

    /// <summary>Samples per training step (the job's default is set by its constructor).</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Adam learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Samples per forward pass of validation and evaluation.</summary>
    [JsonIgnore]
    public int EvaluationBatchSize { get; init; } = 1024;

    /// <summary>Number of passes over the training data.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Seed of <c>torch.manual_seed</c> and of the job's own generators.</summary>
    public long Seed { get; init; }

    /// <summary>Torch intra-op threads (<c>torch.set_num_threads</c>).</summary>
    public int Threads { get; init; } = DefaultThreads;

    /// <summary>The torch device: cpu, cuda or cuda:N.</summary>
    public string Device { get; init; } = DeviceChoice.Default;

    /// <summary>Directory receiving the job's files.</summary>
    public string Output { get; init; }

    /// <summary>
    /// The output directory (or checkpoint file) of an earlier run of the same command to continue from its last
    /// checkpoint, or null for a new run (see <see cref="JobCheckpoint"/>).
    /// </summary>
    [JsonIgnore]
    public string? Resume { get; init; }

    /// <summary>Draw a progress bar during each epoch (only sensible on a terminal).</summary>
    [JsonIgnore]
    public bool ShowProgress { get; init; }

    /// <summary>Every problem with the shared values, one line each; a job adds its own.</summary>
    protected List<string> CommonProblems()
    {
        var errors = new List<string>();
        if (DeviceChoice.Problem(Device) is string problem) errors.Add(problem);
        if (Epochs <= 0) errors.Add($"--epochs must be a positive integer, got {Epochs}.");
        if (Seed < 0) errors.Add($"--seed must be >= 0, got {Seed}.");
        if (ThreadsProblem(Threads) is string threads) errors.Add(threads);
        if (string.IsNullOrWhiteSpace(Output)) errors.Add("--output must name a directory.");
        PositiveFinite(errors, "--lr", LearningRate);
        return errors;
    }

    /// <summary>The problem with a <c>--threads</c> value (any command's), or null: between 1 and the available cores.</summary>
    /// <param name="threads">The value.</param>
    public static string? ThreadsProblem(int threads) => threads < 1 || threads > Environment.ProcessorCount
        ? $"--threads must be between 1 and the {Environment.ProcessorCount} available cores, got {threads}."
        : null;

    /// <summary>Adds "OPTION must be a positive integer, got V." unless <paramref name="value"/> &gt; 0.</summary>
    /// <param name="errors">The list of problems.</param>
    /// <param name="option">The option's name, e.g. --batch-size.</param>
    /// <param name="value">Its value.</param>
    protected static void PositiveInteger(List<string> errors, string option, int value)
    {
        if (value <= 0) errors.Add($"{option} must be a positive integer, got {value}.");
    }

    /// <summary>Adds "OPTION must be a finite number &gt;= 0, got V." unless it is.</summary>
    /// <param name="errors">The list of problems.</param>
    /// <param name="option">The option's name.</param>
    /// <param name="value">Its value.</param>
    protected static void NonNegativeFinite(List<string> errors, string option, double value)
    {
        if (!(value >= 0) || double.IsInfinity(value)) errors.Add($"{option} must be a finite number >= 0, got {Format(value)}.");
    }

    /// <summary>Adds "OPTION must be a finite number &gt; 0, got V." unless it is.</summary>
    /// <param name="errors">The list of problems.</param>
    /// <param name="option">The option's name.</param>
    /// <param name="value">Its value.</param>
    protected static void PositiveFinite(List<string> errors, string option, double value)
    {
        if (!(value > 0) || double.IsInfinity(value)) errors.Add($"{option} must be a finite number > 0, got {Format(value)}.");
    }

    /// <summary>Adds the problem with an optional directory option given empty.</summary>
    /// <param name="errors">The list of problems.</param>
    /// <param name="option">The option's name.</param>
    /// <param name="value">Its value, null when not given.</param>
    protected static void DirectoryIfGiven(List<string> errors, string option, string? value)
    {
        if (value is not null && string.IsNullOrWhiteSpace(value)) errors.Add($"{option} must name a directory when given.");
    }

    private static string Format(double x) => x.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}
