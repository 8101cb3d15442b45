namespace Xception.Compiler.Runtime.Cpu;

/// <summary>A weight tensor on the CPU backend: as uploaded, packed into panels, or both.</summary>
internal sealed class WeightEntry
{
    /// <summary>The tensor as uploaded; dropped once packed (the packed copy is what the kernels read).</summary>
    public float[]? Raw;

    public PackedPanels? Packed;
}
