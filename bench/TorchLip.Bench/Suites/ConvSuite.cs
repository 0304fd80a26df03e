using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using TorchLip.Bench.Machine;
using TorchLip.Bench.Report;
using TorchLip.Bench.Workloads;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Bench.Suites;

/// <summary>How long the convolutional suite runs (default about a minute and a half with the Python pair, --quick ~25 s).</summary>
internal sealed record ConvPlan(int Rounds, int ExtraRounds, TimeSpan RoundTime, TimeSpan InferenceRound, int Warmup,
    int PeerRuns, int PeerSteps, TimeSpan OursPerPeerRun)
{
    public static ConvPlan For(bool quick) => quick
        ? new ConvPlan(1, 0, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(0.5), 5, 1, 10, TimeSpan.FromSeconds(2))
        : new ConvPlan(5, 2, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1), 10, 2, 20, TimeSpan.FromSeconds(5));
}

/// <summary>One side-by-side run of the Python library's script against our Lipschitz network's training.</summary>
internal sealed record PeerRun(double OursStepsPerSecond, double PeerLipschitz, double PeerPlain, double PeerInference, double WallSeconds)
{
    public double Ratio => OursStepsPerSecond / PeerLipschitz;
}

/// <summary>The Python pair: ran, or skipped with the reason.</summary>
internal sealed record PeerResult(string Status, string Message, IReadOnlyList<PeerRun> Runs)
{
    /// <summary>Our Lipschitz steps/s over Python's, median over the alternated runs.</summary>
    public double Ratio => Runs.Count == 0 ? double.NaN : Rates.Median(Runs.Select(r => r.Ratio));
}

/// <summary>(e) the convolutional network: training of the Lipschitz network and two plain twins, inference, the Python pair.</summary>
internal sealed record ConvResult(
    string Loss, Rates Lipschitz, Rates PlainA, Rates PlainB, Rates InferLipschitz, Rates InferExported,
    double ExportMaxAbsDiff, double GroupSortMs, double PlainAStepMs, PeerResult Peer, double ForeignCores)
{
    public double RatioTwinB => Rates.PairedRatio(Lipschitz, PlainB);
    public double RatioTwinA => Rates.PairedRatio(Lipschitz, PlainA);
    public double InferRatio => Rates.PairedRatio(InferLipschitz, InferExported);
}

internal static class ConvSuite
{
    public const int BatchSize = 100;
    public const int Batches = 8;
    public const double LearningRate = 1e-3;

    /// <summary>The loss, the notebook's and the Python side's.</summary>
    public const string Loss = "loss: LseHKRMulticlassLoss(alpha 0.9, min_margin 1, temperature 10) on one-hot targets, as the Python side";

    /// <summary>shared/peer beside the checkout (../shared/peer from the repository root), found from the working directory up.</summary>
    public static string DefaultPeerDir
    {
        get
        {
            for (var dir = new System.IO.DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = System.IO.Path.Combine(dir.FullName, "shared", "peer");
                if (System.IO.Directory.Exists(candidate)) return candidate;
            }
            return System.IO.Path.GetFullPath(System.IO.Path.Combine(Environment.CurrentDirectory, "..", "shared", "peer"));
        }
    }
    public const string Python = "/usr/bin/python3";

