using System.Collections.Generic;
using ScottPlot;

namespace TorchLip.Cli.Output;

/// <summary>Pairs of grey-scale images, each original above its adversarial twin, one titled panel each, into a PNG.</summary>
public static class FoolingGrid
{
    /// <summary>Writes the PNG: one column per pair, the original on the top row and its twin below.</summary>
    /// <param name="path">Target file.</param>
    /// <param name="pairs">Titles and pixel values (rows top to bottom) of each original and its twin, all drawn on one value range.</param>
    /// <param name="min">Value drawn black.</param>
    /// <param name="max">Value drawn white.</param>
    public static void Save(string path, IReadOnlyList<(string Title, double[,] Pixels, string TwinTitle, double[,] Twin)> pairs, double min, double max)
    {
        int columns = System.Math.Max(pairs.Count, 1);
        var multiplot = new Multiplot { Layout = new ScottPlot.MultiplotLayouts.Grid(2, columns) };
        var panels = new List<(string, double[,])>();
        foreach (var p in pairs) panels.Add((p.Title, p.Pixels));
        foreach (var p in pairs) panels.Add((p.TwinTitle, p.Twin));
        for (int i = 0; i < panels.Count; i++)
        {
            var plot = i == 0 ? multiplot.GetPlot(0) : multiplot.AddPlot();
            var heatmap = plot.Add.Heatmap(panels[i].Item2);
            heatmap.Colormap = new ScottPlot.Colormaps.Grayscale();
            heatmap.ManualRange = new Range(min, max);
            plot.Title(panels[i].Item1, size: 13);
            plot.HideGrid();
        }
        multiplot.SavePng(path, 260 * columns, 2 * 300);
    }
}
