using System.ComponentModel;

namespace Xception.Compiler.Runtime.CompilerServices;

/// <summary>
/// The static facts about a compiled model that its <see cref="CompiledModel"/> base needs to check inputs
/// and run chunks: the class's <see cref="CompiledModelInfo"/> (input image shape, output length) and the buffer
/// plan's slots. Generated code fills it from its own members.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class CompiledModelLayout
{
    /// <summary>The class's own <c>Info</c>: the input image shape and the output length, stated once.</summary>
    public required CompiledModelInfo Model { get; init; }

    /// <summary>The buffer plan: floats per image of each activation slot, by slot index.</summary>
    public required long[] SlotFloatsPerImage { get; init; }

    /// <summary>The slot the input batch is written to.</summary>
    public required int InputSlot { get; init; }

    /// <summary>The slot the output batch is read from.</summary>
    public required int OutputSlot { get; init; }
}
