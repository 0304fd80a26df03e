using System.Collections.Generic;
using TorchLip.Tests.Support;
using Xunit;
using static TorchLip.torchlip;

namespace TorchLip.Tests.Functional;

/// <summary>Activations against deel-torchlip 1.0.5 (sorts exact, PReLU at 1e-5 / 1e-6).</summary>
public class GoldenActivationTests
{
    private const string File = "activations_v1_0_5.json";

    public static IEnumerable<object[]> Cases() => Golden.Names(File, n => !n.StartsWith("v011_") && !n.StartsWith("householder"));

    [Theory]
    [MemberData(nameof(Cases))]
    public void ActivationMatchesReference(string name)
    {
        var c = Golden.Case(File, name);
        var x = c.Input("input");
        var (actual, tol) = name switch
        {
            _ when name.StartsWith("group_sort") => (group_sort(x, c.HasParam("group_size") ? (int)c.Param("group_size") : null, (int)c.Param("dim")), 0.0),
            _ when name.StartsWith("full_sort") => (full_sort(x), 0.0),
            _ when name.StartsWith("max_min") => (max_min(x), 0.0),
            _ => (lipschitz_prelu(x, c.Input("weight"), c.Param("k_coef_lip")), 1e-5),
        };
        Golden.AssertClose(c.Expected("output"), actual, tol, tol / 10, name);
    }

    [Fact]
    public void ModulesApplyTheirFunctionTimesK()
    {
        var c = Golden.Case(File, "group_sort_g2_3x8");
        var x = c.Input("input");
        Golden.AssertClose(c.Expected("output"), torchlip.GroupSort2().call(x), 0, 0, "GroupSort2");
        Golden.AssertClose(c.Expected("output") * 3, torchlip.GroupSort(2, k_coef_lip: 3).call(x), 1e-6, 0, "GroupSort(2, k=3)");
        Golden.AssertClose(Golden.Case(File, "full_sort_3x8").Expected("output"), torchlip.FullSort().call(x), 0, 0, "FullSort");
    }
}
