using System.Collections.Generic;
using ScottPlot;

namespace TorchLip.Cli.Output;

/// <summary>Grey-scale images side by side, one titled panel each, into a PNG.</summary>
public static class ImagePanels
{
    /// <summary>Writes the PNG.</summary>
    /// <param name="path">Target file.</param>
    /// <param name="images">Titles and pixel values (rows top to bottom), all drawn on one value range.</param>
    /// <param name="min">Value drawn black.</param>
    /// <param name="max">Value drawn white.</param>
    public static void Save(string path, IReadOnlyList<(string Title, double[,] Pixels)> images, double min, double max)
    {
        var multiplot = new Multiplot { Layout = new ScottPlot.MultiplotLayouts.Columns() };
        for (int i = 0; i < images.Count; i++)
        {
            var plot = i == 0 ? multiplot.GetPlot(0) : multiplot.AddPlot();
            var heatmap = plot.Add.Heatmap(images[i].Pixels);
            heatmap.Colormap = new ScottPlot.Colormaps.Grayscale();
            heatmap.ManualRange = new Range(min, max);
            plot.Title(images[i].Title);
            plot.HideGrid();
        }
        multiplot.SavePng(path, 300 * images.Count, 330);
    }
}
