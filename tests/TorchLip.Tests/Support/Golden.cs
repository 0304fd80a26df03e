using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace TorchLip.Tests.Support;

/// <summary>One case of the deel-torchlip golden files (see Golden/README.md).</summary>
public sealed class GoldenCase
{
    private readonly JsonElement _case;

    public GoldenCase(JsonElement element) => _case = element;

    public string Name => _case.GetProperty("name").GetString()!;

    public override string ToString() => Name;

    public Tensor Input(string key) => ToTensor(_case.GetProperty("inputs").GetProperty(key));

    public Tensor Expected(string key) => ToTensor(_case.GetProperty("expected").GetProperty(key));

    public Tensor Aux(string key) => ToTensor(_case.GetProperty("aux").GetProperty(key));

    public long ExpectedLong(string key) => _case.GetProperty("expected").GetProperty(key).GetInt64();

    public bool ExpectedBool(string key) => _case.GetProperty("expected").GetProperty(key).GetBoolean();

    public bool HasParam(string key) => _case.GetProperty("params").TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null;

    public double Param(string key) => Number(_case.GetProperty("params").GetProperty(key));

    public double[] ParamArray(string key) => _case.GetProperty("params").GetProperty(key).EnumerateArray().Select(Number).ToArray();

    private static double Number(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Number => e.GetDouble(),
        JsonValueKind.String => e.GetString() switch
        {
            "inf" => double.PositiveInfinity,
            "-inf" => double.NegativeInfinity,
            "nan" => double.NaN,
            var s => throw new FormatException($"not a number: {s}"),
        },
        _ => throw new FormatException($"not a number: {e}"),
    };

    private static Tensor ToTensor(JsonElement t)
    {
        var shape = t.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()).ToArray();
        var dtype = t.GetProperty("dtype").GetString();
        var data = t.GetProperty("data").EnumerateArray().Select(Number).ToArray();
        return dtype switch
        {
            "float32" => torch.tensor(data.Select(x => (float)x).ToArray(), shape),
            "float64" => torch.tensor(data, shape),
            "int64" => torch.tensor(data.Select(x => (long)x).ToArray(), shape),
            _ => throw new FormatException($"dtype {dtype}"),
        };
    }
}

/// <summary>Loads the golden files copied from ../shared/golden into the test data.</summary>
public static class Golden
{
    private static readonly Dictionary<string, Dictionary<string, GoldenCase>> Files = new();

    public static GoldenCase Case(string file, string name)
    {
        lock (Files)
        {
            if (!Files.TryGetValue(file, out var cases))
            {
                var path = Path.Combine(AppContext.BaseDirectory, "Golden", file);
                using var doc = JsonDocument.Parse(File.ReadAllText(path));
                cases = doc.RootElement.GetProperty("cases").EnumerateArray()
                    .Select(e => new GoldenCase(e.Clone())).ToDictionary(c => c.Name);
                Files[file] = cases;
            }
            return cases.TryGetValue(name, out var c) ? c : throw new KeyNotFoundException($"{file}: no case {name}");
        }
    }

    public static IEnumerable<object[]> Names(string file, Func<string, bool> filter)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Golden", file);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty("cases").EnumerateArray()
            .Select(e => e.GetProperty("name").GetString()!).Where(filter).Select(n => new object[] { n }).ToList();
    }

    /// <summary>|actual − expected| ≤ atol + rtol·|expected| elementwise, with a message naming the worst element.</summary>
    public static void AssertClose(Tensor expected, Tensor actual, double rtol, double atol, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        var e = expected.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
        var a = actual.detach().to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
        for (int i = 0; i < e.Length; i++)
        {
            double limit = atol + rtol * Math.Abs(e[i]);
            if (!(Math.Abs(a[i] - e[i]) <= limit))
                Assert.Fail($"{what}: element {i}: expected {e[i]:R}, got {a[i]:R} (|diff| {Math.Abs(a[i] - e[i]):E2} > {limit:E2})");
        }
    }
}
