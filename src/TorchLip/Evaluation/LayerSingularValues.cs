namespace TorchLip.Evaluation;

/// <summary>The extreme singular values of one weight matrix of a model.</summary>
/// <param name="Layer">The layer's name in the model (its <c>named_modules</c> key, e.g. "1").</param>
/// <param name="Kind">The layer's type, e.g. <c>SpectralLinear</c> or <c>Linear</c>.</param>
/// <param name="Min">Smallest singular value.</param>
/// <param name="Max">Largest singular value (the layer's Lipschitz constant).</param>
public sealed record LayerSingularValues(string Layer, string Kind, double Min, double Max);
