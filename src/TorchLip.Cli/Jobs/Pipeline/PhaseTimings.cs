using System;
using System.Diagnostics;

namespace TorchLip.Cli.Jobs;

/// <summary>Wall time of each phase of the job, in seconds.</summary>
public sealed class PhaseTimings
{
    /// <summary>Acquiring, loading and preparing MNIST.</summary>
    public double Data { get; set; }

    /// <summary>Building the model and the training steps of every epoch.</summary>
    public double Training { get; set; }

    /// <summary>Validation on the test set after every epoch.</summary>
    public double Evaluation { get; set; }

    /// <summary>The two Lipschitz estimates.</summary>
    public double Estimates { get; set; }

    /// <summary>Singular values before and after export.</summary>
    public double Svd { get; set; }

    /// <summary><c>vanilla_export</c> and the output comparison.</summary>
    public double Export { get; set; }

    /// <summary>Writing model.dat, model_exported.dat and training.png.</summary>
    public double Save { get; set; }

    /// <summary>The whole job, up to (not including) writing report.json.</summary>
    public double Total { get; set; }

    /// <summary>Runs <paramref name="action"/> and returns its wall time in seconds.</summary>
    /// <param name="action">The work.</param>
    public static double Measure(Action action)
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed.TotalSeconds;
    }
}
