using System;
using System.Collections.Generic;
using System.Diagnostics;
using TorchLip.Bench.Machine;
using TorchLip.Bench.Report;
using TorchLip.Bench.Workloads;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Bench.Suites;

/// <summary>Inference throughput at one batch size, the Lipschitz network in eval mode vs its plain export.</summary>
internal sealed record InferenceRow(long BatchSize, Rates Lipschitz, Rates Exported)
{
    /// <summary>Lipschitz eval / exported: the median of the paired round ratios (see <see cref="Rates.PairedRatio"/>).</summary>
    public double Ratio => Rates.PairedRatio(Lipschitz, Exported);

    /// <summary>Lipschitz eval / exported from each side's median round, for comparison.</summary>
    public double RatioOfMedians => Lipschitz.MedianPerSecond / Exported.MedianPerSecond;
}

/// <summary>(b) inference throughput, and how far the export's outputs are from the eval-mode network's.</summary>
internal sealed record InferenceResult(IReadOnlyList<InferenceRow> Rows, double ExportMaxAbsDiff, double ForeignCores)
{
    /// <summary>The batch-128 ratio, the headline figure.</summary>
    public double Ratio => Rows[0].Ratio;
}

internal static class InferenceSuite
{
    public static readonly long[] BatchSizes = { 128, 1954 };

    public static InferenceResult Run(TrainingData data, BenchPlan plan)
    {
        var monitor = CpuMonitor.Start();
        using var network = Networks.Lipschitz();
        network.eval();
        using var exported = network.vanilla_export();
        exported.eval();
        double diff = MaxAbsDiff(network, exported, data.Images.narrow(0, 0, BatchSizes[^1]));

        var rows = new List<InferenceRow>();
        foreach (long batch in BatchSizes)
        {
            Pass(network, data.Images, batch);    // warm-up (the eval weights are computed and cached here)
            Pass(exported, data.Images, batch);
            var row = new InferenceRow(batch, new Rates(), new Rates());
            // Turns of one batch each: both models run the same batches, a millisecond apart, so the machine's speed
            // changes reach both alike (with turns of a whole pass, 2-s rounds of two identical workloads ranged over 0.86-1.18).
            var lipschitz = new BatchCursor(data.Images, batch);
            var plain = new BatchCursor(data.Images, batch);
            Interleaved.Alternating(plan.Rounds, plan.ExtraRounds, 1, 2 * plan.InferenceRound,
                (row.Lipschitz, () => lipschitz.Next(network)),
                (row.Exported, () => plain.Next(exported)));
            rows.Add(row);
        }
        return new InferenceResult(rows, diff, monitor.ForeignCores());
    }

    /// <summary>One pass over the data in whole batches; returns the number of samples seen.</summary>
    private static long Pass(nn.Module<Tensor, Tensor> model, Tensor images, long batch)
    {
        using var noGrad = torch.no_grad();
        long n = images.shape[0] / batch * batch;
        for (long start = 0; start < n; start += batch)
        {
            using var scope = torch.NewDisposeScope();
            model.call(images.narrow(0, start, batch));
        }
        return n;
    }

    /// <summary>Walks the data batch by batch (whole batches only), starting over at the end.</summary>
    private sealed class BatchCursor(Tensor images, long batch)
    {
        private readonly long _end = images.shape[0] / batch * batch;
        private long _start;

        /// <summary>Runs <paramref name="model"/> on the next batch; returns its size.</summary>
        public long Next(nn.Module<Tensor, Tensor> model)
        {
            using (torch.no_grad())
            using (torch.NewDisposeScope())
                model.call(images.narrow(0, _start, batch));
            _start = (_start + batch) % _end;
            return batch;
        }
    }

    private static double MaxAbsDiff(nn.Module<Tensor, Tensor> a, nn.Module<Tensor, Tensor> b, Tensor x)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        return (a.call(x) - b.call(x)).abs().max().to_type(ScalarType.Float64).item<double>();
    }
}
