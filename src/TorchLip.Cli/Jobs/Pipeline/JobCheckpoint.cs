using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchLip.Cli.Output;
using TorchLip.Modules;
using TorchLip.Training;

namespace TorchLip.Cli.Jobs;

/// <summary>
/// The checkpoint every training command writes after each epoch (<see cref="FileName"/> in its output directory): a
/// <see cref="Checkpoint"/> whose metadata names the command and its options, so that <c>--resume DIR</c> continues
/// the run and <see cref="LoadModel"/> rebuilds the trained model from the file alone.
/// </summary>
public static class JobCheckpoint
{
    /// <summary>The checkpoint's file name in an output directory.</summary>
    public const string FileName = "checkpoint.ckpt";

    /// <summary>
    /// The options' JSON names that may differ on <c>--resume</c>: the number of epochs, where and how the run
    /// computes, where it writes and reads, and the evaluation after training; every other option shapes the model or its
    /// training and must stay as recorded.
    /// </summary>
    public static readonly IReadOnlySet<string> ChangeableOnResume = new HashSet<string>(StringComparer.Ordinal)
    {
        "epochs", "threads", "device", "output", "data_dir", "attack_samples", "attack_steps", "attack_rounds", "fooling_images",
    };

    /// <summary>The checkpoint file of <paramref name="directoryOrFile"/>: the file itself, or <see cref="FileName"/> in the directory.</summary>
    /// <param name="directoryOrFile">An output directory or a checkpoint file.</param>
    public static string PathOf(string directoryOrFile)
    {
        ArgumentNullException.ThrowIfNull(directoryOrFile);
        return Directory.Exists(directoryOrFile) ? Path.Combine(directoryOrFile, FileName) : directoryOrFile;
    }

    /// <summary>
    /// Rebuilds the model a training command saved, from its checkpoint alone: the command and options in the
    /// metadata pick the architecture, then the weights and constraint state are loaded; the model is in eval mode.
    /// </summary>
    /// <param name="directoryOrFile">The job's output directory, or the checkpoint file.</param>
    /// <returns>The model with the command's name, its options and the checkpoint.</returns>
    /// <exception cref="FileNotFoundException">There is no checkpoint there.</exception>
    /// <exception cref="InvalidDataException">The file is corrupt, truncated, or was not written by a torchlip command.</exception>
    public static LoadedJobModel LoadModel(string directoryOrFile)
    {
        var checkpoint = Read(directoryOrFile);
        var (command, options) = Recorded(checkpoint);
        var model = JobCatalog.Build(command, options, checkpoint.Path);
        try
        {
            checkpoint.RestoreModel(model);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        model.eval();
        return new LoadedJobModel(model, command, JobCatalog.Options(command, options, checkpoint.Path), checkpoint,
            JobCatalog.SampleShape(command, options, checkpoint.Path));
    }

    /// <summary>Reads the checkpoint of <paramref name="directoryOrFile"/>, with an error naming where none is.</summary>
    /// <param name="directoryOrFile">An output directory or a checkpoint file.</param>
    public static Checkpoint Read(string directoryOrFile)
    {
        string path = PathOf(directoryOrFile);
        if (!File.Exists(path))
            throw new FileNotFoundException(Directory.Exists(directoryOrFile)
                ? $"'{directoryOrFile}' holds no {FileName}: it is not the output directory of a torchlip training command (they write one after every epoch)."
                : $"There is no checkpoint '{directoryOrFile}'.", path);
        return Checkpoint.Load(path);
    }

    /// <summary>The command and options JSON recorded in <paramref name="checkpoint"/>.</summary>
    /// <param name="checkpoint">A checkpoint written by a training command.</param>
    /// <exception cref="InvalidDataException">Its metadata does not name a command and options.</exception>
    public static (string Command, JsonObject Options) Recorded(Checkpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        try
        {
            var meta = checkpoint.Metadata is null ? null : JsonNode.Parse(checkpoint.Metadata)?.AsObject();
            if (meta?["command"] is JsonNode command && meta["options"] is JsonObject options) return ((string)command!, options);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"Checkpoint '{checkpoint.Path}': its metadata is not a torchlip command's: {e.Message}", e);
        }
        throw new InvalidDataException($"Checkpoint '{checkpoint.Path}' was not written by a torchlip training command (its metadata names no command and options).");
    }

