using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Evaluation;

/// <summary>
/// Puts a module tree in eval mode with gradients off (or on, for the input gradients of estimates and
/// attacks), and on dispose gives every submodule back the exact mode it had (children set apart from their parent keep
/// their own setting).
/// </summary>
internal sealed class EvalModeScope : IDisposable
{
    private readonly List<(nn.Module module, bool training)> _modes = new();
    private readonly IDisposable _noGrad;

    public EvalModeScope(nn.Module model, bool gradients = false)
    {
        _modes.Add((model, model.training));
        foreach (var (_, m) in model.named_modules()) _modes.Add((m, m.training));
        model.eval();
        _noGrad = gradients ? torch.enable_grad() : torch.no_grad();
    }

    public void Dispose()
    {
        _noGrad.Dispose();
        // Pre-order: a parent's train() resets its children, whose own entries come later and win.
        foreach (var (m, training) in _modes)
            if (m.training != training) m.train(training);
    }
}
