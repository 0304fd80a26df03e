using System;
using System.Collections.Generic;
using System.Linq;
using ScottPlot;

namespace TorchLip.Cli.Output;

/// <summary>The certified radii of correctly classified samples as a histogram, with the reported radii marked, into a PNG.</summary>
public static class CertificateHistogram
{
    /// <summary>Bars in the histogram.</summary>
    public const int Bins = 40;

    /// <summary>The PNG's bytes.</summary>
    /// <param name="certificates">The certified radius of every correctly classified sample.</param>
    /// <param name="misclassified">Samples classified wrongly (no certificate), named in the title.</param>
    /// <param name="radii">The radii at which certified accuracy is reported (vertical lines).</param>
    /// <param name="title">Plot title.</param>
    public static byte[] Png(IReadOnlyList<double> certificates, int misclassified, IReadOnlyList<double> radii, string title)
    {
        ArgumentNullException.ThrowIfNull(certificates);
        ArgumentNullException.ThrowIfNull(radii);
        double top = Math.Max(certificates.DefaultIfEmpty(0).Max(), radii.DefaultIfEmpty(0).Max()) * 1.02;
        if (!(top > 0)) top = 1;
        double width = top / Bins;
        var counts = new double[Bins];
        foreach (var c in certificates) counts[Math.Min(Bins - 1, (int)(c / width))]++;

        var plot = new Plot();
        var bars = plot.Add.Bars(Enumerable.Range(0, Bins).Select(i => (i + 0.5) * width).ToArray(), counts);
        foreach (var bar in bars.Bars)
        {
            bar.Size = width * 0.95;
            bar.LineWidth = 0;
        }
        for (int i = 0; i < radii.Count; i++)
        {
            var line = plot.Add.VerticalLine(radii[i], 1, Colors.C3);
            line.LinePattern = LinePattern.Dashed;
            if (i == 0) line.LegendText = "radii reported: " + string.Join(", ", radii.Select(r => r.ToString("G4", System.Globalization.CultureInfo.InvariantCulture)));
        }
        plot.Title(FormattableString.Invariant($"{title} ({certificates.Count} correct, {misclassified} misclassified)"));
        plot.XLabel("certified L2 radius of a correctly classified sample");
        plot.YLabel("samples");
        plot.Axes.SetLimits(0, top, 0, Math.Max(1, counts.Max()) * 1.08);
        plot.ShowLegend(Alignment.UpperRight);
        return plot.GetImageBytes(900, 550, ImageFormat.Png);
    }
}
