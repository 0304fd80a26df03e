using System;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;
using Xunit;

namespace TorchLip.Tests.Onnx;

/// <summary>Runs an ONNX file in ONNX Runtime (one thread) and compares it with TorchSharp.</summary>
internal static class OnnxRuntimeRunner
{
    /// <summary>The output of the model in <paramref name="path"/> for <paramref name="input"/> (float32, any batch).</summary>
    public static Tensor Run(string path, Tensor input)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(path, options);
        using var contiguous = input.detach().cpu().contiguous();
        var data = contiguous.data<float>().ToArray();
        var tensor = new DenseTensor<float>(data, input.shape.Select(d => (int)d).ToArray());
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor("input", tensor) });
        var output = results.Single().AsTensor<float>();
        return tensor_from(output.ToArray(), output.Dimensions.ToArray().Select(d => (long)d).ToArray());
    }

    private static Tensor tensor_from(float[] values, long[] shape) => tensor(values).reshape(shape);

    /// <summary>The largest |a − b| relative to max(1, max |a|).</summary>
    public static double RelativeError(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.shape, actual.shape);
        double diff = expected.to_type(ScalarType.Float64).sub(actual.to_type(ScalarType.Float64)).abs().max().item<double>();
        double scale = Math.Max(1.0, expected.abs().max().to_type(ScalarType.Float64).item<double>());
        return diff / scale;
    }
}
