using System;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Internal;

/// <summary>Argument checks shared by modules and functions; every failure names the argument and the fix.</summary>
internal static class ArgumentChecks
{
    public static string Shape(Tensor t) => "[" + string.Join(", ", t.shape) + "]";

    public static void Positive(long value, string name)
    {
        if (value <= 0) throw new ArgumentOutOfRangeException(name, value, $"{name} must be a positive integer, got {value}.");
    }

    public static void PositiveFinite(double value, string name)
    {
        if (!(value > 0) || double.IsInfinity(value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number > 0, got {value}.");
    }

    public static void NonNegativeFinite(double value, string name)
    {
        if (!(value >= 0) || double.IsInfinity(value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number >= 0, got {value}.");
    }

    public static void FloatingPoint(Tensor t, string name, string who)
    {
        if (!t.is_floating_point())
            throw new ArgumentException($"{who}: {name} must be a floating-point tensor, got dtype {t.dtype}. Convert it with .to_type(ScalarType.Float32).", name);
    }

    public static void MinRank(Tensor t, int rank, string name, string who)
    {
        if (t.dim() < rank)
            throw new ArgumentException($"{who}: {name} must have at least {rank} dimension(s), got shape {Shape(t)}.", name);
    }

    public static void Finite(Tensor scalar, string who, string what)
    {
        if (!torch.isfinite(scalar).all().item<bool>()) throw NotFinite(who, what);
    }

    /// <summary>The error for a weight that cannot be constrained: names the layer and the usual cause and fix.</summary>
    public static InvalidOperationException NotFinite(string who, string what) => new(
        $"{who}: {what} is not finite (it holds NaN or infinity), usually after a diverging training step: " +
        "lower the learning rate, or reload the last checkpoint.");

    public static string Join(params object[] values) => string.Join(", ", values.Select(v => v.ToString()));
}
