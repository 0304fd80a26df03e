using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using TorchLip.Cli.Output;
using TorchLip.Training;
using TorchSharp;

namespace TorchLip.Cli.Jobs;

/// <summary>
/// The one sequence every command runs: options checked, output locked and staged, threads, device, data, seed,
/// model, optimizer, <see cref="Trainer"/> with a progress bar and one line per epoch, the job's own finish, then
/// report.json and the files moved into place together.
/// </summary>
public static class JobPipeline
{
    /// <summary>Runs <paramref name="job"/>.</summary>
    /// <typeparam name="TOptions">The job's settings.</typeparam>
    /// <typeparam name="TReport">Its report.</typeparam>
    /// <param name="job">What the command adds.</param>
    /// <param name="options">The settings.</param>
    /// <param name="output">Where the text goes.</param>
    /// <returns>The report that was written to report.json.</returns>
    /// <exception cref="OptionsException">An option is unusable (checked before any work).</exception>
    /// <exception cref="IOException">Data or files could not be read or written, or another job holds the output directory.</exception>
    public static TReport Run<TOptions, TReport>(TrainingJob<TOptions, TReport> job, TOptions options, TextWriter output)
        where TOptions : JobOptions
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        var errors = job.Validate(options);
        if (errors.Count > 0) throw new OptionsException(errors[0]);
        using var files = OutputSet.Open(options.Output);
        // Read under the output's lock: a job still writing to the directory it resumes is refused before.
        var resume = options.Resume is null ? null : ResumePoint(job.Name, options);
        ProcessMemory.KeepFreedMemory();
        torch.set_num_threads(options.Threads);
        var run = new JobRun<TOptions>(options, output, files, DeviceChoice.Resolve(options.Device));

        TrainingData? loaded = null;
        run.Timings.Data = PhaseTimings.Measure(() =>
        {
            loaded = job.LoadData(run);
            ProcessMemory.ReleaseLoadingGarbage();
        });
        using var data = loaded!;
        torch.manual_seed(options.Seed);
        using var model = WarningsToOutput.While(output, () => job.BuildModel(options));
        model.to(run.Device);
        output.WriteLine(model);
        using var optimizer = torchlip.Adam(model.parameters(), lr: options.LearningRate);
        job.OnOptimizer(options, optimizer);
        var trainer = new Trainer(model, optimizer, job.Loss(options), job.Metrics(options), job.EvaluationMetrics(options))
        {
            EvaluationBatchSize = options.EvaluationBatchSize,
        };
        var records = new List<EpochRecord>();
        var wall = new List<(double Seconds, double RssMb)>();
        if (resume is not null)
        {
            try
            {
                resume.RestoreModel(model);
                resume.RestoreOptimizer(optimizer);
                resume.RestoreGenerators(data.Train.Generators);
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"--resume: {e.Message}", e);
            }
            var (state, recordedWall) = JobCheckpoint.Extras(resume);
            if (state is not null) job.RestoreState(state);
            output.WriteLine($"Resuming from {resume.Path}: {resume.Epoch} of {options.Epochs} epochs trained (their recorded figures follow)");
            for (int i = 0; i < resume.Epochs.Count; i++)
            {
                var record = resume.Epochs[i];
                var (seconds, rss) = i < recordedWall.Count ? recordedWall[i] : (record.Seconds, 0.0);
                run.Timings.Training += record.TrainSeconds;
                run.Timings.Evaluation += seconds - record.TrainSeconds;
                records.Add(record);
                wall.Add((seconds, rss));
                output.WriteLine(job.OnEpoch(run, record, seconds, rss));
            }
        }
        string checkpointPath = Path.Combine(files.Directory, JobCheckpoint.FileName);
        if (job.TrainingBanner(run, data) is string banner) output.WriteLine(banner);
        var progress = ConsoleProgress.PerEpoch(output, options.ShowProgress);
        int firstEpoch = (resume?.Epoch ?? 0) + 1;
        if (firstEpoch <= options.Epochs)
        {
            trainer.Fit(data.Train, options.Epochs, data.Validation,
                onStep: step =>
                {
                    job.OnStep(step);
                    progress(step);
                },
                onEpoch: record =>
                {
                    // The epoch's RSS is read after TorchSharp's own finalizable garbage is collected; the trainer makes no
                    // collector call, but without this one the mnist08 job's peak RSS read 422 MB instead of 338 MB
                    // (measured with torchlip.Adam, which leaves no Scalars to the finalizer: the rest is TorchSharp's).
                    var release = Stopwatch.StartNew();
                    ProcessMemory.ReleaseLoadingGarbage();
                    run.Timings.Training += record.TrainSeconds;
                    run.Timings.Evaluation += record.ValidationSeconds + release.Elapsed.TotalSeconds;
                    double seconds = record.Seconds + release.Elapsed.TotalSeconds, rss = Environment.WorkingSet / (1024.0 * 1024.0);
                    string line = job.OnEpoch(run, record, seconds, rss);
                    records.Add(record);
                    wall.Add((seconds, rss));
                    // Written straight into the output directory (not staged), atomically: it must outlive a crash.
                    Checkpoint.Save(checkpointPath, model, optimizer, record.Epoch, records, data.Train.Generators,
                        JobCheckpoint.Metadata(job.Name, options, job.SaveState(), wall));
                    output.WriteLine(line);
                },
                firstEpoch: firstEpoch);
        }
        model.eval();

        var report = job.Finish(run, model, trainer, data);
        files.WriteAllText(TrainingJob<TOptions, TReport>.ReportFile, ReportJson.Serialize(report));
        files.Commit();
        output.WriteLine($"Wrote {string.Join(", ", job.Files)} to {files.Directory} (and {JobCheckpoint.FileName} after every epoch: continue with --resume {files.Directory})");
        return report;
    }

    private static Checkpoint ResumePoint(string command, JobOptions options)
    {
        Checkpoint checkpoint;
        try
        {
            checkpoint = JobCheckpoint.Read(options.Resume!);
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException)
        {
            throw new OptionsException($"--resume: {e.Message}");
        }
        JobCheckpoint.CheckResumable(checkpoint, command, options);
        return checkpoint;
    }
}
