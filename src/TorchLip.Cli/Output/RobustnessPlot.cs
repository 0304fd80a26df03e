using System.Collections.Generic;
using System.Linq;
using ScottPlot;

namespace TorchLip.Cli.Output;

/// <summary>Certified and empirical (attack) robust accuracy against the L2 radius, on the same axes, into a PNG.</summary>
public static class RobustnessPlot
{
    /// <summary>Writes the PNG.</summary>
    /// <param name="path">Target file.</param>
    /// <param name="points">(ε, certified, empirical) by increasing ε.</param>
    /// <param name="title">Plot title.</param>
    public static void Save(string path, IReadOnlyList<(double Epsilon, double Certified, double Empirical)> points, string title)
    {
        var plot = new Plot();
        var x = points.Select(p => p.Epsilon).ToArray();
        var certified = plot.Add.Scatter(x, points.Select(p => p.Certified).ToArray(), Colors.C0);
        certified.MarkerSize = 0;
        certified.LegendText = "certified (lower bound)";
        var empirical = plot.Add.Scatter(x, points.Select(p => p.Empirical).ToArray(), Colors.C3);
        empirical.MarkerSize = 0;
        empirical.LinePattern = LinePattern.Dashed;
        empirical.LegendText = "empirical under the L2 attack (upper bound)";
        plot.Title(title);
        plot.XLabel("L2 radius ε");
        plot.YLabel("robust accuracy");
        plot.Axes.SetLimitsY(0, 1.02);
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, 900, 550);
    }
}
