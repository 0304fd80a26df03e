using System.Collections.Generic;
using System.Linq;
using TorchLip.Normalizers;
using TorchLip.Tests.Support;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace TorchLip.Tests.Normalizers;

/// <summary>Normalizers against deel-torchlip 1.0.5, at the tolerances of Golden/README.md.</summary>
public class GoldenNormalizerTests
{
    private const string File = "normalizers_v1_0_5.json";

    public static IEnumerable<object[]> BjorckCases() => Golden.Names(File, n => n.StartsWith("bjorck"));

    [Theory]
    [MemberData(nameof(BjorckCases))]
    public void BjorckMatchesReference(string name)
    {
        var c = Golden.Case(File, name);
        int maxiter = (int)c.Param("maxiter");
        bool looseTolerance = maxiter == 15;
        double rtol = looseTolerance ? 1e-4 : 1e-5, atol = looseTolerance ? 1e-5 : 1e-6;

        var result = Bjorck.Orthonormalize(c.Input("w"), c.Param("eps"), c.Param("beta"), maxiter);
        Assert.Equal(c.ExpectedLong("iterations_run"), result.IterationsRun);
        Golden.AssertClose(c.Expected("output"), result.Weight, rtol, atol, name + " output");
        var sv = linalg.svdvals(result.Weight.to_type(ScalarType.Float64));
        Golden.AssertClose(c.Expected("singular_values"), sv, looseTolerance ? 1e-4 : 1e-5, looseTolerance ? 1e-5 : 1e-6, name + " singular values");

        // Step norms, recorded without early stopping: large ones at 1e-4 relative, rounding noise at 1e-5 absolute.
        var steps = Bjorck.Orthonormalize(c.Input("w"), null, c.Param("beta"), maxiter, recordStepNorms: true).StepNorms;
        var expected = c.Expected("step_diff_norms").data<float>().ToArray();
        Assert.Equal(expected.Length, steps.Count);
        for (int i = 0; i < expected.Length; i++)
        {
            double limit = expected[i] > 1e-4 ? 1e-4 * expected[i] + 1e-6 : 1e-5;
            Assert.True(System.Math.Abs(steps[i] - expected[i]) <= limit, $"{name} step {i + 1}: expected {expected[i]}, got {steps[i]}");
        }
    }

    [Fact]
    public void BjorckFunctionalFormEqualsTheResultWeight()
    {
        var c = Golden.Case(File, "bjorck_normalization_32x128_eps1e-3_maxiter15");
        var w = torchlip.normalizers.bjorck_normalization(c.Input("w"), 1e-3, 0.5, 15);
        Golden.AssertClose(c.Expected("output"), w, 1e-4, 1e-5, "bjorck_normalization");
    }

    public static IEnumerable<object[]> SpectralCases() => Golden.Names(File, n => n.StartsWith("spectral_normalization"));

    [Theory]
    [MemberData(nameof(SpectralCases))]
    public void SpectralNormalizationMatchesReference(string name)
    {
        var c = Golden.Case(File, name);
        var (kernel, u, sigma, iterations) = torchlip.normalizers.spectral_normalization(c.Input("kernel"), c.Input("u"), c.Param("eps"), (int)c.Param("maxiter"));
        Assert.Equal(c.ExpectedLong("iterations_run"), iterations);
        Golden.AssertClose(c.Expected("u"), u, 1e-5, 1e-6, name + " u");
        Golden.AssertClose(c.Expected("sigma"), sigma, 1e-5, 1e-6, name + " sigma");
        Golden.AssertClose(c.Expected("normalized_kernel"), kernel, 1e-5, 1e-6, name + " kernel");
    }

    [Fact]
    public void PowerIterationMatchesTorchSpectralNorm()
    {
        var c = Golden.Case(File, "torch_spectral_norm_power_iteration_linear7to5");
        var w = c.Input("weight");
        var (u, v) = (c.Input("u"), c.Input("v"));

        var sigmaEval = torchlip.normalizers.spectral_norm_estimate(w, u, v);
        Golden.AssertClose(c.Expected("sigma_eval_no_iteration"), sigmaEval, 1e-5, 1e-6, "sigma without iteration");

        torchlip.normalizers.power_iteration(w, u, v, 1, 1e-12);
        Golden.AssertClose(c.Expected("u_after_1"), u, 1e-5, 1e-6, "u after 1");
        Golden.AssertClose(c.Expected("v_after_1"), v, 1e-5, 1e-6, "v after 1");
        var sigma1 = torchlip.normalizers.spectral_norm_estimate(w, u, v);
        Golden.AssertClose(c.Expected("sigma_after_1"), sigma1, 1e-5, 1e-6, "sigma after 1");
        Golden.AssertClose(c.Expected("normalized_weight_after_1"), w / sigma1, 1e-5, 1e-6, "W/sigma after 1");

        torchlip.normalizers.power_iteration(w, u, v, 14, 1e-12);
        Golden.AssertClose(c.Expected("u_after_15"), u, 1e-4, 1e-5, "u after 15");
        Golden.AssertClose(c.Expected("v_after_15"), v, 1e-4, 1e-5, "v after 15");
        Golden.AssertClose(c.Expected("sigma_after_15"), torchlip.normalizers.spectral_norm_estimate(w, u, v), 1e-4, 1e-5, "sigma after 15");
    }
}
