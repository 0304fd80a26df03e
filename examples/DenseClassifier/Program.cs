using TorchSharp;
using static TorchLip.torchlip;

// A dense 1-Lipschitz classifier. The first TorchLip call loads libtorch (and explains what is missing if it cannot).
var model = Sequential(SpectralLinear(16, 32), FullSort(), SpectralLinear(32, 16), FullSort(), FrobeniusLinear(16, 1));
torch.manual_seed(0);
torch.set_num_threads(1);
// Two classes in 16 dimensions: Gaussian clouds around +0.3 and -0.3 (labels +1 / -1).
var y = torch.randint(0, 2, 512).to_type(torch.float32) * 2 - 1;
var x = torch.randn(512, 16) + 0.3f * y.unsqueeze(1);
var opt = Adam(model.parameters(), lr: 1e-2);
for (int epoch = 1; epoch <= 5; epoch++)
{
    for (long i = 0; i < 512; i += 64)
    {
        using var scope = torch.NewDisposeScope();
        var xb = x[torch.TensorIndex.Slice(i, i + 64)];
        var yb = y[torch.TensorIndex.Slice(i, i + 64)];
        var loss = hkr_loss(model.call(xb).squeeze(-1), yb, alpha: 10, min_margin: 1);
        opt.zero_grad(); loss.backward(); opt.step();
    }
}
model.eval();
using (torch.no_grad())
{
    var acc = (model.call(x).squeeze(-1).sign() == y).to_type(torch.float32).mean().item<float>();
    Console.WriteLine($"accuracy: {acc:F4}");
}
Console.WriteLine($"lipschitz_estimate: {lipschitz_pairwise_estimate(model, x[..200]):F6}");
Console.WriteLine($"max_singular_value: {layer_singular_values(model).Max(l => l.Max):F7}");
