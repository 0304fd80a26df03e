using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Onnx
{
    /// <summary>
    /// A reshape as nn.Flatten or nn.Unflatten. A row-major reshape is determined by its output shape alone, so any
    /// module that gives the same output shape computes exactly the same map.
    /// </summary>
    internal static class ReshapeModules
    {
        /// <summary>The module taking <paramref name="input"/> to <paramref name="output"/> (both with the batch first), or null.</summary>
        public static nn.Module<Tensor, Tensor>? Between(long[] input, long[] output)
        {
            var a = input.Skip(1).ToArray();
            var b = output.Skip(1).ToArray();
            if (a.SequenceEqual(b)) return nn.Identity();
            if (b.Length < a.Length)
                for (int s = 0; s < b.Length; s++)
                {
                    int e = s + a.Length - b.Length;
                    if (Merges(a, b, s, e)) return nn.Flatten(s + 1, e + 1);
                }
            if (b.Length > a.Length)
                for (int s = 0; s < a.Length; s++)
                {
                    int e = s + b.Length - a.Length;
                    if (Merges(b, a, s, e)) return nn.Unflatten(s + 1, b[s..(e + 1)]);
                }
            return null;
        }

        // Whether long[s..e] multiply to short[s] and the other dimensions agree.
        private static bool Merges(long[] longer, long[] shorter, int s, int e) =>
            longer[..s].SequenceEqual(shorter[..s])
            && longer[s..(e + 1)].Aggregate(1L, (p, d) => p * d) == shorter[s]
            && longer[(e + 1)..].SequenceEqual(shorter[(s + 1)..]);
    }
}
