using TorchLip.Cli.Jobs;
using Xunit;

namespace TorchLip.Tests.Cli;

public class DeviceChoiceTests
{
    [Theory]
    [InlineData("cpu", 0)]
    [InlineData(null, 0)]
    [InlineData("cuda", 1)]
    [InlineData("cuda:1", 2)]
    public void UsableDevicesPass(string? device, int cudaDevices) => Assert.Null(DeviceChoice.Problem(device, cudaDevices));

    [Theory]
    [InlineData("gpu", 0, "must be cpu, cuda or cuda:N")]
    [InlineData("cuda:-1", 2, "must be cpu, cuda or cuda:N")]
    [InlineData("cuda", 0, "CUDA is not available here")]
    [InlineData("cuda:0", 0, "Use --device cpu")]
    [InlineData("cuda:2", 2, "there are 2 CUDA devices (cuda:0 to cuda:1)")]
    [InlineData("cuda:1", 1, "there is 1 CUDA device (cuda:0)")]
    public void UnusableDevicesAreNamedWithTheFix(string device, int cudaDevices, string expected)
        => Assert.Contains(expected, DeviceChoice.Problem(device, cudaDevices));

    [Fact]
    public void ThisMachineHasNoCudaBackendSoCudaIsRefusedClearly()
    {
        // The CUDA libtorch package is not served here: the CPU backend must say so rather than fail in native code.
        Assert.Contains("--device cuda", DeviceChoice.Problem("cuda"));
        Assert.Null(DeviceChoice.Problem("cpu"));
    }
}
