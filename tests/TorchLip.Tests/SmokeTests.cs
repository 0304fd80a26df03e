using Xunit;
using static TorchSharp.torch;
namespace TorchLip.Tests
{
    public class SmokeTests
    {
        [Fact]
        public void TorchLoads() { Assert.Equal(2.0f, ones(2).sum().item<float>()); }
    }
}