    public static ConvResult Run(ConvPlan plan, int threads)
    {
        var monitor = CpuMonitor.Start();
        Console.WriteLine("    " + Loss);
        using var data = new ConvData(BatchSize * Batches);
        using var lipschitz = ConvNetworks.Lipschitz();
        using var plainA = ConvNetworks.PlainA();
        using var plainB = ConvNetworks.PlainB();
        var loops = new[] { new ConvLoop(lipschitz, data), new ConvLoop(plainA, data), new ConvLoop(plainB, data) };
        foreach (var loop in loops) loop.Run(plan.Warmup);

        var rates = new[] { new Rates(), new Rates(), new Rates() };
        // One step each per turn, the order reversed every other turn (see Interleaved.Alternating).
        Interleaved.Alternating(plan.Rounds, plan.ExtraRounds, 1, plan.RoundTime,
            (rates[0], () => loops[0].Run(1)), (rates[1], () => loops[1].Run(1)), (rates[2], () => loops[2].Run(1)));

        // GroupSort2 on the first activation's shape, forward and backward, against a whole step of twin A.
        var activation = torch.randn(BatchSize, 16, 28, 28);
        var upstream = torch.randn(BatchSize, 16, 28, 28);
        var timings = Timing.Interleaved(new Action[]
        {
            () => torchlip.group_sort_2(activation.detach().requires_grad_(true)).mul(upstream).sum().backward(),
            () => loops[1].Run(1),
        }, TimeSpan.FromSeconds(plan.RoundTime.TotalSeconds / 2));

        // Inference: eval mode against the plain export, batch by batch over the same data.
        lipschitz.eval();
        using var exported = lipschitz.vanilla_export();
        exported.eval();
        double diff = MaxAbsDiff(lipschitz, exported, data.Images.narrow(0, 0, BatchSize));
        var inferL = new Rates();
        var inferE = new Rates();
        var cursorL = new Cursor(data.Images);
        var cursorE = new Cursor(data.Images);
        cursorL.Next(lipschitz);
        cursorE.Next(exported);
        Interleaved.Alternating(plan.Rounds, plan.ExtraRounds, 1, 2 * plan.InferenceRound,
            (inferL, () => cursorL.Next(lipschitz)), (inferE, () => cursorE.Next(exported)));
        lipschitz.train();

        var peer = RunPeer(plan, loops[0]);
        foreach (var loop in loops) loop.Dispose();
        return new ConvResult(Loss, rates[0], rates[1], rates[2], inferL, inferE, diff, timings[0], timings[1], peer, monitor.ForeignCores());
    }

    /// <summary>
    /// Alternates our Lipschitz training (<see cref="ConvPlan.OursPerPeerRun"/>) with one run of the Python library's
    /// <c>peer_conv_step.py</c> (its own best setting: one torch thread, one OpenBLAS thread), <see cref="ConvPlan.PeerRuns"/> times.
    /// </summary>
    private static PeerResult RunPeer(ConvPlan plan, ConvLoop ours)
    {
        string dir = Environment.GetEnvironmentVariable("TORCHLIP_PEER_DIR") ?? DefaultPeerDir;
        string script = Path.Combine(dir, "peer_conv_step.py"), package = Path.Combine(dir, "deel-torchlip-1.0.5");
        if (!File.Exists(script) || !Directory.Exists(package))
            return Skipped($"the peer folder is absent ({script} and {package} needed; set TORCHLIP_PEER_DIR)");
        if (!File.Exists(Python)) return Skipped($"{Python} is absent");
        var probe = ChildProcessRun.Run(Python, new[] { "-c", "import torch" });
        if (probe.ExitCode != 0)
            return Skipped($"{Python} cannot import torch (install Debian's python3-torch): {LastLine(probe.OutputTail)}");

        var runs = new List<PeerRun>();
        for (int i = 0; i < plan.PeerRuns; i++)
        {
            using (var scope = torch.NewDisposeScope())
            {
                var watch = Stopwatch.StartNew();
                long steps = ours.RunFor(plan.OursPerPeerRun);
                double oursRate = steps / watch.Elapsed.TotalSeconds;
                Console.WriteLine(FormattableString.Invariant($"    ours: {oursRate:F2} Lipschitz steps/s; running the Python library's script ..."));
                var child = ChildProcessRun.Run("/usr/bin/env", new[]
                {
                    "OPENBLAS_NUM_THREADS=1", "OMP_NUM_THREADS=1", "PYTHONPATH=" + package, Python, script,
                    "--threads", "1", "--steps", plan.PeerSteps.ToString(CultureInfo.InvariantCulture),
                });
                var train = Regex.Match(child.OutputTail, @"train steps/s: lipschitz ([0-9.]+) plain ([0-9.]+)");
                var infer = Regex.Match(child.OutputTail, @"eval samples/s: lipschitz ([0-9.]+)");
                if (child.ExitCode != 0 || !train.Success)
                    return new PeerResult("failed", $"peer_conv_step.py exited with {child.ExitCode}: {LastLine(child.OutputTail)}", runs);
                double Num(Group g) => double.Parse(g.Value, CultureInfo.InvariantCulture);
                var run = new PeerRun(oursRate, Num(train.Groups[1]), Num(train.Groups[2]), infer.Success ? Num(infer.Groups[1]) : double.NaN, child.WallSeconds);
                Console.WriteLine(FormattableString.Invariant($"    Python: {run.PeerLipschitz:F2} Lipschitz steps/s, {run.PeerPlain:F2} plain ({child.WallSeconds:F0} s)"));
                runs.Add(run);
            }
        }
        return new PeerResult("ok", "deel-torchlip 1.0.5 on Debian's PyTorch, 1 torch thread, OPENBLAS_NUM_THREADS=1 (its fastest setting here)", runs);
    }

