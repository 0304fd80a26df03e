using System;
using System.IO;
using TorchLip.Tests.Cli;
using TorchLip.Training;
using TorchLip.Training.Metrics;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchLip.torchlip;
using static TorchSharp.torch;

namespace TorchLip.Tests.Training;

/// <summary>
/// 10 000 training steps of the tutorial network with no collector call anywhere: the resident size after step 1 000
/// (past the warm-up of allocator and JIT) may not grow by more than 5 %. A bounded run (about half a minute), not a timed test.
/// </summary>
[Collection(SoloCollection.Name)]
[Trait("Category", "Slow")]
public class TrainerMemoryTests
{
    private readonly ITestOutputHelper _log;

    public TrainerMemoryTests(ITestOutputHelper log) => _log = log;

    private static double ResidentMb()
    {
        // /proc/self/statm: size resident shared ... in pages.
        var fields = File.ReadAllText("/proc/self/statm").Split(' ');
        return long.Parse(fields[1]) * Environment.SystemPageSize / (1024.0 * 1024.0);
    }

    [Fact]
    public void TenThousandStepsKeepTheResidentSizeFlat()
    {
        torch.set_num_threads(1);
        manual_seed(0);
        using var x = rand(2048, 1, 28, 28);
        using var y = where(rand(2048, 1) < 0.5, 1f, -1f);
        using var model = TutorialNetwork.Create(28 * 28);
        using var optimizer = torchlip.Adam(model.parameters(), lr: 1e-3);
        var trainer = new Trainer(model, optimizer, (o, t) => hkr_loss(o, t, 10, 1), new IMetric[] { new KRMetric(), new BinaryAccuracy() });
        using var batches = new BatchIterator(x, y, 32, seed: 1);   // 64 steps per epoch

        double atStep1000 = 0, peakAfter = 0;
        long step = 0;
        trainer.Fit(batches, 157, onStep: _ =>   // 157 × 64 = 10 048 steps
        {
            step++;
            if (step == 1000) atStep1000 = ResidentMb();
            else if (step > 1000 && step % 500 == 0) peakAfter = Math.Max(peakAfter, ResidentMb());
        });
        double end = ResidentMb();
        peakAfter = Math.Max(peakAfter, end);
        _log.WriteLine($"{step} steps; RSS at step 1000: {atStep1000:0.0} MB, highest after: {peakAfter:0.0} MB, at the end: {end:0.0} MB");

        Assert.True(step >= 10_000);
        Assert.True(peakAfter <= atStep1000 * 1.05, $"RSS grew from {atStep1000:0.0} MB at step 1000 to {peakAfter:0.0} MB");
    }
}
