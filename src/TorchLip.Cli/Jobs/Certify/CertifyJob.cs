using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using TorchLip.Cli.Output;
using TorchLip.Serialization;
using TorchLip.Training.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Cli.Jobs;

/// <summary>
/// <c>torchlip certify</c>: the clean accuracy, the certified accuracy at given L2 radii and the distribution of
/// certificates of any model on a test set: a training command's checkpoint, a plain PyTorch/TorchSharp state_dict
/// with its architecture, or an ONNX file run in ONNX Runtime. The certificates are the library's
/// (<c>binary_certificates</c>, <c>multiclass_certificates</c>) with the model's true bound: its own, the one its
/// ONNX metadata carries, or one computed here as the product of rigorous per-layer bounds (for an unconstrained
/// model usually huge, hence tiny certificates: the honest answer).
/// </summary>
public static class CertifyJob
{
    /// <summary>One sample's shape in every test set certify knows.</summary>
    public static readonly long[] DataSampleShape = { 1, 28, 28 };

    private static readonly IReadOnlyDictionary<string, string> DataOfCommand = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["mnist08"] = "mnist08", ["mnist"] = "mnist", ["fashion-mnist"] = "fashion-mnist",
    };

    /// <summary>Runs the certification.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="output">Where the results are printed.</param>
    /// <exception cref="OptionsException">An unusable option, or a model and data that do not fit together.</exception>
    /// <exception cref="IOException">No such model, or a file cannot be written.</exception>
    /// <exception cref="InvalidDataException">A corrupt or unusable model file.</exception>
    public static CertifyReport Run(CertifyOptions options, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        var problems = options.Validate();
        if (problems.Count > 0) throw new OptionsException(string.Join(Environment.NewLine, problems));
        torch.set_num_threads(options.Threads);
        var clock = Stopwatch.StartNew();

        using var target = CertifyTarget.Open(options, DataSampleShape);
        string dataName = options.Data ?? DefaultData(target, options.Model);
        output.WriteLine(target.Description);
        output.WriteLine(target.Layers is { } layers ? layers.ToTable() : FormattableString.Invariant($"Lipschitz upper bound: {target.LipschitzBound:G6}"));
        output.WriteLine(FormattableString.Invariant($"Bound {target.LipschitzBound:G6} (each output {target.OutputLipschitzBound:G6}): {target.BoundSource}."));

        long[] sample = SampleShape(target, options.Model, dataName);
        using var data = CertifyData.Load(dataName, options.TestSamples, options.DataDir, output.WriteLine);
        var (correct, radius) = Evaluate(target, data, sample, options);
        int n = correct.Length;
        var correctRadii = Enumerable.Range(0, n).Where(i => correct[i]).Select(i => radius[i]).ToList();
        double clean = correctRadii.Count / (double)n;
        var certified = options.Radii.ToDictionary(r => r.ToString("R", CultureInfo.InvariantCulture), r => correctRadii.Count(c => c > r) / (double)n);
        double mean = radius.Average();
        double median = Median(correctRadii);

        string histogram = options.HistogramPath;
        AtomicFile.Write(histogram, stream => stream.Write(CertificateHistogram.Png(correctRadii, n - correctRadii.Count, options.Radii,
            $"{Path.GetFileName(Path.TrimEndingDirectorySeparator(options.Model))} on {dataName}")));
        var report = new CertifyReport
        {
            Model = options.Model,
            Kind = target.Kind,
            Command = target.Command,
            Data = dataName,
            TestSamples = n,
            LipschitzUpperBound = target.LipschitzBound,
            OutputLipschitzUpperBound = target.OutputLipschitzBound,
            BoundSource = target.BoundSource,
            Layers = target.Layers?.Layers,
            CleanAccuracy = clean,
            CertifiedAccuracy = certified,
            MeanCertificate = mean,
            MedianCertificateCorrect = median,
            Histogram = histogram,
            Seconds = clock.Elapsed.TotalSeconds,
        };
        output.WriteLine(FormattableString.Invariant($"{dataName} test set, {n} samples: clean accuracy {clean:0.0000}, mean certificate {mean:0.0000}, median certificate of the correct ones {median:0.0000}"));
        output.WriteLine("certified accuracy:");
        foreach (var (r, value) in certified) output.WriteLine(FormattableString.Invariant($"  eps = {r,-6} {value:0.0000}"));
        output.WriteLine($"Wrote {histogram} (histogram of the certificates).");
        if (options.Json is string json)
        {
            AtomicFile.Write(json, stream => stream.Write(Encoding.UTF8.GetBytes(ReportJson.Serialize(report))));
            output.WriteLine($"Wrote {json}.");
        }
        return report;
    }

    private static string DefaultData(CertifyTarget target, string model)
    {
        if (target.Command is null)
            throw new OptionsException($"--data is required for '{model}': give one of {string.Join(", ", CertifyOptions.DataSets)} (only a checkpoint names the data it was trained on).");
        return DataOfCommand.TryGetValue(target.Command, out var data) ? data
            : throw new OptionsException($"'{model}' is a 'torchlip {target.Command}' model, which has no test set certify knows; --data takes {string.Join(", ", CertifyOptions.DataSets)} for image classifiers of 28x28 images.");
    }

    // The shape the model is fed: the data's, or the one an ONNX graph declares when it holds as many values (a flat input).
    private static long[] SampleShape(CertifyTarget target, string model, string dataName)
    {
        long[] sample = target.SampleShape ?? DataSampleShape;
        if (sample.Aggregate(1L, (a, b) => a * b) != DataSampleShape.Aggregate(1L, (a, b) => a * b))
            throw new OptionsException($"'{model}' takes samples of shape ({string.Join(", ", sample)}), but --data {dataName} has samples of shape ({string.Join(", ", DataSampleShape)}): choose the data the model was trained on.");
        return sample;
    }

    // Outputs batch by batch, then the library's certificates with the target's bounds (Certified.Of).
    private static (bool[] Correct, double[] Radius) Evaluate(CertifyTarget target, CertifyData data, long[] sample, CertifyOptions options)
    {
        long n = data.X.size(0);
        var correct = new List<bool>((int)n);
        var radius = new List<double>((int)n);
        for (long start = 0; start < n; start += options.BatchSize)
        {
            using var scope = torch.NewDisposeScope();
            long count = Math.Min(options.BatchSize, n - start);
            var x = data.X.narrow(0, start, count).reshape(new[] { count }.Concat(sample).ToArray());
            var f = Forward(target, x, options.Model, sample);
            CheckOutputs(f, count, data, options.Model);
            var (c, r) = Certified.Of(f, data.Y.narrow(0, start, count), target.LipschitzBound, target.OutputLipschitzBound);
            correct.AddRange(c);
            radius.AddRange(r);
        }
        return (correct.ToArray(), radius.ToArray());
    }

    private static Tensor Forward(CertifyTarget target, Tensor x, string model, long[] sample)
    {
        try
        {
            return target.Forward(x);
        }
        catch (Exception e) when (e is System.Runtime.InteropServices.ExternalException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
        {
            throw new InvalidDataException($"'{model}' cannot run on samples of shape ({string.Join(", ", sample)}): {CertifyTarget.FirstLine(e.Message)}");
        }
    }

    private static void CheckOutputs(Tensor f, long count, CertifyData data, string model)
    {
        long outputs = f.dim() == 1 ? 1 : f.dim() == 2 ? f.size(1) : -1;
        if (f.size(0) != count || outputs != data.Outputs)
            throw new OptionsException(data.Classes == 2
                ? $"'{model}' gives outputs of shape ({string.Join(", ", f.shape)}) for {count} samples, but --data {data.Name} is a binary task (one output, its sign the class): choose the data the model was trained on."
                : $"'{model}' gives outputs of shape ({string.Join(", ", f.shape)}) for {count} samples, but --data {data.Name} has {data.Classes} classes (outputs ({count}, {data.Classes})): choose the data the model was trained on.");
    }

    private static double Median(List<double> values)
    {
        if (values.Count == 0) return 0;
        var sorted = values.OrderBy(v => v).ToList();
        int mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
