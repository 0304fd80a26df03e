// Loads an ONNX file written by TorchLip.Onnx.OnnxExport.Save with ONNX Runtime alone, reads the certified Lipschitz
// bound L of the map (and L_out of each output, when recorded) from its metadata, and prints predictions with their
// certified L2 radii: multiclass (top1 − top2)/min(2·L_out, √2·L), binary (single output) |f(x)|/L_out.
// Usage: dotnet run -- MODEL.onnx [COUNT]   (random inputs of the recorded input shape)
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

if (args.Length < 1)
{
    Console.Error.WriteLine("usage: OnnxInference MODEL.onnx [COUNT]");
    return 2;
}
int count = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 4;
using var session = new InferenceSession(args[0]);
var meta = session.ModelMetadata.CustomMetadataMap;
if (!meta.TryGetValue("torchlip.lipschitz_upper_bound", out var boundText))
{
    Console.Error.WriteLine($"{args[0]} has no torchlip.lipschitz_upper_bound metadata: it was not written by TorchLip's ONNX export.");
    return 1;
}
double bound = double.Parse(boundText, CultureInfo.InvariantCulture);
// Each output's bound: below the map's where the last layer bounds its outputs separately (FrobeniusLinear with
// disjoint neurons); a file without it falls back to the map's, which bounds every output too.
double outputBound = meta.TryGetValue("torchlip.output_lipschitz_upper_bound", out var outputText)
    ? Math.Min(bound, double.Parse(outputText, CultureInfo.InvariantCulture)) : bound;
var inputName = session.InputMetadata.Keys.Single();
var sampleShape = session.InputMetadata[inputName].Dimensions.Skip(1).ToArray();
int size = sampleShape.Aggregate(1, (p, d) => p * d);
Console.WriteLine($"model {args[0]}: Lipschitz bound {bound:G6} (each output {outputBound:G6}), input (N, {string.Join(", ", sampleShape)}), opset {meta.GetValueOrDefault("torchlip.opset", "?")}");

var random = new Random(0);
var data = new float[count * size];
for (int i = 0; i < data.Length; i++) data[i] = (float)random.NextDouble();
var input = new DenseTensor<float>(data, new[] { count }.Concat(sampleShape).ToArray());
using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor(inputName, input) });
var output = results.Single().AsTensor<float>();
int classes = output.Dimensions[1];
for (int n = 0; n < count; n++)
{
    var scores = Enumerable.Range(0, classes).Select(c => (double)output[n, c]).ToArray();
    if (classes == 1)
        Console.WriteLine($"sample {n}: f(x) = {scores[0]:F4}, class {(scores[0] >= 0 ? "+1" : "-1")}, certified radius {Math.Abs(scores[0]) / outputBound:F4}");
    else
    {
        var order = Enumerable.Range(0, classes).OrderByDescending(c => scores[c]).ToArray();
        double radius = (scores[order[0]] - scores[order[1]]) / Math.Min(2 * outputBound, Math.Sqrt(2) * bound);
        Console.WriteLine($"sample {n}: class {order[0]}, certified radius {radius:F4}");
    }
}
return 0;
