namespace Xception.Compiler.Generator.Model;

/// <summary>
/// A range of characters in a JSON file: offsets for Roslyn's <c>TextSpan</c> and zero-based
/// line/column pairs for its <c>LinePositionSpan</c>. Kept Roslyn-free so the planner is testable alone.
/// </summary>
internal readonly record struct SourceSpan(int Start, int Length, int StartLine, int StartColumn, int EndLine, int EndColumn)
{
    public static SourceSpan None => default;
}

/// <summary>
/// A diagnostic as data: the catalog id, the message arguments and where it points. Turned into a
/// Roslyn <c>Diagnostic</c> only in the reporting output (see <c>DiagnosticDescriptors.ToDiagnostic</c>).
/// </summary>
internal sealed record DiagnosticInfo(string Id, EquatableArray<string> Arguments, string FilePath, SourceSpan Span)
{
    public static DiagnosticInfo Create(string id, string filePath, SourceSpan span, params string[] arguments) =>
        new(id, new EquatableArray<string>(arguments), filePath, span);
}
