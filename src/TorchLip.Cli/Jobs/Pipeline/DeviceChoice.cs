using System;
using System.Globalization;
using TorchSharp;

namespace TorchLip.Cli.Jobs;

/// <summary>The <c>--device</c> option: <c>cpu</c> (default), <c>cuda</c> or <c>cuda:N</c>, checked against what libtorch can use.</summary>
public static class DeviceChoice
{
    /// <summary>The default device.</summary>
    public const string Default = "cpu";

    /// <summary>The problem with <paramref name="text"/>, or null when the device is usable here.</summary>
    /// <param name="text">The option's value.</param>
    /// <param name="cudaDevices">How many CUDA devices libtorch sees (null: ask it).</param>
    public static string? Problem(string? text, int? cudaDevices = null)
    {
        if (text is null || text == "cpu") return null;
        if (text != "cuda" && !(text.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(text.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            return $"--device must be cpu, cuda or cuda:N (N a device index), got '{text}'.";
        int available = cudaDevices ?? CudaDeviceCount();
        int index = text == "cuda" ? 0 : int.Parse(text.AsSpan(5), CultureInfo.InvariantCulture);
        if (available == 0)
            return $"--device {text}: CUDA is not available here (libtorch sees no CUDA device: no NVIDIA driver, or the CPU backend libtorch-cpu-linux-x64 is the one referenced; a CUDA run needs TorchSharp's CUDA backend package and a GPU). Use --device cpu.";
        if (index >= available)
            return $"--device {text}: there {(available == 1 ? "is 1 CUDA device" : $"are {available} CUDA devices")} (cuda:0{(available > 1 ? $" to cuda:{available - 1}" : "")}).";
        return null;
    }

    /// <summary>The torch device for a value that <see cref="Problem"/> accepted.</summary>
    /// <param name="text">The option's value.</param>
    public static torch.Device Resolve(string? text) => torch.device(text ?? Default);

    private static int CudaDeviceCount()
    {
        try
        {
            return torch.cuda.is_available() ? torch.cuda.device_count() : 0;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return 0;
        }
    }
}
