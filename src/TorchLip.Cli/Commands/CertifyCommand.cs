using System;
using System.CommandLine;
using TorchLip.Cli.Jobs;

namespace TorchLip.Cli.Commands;

/// <summary>The <c>certify</c> command: parses the options and runs <see cref="CertifyJob"/>.</summary>
public static class CertifyCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var defaults = new CertifyOptions { Model = "" };
        var model = new Argument<string>("MODEL")
        {
            Description = $"A training command's output directory (or {JobCheckpoint.FileName}), a plain model's .pth/.pt/.safetensors state_dict (with --arch), or an .onnx file.",
        };
        var data = new Option<string?>("--data") { Description = $"Test set: {string.Join(", ", CertifyOptions.DataSets)} (default for a checkpoint: the data it was trained on)." };
        var arch = new Option<string?>("--arch")
        {
            Description = "Layers of a .pth/.safetensors plain model, e.g. \"flatten; linear(784, 128); relu; linear(128, 10)\" (torchlip.plain_sequential's grammar; PyTorch's printed layers such as nn.Conv2d(1, 16, 3, padding=1) are accepted).",
        };
        var radii = new Option<double[]>("--radii")
        {
            Description = "L2 radii of the certified accuracy (space-separated).",
            DefaultValueFactory = _ => [.. defaults.Radii],
            AllowMultipleArgumentsPerToken = true,
        };
        var json = new Option<string?>("--json") { Description = "Write the results as JSON to this file." };
        var histogram = new Option<string?>("--histogram") { Description = "The certificate histogram's PNG (default: certificates.png in a checkpoint directory, else MODEL.certificates.png)." };
        var testSamples = new Option<int>("--test-samples") { Description = "Test samples used, the first ones (0: all).", DefaultValueFactory = _ => 0 };
        var dataDir = new Option<string?>("--data-dir") { Description = "Data directory (default: the dataset's cache; missing files are downloaded)." };
        var batchSize = new Option<int>("--batch-size") { Description = "Samples per forward pass.", DefaultValueFactory = _ => defaults.BatchSize };
        var threads = new Option<int>("--threads") { Description = "Torch and ONNX Runtime intra-op threads.", DefaultValueFactory = _ => defaults.Threads };
        var command = new Command("certify", "Certified robustness of any model on a test set: clean accuracy, certified accuracy at L2 radii and the certificates' histogram, for a checkpoint, a PyTorch state_dict with its architecture, or an ONNX file.")
        {
            model, data, arch, radii, json, histogram, testSamples, dataDir, batchSize, threads,
        };
        command.SetAction(parse => JobRunner.Execute("certify", () => CertifyJob.Run(new CertifyOptions
        {
            Model = parse.GetValue(model)!,
            Data = parse.GetValue(data),
            Architecture = parse.GetValue(arch),
            Radii = parse.GetValue(radii) ?? [],
            Json = parse.GetValue(json),
            Histogram = parse.GetValue(histogram),
            TestSamples = parse.GetValue(testSamples),
            DataDir = parse.GetValue(dataDir),
            BatchSize = parse.GetValue(batchSize),
            Threads = parse.GetValue(threads),
        }, Console.Out), Console.Error));
        return command;
    }
}
