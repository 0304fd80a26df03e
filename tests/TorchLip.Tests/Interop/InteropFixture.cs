using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Tests.Interop;

/// <summary>The fixtures of Interop/Fixtures (written by make_fixtures.py) and the Python that checks our files.</summary>
internal static class InteropFixture
{
    public static string Path(string file) => System.IO.Path.Combine(AppContext.BaseDirectory, "Interop", "Fixtures", file);

    public static JsonElement Json(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path(file)));
        return doc.RootElement.Clone();
    }

    /// <summary>A tensor stored as {shape, dtype, data}.</summary>
    public static Tensor Tensor(JsonElement t)
    {
        var shape = t.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()).ToArray();
        var data = t.GetProperty("data").EnumerateArray().Select(x => x.GetDouble()).ToArray();
        return t.GetProperty("dtype").GetString() switch
        {
            "float32" => torch.tensor(data.Select(x => (float)x).ToArray(), shape),
            "float64" => torch.tensor(data, shape),
            var d => throw new FormatException($"dtype {d}"),
        };
    }

    /// <summary>Writes {"x": x, "output": output} for check_files.py (float32 values written as doubles, exactly).</summary>
    public static void WriteCase(string path, Tensor x, Tensor output)
    {
        static object Json(Tensor t) => new
        {
            shape = t.shape,
            dtype = t.dtype == ScalarType.Float64 ? "float64" : "float32",
            data = t.detach().to_type(ScalarType.Float64).contiguous().data<double>().ToArray(),
        };
        File.WriteAllText(path, JsonSerializer.Serialize(new { x = Json(x), output = Json(output) }));
    }

    /// <summary>max |a − b| in float64.</summary>
    public static double MaxDifference(Tensor a, Tensor b) =>
        a.to_type(ScalarType.Float64).sub(b.to_type(ScalarType.Float64)).abs().max().item<double>();

    /// <summary>
    /// /usr/bin/python3 (or python3 on the path) when it imports torch; with <paramref name="deelTorchlip"/>, also
    /// deel-torchlip 1.0.5 from ../shared/peer (beside the repository) or DEEL_TORCHLIP_PATH. Null with the reason otherwise.
    /// </summary>
    public static (string? Python, string? PythonPath, string? Missing) FindPython(bool deelTorchlip)
    {
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        string? pythonPath = null;
        if (deelTorchlip)
        {
            var candidates = new[]
            {
                Environment.GetEnvironmentVariable("DEEL_TORCHLIP_PATH"),
                System.IO.Path.Combine(Support.RepositoryPaths.Root, "..", "shared", "peer", "deel-torchlip-1.0.5"),
            };
            pythonPath = candidates.FirstOrDefault(c => !string.IsNullOrEmpty(c) && Directory.Exists(System.IO.Path.Combine(c, "deel", "torchlip")));
            if (pythonPath is null) return (null, null, "deel-torchlip 1.0.5 was not found (set DEEL_TORCHLIP_PATH to its source folder)");
        }
        var (code, output) = Run(python, pythonPath, "-c \"import torch" + (deelTorchlip ? ", deel.torchlip" : "") + "\"", 120);
        return code == 0 ? (python, pythonPath, null) : (null, null, $"{python} cannot import torch{(deelTorchlip ? " and deel.torchlip" : "")}: {output.Trim()}");
    }

    /// <summary>Runs Python; returns its exit code (−1 when it could not start) and its output.</summary>
    public static (int Code, string Output) Run(string python, string? pythonPath, string arguments, int timeoutSeconds)
    {
        var info = new ProcessStartInfo(python, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.Environment["OPENBLAS_NUM_THREADS"] = "1";
        info.Environment["OMP_NUM_THREADS"] = "1";
        if (pythonPath is not null) info.Environment["PYTHONPATH"] = pythonPath;
        try
        {
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeoutSeconds * 1000))
            {
                process.Kill(entireProcessTree: true);
                return (-1, $"timed out after {timeoutSeconds} s");
            }
            return (process.ExitCode, stdout.Result + stderr.Result);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }
}
