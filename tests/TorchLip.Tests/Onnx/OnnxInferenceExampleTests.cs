using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using TorchLip.Onnx;
using TorchLip.Tests.Support;
using Xunit;
using static TorchLip.torchlip;
using static TorchSharp.torch;

namespace TorchLip.Tests.Onnx;

/// <summary>examples/OnnxInference (ONNX Runtime only) builds, runs on an exported model and prints its bound and certificates.</summary>
public sealed class OnnxInferenceExampleTests
{
    [Fact]
    [Trait("Category", "Example")]
    public async System.Threading.Tasks.Task The_example_prints_the_bound_from_the_metadata_and_a_certificate_per_sample()
    {
        var dir = Directory.CreateTempSubdirectory("torchlip-onnx-example-").FullName;
        try
        {
            var path = Path.Combine(dir, "model.onnx");
            double bound;
            using (var model = RandomConvNetworks.Quietly(() => Sequential(2.0, SpectralConv2d(1, 4, 3, padding: 1), GroupSort2(), nn.Flatten(), SpectralLinear(4 * 6 * 6, 3))))
            {
                bound = lipschitz_upper_bound(model);
                OnnxExport.Save(model, path, 1, 6, 6);
            }
            var project = Path.Combine(RepositoryPaths.Root, "examples", "OnnxInference");
            var info = new ProcessStartInfo("dotnet", $"run --project \"{project}\" -- \"{path}\" 3") { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = await process.StandardError.ReadToEndAsync();
            Assert.True(process.WaitForExit(180_000), "the example did not finish in 3 minutes");
            var output = await stdout;
            Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}\n{output}\n{stderr}");
            Assert.Contains($"Lipschitz bound {bound.ToString("G6", CultureInfo.InvariantCulture)} (each output {bound.ToString("G6", CultureInfo.InvariantCulture)})", output);
            Assert.Equal(3, output.Split('\n').Count(l => l.StartsWith("sample ", StringComparison.Ordinal) && l.Contains("certified radius")));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
