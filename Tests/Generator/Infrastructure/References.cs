using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xception.Compiler.Runtime.Execution;

namespace Xception.Compiler.Tests.Generator.Infrastructure;

/// <summary>Hermetic references for compiling emitted code: .NET 8 reference assemblies plus the Runtime.</summary>
internal static class References
{
    public static readonly IReadOnlyList<MetadataReference> All =
        Basic.Reference.Assemblies.Net80.References.All
            .Cast<MetadataReference>()
            .Append(MetadataReference.CreateFromFile(typeof(ExecutionBackend).Assembly.Location))
            .ToArray();

    /// <summary>
    /// Minimal stand-ins for Runtime APIs the emitted code calls that the Runtime does not have yet
    /// (other engineers are writing them). Added only to the test compilation, only for types that
    /// are missing. TODO(lead): remove once KerasWeightFile, LoadedWeights, WeightFolding and
    /// ExecutionBackends exist in Runtime/ with these signatures.
    /// </summary>
    public static IEnumerable<SyntaxTree> MissingRuntimeStubs()
    {
        var runtime = typeof(ExecutionBackend).Assembly;
        bool Missing(string name) => runtime.GetType(name) is null;

        if (Missing("Xception.Compiler.Runtime.Weights.LoadedWeights"))
        {
            yield return Parse("""
                namespace Xception.Compiler.Runtime.Weights
                {
                    public sealed class LoadedWeights
                    {
                        public float[] this[int layer, int dataset] => throw new global::System.NotImplementedException();
                    }
                }
                """);
        }

        if (Missing("Xception.Compiler.Runtime.Weights.KerasWeightFile"))
        {
            yield return Parse("""
                namespace Xception.Compiler.Runtime.Weights
                {
                    public static class KerasWeightFile
                    {
                        public static LoadedWeights Load(string path, WeightTable table) => throw new global::System.NotImplementedException();
                    }
                }
                """);
        }

        if (Missing("Xception.Compiler.Runtime.Weights.WeightFolding"))
        {
            yield return Parse("""
                namespace Xception.Compiler.Runtime.Weights
                {
                    public static class WeightFolding
                    {
                        public static (float[] Kernel, float[] Bias) FoldBatchNorm(float[] kernel, int channels, float[]? bias, float[] gamma, float[] beta, float[] mean, float[] variance, float epsilon)
                            => throw new global::System.NotImplementedException();

                        public static (float[] Scale, float[] Shift) BatchNormScaleShift(float[] gamma, float[] beta, float[] mean, float[] variance, float epsilon)
                            => throw new global::System.NotImplementedException();
                    }
                }
                """);
        }

        if (Missing("Xception.Compiler.Runtime.Execution.ExecutionBackends"))
        {
            yield return Parse("""
                namespace Xception.Compiler.Runtime.Execution
                {
                    public static class ExecutionBackends
                    {
                        public static ExecutionBackend Create(global::Xception.Compiler.Runtime.InferenceOptions options) => throw new global::System.NotImplementedException();
                    }
                }
                """);
        }
    }

    private static SyntaxTree Parse(string source) =>
        CSharpSyntaxTree.ParseText(source, GeneratorHarness.ParseOptions.WithLanguageVersion(LanguageVersion.CSharp12), path: "RuntimeStubs.cs");
}
