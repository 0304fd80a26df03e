using System.Text.Json;
using System.Text.Json.Serialization;

namespace TorchLip.Cli.Output;

/// <summary>The JSON form of a job report: snake_case keys, indented.</summary>
public static class ReportJson
{
    /// <summary>The serializer settings used for report.json.</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        // A diverged run may produce NaN; it must still be reported, not crash the writer.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Serializes <paramref name="report"/>.</summary>
    /// <typeparam name="T">The report's type.</typeparam>
    /// <param name="report">The report.</param>
    public static string Serialize<T>(T report) => JsonSerializer.Serialize(report, Options);
}
