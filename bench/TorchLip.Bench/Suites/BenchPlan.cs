using System;

namespace TorchLip.Bench.Suites;

/// <summary>How long each part runs: the default plan takes a couple of minutes, <c>--quick</c> about 30 s.</summary>
/// <param name="ExtraRounds">Rounds added at most to replace rounds that other processes disturbed.</param>
internal sealed record BenchPlan(
    int Rounds, int ExtraRounds,
    int LipschitzWarmup, int LipschitzSteps,
    int PlainWarmup, int PlainSteps,
    TimeSpan InferenceRound,
    int WidthWarmup, int WidthMinSteps, int WidthRounds, TimeSpan WidthRound,
    int? JobEpochs)
{
    public static BenchPlan For(bool quick) => quick
        ? new BenchPlan(1, 0, 5, 30, 20, 150, TimeSpan.FromSeconds(0.3), 1, 1, 1, TimeSpan.FromSeconds(0.4), JobEpochs: 1)
        : new BenchPlan(5, 4, 60, 150, 300, 1000, TimeSpan.FromSeconds(1.0), 2, 3, 2, TimeSpan.FromSeconds(1.5), JobEpochs: null);
}
