namespace TorchLip.Evaluation;

/// <summary>The extreme singular values of one weight matrix of a model, and the bound they give its layer's map.</summary>
/// <param name="Layer">The layer's name in the model (its <c>named_modules</c> key, e.g. "1").</param>
/// <param name="Kind">The layer's type, e.g. <c>SpectralLinear</c> or <c>Linear</c>.</param>
/// <param name="Min">Smallest singular value of the weight matrix (a convolution's kernel reshaped to (shape[0], −1)).</param>
/// <param name="Max">Largest singular value of the weight matrix.</param>
/// <param name="Gain">
/// The factor between the matrix and the layer's map (1 for a linear layer; for a convolution √ of the largest number of
/// times it reads one input sample, see <see cref="Operators.ConvOperator.Gain"/>).
/// </param>
public sealed record LayerSingularValues(string Layer, string Kind, double Min, double Max, double Gain = 1.0)
{
    /// <summary>The bound of the layer's map these values give: <see cref="Gain"/> · <see cref="Max"/> (the layer's Lipschitz constant for a linear layer).</summary>
    public double OperatorBound => Gain * Max;
}
