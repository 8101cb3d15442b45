using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xception.Compiler.Tests.Generator.Infrastructure;

namespace Xception.Compiler.Tests.Generator;

/// <summary>The emitted code compiles, warning-free, against .NET 8 reference assemblies and the Runtime.</summary>
public sealed class CompileTests
{
    public static IEnumerable<object[]> Descriptions() =>
        new[] { ModelFiles.Full }.Concat(ModelFiles.Minis).Select(d => new object[] { d });

    // Uses every member of the contract, so a renamed or missing member fails to compile.
    private const string ConsumerSource = """
        using System;
        using Xception.Compiler.Runtime;
        using Xception.Compiler.Runtime.Weights;

        namespace Consumer
        {
            internal static class UsesTheContract
            {
                public static void Run()
                {
                    using Sample.Xception model = Sample.Xception.Load("weights.h5", new InferenceOptions { Backend = Backend.Cpu, MaxBatch = 2 });
                    int length = Sample.Xception.InputHeight * Sample.Xception.InputWidth * Sample.Xception.InputChannels;
                    float[] input = new float[Sample.Xception.InputLength];
                    float[] probabilities = model.Predict(input);
                    model.Predict(input, new float[Sample.Xception.OutputLength]);
                    float[] stated = model.Predict(input, batch: 1);
                    model.Predict(input, new float[Sample.Xception.OutputLength], batch: 1);
                    ICompiledModel any = model;
                    int lengths = any.InputLength + any.OutputLength;
                    float[] traced = model.Trace(input, (step, layer, dims, values) => { });
                    ReadOnlySpan<int> shape = Sample.Xception.OutputShape;
                    long arena = Sample.Xception.ArenaBytesPerImage;
                    WeightTable table = Sample.Xception.WeightTable;
                    string url = Sample.Xception.WeightsUrl + Sample.Xception.WeightsMd5 + model.BackendName;
                    GC.KeepAlive(new object[] { length, probabilities, stated, lengths, traced, shape.Length, arena, table, url });
                }
            }
        }
        """;

    [Theory]
    [MemberData(nameof(Descriptions))]
    public void EmittedSource_CompilesAgainstRuntime_WithZeroDiagnostics(string description)
    {
        (GeneratorDriverRunResult result, _) = GeneratorHarness.Run(ModelFiles.Files(description), rootNamespace: "Sample");
        Assert.Empty(GeneratorHarness.GeneratorDiagnostics(result));
        SyntaxTree generated = Assert.Single(result.GeneratedTrees);

        var trees = new List<SyntaxTree> { generated };
        if (description == ModelFiles.Full)
        {
            trees.Add(CSharpSyntaxTree.ParseText(ConsumerSource, GeneratorHarness.ParseOptions));
        }

        CSharpCompilation compilation = CSharpCompilation.Create(
            "EmittedModel",
            trees,
            References.All,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, warningLevel: 9999));
        var diagnostics = compilation.GetDiagnostics().Where(d => d.Severity != DiagnosticSeverity.Hidden).ToList();
        Assert.True(diagnostics.Count == 0, string.Join("\n", diagnostics));
    }

    [Fact]
    public void EmittedSource_WithoutNamespace_UsesGlobalNamespace()
    {
        (GeneratorDriverRunResult result, _) = GeneratorHarness.Run(ModelFiles.Files(ModelFiles.Full), rootNamespace: null);
        string text = Assert.Single(result.GeneratedTrees).GetText().ToString();
        Assert.DoesNotContain("\nnamespace ", text, System.StringComparison.Ordinal);
        Assert.Contains("public sealed partial class Xception : global::Xception.Compiler.Runtime.CompiledModel", text, System.StringComparison.Ordinal);
    }

    [Fact]
    public void EmittedSource_DescriptionNamespace_WinsOverRootNamespace()
    {
        (GeneratorDriverRunResult result, _) = GeneratorHarness.Run(ModelFiles.Files("Tests/Models/MiniXception71.xcs.json"), rootNamespace: "Sample");
        string text = Assert.Single(result.GeneratedTrees).GetText().ToString();
        Assert.Contains("\nnamespace Xception.Compiler.Tests.Models;\n", text, System.StringComparison.Ordinal);
        Assert.EndsWith("MiniXception71.g.cs", result.GeneratedTrees[0].FilePath, System.StringComparison.Ordinal);
    }
}
