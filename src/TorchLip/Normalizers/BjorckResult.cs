using System.Collections.Generic;
using static TorchSharp.torch;

namespace TorchLip.Normalizers
{
    /// <summary>Outcome of a Björck orthonormalization: the weight and how the iteration went.</summary>
    /// <param name="Weight">The orthonormalized weight, same shape as the input.</param>
    /// <param name="IterationsRun">Number of Björck steps actually taken.</param>
    /// <param name="StepNorms">‖W_k − W_(k−1)‖_F of each step taken (empty unless requested).</param>
    internal sealed record BjorckResult(Tensor Weight, int IterationsRun, IReadOnlyList<double> StepNorms);
}
