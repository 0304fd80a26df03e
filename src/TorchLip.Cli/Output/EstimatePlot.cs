using System.Collections.Generic;
using System.Linq;
using ScottPlot;

namespace TorchLip.Cli.Output;

/// <summary>A per-step estimate against the step number, with a horizontal line at the true value, into a PNG.</summary>
public static class EstimatePlot
{
    /// <summary>Writes the PNG.</summary>
    /// <param name="path">Target file.</param>
    /// <param name="estimates">The estimate at each step (step 1 first).</param>
    /// <param name="truth">The true value.</param>
    /// <param name="title">Plot title.</param>
    /// <param name="label">Name of the estimate (legend and y axis).</param>
    /// <param name="truthLabel">Legend of the true value's line.</param>
    public static void Save(string path, IReadOnlyList<double> estimates, double truth, string title, string label, string truthLabel)
    {
        var plot = new Plot();
        var steps = Enumerable.Range(1, estimates.Count).Select(s => (double)s).ToArray();
        var line = plot.Add.Scatter(steps, estimates.ToArray(), Colors.C0);
        line.MarkerSize = 0;
        line.LegendText = label;
        var truthLine = plot.Add.HorizontalLine(truth, 2, Colors.C3, LinePattern.Dashed);
        truthLine.LegendText = truthLabel;
        plot.Title(title);
        plot.XLabel("training step");
        plot.YLabel(label);
        plot.ShowLegend(Alignment.LowerRight);
        plot.SavePng(path, 900, 500);
    }
}
