using System;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace TorchLip.Tests.Support;

/// <summary>Central finite differences against an analytic gradient, entry by entry (float64 inputs).</summary>
public static class FiniteDifferences
{
    /// <summary>
    /// Asserts |(f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h − analyticᵢ| ≤ absolute + relative·|numeric| for every entry of
    /// <paramref name="x"/> (or the first <paramref name="entries"/>).
    /// </summary>
    public static void AssertGradient(Func<Tensor, double> f, Tensor x, Tensor analytic, double absolute, double relative, int? entries = null, double h = 1e-6)
    {
        var expected = analytic.to_type(ScalarType.Float64).data<double>().ToArray();
        long count = entries ?? x.numel();
        for (int i = 0; i < count; i++)
        {
            var plus = x.clone(); plus.view(-1)[i] += h;
            var minus = x.clone(); minus.view(-1)[i] -= h;
            double numeric = (f(plus) - f(minus)) / (2 * h);
            Assert.True(Math.Abs(numeric - expected[i]) <= absolute + relative * Math.Abs(numeric), $"entry {i}: numeric {numeric}, analytic {expected[i]}");
        }
    }
}
