namespace Xception.Compiler.Generator.Model;

/// <summary>
/// The class names a description declares in <c>labels</c>: written inline, or named by a path (then
/// <see cref="Names"/> stays empty until <c>LabelBinder</c> fills it from the AdditionalFile).
/// </summary>
internal sealed record ModelLabels
{
    public static ModelLabels None { get; } = new() { Names = EquatableArray<string>.Empty, Path = null, Span = SourceSpan.None };

    public required EquatableArray<string> Names { get; init; }

    /// <summary>The file the names come from, as written (relative to the description), or null for an inline list.</summary>
    public required string? Path { get; init; }

    /// <summary>Where <c>labels</c>' value is written, for diagnostics.</summary>
    public required SourceSpan Span { get; init; }

    public bool IsDeclared => Path is not null || Names.Count > 0;
}

/// <summary>A parsed labels file (<c>*.labels.txt</c> or <c>*.labels.json</c>): its names (null when malformed) and diagnostics.</summary>
internal sealed record ParsedLabelFile(string FilePath, EquatableArray<string>? Names, EquatableArray<DiagnosticInfo> Diagnostics);
