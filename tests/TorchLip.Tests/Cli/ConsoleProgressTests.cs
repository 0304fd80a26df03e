using System.IO;
using TorchLip.Cli.Output;
using Xunit;

namespace TorchLip.Tests.Cli;

public class ConsoleProgressTests
{
    [Fact]
    public void DrawsTheFirstAndLastStepsAndClearsItsLine()
    {
        using var writer = new StringWriter();
        var progress = new ConsoleProgress(writer, 4);

        progress.Update(1, -1.5);
        progress.Update(2, -1.6);
        progress.Update(4, -2.0);
        var drawn = writer.ToString();
        progress.Clear();

        Assert.StartsWith("\r    1/4 [=======>", drawn);
        Assert.Contains("\r    4/4 [==============================] ", drawn);
        Assert.EndsWith("loss: -2.0000", drawn);
        Assert.EndsWith("\r", writer.ToString());
        Assert.DoesNotContain('\n', writer.ToString());
    }
}