    /// <summary>
    /// The options of a resumed run: the recorded ones, with the explicitly given options of
    /// <see cref="ChangeableOnResume"/> taken from <paramref name="parsed"/>; an explicitly given option of another
    /// kind with a different value is an error that names it.
    /// </summary>
    /// <typeparam name="TOptions">The command's options.</typeparam>
    /// <param name="command">The command's name.</param>
    /// <param name="resume">The directory (or checkpoint file) to resume.</param>
    /// <param name="parsed">The options as parsed (defaults filled in).</param>
    /// <param name="given">The JSON names of the options given on the command line.</param>
    /// <exception cref="OptionsException">No usable checkpoint there, another command's, or a model-changing option differs.</exception>
    public static TOptions ResumeOptions<TOptions>(string command, string resume, TOptions parsed, IReadOnlySet<string> given) where TOptions : JobOptions
    {
        ArgumentNullException.ThrowIfNull(parsed);
        ArgumentNullException.ThrowIfNull(given);
        var checkpoint = ReadForOptions(resume);
        var (recordedCommand, recorded) = Recorded(checkpoint);
        if (recordedCommand != command)
            throw new OptionsException($"--resume: '{resume}' was written by 'torchlip {recordedCommand}', not 'torchlip {command}'; resume it with 'torchlip {recordedCommand} --resume {resume}'.");
        var current = Serialize(parsed);
        foreach (var name in given.Where(n => !ChangeableOnResume.Contains(n)))
        {
            if (!current.TryGetPropertyValue(name, out var now)) continue;
            var was = recorded[name];
            if (!JsonNode.DeepEquals(was, now))
                throw new OptionsException(Differs(name, was, now, resume));
        }
        var merged = recorded.DeepClone().AsObject();
        foreach (var name in given.Where(ChangeableOnResume.Contains))
            if (current.TryGetPropertyValue(name, out var now)) merged[name] = now?.DeepClone();
        var options = merged.Deserialize<TOptions>(ReportJson.Options)
            ?? throw new OptionsException($"--resume: the options recorded in '{checkpoint.Path}' cannot be read.");
        return (TOptions)(options with
        {
            Threads = parsed.Threads,
            Device = parsed.Device,
            Output = given.Contains("output") ? parsed.Output : ResumeDirectory(resume),
            ShowProgress = parsed.ShowProgress,
            EvaluationBatchSize = parsed.EvaluationBatchSize,
            Resume = resume,
        });
    }

    /// <summary>
    /// Checks that <paramref name="options"/> may continue the run recorded in <paramref name="checkpoint"/>: the same
    /// command, every option outside <see cref="ChangeableOnResume"/> as recorded, and no fewer epochs than trained.
    /// </summary>
    /// <param name="checkpoint">The checkpoint.</param>
    /// <param name="command">The command's name.</param>
    /// <param name="options">The options of the resumed run.</param>
    /// <exception cref="OptionsException">The first difference, named.</exception>
    public static void CheckResumable(Checkpoint checkpoint, string command, JobOptions options)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(options);
        var (recordedCommand, recorded) = Recorded(checkpoint);
        string where = options.Resume ?? checkpoint.Path;
        if (recordedCommand != command)
            throw new OptionsException($"--resume: '{where}' was written by 'torchlip {recordedCommand}', not 'torchlip {command}'.");
        var current = Serialize(options);
        foreach (var (name, now) in current)
        {
            if (ChangeableOnResume.Contains(name)) continue;
            var was = recorded[name];
            if (!JsonNode.DeepEquals(was, now)) throw new OptionsException(Differs(name, was, now, where));
        }
        if (options.Epochs < checkpoint.Epoch)
            throw new OptionsException($"--epochs {options.Epochs} is fewer than the {checkpoint.Epoch} epochs already trained in '{where}'; give --epochs {checkpoint.Epoch} or more.");
    }

    /// <summary>The metadata a job's checkpoint carries.</summary>
    /// <param name="command">The command's name.</param>
    /// <param name="options">Its options.</param>
    /// <param name="jobState">The job's own state (<see cref="TrainingJob{TOptions, TReport}.SaveState"/>), or null.</param>
    /// <param name="epochs">Each epoch's wall time (memory release included) and resident memory in MiB, so far.</param>
    internal static string Metadata(string command, JobOptions options, JsonNode? jobState, IReadOnlyList<(double Seconds, double RssMb)> epochs) =>
        new JsonObject
        {
            ["command"] = command,
            ["options"] = Serialize(options),
            ["job_state"] = jobState?.DeepClone(),
            ["epoch_wall"] = new JsonArray(epochs.Select(e => (JsonNode)new JsonObject { ["seconds"] = e.Seconds, ["rss_mb"] = e.RssMb }).ToArray()),
        }.ToJsonString();

    /// <summary>The job state and per-epoch wall figures of a checkpoint's metadata.</summary>
    /// <param name="checkpoint">The checkpoint.</param>
    internal static (JsonNode? JobState, List<(double Seconds, double RssMb)> Epochs) Extras(Checkpoint checkpoint)
    {
        var meta = JsonNode.Parse(checkpoint.Metadata!)!.AsObject();
        var wall = meta["epoch_wall"]?.AsArray().Select(n => ((double)n!["seconds"]!, (double)n["rss_mb"]!)).ToList() ?? new();
        return (meta["job_state"], wall);
    }

    private static Checkpoint ReadForOptions(string resume)
    {
        try
        {
            return Read(resume);
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException)
        {
            throw new OptionsException($"--resume: {e.Message}");
        }
    }

    private static string ResumeDirectory(string resume) =>
        Directory.Exists(resume) ? resume : Path.GetDirectoryName(Path.GetFullPath(resume)) ?? resume;

    private static JsonObject Serialize(JobOptions options) =>
        JsonSerializer.SerializeToNode(options, options.GetType(), ReportJson.Options)!.AsObject();

    private static string Differs(string name, JsonNode? was, JsonNode? now, string where) =>
        $"{OptionName(name)} is {Text(now)} but the run in '{where}' was trained with {Text(was)}: resuming continues that run, and {OptionName(name)} changes its model or training. Drop {OptionName(name)} (or give {Text(was)}), or start a new run without --resume.";

    /// <summary>The command-line name of an options JSON property (learning_rate is --lr, the rest kebab-case).</summary>
    /// <param name="json">The JSON name.</param>
    public static string OptionName(string json) => json == "learning_rate" ? "--lr" : "--" + json.Replace('_', '-');

    private static string Text(JsonNode? value) => value is null ? "(none)" : value.ToJsonString();
}
