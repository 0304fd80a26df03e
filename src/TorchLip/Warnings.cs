using System;

namespace TorchLip;

/// <summary>
/// Where TorchLip reports non-fatal warnings (the counterpart of Python's <c>warnings.warn</c>),
/// for example a <see cref="Modules.Sequential"/> holding a layer that is not a Lipschitz layer.
/// </summary>
/// <remarks>
/// By default a warning is written to standard error as <c>UserWarning: message</c>. Set
/// <see cref="Handler"/> to route warnings to your own logger, or to <c>null</c> to silence them.
/// </remarks>
public static class Warnings
{
    /// <summary>The default handler: writes <c>UserWarning: message</c> to standard error.</summary>
    public static readonly Action<string> StandardError = message => Console.Error.WriteLine("UserWarning: " + message);

    /// <summary>Receives every warning; <c>null</c> silences them. Defaults to <see cref="StandardError"/>.</summary>
    public static Action<string>? Handler { get; set; } = StandardError;

    /// <summary>Reports a warning through <see cref="Handler"/>.</summary>
    /// <param name="message">The warning text.</param>
    public static void Warn(string message) => Handler?.Invoke(message);
}
