using System;
using TorchLip.Internal;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>The input checks of the 2-D pooling and sampling layers; every failure names the argument and the fix.</summary>
    internal static class SpatialInput
    {
        /// <summary>Throws unless <paramref name="input"/> is a 4-D (N, C, H, W) tensor.</summary>
        public static void RequireNchw(Tensor input, string who)
        {
            if (input.dim() != 4)
                throw new ArgumentException(
                    $"{who}: input must have shape (N, C, H, W) (4 dimensions), got shape {ArgumentChecks.Shape(input)}. " +
                    "Add the batch dimension of a single image with input.unsqueeze(0).", nameof(input));
        }

        /// <summary>
        /// Throws unless the height and width of <paramref name="input"/> are at least <paramref name="kernel"/>'s and,
        /// unless <paramref name="partialAllowed"/>, multiples of them (the windows tile the input exactly).
        /// </summary>
        public static void RequireTiled(Tensor input, Size2d kernel, string kernelName, bool partialAllowed, string who, string partialFix)
        {
            Check(input.size(2), kernel.Height, "height", 0);
            Check(input.size(3), kernel.Width, "width", 1);

            void Check(long size, long window, string what, int index)
            {
                if (size < window)
                    throw new ArgumentException(
                        $"{who}: input {what} {size} is smaller than {kernelName} {kernel}; " +
                        $"use a {kernelName} of at most {size} along the {what}, or a larger input.", nameof(input));
                if (!partialAllowed && size % window != 0)
                    throw new ArgumentException(
                        $"{who}: input {what} {size} is not a multiple of {kernelName}[{index}] = {window}; " +
                        $"crop or pad the input to a multiple of {window}{partialFix}.", nameof(input));
            }
        }
    }
}
