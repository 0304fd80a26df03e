using System.Diagnostics;
using System.IO;
using static TorchSharp.torch;

namespace TorchLip.Cli.Jobs;

/// <summary>One run of a job: its options, text output, device, files, phase timings and clock.</summary>
/// <typeparam name="TOptions">The job's options.</typeparam>
public sealed class JobRun<TOptions> where TOptions : JobOptions
{
    internal JobRun(TOptions options, TextWriter output, OutputSet files, Device device)
    {
        (Options, Output, Files, Device) = (options, output, files, device);
    }

    /// <summary>The settings.</summary>
    public TOptions Options { get; }

    /// <summary>Where the job's text goes.</summary>
    public TextWriter Output { get; }

    /// <summary>The output files (staged until the pipeline commits them).</summary>
    public OutputSet Files { get; }

    /// <summary>The torch device.</summary>
    public Device Device { get; }

    /// <summary>Wall time of each phase; the pipeline fills data, training and evaluation.</summary>
    public PhaseTimings Timings { get; } = new();

    /// <summary>Started when the run starts.</summary>
    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    /// <summary>Resident memory at the end of each epoch, in MiB (after the finalizable garbage is collected).</summary>
    public System.Collections.Generic.List<double> EpochRssMb { get; } = new();
}
