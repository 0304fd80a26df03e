using System;

namespace TorchLip.Bench.Suites;

/// <summary>How long each part runs: the default plan takes a couple of minutes, <c>--quick</c> about 30 s.</summary>
/// <param name="ExtraRounds">Rounds added at most to replace rounds that other processes disturbed.</param>
/// <param name="LipschitzWarmup">Lipschitz training steps before section (a)'s timed rounds: at least one epoch of the
/// tutorial's data, so that the warm start is past its early transient (two Björck steps per training step on the
/// first layer, one afterwards) and the rounds measure the steady state.</param>
/// <param name="TrainingTurns">Chunks a training round is cut into, Lipschitz and plain taking turns (see
/// <see cref="Interleaved.Alternating"/>).</param>
/// <param name="JobRuns">Times the tutorial job runs; section (c) reports the run of median wall time (this machine's
/// speed drifts by tens of percent within a minute, and one run of the job lasts about ten seconds).</param>
/// <param name="WidthWarmup">Lipschitz training steps before section (d)'s rounds, at most; the warm-up also stops
/// once <paramref name="WidthWarmupLimit"/> has passed (wide layers are slow and stay longer in the transient).</param>
internal sealed record BenchPlan(
    int Rounds, int ExtraRounds,
    int LipschitzWarmup, int LipschitzSteps,
    int PlainWarmup, int PlainSteps, int TrainingTurns,
    TimeSpan InferenceRound,
    int WidthWarmup, TimeSpan WidthWarmupLimit, int WidthMinSteps, int WidthRounds, TimeSpan WidthRound,
    int? JobEpochs, int JobRuns)
{
    /// <summary>Training steps in one epoch of the tutorial's data, rounded up: 11 774 / 128 = 91.98.</summary>
    public const int TutorialEpochSteps = 92;

    public static BenchPlan For(bool quick) => quick
        ? new BenchPlan(1, 0, TutorialEpochSteps, 30, 150, 150, 30, TimeSpan.FromSeconds(0.3),
            1, TimeSpan.Zero, 1, 1, TimeSpan.FromSeconds(0.4), JobEpochs: 1, JobRuns: 1)
        : new BenchPlan(7, 4, 2 * TutorialEpochSteps, 150, 300, 300, 150, TimeSpan.FromSeconds(1.0),
            TutorialEpochSteps, TimeSpan.FromSeconds(3), 3, 2, TimeSpan.FromSeconds(1.5), JobEpochs: null, JobRuns: 3);
}
