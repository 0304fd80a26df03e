using System;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TorchLip.Onnx;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace TorchLip.Cli.Jobs;

/// <summary>
/// An ONNX file as a <see cref="CertifyTarget"/>: run in ONNX Runtime (what a deployment runs), its bound read from
/// the metadata <c>torchlip export</c> writes, or else computed here from the graph's weights.
/// </summary>
internal static class OnnxTarget
{
    public static CertifyTarget Open(string path, int threads)
    {
        var metadata = OnnxMetadata.Read(path);
        var sessionOptions = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1 };
        InferenceSession session;
        try
        {
            session = new InferenceSession(path, sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            sessionOptions.Dispose();
            throw new InvalidDataException($"'{path}': ONNX Runtime cannot load it: {e.Message}", e);
        }
        var owned = new Owned(session, sessionOptions);
        try
        {
            if (session.InputMetadata.Count != 1 || session.OutputMetadata.Count != 1)
                throw new InvalidDataException($"'{path}' has {session.InputMetadata.Count} inputs and {session.OutputMetadata.Count} outputs; certify runs classifiers with one input and one output.");
            var (inputName, input) = session.InputMetadata.Single();
            string outputName = session.OutputMetadata.Keys.Single();
            long[]? declared = input.Dimensions.Length >= 2 && input.Dimensions.Skip(1).All(d => d > 0)
                ? input.Dimensions.Skip(1).Select(d => (long)d).ToArray() : null;
            var (map, each, source, layers) = Bounds(path, metadata, declared, x => Run(session, inputName, x));
            return new CertifyTarget
            {
                Kind = "onnx",
                Description = $"ONNX file {path} (input '{inputName}' ({Shape(input.Dimensions)}), output '{outputName}'), run in ONNX Runtime" +
                    (metadata.Version is string v ? $"; written by TorchLip {v}" : ""),
                LipschitzBound = map,
                OutputLipschitzBound = each,
                BoundSource = source,
                Layers = layers,
                SampleShape = declared,
                Forward = x => Run(session, inputName, x),
                Owned = owned,
            };
        }
        catch
        {
            owned.Dispose();
            throw;
        }
    }

    private static (double Map, double Each, string Source, Evaluation.ModelBound? Layers) Bounds(string path, OnnxMetadata metadata, long[]? declared, Func<Tensor, Tensor> runtime)
    {
        if (metadata.LipschitzUpperBound is double map)
        {
            if (!(map > 0) || double.IsInfinity(map))
                throw new InvalidDataException($"'{path}': its metadata {OnnxMetadata.LipschitzBoundKey} is {map.ToString("R", CultureInfo.InvariantCulture)}, not a finite positive bound.");
            double each = metadata.OutputLipschitzUpperBound is double o && o > 0 ? Math.Min(o, map) : map;
            return (map, each, $"read from the file's metadata ({OnnxMetadata.LipschitzBoundKey}, written by TorchLip's export from the model's certified constant)", null);
        }
        if (declared is null)
            throw new InvalidDataException($"'{path}' carries no TorchLip bound ({OnnxMetadata.LipschitzBoundKey}) and its input's sample dimensions are not fixed, so its bound cannot be computed here: export it with fixed input dimensions (all but the batch).");
        using var imported = OnnxImport.Load(path);
        CheckImportRunsLikeTheRuntime(path, imported, declared, runtime);
        var layers = StateDictTarget.CertifyModelBound(imported, declared, path);
        return (layers.Bound, layers.Bound, "computed here by certify_model from the graph's weights (the file carries no TorchLip bound): the product of rigorous per-layer bounds", layers);
    }

    // The bound is computed on the graph as imported; it is the bound of what ONNX Runtime runs only if both compute the
    // same map, so a probe of random inputs in [0, 1] must agree (float32 rounding aside) before the bound is used.
    private static void CheckImportRunsLikeTheRuntime(string path, nn.Module<Tensor, Tensor> imported, long[] sample, Func<Tensor, Tensor> runtime)
    {
        using var scope = NewDisposeScope();
        var probe = rand(new long[] { 8 }.Concat(sample).ToArray(), generator: new Generator(0));
        Tensor expected = runtime(probe), actual;
        using (no_grad()) actual = imported.call(probe);
        double scale = Math.Max(1.0, expected.abs().max().to_type(ScalarType.Float64).item<double>());
        double difference = expected.shape.SequenceEqual(actual.shape)
            ? actual.to_type(ScalarType.Float64).sub(expected.to_type(ScalarType.Float64)).abs().max().item<double>() / scale
            : double.PositiveInfinity;
        if (!(difference <= 1e-4))
            throw new InvalidDataException($"'{path}': the graph as read for its bound does not compute what ONNX Runtime computes (relative difference {difference:G3} on a probe), so no bound can be vouched for; please report the file's operators.");
    }

    private static Tensor Run(InferenceSession session, string inputName, Tensor x)
    {
        using var contiguous = x.detach().cpu().to_type(ScalarType.Float32).contiguous();
        var tensor = new DenseTensor<float>(contiguous.data<float>().ToArray(), x.shape.Select(d => (int)d).ToArray());
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor(inputName, tensor) });
        var output = results.Single().AsTensor<float>();
        return TorchSharp.torch.tensor(output.ToArray()).reshape(output.Dimensions.ToArray().Select(d => (long)d).ToArray());
    }

    private static string Shape(int[] dims) => string.Join(", ", dims.Select(d => d < 0 ? "N" : d.ToString(CultureInfo.InvariantCulture)));

    private sealed class Owned(InferenceSession session, SessionOptions options) : IDisposable
    {
        public void Dispose()
        {
            session.Dispose();
            options.Dispose();
        }
    }
}
