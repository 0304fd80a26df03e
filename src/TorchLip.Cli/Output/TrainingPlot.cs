using System.Collections.Generic;
using System.Linq;
using ScottPlot;
using TorchLip.Cli.Jobs;

namespace TorchLip.Cli.Output;

/// <summary>Draws the training curves (loss, KR, accuracy; train and validation) side by side into a PNG.</summary>
public static class TrainingPlot
{
    /// <summary>Image width in pixels.</summary>
    public const int Width = 1500;

    /// <summary>Image height in pixels.</summary>
    public const int Height = 450;

    /// <summary>Writes the PNG.</summary>
    /// <param name="path">Target file (its extension should be .png).</param>
    /// <param name="epochs">The per-epoch figures.</param>
    public static void Save(string path, IReadOnlyList<EpochMetrics> epochs)
    {
        // A new Multiplot already holds one (empty) plot: use it as the first panel.
        var multiplot = new Multiplot { Layout = new ScottPlot.MultiplotLayouts.Columns() };
        var x = epochs.Select(e => (double)e.Epoch).ToArray();
        AddPanel(multiplot.GetPlot(0), "HKR loss", x, epochs.Select(e => e.Loss), epochs.Select(e => e.ValLoss), Alignment.UpperRight);
        AddPanel(multiplot.AddPlot(), "KR (Wasserstein estimate)", x, epochs.Select(e => e.Kr), epochs.Select(e => e.ValKr), Alignment.LowerRight);
        AddPanel(multiplot.AddPlot(), "Accuracy", x, epochs.Select(e => e.Acc), epochs.Select(e => e.ValAcc), Alignment.LowerRight);
        multiplot.SavePng(path, Width, Height);
    }

    private static void AddPanel(Plot plot, string title, double[] x, IEnumerable<double> train, IEnumerable<double> validation, Alignment legend)
    {
        var t = plot.Add.Scatter(x, train.ToArray(), Colors.C0);
        t.LegendText = "train";
        var v = plot.Add.Scatter(x, validation.ToArray(), Colors.C1);
        v.LegendText = "validation";
        plot.Title(title);
        plot.XLabel("epoch");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.ShowLegend(legend);
    }
}
