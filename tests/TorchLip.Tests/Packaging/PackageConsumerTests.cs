using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Xml.Linq;
using Xunit;
using Xunit.Abstractions;

namespace TorchLip.Tests.Packaging;

/// <summary>
/// TorchLip as a user gets it: packs src/TorchLip (and src/TorchLip.Data) into a temporary feed, then builds and runs,
/// outside the repository (no Directory.Build.* of ours above them), a fresh console project made with the README's
/// commands and copies of examples/DenseClassifier and examples/CertifyMnist08, on the packages and
/// libtorch-cpu-linux-x64.
/// </summary>
[Collection(Cli.SoloCollection.Name)]
public sealed class PackageConsumerTests : IDisposable
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(4);
    private readonly ITestOutputHelper _output;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "torchlip-consumer-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly string _version = "0.1.0-consumer" + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);

    public PackageConsumerTests(ITestOutputHelper output) => _output = output;

    /// <summary>The program the README's "Use it in your project" section shows is the example's; this one is shorter.</summary>
    private const string TrainingProgram = """
        using TorchSharp;
        using static TorchLip.torchlip;

        var model = Sequential(SpectralLinear(8, 16), FullSort(), FrobeniusLinear(16, 1));
        torch.manual_seed(1);
        torch.set_num_threads(1);
        var y = torch.randint(0, 2, 256).to_type(torch.float32) * 2 - 1;
        var x = torch.randn(256, 8) + 0.5f * y.unsqueeze(1);
        var opt = Adam(model.parameters(), lr: 1e-2);
        for (int step = 0; step < 40; step++)
        {
            using var scope = torch.NewDisposeScope();
            var loss = hkr_loss(model.call(x).squeeze(-1), y, alpha: 10, min_margin: 1);
            opt.zero_grad(); loss.backward(); opt.step();
        }
        model.eval();
        Console.WriteLine($"lipschitz_estimate: {lipschitz_pairwise_estimate(model, x[..128]):F6}");
        Console.WriteLine($"max_singular_value: {layer_singular_values(model).Max(l => l.Max):F7}");
        """;

    /// <summary>
    /// The commands that make a new project on the package, as the README shows them (with its feed path and version):
    /// the first runs in the parent folder, the others in the project's.
    /// </summary>
    /// <param name="feed">The local feed (a path without spaces).</param>
    /// <param name="version">The packed version.</param>
    public static IReadOnlyList<string> NewProjectCommands(string feed, string version) => new[]
    {
        "new console -o app",
        "new nugetconfig",   // <clear/> and nuget.org, the registry the repository restores from
        $"nuget add source {feed} --name torchlip-local --configfile nuget.config",
        $"add package TorchLip --version {version}",
        "add package libtorch-cpu-linux-x64 --version 2.10.0",
    };

    /// <summary>
    /// torchlip.Adam's steps, over and over, next to a thread that collects all the time. TorchSharp's own Adam
    /// died within 1.4-1.8 s in this program (three runs: "Expected false to be true ... Scalar.h:140"), and so did a
    /// first version of ours that called add_(Scalar), whose alpha TorchSharp makes implicitly.
    /// </summary>
    private const string CollectorProgram = """
        using TorchSharp;
        using static TorchLip.torchlip;

        var model = Sequential(SpectralLinear(6, 8), FullSort(), FrobeniusLinear(8, 1));
        torch.set_num_threads(1);
        using var adam = Adam(model.parameters(), lr: 1e-6);
        var x = torch.randn(32, 6);
        hkr_loss(model.call(x).squeeze(-1), torch.sign(x[torch.TensorIndex.Colon, 0]), alpha: 10).backward();
        var stop = false;
        var collector = new Thread(() => { while (!Volatile.Read(ref stop)) { GC.Collect(); GC.WaitForPendingFinalizers(); } });
        collector.Start();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long steps = 0;
        while (clock.Elapsed.TotalSeconds < double.Parse(args[0])) { using var scope = torch.NewDisposeScope(); adam.step(); steps++; }
        Volatile.Write(ref stop, true);
        collector.Join();
        Console.WriteLine($"steps_beside_collector: {steps}");
        """;

    [Fact]
    [Trait("Category", "Slow")]
    public void APackedTorchLipTrainsACertifiedNetworkInAFreshProjectAndTheExample()
    {
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess) return;   // the backend package is linux-x64
        var repo = Support.RepositoryPaths.Root;
        var feed = Path.Combine(_root, "feed");
        Directory.CreateDirectory(feed);

        // 1. Pack the library, as the README says, with a version of its own (so no cached 0.1.0 is reused).
        Pack(repo, feed, "TorchLip");
        Assert.True(File.Exists(Path.Combine(feed, $"TorchLip.{_version}.snupkg")));
        using (var package = ZipFile.OpenRead(Path.Combine(feed, $"TorchLip.{_version}.nupkg")))
        {
            var nuspec = XDocument.Load(package.GetEntry("TorchLip.nuspec")!.Open());
            var dependencies = nuspec.Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => (string)e.Attribute("id")!).ToList();
            Assert.Equal(new[] { "TorchSharp" }, dependencies);   // the backend is the user's choice
            foreach (var entry in new[] { "README.md", "LICENSE", "lib/net10.0/TorchLip.dll", "lib/net10.0/TorchLip.xml",
                         "build/TorchLip.targets", "buildTransitive/TorchLip.targets" })
                Assert.NotNull(package.GetEntry(entry));
        }

        // 2. A fresh console project, outside the repository, with the README's commands.
        var app = Path.Combine(_root, "app");
        var commands = NewProjectCommands(feed, _version);
        Dotnet(_root, commands[0]);
        foreach (var command in commands.Skip(1)) Dotnet(app, command);
        var csproj = Path.Combine(app, "app.csproj");
        File.WriteAllText(csproj, File.ReadAllText(csproj).Replace("</PropertyGroup>",
            "  <RuntimeIdentifier>linux-x64</RuntimeIdentifier>\n  </PropertyGroup>"));
        File.WriteAllText(Path.Combine(app, "Program.cs"), TrainingProgram);
        AssertCertified(Dotnet(app, "run -c Release"));
        File.WriteAllText(Path.Combine(app, "Program.cs"), CollectorProgram);
        Assert.True(Figure(Dotnet(app, "run -c Release -- 8"), "steps_beside_collector") >= 2000);

        // 3. examples/DenseClassifier, copied out of the repository and pointed at this feed.
        var example = CopyExample(repo, "DenseClassifier", feed, "TorchLip");
        var output = Dotnet(example, "run -c Release");
        AssertCertified(output);
        var accuracy = Figure(output, "accuracy");
        Assert.InRange(accuracy, 0.7, 1.0);
    }

    [Fact]
    [Trait("Category", "Slow")]
    [Trait("Category", "Network")]   // MNIST, fetched on first use (the real-data tests share the cache)
    [Trait("Category", "RealData")]
    public void TheMnistExampleOnTheDataPackageAloneTrainsAndNoAttackBeatsItsCertificates()
    {
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess) return;
        var repo = Support.RepositoryPaths.Root;
        var feed = Path.Combine(_root, "feed");
        Directory.CreateDirectory(feed);
        Pack(repo, feed, "TorchLip");
        Pack(repo, feed, "TorchLip.Data");
        using (var package = ZipFile.OpenRead(Path.Combine(feed, $"TorchLip.Data.{_version}.nupkg")))
        {
            var nuspec = XDocument.Load(package.GetEntry("TorchLip.Data.nuspec")!.Open());
            var dependencies = nuspec.Descendants().Where(e => e.Name.LocalName == "dependency")
                .Select(e => $"{(string)e.Attribute("id")!} {(string)e.Attribute("version")!}").ToList();
            Assert.Equal(new[] { $"TorchLip {_version}" }, dependencies);
            Assert.NotNull(package.GetEntry("lib/net10.0/TorchLip.Data.xml"));
        }

        // The example references TorchLip.Data (and the backend) only: TorchLip and its build step come through it.
        var example = CopyExample(repo, "CertifyMnist08", feed, "TorchLip.Data");
        Assert.DoesNotContain("Include=\"TorchLip\"", File.ReadAllText(Path.Combine(example, "CertifyMnist08.csproj")));
        var output = Dotnet(example, "run -c Release -- 3");   // 3 epochs instead of 10

        AssertCertified(output);
        Assert.Contains("train 11774 images, test 1954 images", output);
        double accuracy = Figure(output, "accuracy");
        Assert.InRange(accuracy, 0.98, 1.0);
        double previous = accuracy;
        foreach (var eps in new[] { "0.5", "1.0", "1.5", "2.0" })
        {
            double certified = Figure(output, Regex.Escape($"certified_accuracy(eps={eps})"));
            Assert.InRange(certified, 0.5, previous);
            previous = certified;
        }
        Assert.Matches(@"(?m)^attack_within_certificate_changed: 0 of 1954\s*$", output);
        var beyond = Regex.Match(output, @"(?m)^attack_within_twice_certificate_changed: (\d+) of 1954\s*$");
        Assert.True(beyond.Success && long.Parse(beyond.Groups[1].Value, CultureInfo.InvariantCulture) > 0,
            "with twice the room the attack should change some predictions (else it proves nothing):\n" + output);
    }

    [Theory]
    [Trait("Category", "Slow")]
    [InlineData("TorchLip.Onnx", "Google.Protobuf")]
    [InlineData("TorchLip.PyTorch", "TorchSharp,TorchSharp.PyBridge")]
    public void AnInteropPackageDependsOnTorchLipAndItsOwnLibrariesOnly(string project, string libraries)
    {
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess) return;
        var feed = Path.Combine(_root, "feed");
        Directory.CreateDirectory(feed);
        Pack(Support.RepositoryPaths.Root, feed, project);
        using var package = ZipFile.OpenRead(Path.Combine(feed, $"{project}.{_version}.nupkg"));
        var nuspec = XDocument.Load(package.GetEntry($"{project}.nuspec")!.Open());
        var dependencies = nuspec.Descendants().Where(e => e.Name.LocalName == "dependency")
            .ToDictionary(e => (string)e.Attribute("id")!, e => (string)e.Attribute("version")!);
        _output.WriteLine(string.Join(", ", dependencies.Select(d => $"{d.Key} {d.Value}")));
        Assert.Equal(new[] { "TorchLip" }.Concat(libraries.Split(',')).Order(), dependencies.Keys.Order());   // no build-time tool (Grpc.Tools)
        Assert.Equal(_version, dependencies["TorchLip"]);
        Assert.NotNull(package.GetEntry($"lib/net10.0/{project}.dll"));
        Assert.NotNull(package.GetEntry($"lib/net10.0/{project}.xml"));
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void TheToolPackageCarriesOneLibtorchAndItsInstallRuns()
    {
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess) return;
        var repo = Support.RepositoryPaths.Root;
        var feed = Path.Combine(_root, "feed");
        Directory.CreateDirectory(feed);
        Pack(repo, feed, "TorchLip.Cli");
        var package = Path.Combine(feed, $"TorchLip.Cli.{_version}.nupkg");
        using (var zip = ZipFile.OpenRead(package))
        {
            var natives = zip.Entries.Where(e => e.Name.EndsWith(".so", StringComparison.Ordinal) || e.Name.Contains(".so.", StringComparison.Ordinal))
                .Select(e => e.Name).ToList();
            Assert.Single(natives, n => n == "libtorch_cpu.so");
            Assert.Contains("libLibTorchSharp.so", natives);
            foreach (var unused in new[] { "libtorch_python.so", "libtorchbind_test.so", "libjitbackend_test.so" })
                Assert.DoesNotContain(unused, natives);
        }
        _output.WriteLine($"tool package: {new FileInfo(package).Length / 1e6:F1} MB");

        var tools = Path.Combine(_root, "tools");
        Dotnet(_root, $"tool install --tool-path \"{tools}\" --add-source \"{feed}\" TorchLip.Cli --version {_version}");
        var output = Run(Path.Combine(tools, "torchlip"), _root, $"moons --epochs 1 --samples 400 --batch-size 100 --output \"{Path.Combine(_root, "moons")}\"");
        Assert.Contains("Epoch 1/1", output);
        Assert.True(File.Exists(Path.Combine(_root, "moons", "report.json")), output);

        // export writes ONNX from the installed tool; certify opens it in ONNX Runtime (its natives shipped with the
        // tool) and refuses MNIST for a two-input model before loading any data.
        var onnx = Path.Combine(_root, "moons.onnx");
        output = Run(Path.Combine(tools, "torchlip"), _root, $"export \"{Path.Combine(_root, "moons")}\" --onnx \"{onnx}\"");
        Assert.True(File.Exists(onnx), output);
        var (code, refused) = RunAllowingFailure(Path.Combine(tools, "torchlip"), _root, $"certify \"{onnx}\" --data mnist08");
        Assert.Equal(2, code);
        Assert.Contains("takes samples of shape (2), but --data mnist08 has samples of shape (1, 28, 28)", refused);
    }

    private void Pack(string repo, string feed, string project)
    {
        Dotnet(repo, $"pack src/{project} -c Release -o \"{feed}\" -p:Version={_version}");
        Assert.True(File.Exists(Path.Combine(feed, $"{project}.{_version}.nupkg")));
    }

    /// <summary>Copies examples/<paramref name="name"/> out of the repository, pointed at <paramref name="feed"/> and the packed version.</summary>
    private string CopyExample(string repo, string name, string feed, string package)
    {
        var example = Path.Combine(_root, name);
        Directory.CreateDirectory(example);
        var source = Path.Combine(repo, "examples", name);
        foreach (var file in new[] { name + ".csproj", "Program.cs" })
            File.Copy(Path.Combine(source, file), Path.Combine(example, file));
        var project = Path.Combine(example, name + ".csproj");
        var text = File.ReadAllText(project);
        var reference = $"<PackageReference Include=\"{package}\" Version=\"0.1.0\" />";
        Assert.Contains(reference, text);
        Assert.DoesNotContain("ProjectReference", text);
        File.WriteAllText(project, text.Replace(reference, $"<PackageReference Include=\"{package}\" Version=\"{_version}\" />"));
        WriteNuGetConfig(example, feed);
        return example;
    }

    private void AssertCertified(string output)
    {
        var sigma = Figure(output, "max_singular_value");
        var estimate = Figure(output, "lipschitz_estimate");
        _output.WriteLine($"max_singular_value {sigma}, lipschitz_estimate {estimate}");
        Assert.InRange(sigma, 1 - 1e-5, 1 + 1e-5);
        Assert.InRange(estimate, 0.05, 1 + 1e-5);
    }

    private static double Figure(string output, string name)
    {
        var m = Regex.Match(output, "^" + name + @": ([-0-9.eE+]+)\s*$", RegexOptions.Multiline);
        Assert.True(m.Success, $"no '{name}:' line in:\n{output}");
        return double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static void WriteNuGetConfig(string folder, string feed)
    {
        // The temporary feed plus the registry the repository restores from (the user's configured nuget.org).
        File.WriteAllText(Path.Combine(folder, "NuGet.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
            </configuration>
            """);
    }


    /// <summary>
    /// Runs dotnet with no build servers or reused MSBuild nodes (a node left alive would hold the output pipe open and
    /// hang the test) and without the test host's MSBuild/VSTest environment; kills the whole tree on timeout.
    /// </summary>
    private string Dotnet(string workingDirectory, string arguments) => Run("dotnet", workingDirectory, arguments);

    private string Run(string program, string workingDirectory, string arguments)
    {
        var (code, all) = RunAllowingFailure(program, workingDirectory, arguments);
        Assert.True(code == 0, $"{program} {arguments} failed with {code} in {workingDirectory}:\n{all}");
        return all;
    }

    private (int Code, string Output) RunAllowingFailure(string program, string workingDirectory, string arguments)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var key in start.Environment.Keys.ToList())
            if (key.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || key.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("TESTINGPLATFORM", StringComparison.OrdinalIgnoreCase) || key == "DOTNET_HOST_PATH")
                start.Environment.Remove(key);
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["UseSharedCompilation"] = "false";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";

        var text = new StringBuilder();
        using var outDone = new ManualResetEventSlim();
        using var errDone = new ManualResetEventSlim();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is null) outDone.Set(); else lock (text) text.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is null) errDone.Set(); else lock (text) text.AppendLine(e.Data); };
        var clock = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(StepTimeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{program} {arguments} ran past {StepTimeout.TotalMinutes} min in {workingDirectory}:\n{text}");
        }
        outDone.Wait(TimeSpan.FromSeconds(10));
        errDone.Wait(TimeSpan.FromSeconds(10));
        string all;
        lock (text) all = text.ToString();
        _output.WriteLine($"$ {program} {arguments}   ({clock.Elapsed.TotalSeconds:F1} s, exit {process.ExitCode})");
        return (process.ExitCode, all);
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        // The test's own package version, extracted into the global packages folder, goes too.
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                    ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var id in new[] { "torchlip", "torchlip.data", "torchlip.cli" })
        {
            try { Directory.Delete(Path.Combine(cache, id, _version.ToLowerInvariant()), recursive: true); }
            catch (IOException) { } catch (UnauthorizedAccessException) { } catch (ArgumentException) { }
        }
    }
}
