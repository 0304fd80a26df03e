namespace TorchLip;

/// <summary>
/// Entry point that reads like deel-torchlip: factories for every layer and loss
/// (<c>torchlip.SpectralLinear(784, 128)</c>), and the nested <see cref="functional"/> and
/// <see cref="normalizers"/> classes. With <c>using static TorchLip.torchlip;</c> the Python tutorial's code ports
/// almost word for word.
/// </summary>
public static partial class torchlip
{
}
