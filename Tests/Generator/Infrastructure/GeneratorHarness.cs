using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Xception.Compiler.Generator;

namespace Xception.Compiler.Tests.Generator.Infrastructure;

/// <summary>An AdditionalFile held in memory.</summary>
internal sealed class InMemoryAdditionalText : AdditionalText
{
    private readonly SourceText _text;

    public InMemoryAdditionalText(string path, string text)
    {
        Path = path;
        _text = SourceText.From(text, Encoding.UTF8);
    }

    public override string Path { get; }

    public override SourceText GetText(CancellationToken cancellationToken = default) => _text;
}

/// <summary>MSBuild properties as the compiler hands them to generators (build_property.*).</summary>
internal sealed class TestOptionsProvider : AnalyzerConfigOptionsProvider
{
    private readonly TestOptions _global;

    public TestOptionsProvider(IDictionary<string, string> global)
    {
        _global = new TestOptions(global);
    }

    public override AnalyzerConfigOptions GlobalOptions => _global;

    public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => TestOptions.Empty;

    public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => TestOptions.Empty;

    private sealed class TestOptions : AnalyzerConfigOptions
    {
        public static readonly TestOptions Empty = new(new Dictionary<string, string>());

        private readonly IDictionary<string, string> _values;

        public TestOptions(IDictionary<string, string> values)
        {
            _values = values;
        }

        public override bool TryGetValue(string key, out string value)
        {
            if (_values.TryGetValue(key, out string? v))
            {
                value = v;
                return true;
            }

            value = string.Empty;
            return false;
        }
    }
}

/// <summary>Runs <see cref="XceptionGenerator"/> in a <see cref="CSharpGeneratorDriver"/> with step tracking.</summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.CSharp12);

    public static CSharpCompilation EmptyCompilation(string source = "namespace Consumer { internal static class Program { } }") =>
        CSharpCompilation.Create(
            "Consumer",
            new[] { CSharpSyntaxTree.ParseText(source, ParseOptions) },
            References.All,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver CreateDriver(IEnumerable<AdditionalText> files, string? rootNamespace = null)
    {
        var global = new Dictionary<string, string>();
        if (rootNamespace is not null)
        {
            global["build_property.RootNamespace"] = rootNamespace;
        }

        return CSharpGeneratorDriver.Create(
            new[] { new XceptionGenerator().AsSourceGenerator() },
            files,
            ParseOptions,
            new TestOptionsProvider(global),
            new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
    }

    /// <summary>Runs the generator once; returns the run result and the compilation with the generated sources.</summary>
    public static (GeneratorDriverRunResult Result, Compilation Output) Run(IEnumerable<AdditionalText> files, string? rootNamespace = null)
    {
        GeneratorDriver driver = CreateDriver(files, rootNamespace);
        driver = driver.RunGeneratorsAndUpdateCompilation(EmptyCompilation(), out Compilation output, out _);
        return (driver.GetRunResult(), output);
    }

    public static ImmutableArray<Diagnostic> GeneratorDiagnostics(GeneratorDriverRunResult result) =>
        result.Results.SelectMany(r => r.Diagnostics).ToImmutableArray();
}
