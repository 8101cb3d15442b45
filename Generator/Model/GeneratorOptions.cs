namespace Xception.Compiler.Generator.Model;

/// <summary>The MSBuild facts the generator reads (through <c>CompilerVisibleProperty</c>), boiled down to a value.</summary>
internal sealed record GeneratorOptions(string? RootNamespace)
{
    public static GeneratorOptions Default { get; } = new((string?)null);
}
