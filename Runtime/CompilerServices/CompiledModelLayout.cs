using System.ComponentModel;

namespace Xception.Compiler.Runtime.CompilerServices;

/// <summary>
/// The static facts about a compiled model that its <see cref="CompiledModel"/> base needs to check inputs
/// and run chunks: the input image shape, the output length, and the buffer plan's slots. Generated code
/// fills it from its own constants.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class CompiledModelLayout
{
    /// <summary>Input height in pixels.</summary>
    public required int InputHeight { get; init; }

    /// <summary>Input width in pixels.</summary>
    public required int InputWidth { get; init; }

    /// <summary>Input channels (innermost: NHWC).</summary>
    public required int InputChannels { get; init; }

    /// <summary>Floats per output image.</summary>
    public required int OutputLength { get; init; }

    /// <summary>The buffer plan: floats per image of each activation slot, by slot index.</summary>
    public required long[] SlotFloatsPerImage { get; init; }

    /// <summary>The slot the input batch is written to.</summary>
    public required int InputSlot { get; init; }

    /// <summary>The slot the output batch is read from.</summary>
    public required int OutputSlot { get; init; }

    /// <summary>Floats per input image: height × width × channels.</summary>
    public int InputLength => InputHeight * InputWidth * InputChannels;
}
