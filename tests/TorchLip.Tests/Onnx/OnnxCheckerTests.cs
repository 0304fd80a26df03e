using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using TorchLip.Onnx;
using TorchLip.Tests.Support;
using Xunit;
using static TorchSharp.torch;

namespace TorchLip.Tests.Onnx;

/// <summary>
/// The official ONNX checker (Debian's python3-onnx 1.12, full check with shape inference) accepts every exported file:
/// one per supported layer type and a few random networks. Skipped with a message where python3-onnx is missing.
/// </summary>
public sealed class OnnxCheckerTests
{
    private const string Python = "/usr/bin/python3";

    [SkippableFact]
    [Trait("Category", "OnnxChecker")]
    public void The_onnx_checker_accepts_every_exported_file()
    {
        Skip.IfNot(File.Exists(Python) && Run("-c \"import onnx\"").Code == 0,
            "python3-onnx is not installed (apt-get install -y python3-onnx): the ONNX checker test needs /usr/bin/python3 with the onnx module.");
        var dir = Directory.CreateTempSubdirectory("torchlip-onnx-check-").FullName;
        try
        {
            int n = 0;
            foreach (var (_, make, shape) in OnnxExportTests.LayerCases())
            {
                using var scope = NewDisposeScope();
                using var model = RandomConvNetworks.Quietly(make);
                OnnxExport.Save(model, Path.Combine(dir, $"layer-{n++}.onnx"), shape);
            }
            foreach (int seed in Enumerable.Range(0, 6))
            {
                using var scope = NewDisposeScope();
                var conv = RandomConvNetworks.Network(seed);
                using (conv.Model) OnnxExport.Save(conv.Model, Path.Combine(dir, $"conv-{seed}.onnx"), conv.InputShape);
                var dense = RandomNetworks.Network(seed);
                using (dense.Model) OnnxExport.Save(dense.Model, Path.Combine(dir, $"dense-{seed}.onnx"), dense.Inputs);
            }
            var script = "import onnx, sys, glob\n" +
                         "files = sorted(glob.glob(sys.argv[1] + '/*.onnx'))\n" +
                         "for f in files:\n" +
                         "    m = onnx.load(f)\n" +
                         "    onnx.checker.check_model(m, full_check=True)\n" +
                         "    assert m.opset_import[0].version == 17, f\n" +
                         "print('checked', len(files))\n";
            var scriptPath = Path.Combine(dir, "check.py");
            File.WriteAllText(scriptPath, script);
            var (code, output) = Run($"\"{scriptPath}\" \"{dir}\"");
            Assert.True(code == 0, "the ONNX checker rejected a file:\n" + output);
            Assert.Contains($"checked {n + 12}", output);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    private static (int Code, string Output) Run(string arguments)
    {
        var info = new ProcessStartInfo(Python, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr);
    }
}
