using TorchLip.Bench.Machine;
using TorchLip.Bench.Suites;

namespace TorchLip.Bench.Report;

/// <summary>Everything one default run measured.</summary>
internal sealed record BenchResults(
    MachineInfo Machine, int Threads, bool Quick, BenchPlan Plan,
    double[] LoadBefore, double[] LoadAfter, double TotalSeconds,
    TrainingResult Training, InferenceResult Inference, JobResult Job, WidthResult Width, ConvResult Conv);
