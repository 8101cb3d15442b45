namespace Xception.Compiler.Generator.Model;

/// <summary>
/// The constants of a preprocessing layer, each either one value for every channel or one per channel.
/// Rescaling: y = x·Scale + Offset. Normalization: y = (x − Mean) / max(√Variance, 1e-7); with no
/// Mean and Variance written, they come from the weight file (Keras's adapted <c>mean</c>, <c>variance</c>, <c>count</c>).
/// </summary>
internal sealed record PreprocessingValues
{
    public static PreprocessingValues None { get; } = new();

    public EquatableArray<double> Scale { get; init; } = EquatableArray<double>.Empty;

    public EquatableArray<double> Offset { get; init; } = EquatableArray<double>.Empty;

    public EquatableArray<double> Mean { get; init; } = EquatableArray<double>.Empty;

    public EquatableArray<double> Variance { get; init; } = EquatableArray<double>.Empty;

    /// <summary>Where the constants are written (the first of them), for the channel-count diagnostic.</summary>
    public SourceSpan Span { get; init; } = SourceSpan.None;

    /// <summary>A Normalization whose mean and variance are written in the description: it has no weights.</summary>
    public bool HasInlineStatistics => Mean.Count > 0;
}
