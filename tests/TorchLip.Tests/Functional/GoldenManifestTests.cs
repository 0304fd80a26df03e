using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace TorchLip.Tests.Functional;

/// <summary>The golden manifest describes exactly the files the repository carries, with their case counts.</summary>
public class GoldenManifestTests
{
    [Fact]
    public void EveryListedFileIsPresentWithItsCaseCountAndEveryPresentFileIsListed()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "Golden");
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "manifest.json")));
        var listed = manifest.RootElement.GetProperty("files").EnumerateArray()
            .Select(f => (File: f.GetProperty("file").GetString()!, Cases: f.GetProperty("cases").GetInt32())).ToList();

        int total = 0;
        foreach (var (file, cases) in listed)
        {
            var path = Path.Combine(folder, file);
            Assert.True(File.Exists(path), $"manifest.json lists {file}, which is not in tests/TorchLip.Tests/Golden");
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            Assert.Equal(cases, doc.RootElement.GetProperty("cases").GetArrayLength());
            total += cases;
        }
        Assert.Equal(manifest.RootElement.GetProperty("total_cases").GetInt32(), total);

        var present = Directory.GetFiles(folder, "*.json").Select(Path.GetFileName).Where(n => n != "manifest.json").Order();
        Assert.Equal(listed.Select(l => l.File).Order(), present);
    }
}
