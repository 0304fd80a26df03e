namespace TorchLip.Evaluation;

/// <summary>One row of a model's Lipschitz bound table: a layer, its L2 bound, and how the bound was obtained.</summary>
/// <param name="Layer">The layer's name in the model (its <c>named_modules</c> key, e.g. "0" or "features.3").</param>
/// <param name="Kind">The layer's type, e.g. <c>Linear</c> or <c>BatchNorm2d</c>.</param>
/// <param name="Bound">A rigorous upper bound of the layer's map in L2.</param>
/// <param name="How">How <see cref="Bound"/> was computed (the constant used, or the certificate and gain).</param>
public sealed record LayerBound(string Layer, string Kind, double Bound, string How);
