using System.ComponentModel;

namespace Xception.Compiler.Runtime.CompilerServices;

/// <summary>A weight tensor uploaded to a backend (after BN folding and packing).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly record struct WeightHandle(int Index)
{
    /// <summary>No tensor (for example: no bias).</summary>
    public static WeightHandle None => new(-1);

    public bool IsNone => Index < 0;
}
