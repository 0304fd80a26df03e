using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using TorchLip.Training;

namespace TorchLip.Cli.Output;

/// <summary>A one-line progress bar redrawn in place with carriage returns; meant for a terminal only.</summary>
public sealed class ConsoleProgress
{
    private const int Width = 30;
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private readonly TextWriter _writer;
    private readonly int _total;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan? _lastDraw;
    private int _lastLength;

    /// <summary>
    /// The trainer's step callback of every command: one bar per epoch, redrawn with the running loss and erased when
    /// the epoch's last step is done; nothing at all when <paramref name="show"/> is false (output not a terminal).
    /// </summary>
    /// <param name="writer">The terminal.</param>
    /// <param name="show">Whether to draw.</param>
    public static Action<StepRecord> PerEpoch(TextWriter writer, bool show)
    {
        ConsoleProgress? bar = null;
        return step =>
        {
            if (!show) return;
            bar ??= new ConsoleProgress(writer, step.StepsPerEpoch);
            bar.Update(step.Step, step.RunningMeans[Trainer.LossName]);
            if (step.Step == step.StepsPerEpoch) { bar.Clear(); bar = null; }
        };
    }

    /// <summary>Starts a bar for <paramref name="total"/> steps.</summary>
    /// <param name="writer">The terminal.</param>
    /// <param name="total">Number of steps.</param>
    public ConsoleProgress(TextWriter writer, int total)
    {
        _writer = writer;
        _total = Math.Max(1, total);
    }

    /// <summary>Redraws the bar after <paramref name="done"/> steps (at most every 100 ms, and at the end).</summary>
    /// <param name="done">Steps completed.</param>
    /// <param name="loss">Running mean of the loss.</param>
    public void Update(int done, double loss)
    {
        var now = _clock.Elapsed;
        if (done < _total && _lastDraw is TimeSpan last && now - last < Interval) return;
        _lastDraw = now;
        int filled = (int)((long)Width * done / _total);
        var bar = new string('=', filled) + (filled < Width ? ">" + new string(' ', Width - filled - 1) : "");
        var line = string.Format(CultureInfo.InvariantCulture, "{0,5}/{1} [{2}] {3:0.0}s - loss: {4:0.0000}", done, _total, bar, now.TotalSeconds, loss);
        _writer.Write("\r" + line.PadRight(_lastLength));
        _lastLength = line.Length;
        _writer.Flush();
    }

    /// <summary>Erases the bar so the next line starts clean.</summary>
    public void Clear()
    {
        if (_lastLength == 0) return;
        _writer.Write("\r" + new string(' ', _lastLength) + "\r");
        _writer.Flush();
        _lastLength = 0;
    }
}
