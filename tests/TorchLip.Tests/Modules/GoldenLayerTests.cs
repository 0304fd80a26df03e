using System.Collections.Generic;
using TorchLip.Modules;
using TorchLip.Tests.Support;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace TorchLip.Tests.Modules;

/// <summary>Linear layers with fixed state against deel-torchlip 1.0.5 (layer tolerances rtol 1e-4 / atol 1e-5).</summary>
public class GoldenLayerTests
{
    /// <summary>The reference's settings: the classic chain, 1 power iteration per forward, Björck eps 1e-3 (max 15).</summary>
    private static SpectralLinear ReferenceSpectralLinear(GoldenCase c)
    {
        var layer = new SpectralLinear(7, 5, niter_spectral: 1, niter_bjorck: 15, eps_bjorck: 1e-3, eps_spectral: 1e-3, warm_start: false);
        var (missing, unexpected) = layer.load_state_dict(new Dictionary<string, Tensor>
        {
            ["weight_orig"] = c.Input("weight_raw"), ["bias"] = c.Input("bias"), ["u"] = c.Input("u"), ["v"] = c.Input("v"),
        }, strict: false);
        Assert.Empty(missing);      // the classic chain's state is exactly the reference's four tensors
        Assert.Empty(unexpected);
        return layer;
    }

    [Fact]
    public void SpectralLinearTrainEvalExportAndSecondForward()
    {
        var c = Golden.Case("layers_v1_0_5.json", "SpectralLinear_7to5");
        using var layer = ReferenceSpectralLinear(c);
        var x = c.Input("x");

        var trainOut = layer.call(x);
        Golden.AssertClose(c.Expected("train_output"), trainOut, 1e-4, 1e-5, "train output");
        Golden.AssertClose(c.Expected("u_after_forward"), layer.u_vector, 1e-5, 1e-6, "u");
        Golden.AssertClose(c.Expected("v_after_forward"), layer.v_vector, 1e-5, 1e-6, "v");
        Golden.AssertClose(c.Expected("effective_weight"), layer.effective_weight(), 1e-4, 1e-5, "effective weight");

        layer.eval();
        var evalOut = layer.call(x);
        Golden.AssertClose(c.Expected("eval_output"), evalOut, 1e-4, 1e-5, "eval output");
        using var exported = layer.vanilla_export();
        Assert.IsType<TorchSharp.Modules.Linear>(exported);
        var exportOut = exported.call(x);
        Golden.AssertClose(c.Expected("vanilla_export_output"), exportOut, 1e-4, 1e-5, "export output");
        Assert.True(exportOut.allclose(evalOut, 0, 1e-6));

        layer.train();
        Golden.AssertClose(c.Expected("train_output_second_forward"), layer.call(x), 1e-4, 1e-5, "second train output");
        Golden.AssertClose(c.Expected("u_after_second_forward"), layer.u_vector, 1e-4, 1e-5, "u after second");
        Golden.AssertClose(c.Expected("v_after_second_forward"), layer.v_vector, 1e-4, 1e-5, "v after second");
    }

    [Theory]
    [InlineData("FrobeniusLinear_7to1_disjointTrue", 1, true)]
    [InlineData("FrobeniusLinear_7to3_disjointTrue", 3, true)]
    [InlineData("FrobeniusLinear_7to3_disjointFalse", 3, false)]
    public void FrobeniusLinearMatchesReference(string name, int outFeatures, bool disjoint)
    {
        var c = Golden.Case("layers_v1_0_5.json", name);
        using var layer = new FrobeniusLinear(7, outFeatures, disjoint_neurons: disjoint);
        layer.load_state_dict(new Dictionary<string, Tensor> { ["weight_orig"] = c.Input("weight_raw"), ["bias"] = c.Input("bias") });
        var x = c.Input("x");
        Golden.AssertClose(c.Expected("train_output"), layer.call(x), 1e-5, 1e-6, "train output");
        Golden.AssertClose(c.Expected("effective_weight"), layer.effective_weight(), 1e-5, 1e-6, "effective weight");
        layer.eval();
        Golden.AssertClose(c.Expected("eval_output"), layer.call(x), 1e-5, 1e-6, "eval output");
        Golden.AssertClose(c.Expected("vanilla_export_output"), layer.vanilla_export().call(x), 1e-5, 1e-6, "export output");
    }

    [Fact]
    public void SpectralLinearGradientIsTheFullBackpropagation()
    {
        // TorchLip back-propagates through every Björck step; the reference truncates (and inflates) from step 5,
        // so the untruncated value recorded in aux is the target.
        var c = Golden.Case("gradients_v1_0_5.json", "SpectralLinear_7to5_grad");
        using var layer = ReferenceSpectralLinear(c);
        var output = layer.call(c.Input("x"));
        Golden.AssertClose(c.Expected("train_output"), output, 1e-4, 1e-5, "train output");
        (output * c.Input("grad_weights")).sum().backward();
        Golden.AssertClose(c.Aux("grad_weight_raw_if_full_backprop_informational"), layer.raw_weight.grad!, 1e-4, 1e-5, "grad weight");
        Golden.AssertClose(c.Expected("grad_bias"), layer.bias_parameter!.grad!, 1e-5, 1e-6, "grad bias");
    }

    [Fact]
    public void FrobeniusLinearGradientMatchesReference()
    {
        var c = Golden.Case("gradients_v1_0_5.json", "FrobeniusLinear_7to3_disjointTrue_grad");
        using var layer = new FrobeniusLinear(7, 3, disjoint_neurons: true);
        layer.load_state_dict(new Dictionary<string, Tensor> { ["weight_orig"] = c.Input("weight_raw"), ["bias"] = c.Input("bias") });
        var output = layer.call(c.Input("x"));
        (output * c.Input("grad_weights")).sum().backward();
        Golden.AssertClose(c.Expected("grad_weight_raw"), layer.raw_weight.grad!, 1e-4, 1e-5, "grad weight");
        Golden.AssertClose(c.Expected("grad_bias"), layer.bias_parameter!.grad!, 1e-5, 1e-6, "grad bias");
    }
}
