using System;
using System.IO;
using TorchLip.PyTorch;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchLip.torchlip;
using static TorchSharp.torch;

namespace TorchLip.Tests.Interop;

/// <summary>
/// From outside: PyTorch (Debian's python3-torch) loads the files TorchLip.NET writes and reproduces its outputs
/// (Interop/Fixtures/check_files.py). Skipped with the reason when python3 with torch (or deel-torchlip) is missing.
/// </summary>
public sealed class PythonLoadsOurFilesTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("torchlip-python-").FullName;
    private readonly ITestOutputHelper _output;

    public PythonLoadsOurFilesTests(ITestOutputHelper output)
    {
        _output = output;
        torch.set_num_threads(1);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [SkippableFact]
    public void PyTorchLoadsTheExportedFilesIntoTheDocumentedSequentialAndReproducesTheOutputs()
    {
        var (python, _, missing) = InteropFixture.FindPython(deelTorchlip: false);
        Skip.If(python is null, $"PyTorch check skipped: {missing}. Install Debian's python3-torch to run it.");
        using var scope = torch.NewDisposeScope();
        using var model = PlainFilesTests.LipschitzNetwork(11);
        using var export = model.vanilla_export();
        export.eval();
        var x = torch.randn(3, 1, 6, 6);
        var (pth, safetensors, json) = (Path.Combine(_folder, "m.pth"), Path.Combine(_folder, "m.safetensors"), Path.Combine(_folder, "case.json"));
        pytorch.save_pth(export, pth);
        pytorch.save_safetensors(export, safetensors);
        using (torch.no_grad()) InteropFixture.WriteCase(json, x, export.call(x));
        var (code, output) = InteropFixture.Run(python!, null, $"\"{InteropFixture.Path("check_files.py")}\" plain \"{pth}\" \"{safetensors}\" \"{json}\"", 300);
        _output.WriteLine(output);
        Assert.True(code == 0, output);
        Assert.Contains("pth: max", output);
        Assert.Contains("safetensors: max", output);
    }

    [SkippableFact]
    public void DeelTorchlipLoadsAModelTrainedInDotNetAndReproducesItsOutputs()
    {
        var (python, pythonPath, missing) = InteropFixture.FindPython(deelTorchlip: true);
        Skip.If(python is null, $"deel-torchlip check skipped: {missing}.");
        using var scope = torch.NewDisposeScope();
        using var model = DeelTorchlipImportTests.DenseModel(warmStart: true);
        pytorch.load_deel_torchlip(model, InteropFixture.Path("deel_dense.pth"));
        torch.manual_seed(3);
        var optimizer = Adam(model.parameters(), lr: 0.01);
        var (xs, ys) = (torch.randn(16, 6), torch.randn(16).sign());
        for (int step = 0; step < 3; step++)
        {
            optimizer.zero_grad();
            hkr_loss(model.call(xs).squeeze(-1), ys, 10.0, 1.0).backward();
            optimizer.step();
        }
        model.eval();
        var x = torch.randn(5, 6);
        var (pth, json) = (Path.Combine(_folder, "deel.pth"), Path.Combine(_folder, "case.json"));
        pytorch.save_deel_torchlip(model, pth);
        using (torch.no_grad()) InteropFixture.WriteCase(json, x, model.call(x));
        var (code, output) = InteropFixture.Run(python!, pythonPath, $"\"{InteropFixture.Path("check_files.py")}\" deel \"{pth}\" \"{json}\"", 300);
        _output.WriteLine(output);
        Assert.True(code == 0, output);
        Assert.Contains("deel-torchlip pth: max", output);
    }
}
