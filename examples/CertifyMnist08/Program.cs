using TorchLip.Data;
using TorchSharp;
using static TorchLip.torchlip;

// MNIST digits 0 (label +1) and 8 (label -1). The first run downloads the raw files (about 11 MB) into
// ~/.cache/torchlip/mnist (or $TORCHLIP_DATA_DIR) and checks their SHA-256.
using var trainSplit = MnistDataset.Load(train: true);
using var testSplit = MnistDataset.Load(train: false);
using var train = DataPreparation.prepare_data(trainSplit, class_a: 0, class_b: 8);
using var test = DataPreparation.prepare_data(testSplit, class_a: 0, class_b: 8);
Console.WriteLine($"train {train.Count} images, test {test.Count} images");

// The tutorial's network and training: HKR loss, Adam 1e-3, batch 128.
torch.manual_seed(0);
var model = Sequential(torch.nn.Flatten(), SpectralLinear(784, 128), FullSort(), SpectralLinear(128, 64), FullSort(),
    SpectralLinear(64, 32), FullSort(), FrobeniusLinear(32, 1));
var optimizer = Adam(model.parameters(), lr: 1e-3);
int epochs = args.Length > 0 ? int.Parse(args[0]) : 10;
for (int epoch = 1; epoch <= epochs; epoch++)
{
    var order = torch.randperm(train.Count);
    for (long i = 0; i < train.Count; i += 128)
    {
        using var scope = torch.NewDisposeScope();
        var batch = order[torch.TensorIndex.Slice(i, i + 128)];
        var loss = hkr_loss(model.call(train.x[batch]), train.y[batch], alpha: 10, min_margin: 1);
        optimizer.zero_grad(); loss.backward(); optimizer.step();
    }
}
model.eval();

// Certificates: |f(x)| / L is a guaranteed L2 distance from x to the decision boundary (pixels in [0, 1]).
var radii = binary_certificates(model, test.x);
Console.WriteLine($"accuracy: {provable_robust_accuracy(model, test.x, test.y, 0.0):F4}");
foreach (var eps in new[] { 0.5, 1.0, 1.5, 2.0 })
    Console.WriteLine($"certified_accuracy(eps={eps:F1}): {provable_robust_accuracy(model, test.x, test.y, eps):F4}");
Console.WriteLine($"median_certificate: {radii.median().item<double>():F4}");

// An attack may not beat a certificate: 20 projected gradient steps toward the boundary, each image kept within
// 0.999 of its own radius, change no prediction; with twice the room, the same attack changes some.
var sign = model.call(test.x).detach().sign();
long Attack(double scale)
{
    var delta = torch.zeros_like(test.x).requires_grad_(true);
    var room = (scale * radii).to_type(torch.float32).reshape(-1, 1, 1, 1);
    for (int step = 0; step < 20; step++)
    {
        using var scope = torch.NewDisposeScope();
        var g = torch.autograd.grad(new[] { (model.call(test.x + delta) * sign).sum() }, new[] { delta })[0];
        using var noGrad = torch.no_grad();
        var next = delta - room / 10 * g / g.flatten(1).norm(1).clamp_min(1e-12).reshape(-1, 1, 1, 1);
        delta.copy_(next * torch.minimum(room / next.flatten(1).norm(1).clamp_min(1e-30).reshape(-1, 1, 1, 1), torch.ones(1)));
    }
    using (torch.no_grad()) return (model.call(test.x + delta).sign() != sign).sum().item<long>();
}
Console.WriteLine($"attack_within_certificate_changed: {Attack(0.999)} of {test.Count}");
Console.WriteLine($"attack_within_twice_certificate_changed: {Attack(2.0)} of {test.Count}");
Console.WriteLine($"lipschitz_estimate: {lipschitz_pairwise_estimate(model, test.x[..300]):F6}");
Console.WriteLine($"max_singular_value: {layer_singular_values(model).Max(l => l.Max):F7}");
