using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchLip.Cli.Output;
using TorchLip.Modules;

namespace TorchLip.Cli.Jobs;

/// <summary>Every training command by name, to rebuild its model from recorded options.</summary>
public static class JobCatalog
{
    private static readonly Dictionary<string, Func<JsonObject, Entry>> Commands = new(StringComparer.Ordinal)
    {
        ["mnist08"] = json => EntryOf(new Mnist08Job(), json),
        ["moons"] = json => EntryOf(new MoonsJob(), json),
        ["wasserstein-toy"] = json => EntryOf(new WassersteinToyJob(), json),
        ["mnist"] = json => EntryOf(new MnistJob(), json),
        ["fashion-mnist"] = json => EntryOf(new FashionMnistJob(), json),
    };

    /// <summary>The training commands' names.</summary>
    public static IReadOnlyCollection<string> Names => Commands.Keys;

    /// <summary>The untrained model of <paramref name="command"/> with <paramref name="options"/>.</summary>
    /// <param name="command">The command's name.</param>
    /// <param name="options">Its options as recorded (snake_case JSON).</param>
    /// <param name="source">Where they were read, for errors.</param>
    /// <exception cref="InvalidDataException">An unknown command or unreadable options.</exception>
    public static Sequential Build(string command, JsonObject options, string source) => Find(command, options, source).Build();

    /// <summary>The options of <paramref name="command"/> read from their recorded JSON.</summary>
    /// <param name="command">The command's name.</param>
    /// <param name="options">The JSON.</param>
    /// <param name="source">Where they were read, for errors.</param>
    public static JobOptions Options(string command, JsonObject options, string source) => Find(command, options, source).Options;

    /// <summary>One sample's shape as the model of <paramref name="command"/> takes it, without the batch.</summary>
    /// <param name="command">The command's name.</param>
    /// <param name="options">Its options as recorded.</param>
    /// <param name="source">Where they were read, for errors.</param>
    public static long[] SampleShape(string command, JsonObject options, string source) => Find(command, options, source).SampleShape;

    private sealed record Entry(JobOptions Options, Func<Sequential> Build, long[] SampleShape);

    private static Entry Find(string command, JsonObject options, string source)
    {
        if (!Commands.TryGetValue(command, out var entry))
            throw new InvalidDataException($"'{source}' was written by an unknown command '{command}' (known: {string.Join(", ", Commands.Keys)}).");
        try
        {
            return entry(options);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{source}': the recorded options of {command} cannot be read: {e.Message}", e);
        }
    }

    private static Entry EntryOf<TOptions, TReport>(TrainingJob<TOptions, TReport> job, JsonObject json) where TOptions : JobOptions
    {
        var options = json.Deserialize<TOptions>(ReportJson.Options) ?? throw new JsonException("the options are null");
        return new Entry(options, () => job.BuildModel(options), job.SampleShape(options));
    }
}