    private static PeerResult Skipped(string why)
    {
        Console.WriteLine("    Python pair skipped: " + why);
        return new PeerResult("skipped", why, Array.Empty<PeerRun>());
    }

    private static string LastLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";

    private static double MaxAbsDiff(nn.Module<Tensor, Tensor> a, nn.Module<Tensor, Tensor> b, Tensor x)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        return a.call(x).sub(b.call(x)).abs().max().to_type(ScalarType.Float64).item<double>();
    }

    /// <summary>Random inputs, uniform on [0, 1), and 10 random classes as one-hot rows.</summary>
    private sealed class ConvData : IDisposable
    {
        public ConvData(long count)
        {
            var generator = new torch.Generator(20261204);
            Images = torch.rand(new[] { count, 1L, 28, 28 }, generator: generator);
            Classes = torch.randint(ConvNetworks.Classes, new[] { count }, generator: generator);
            OneHot = nn.functional.one_hot(Classes, ConvNetworks.Classes).to_type(ScalarType.Float32);
        }

        public Tensor Images { get; }
        public Tensor Classes { get; }
        public Tensor OneHot { get; }

        public void Dispose()
        {
            Images.Dispose();
            Classes.Dispose();
            OneHot.Dispose();
        }
    }

    /// <summary>Batch-100 training steps over the data in order, Adam 1e-3, one dispose scope per step.</summary>
    private sealed class ConvLoop : IDisposable
    {
        private readonly nn.Module<Tensor, Tensor> _model;
        private readonly ConvData _data;
        private readonly optim.Optimizer _optimizer;
        private readonly TorchLip.Modules.LseHKRMulticlassLoss _loss = torchlip.LseHKRMulticlassLoss(alpha: 0.9, min_margin: 1.0, temperature: 10.0);
        private long _steps;

        public ConvLoop(nn.Module<Tensor, Tensor> model, ConvData data)
        {
            _model = model;
            _data = data;
            _model.train();
            _optimizer = torchlip.Adam(model.parameters(), lr: LearningRate);
        }

        public long Run(int steps)
        {
            for (int i = 0; i < steps; i++) Step();
            return steps;
        }

        public long RunFor(TimeSpan time)
        {
            var watch = Stopwatch.StartNew();
            long n = 0;
            while (n < 1 || watch.Elapsed < time) { Step(); n++; }
            return n;
        }

        private void Step()
        {
            using (var scope = torch.NewDisposeScope())
            {
                long start = _steps % Batches * BatchSize;
                _optimizer.zero_grad();
                var logits = _model.call(_data.Images.narrow(0, start, BatchSize));
                _loss.call(logits, _data.OneHot.narrow(0, start, BatchSize)).backward();
                _optimizer.step();
            }
            // TorchSharp's optimizers leave native Scalars that only finalizers free.
            if (++_steps % 50 == 0) GC.Collect();
        }

        public void Dispose()
        {
            _optimizer.Dispose();
            _loss.Dispose();
        }
    }

    private sealed class Cursor(Tensor images)
    {
        private long _start;

        public long Next(nn.Module<Tensor, Tensor> model)
        {
            using (torch.no_grad())
            using (torch.NewDisposeScope())
                model.call(images.narrow(0, _start, BatchSize));
            _start = (_start + BatchSize) % images.size(0);
            return BatchSize;
        }
    }
}
