using System.Globalization;

namespace TorchLip.Internal
{
    /// <summary>Values printed the way PyTorch's module descriptions print them (<c>True</c>, <c>0.5</c>).</summary>
    internal static class PythonRepr
    {
        public static string Number(double x) => x.ToString("R", CultureInfo.InvariantCulture);

        public static string Bool(bool b) => b ? "True" : "False";
    }
}
