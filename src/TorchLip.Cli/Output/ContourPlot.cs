using System;
using System.Collections.Generic;
using System.Linq;
using ScottPlot;

namespace TorchLip.Cli.Output;

/// <summary>
/// A scalar field over a rectangle of the plane as a PNG: a heat map with a labelled colour bar, level lines, the zero
/// level set drawn thick (a classifier's decision boundary), and labelled points on top.
/// </summary>
public static class ContourPlot
{
    /// <summary>Image width in pixels.</summary>
    public const int Width = 900;

    /// <summary>Image height in pixels.</summary>
    public const int Height = 700;

    /// <summary>Writes the PNG.</summary>
    /// <param name="path">Target file.</param>
    /// <param name="grid">The field on a regular grid.</param>
    /// <param name="levels">Level lines to draw besides zero (e.g. ±margin).</param>
    /// <param name="points">Points and their labels (+1 or −1), drawn in two colours.</param>
    /// <param name="title">Plot title.</param>
    /// <param name="colorBarLabel">The colour bar's label.</param>
    public static void Save(string path, FieldGrid grid, IReadOnlyList<double> levels, IReadOnlyList<(double X, double Y, double Label)> points,
        string title, string colorBarLabel)
    {
        ArgumentNullException.ThrowIfNull(grid);
        var plot = new Plot();
        // Heat map rows run top to bottom: row 0 is the largest y.
        var intensities = new double[grid.Rows, grid.Columns];
        for (int r = 0; r < grid.Rows; r++)
            for (int c = 0; c < grid.Columns; c++)
                intensities[grid.Rows - 1 - r, c] = grid.Values[r, c];
        var heatmap = plot.Add.Heatmap(intensities);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.Position = new CoordinateRect(grid.XMin, grid.XMax, grid.YMin, grid.YMax);
        var bar = plot.Add.ColorBar(heatmap);
        bar.Label = colorBarLabel;

        var coordinates = new Coordinates3d[grid.Rows, grid.Columns];
        for (int r = 0; r < grid.Rows; r++)
            for (int c = 0; c < grid.Columns; c++)
                coordinates[r, c] = new Coordinates3d(grid.X(c), grid.Y(r), grid.Values[r, c]);
        AddLevels(plot, coordinates, levels.Where(l => l != 0).ToArray(), Colors.White.WithAlpha(0.8), 1.5f, LinePattern.Dashed);
        AddLevels(plot, coordinates, new[] { 0.0 }, Colors.Red, 3f, LinePattern.Solid);

        AddPoints(plot, points.Where(p => p.Label > 0), Colors.Orange, "label +1");
        AddPoints(plot, points.Where(p => p.Label <= 0), Colors.DeepSkyBlue, "label -1");
        plot.Title(title);
        plot.XLabel("x1");
        plot.YLabel("x2");
        plot.Axes.SetLimits(grid.XMin, grid.XMax, grid.YMin, grid.YMax);
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, Width, Height);
    }

    private static void AddLevels(Plot plot, Coordinates3d[,] coordinates, double[] levels, Color color, float width, LinePattern pattern)
    {
        if (levels.Length == 0) return;
        var contour = plot.Add.ContourLines(coordinates);
        contour.ContourLineLevels = levels;
        contour.Update(coordinates);
        contour.LineColor = color;
        contour.LineWidth = width;
        contour.LinePattern = pattern;
    }

    private static void AddPoints(Plot plot, IEnumerable<(double X, double Y, double Label)> points, Color color, string legend)
    {
        var list = points.ToList();
        if (list.Count == 0) return;
        var scatter = plot.Add.ScatterPoints(list.Select(p => p.X).ToArray(), list.Select(p => p.Y).ToArray(), color);
        scatter.MarkerSize = 3;
        scatter.LegendText = legend;
    }
}

/// <summary>Values of a field f on the regular grid of a rectangle: Values[r, c] = f(X(c), Y(r)).</summary>
/// <param name="XMin">Left edge.</param>
/// <param name="XMax">Right edge.</param>
/// <param name="YMin">Bottom edge.</param>
/// <param name="YMax">Top edge.</param>
/// <param name="Values">Rows by y (first row at <paramref name="YMin"/>), columns by x.</param>
public sealed record FieldGrid(double XMin, double XMax, double YMin, double YMax, double[,] Values)
{
    /// <summary>Number of grid rows (y values).</summary>
    public int Rows => Values.GetLength(0);

    /// <summary>Number of grid columns (x values).</summary>
    public int Columns => Values.GetLength(1);

    /// <summary>The x of column <paramref name="c"/>.</summary>
    /// <param name="c">Column index.</param>
    public double X(int c) => XMin + (XMax - XMin) * c / (Columns - 1);

    /// <summary>The y of row <paramref name="r"/>.</summary>
    /// <param name="r">Row index.</param>
    public double Y(int r) => YMin + (YMax - YMin) * r / (Rows - 1);

    /// <summary>The grid's spacing: the largest distance between neighbouring points along an axis.</summary>
    public double Step => Math.Max((XMax - XMin) / (Columns - 1), (YMax - YMin) / (Rows - 1));
}
