using Xception.Compiler.Generator.Model;

namespace Xception.Compiler.Generator.Emitting;

/// <summary>One emitted file, with where its model is named (to report a clash of hint names there).</summary>
internal sealed record GeneratedSource(string HintName, string Text, string ModelPath, SourceSpan NameSpan, string ClassName);
