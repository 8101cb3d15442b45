using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;
using Xception.Compiler.Runtime;
using Xception.Compiler.Runtime.Import;
using Xception.Compiler.Tests.Generator.Infrastructure;

namespace Xception.Compiler.Tests.Import;

/// <summary>
/// An imported description taken through the generator as a project would: generated from the two
/// written files, compiled against the Runtime and loaded into a collectible context.
/// </summary>
internal sealed class ImportedModel : IDisposable
{
    private readonly AssemblyLoadContext _context;

    private ImportedModel(AssemblyLoadContext context, Type type, IReadOnlyList<Diagnostic> diagnostics, string generatedSource)
    {
        _context = context;
        Type = type;
        Diagnostics = diagnostics;
        GeneratedSource = generatedSource;
    }

    /// <summary>The text the generator emitted.</summary>
    public string GeneratedSource { get; }

    public Type Type { get; }

    /// <summary>Generator and compiler diagnostics, hidden ones excluded.</summary>
    public IReadOnlyList<Diagnostic> Diagnostics { get; }

    public static ImportedModel Compile(ImportResult imported)
    {
        var files = new List<AdditionalText>
        {
            new InMemoryAdditionalText(imported.DescriptionPath, File.ReadAllText(imported.DescriptionPath)),
            new InMemoryAdditionalText(imported.ShapeTablePath, File.ReadAllText(imported.ShapeTablePath)),
        };
        (GeneratorDriverRunResult result, _) = GeneratorHarness.Run(files, rootNamespace: "Imported");
        var diagnostics = GeneratorHarness.GeneratorDiagnostics(result).ToList();
        Assert.True(diagnostics.Count == 0, string.Join("\n", diagnostics));
        SyntaxTree generated = Assert.Single(result.GeneratedTrees);
        CSharpCompilation compilation = CSharpCompilation.Create(
            "Imported_" + Path.GetFileNameWithoutExtension(imported.ShapeTablePath).Replace('.', '_'),
            new[] { generated },
            References.All,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, warningLevel: 9999));
        diagnostics.AddRange(compilation.GetDiagnostics().Where(d => d.Severity != DiagnosticSeverity.Hidden));
        using var image = new MemoryStream();
        EmitResult emitted = compilation.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        image.Position = 0;
        var context = new AssemblyLoadContext(imported.DescriptionPath, isCollectible: true);
        Type type = Assert.Single(context.LoadFromStream(image).GetTypes(), t => t.BaseType == typeof(CompiledModel));
        return new ImportedModel(context, type, diagnostics, generated.ToString());
    }

    /// <summary>The generated <c>Load(weightsPath, options)</c>.</summary>
    public ICompiledModel Load(string weightsPath, InferenceOptions options)
    {
        MethodInfo load = Type.GetMethod("Load", BindingFlags.Public | BindingFlags.Static, new[] { typeof(string), typeof(InferenceOptions) })
            ?? throw new InvalidOperationException(Type.Name + " has no Load(string, InferenceOptions).");
        return (ICompiledModel)load.Invoke(null, new object[] { weightsPath, options })!;
    }

    public void Dispose() => _context.Unload();
}
