using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace TorchLip.Evaluation;

/// <summary>
/// A sound upper bound of a model's L2 Lipschitz constant (<see cref="Bound"/>), the product of its layers' rigorous
/// bounds (<see cref="Layers"/>, in the order the model applies them). See <see cref="ModelCertification.Of"/>.
/// </summary>
public sealed class ModelBound
{
    /// <summary>Creates the result.</summary>
    /// <param name="layers">The per-layer rows, in order.</param>
    /// <param name="inputShape">The per-sample input shape the bounds were computed for, or null.</param>
    public ModelBound(IReadOnlyList<LayerBound> layers, long[]? inputShape)
    {
        ArgumentNullException.ThrowIfNull(layers);
        Layers = layers;
        InputShape = inputShape;
        Bound = layers.Aggregate(1.0, (product, row) => product * row.Bound);
    }

    /// <summary>The model's bound: the product of <see cref="Layers"/>' bounds (1 for a model without layers).</summary>
    public double Bound { get; }

    /// <summary>Every layer's bound and how it was obtained, in the order the model applies them.</summary>
    public IReadOnlyList<LayerBound> Layers { get; }

    /// <summary>The per-sample input shape the bounds hold for (convolutions and adaptive pooling depend on it), or null: every accepted size.</summary>
    public long[]? InputShape { get; }

    /// <summary>
    /// A printable table: one line per layer (name, type, bound, how), then the product, e.g.
    /// <c>0  Flatten  1  reshape ...</c>.
    /// </summary>
    public string ToTable()
    {
        var culture = CultureInfo.InvariantCulture;
        var rows = Layers.Select(l => (l.Layer, l.Kind, Value: l.Bound.ToString("G6", culture), l.How)).ToList();
        int name = Math.Max("layer".Length, rows.Select(r => r.Layer.Length).DefaultIfEmpty(0).Max());
        int kind = Math.Max("type".Length, rows.Select(r => r.Kind.Length).DefaultIfEmpty(0).Max());
        int value = Math.Max("bound".Length, rows.Select(r => r.Value.Length).DefaultIfEmpty(0).Max());
        var text = new StringBuilder();
        text.AppendLine($"{"layer".PadRight(name)}  {"type".PadRight(kind)}  {"bound".PadLeft(value)}  how");
        foreach (var r in rows) text.AppendLine($"{r.Layer.PadRight(name)}  {r.Kind.PadRight(kind)}  {r.Value.PadLeft(value)}  {r.How}");
        string shape = InputShape is null ? "" : $" for inputs ({string.Join(", ", InputShape)})";
        text.Append(culture, $"Lipschitz upper bound (product){shape}: {Bound.ToString("G6", culture)}");
        return text.ToString();
    }

    /// <inheritdoc/>
    public override string ToString() => ToTable();
}
