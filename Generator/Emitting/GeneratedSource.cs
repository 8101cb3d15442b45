namespace Xception.Compiler.Generator.Emitting;

/// <summary>One emitted file and the description it comes from.</summary>
internal sealed record GeneratedSource(string HintName, string Text, string ModelPath);
