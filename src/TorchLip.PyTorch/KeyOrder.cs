using System;
using System.Collections.Generic;

namespace TorchLip.PyTorch
{
    /// <summary>State-dict keys in a reader's order: dot-separated parts compared as numbers where both are numbers ("2.weight" before "10.weight").</summary>
    internal sealed class KeyOrder : IComparer<string>
    {
        public static KeyOrder Instance { get; } = new();

        public int Compare(string? x, string? y)
        {
            var a = (x ?? "").Split('.');
            var b = (y ?? "").Split('.');
            for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
            {
                int c = long.TryParse(a[i], out var m) && long.TryParse(b[i], out var n) ? m.CompareTo(n) : string.CompareOrdinal(a[i], b[i]);
                if (c != 0) return c;
            }
            return a.Length.CompareTo(b.Length);
        }
    }
}
