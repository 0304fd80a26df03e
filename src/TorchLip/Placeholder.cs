namespace TorchLip
{
    /// <summary>Temporary.</summary>
    public static class Placeholder { }
}
