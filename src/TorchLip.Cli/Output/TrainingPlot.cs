using System.Collections.Generic;
using System.Linq;
using ScottPlot;

namespace TorchLip.Cli.Output;

/// <summary>Training curves into a PNG: one panel per metric, each with its training and (optional) validation column.</summary>
public static class TrainingPlot
{
    /// <summary>Height of the image in pixels (its width is <see cref="PanelWidth"/> per panel).</summary>
    public const int Height = 450;

    /// <summary>Width of one panel in pixels.</summary>
    public const int PanelWidth = 500;

    /// <summary>Where a panel's legend goes.</summary>
    public enum LegendAt
    {
        /// <summary>Upper right corner (decreasing curves).</summary>
        UpperRight,

        /// <summary>Lower right corner (increasing curves).</summary>
        LowerRight,
    }

    /// <summary>One panel.</summary>
    /// <param name="Title">Its title.</param>
    /// <param name="Train">The training column's name.</param>
    /// <param name="Validation">The validation column's name, or null.</param>
    /// <param name="Legend">Where the legend goes.</param>
    public sealed record Panel(string Title, string Train, string? Validation = null, LegendAt Legend = LegendAt.LowerRight);

    /// <summary>One epoch's figures by column name.</summary>
    /// <param name="Epoch">1-based epoch number.</param>
    /// <param name="Values">The figures.</param>
    public sealed record Row(int Epoch, IReadOnlyDictionary<string, double> Values);

    /// <summary>Writes the PNG.</summary>
    /// <param name="path">Target file (its extension should be .png).</param>
    /// <param name="rows">The per-epoch figures.</param>
    /// <param name="panels">The panels, left to right.</param>
    public static void Save(string path, IReadOnlyList<Row> rows, IReadOnlyList<Panel> panels)
    {
        // A new Multiplot already holds one (empty) plot: use it as the first panel.
        var multiplot = new Multiplot { Layout = new ScottPlot.MultiplotLayouts.Columns() };
        var x = rows.Select(r => (double)r.Epoch).ToArray();
        for (int i = 0; i < panels.Count; i++)
            AddPanel(i == 0 ? multiplot.GetPlot(0) : multiplot.AddPlot(), panels[i], x, rows);
        multiplot.SavePng(path, PanelWidth * panels.Count, Height);
    }

    private static void AddPanel(Plot plot, Panel panel, double[] x, IReadOnlyList<Row> rows)
    {
        var t = plot.Add.Scatter(x, rows.Select(r => r.Values[panel.Train]).ToArray(), Colors.C0);
        t.LegendText = "train";
        if (panel.Validation is string validation)
        {
            var v = plot.Add.Scatter(x, rows.Select(r => r.Values[validation]).ToArray(), Colors.C1);
            v.LegendText = "validation";
        }
        plot.Title(panel.Title);
        plot.XLabel("epoch");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.ShowLegend(panel.Legend == LegendAt.UpperRight ? Alignment.UpperRight : Alignment.LowerRight);
    }
}
