using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Training;

/// <summary>
/// Eval mode without gradient for a whole module tree; on dispose every submodule gets back the exact mode it had (a
/// child set to eval apart from its training parent stays in eval). The Training twin of the library's internal
/// <c>EvalModeScope</c>.
/// </summary>
internal sealed class EvalMode : IDisposable
{
    private readonly List<(nn.Module Module, bool Training)> _modes = new();
    private readonly IDisposable _noGrad;

    public EvalMode(nn.Module model)
    {
        _modes.Add((model, model.training));
        foreach (var (_, m) in model.named_modules()) _modes.Add((m, m.training));
        model.eval();
        _noGrad = torch.no_grad();
    }

    public void Dispose()
    {
        _noGrad.Dispose();
        // Pre-order: a parent's train() resets its children, whose own entries come later and win.
        foreach (var (m, training) in _modes)
            if (m.training != training) m.train(training);
    }
}
