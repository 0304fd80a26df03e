namespace TorchLip;

/// <summary>
/// Entry point that reads like deel-torchlip: factories for every layer and loss module
/// (<c>torchlip.SpectralLinear(784, 128)</c>, <c>torchlip.Sequential(...)</c>), the stateless activations and losses
/// (deel-torchlip's <c>torchlip.functional.hkr_loss</c> is <c>torchlip.hkr_loss</c>), the model inspection helpers
/// (deel-torchlip's <c>torchlip.utils</c>: <c>torchlip.lipschitz_pairwise_estimate</c>, <c>torchlip.binary_certificates</c>,
/// ...), <c>torchlip.Adam</c>, and the nested <see cref="normalizers"/> class.
/// </summary>
/// <remarks>
/// No member is named like a nested class of TorchSharp's <c>torch</c> or <c>torch.nn</c> (<c>optim</c>, <c>utils</c>,
/// <c>functional</c>, ...): <c>using static TorchLip.torchlip;</c> beside TorchSharp's usual
/// <c>using static TorchSharp.torch;</c> and <c>using static TorchSharp.torch.nn;</c> leaves every name unambiguous
/// (<c>optim</c>, <c>utils</c> and <c>functional</c> stay TorchSharp's), and <c>Sequential(...)</c> of layers is this
/// class's (see <see cref="Sequential(TorchSharp.torch.nn.Module{TorchSharp.torch.Tensor, TorchSharp.torch.Tensor}, TorchSharp.torch.nn.Module{TorchSharp.torch.Tensor, TorchSharp.torch.Tensor}[])"/>).
/// </remarks>
public static partial class torchlip
{
}
