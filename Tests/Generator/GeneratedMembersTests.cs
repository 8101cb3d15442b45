using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;
using Xception.Compiler.Generator.Emitting;
using Xception.Compiler.Generator.Parsing;
using Xception.Compiler.Runtime;
using Xception.Compiler.Tests.Generator.Infrastructure;

namespace Xception.Compiler.Tests.Generator;

/// <summary>
/// The reserved class names are the names a generated class really has: each repository description is
/// generated, compiled and loaded, and every member name it declares, inherits (non-private, from
/// <see cref="CompiledModel"/> and <see cref="object"/>) or nests must be rejected as a model name.
/// </summary>
public sealed class GeneratedMembersTests
{
    private const BindingFlags Everything = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    public static IEnumerable<object[]> Descriptions() =>
        new[] { ModelFiles.Full }.Concat(ModelFiles.Minis).Select(d => new object[] { d });

    [Theory]
    [MemberData(nameof(Descriptions))]
    public void EveryMemberNameOfACompiledModel_IsReserved(string description)
    {
        Type type = CompileAndLoad(description, out AssemblyLoadContext context);
        try
        {
            List<string> names = MemberNames(type);

            // The walk sees what matters: emitted constants, per-step fields and structs, and inherited members.
            Assert.Contains("InputLength", names);
            Assert.Contains("RunSteps", names);
            Assert.Contains("Trace", names);
            Assert.Contains("Observe", names);
            Assert.Contains("ToString", names);
            Assert.Contains(names, n => n.StartsWith("Step", StringComparison.Ordinal) && n.EndsWith("Shape", StringComparison.Ordinal));
            Assert.Contains(names, n => n.StartsWith("_b", StringComparison.Ordinal));

            List<string> missing = names.Where(n => !GeneratedMembers.IsReserved(n)).ToList();
            Assert.True(missing.Count == 0, "members of " + type.Name + " that a model may be named: " + string.Join(", ", missing));
            Assert.All(names, n => Assert.NotNull(ModelNames.Validate(n)));
        }
        finally
        {
            context.Unload();
        }
    }

    [Theory]
    [InlineData("Step")]
    [InlineData("StepShape")]
    [InlineData("Step3Shapes")]
    [InlineData("StepXShape")]
    [InlineData("_w")]
    [InlineData("_wx1")]
    [InlineData("ThrowIfDisposed")]
    [InlineData("CheckInput")]
    [InlineData("RunChunk")]
    [InlineData("Xception")]
    public void NamesNoGeneratedClassHas_AreNotReserved(string name)
    {
        Assert.False(GeneratedMembers.IsReserved(name));
        Assert.Null(ModelNames.Validate(name));
    }

    /// <summary>Names the generated class once had, now private to CompiledModel: a model may take them.</summary>
    [Theory]
    [InlineData("ThrowIfDisposed")]
    [InlineData("CheckInput")]
    [InlineData("RunChunk")]
    public void ModelNamedAfterAPrivateMemberOfTheBase_BuildsAndCompiles(string name)
    {
        string tiny = RepoFiles.Read(RepoFiles.TestData("Broken/valid_tiny.xcs.json")).Replace("\"TinyNet\"", "\"" + name + "\"", StringComparison.Ordinal);
        var files = new List<AdditionalText>
        {
            new InMemoryAdditionalText("/tiny/named.xcs.json", tiny),
            new InMemoryAdditionalText("/tiny/tiny.shapes.json", RepoFiles.Read(RepoFiles.TestData("Broken/tiny.shapes.json"))),
        };

        (GeneratorDriverRunResult result, _) = GeneratorHarness.Run(files, rootNamespace: "Sample");

        Assert.Empty(GeneratorHarness.GeneratorDiagnostics(result));
        CSharpCompilation compilation = CSharpCompilation.Create(
            "Named" + name,
            new[] { Assert.Single(result.GeneratedTrees) },
            References.All,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, warningLevel: 9999));
        List<Diagnostic> diagnostics = compilation.GetDiagnostics().Where(d => d.Severity != DiagnosticSeverity.Hidden).ToList();
        Assert.True(diagnostics.Count == 0, string.Join("\n", diagnostics));
        Assert.NotNull(compilation.GetTypeByMetadataName("Sample." + name));
    }

    private static List<string> MemberNames(Type type)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (MemberInfo member in type.GetMembers(Everything))
        {
            Add(names, member, inherited: false);
        }

        for (Type? baseType = type.BaseType; baseType is not null; baseType = baseType.BaseType)
        {
            foreach (MemberInfo member in baseType.GetMembers(Everything))
            {
                Add(names, member, inherited: true);
            }
        }

        return names.ToList();
    }

    private static void Add(SortedSet<string> names, MemberInfo member, bool inherited)
    {
        // Constructors, accessors and compiler-made members (backing fields, lambda caches) have names no C#
        // class can take.
        if (member is ConstructorInfo || member.Name.Contains('<', StringComparison.Ordinal) || member.IsDefined(typeof(CompilerGeneratedAttribute))
            || member is MethodInfo { IsSpecialName: true })
        {
            return;
        }

        if (inherited && IsPrivate(member))
        {
            return;
        }

        names.Add(member.Name);
    }

    private static bool IsPrivate(MemberInfo member) => member switch
    {
        MethodInfo m => m.IsPrivate || m.IsAssembly || m.IsFamilyAndAssembly,
        FieldInfo f => f.IsPrivate || f.IsAssembly || f.IsFamilyAndAssembly,
        PropertyInfo p => p.GetAccessors(nonPublic: true).All(a => a.IsPrivate || a.IsAssembly || a.IsFamilyAndAssembly),
        Type t => t.IsNestedPrivate || t.IsNestedAssembly || t.IsNestedFamANDAssem,
        _ => false,
    };

    private static Type CompileAndLoad(string description, out AssemblyLoadContext context)
    {
        (GeneratorDriverRunResult result, _) = GeneratorHarness.Run(ModelFiles.Files(description), rootNamespace: "Sample");
        SyntaxTree generated = Assert.Single(result.GeneratedTrees);
        CSharpCompilation compilation = CSharpCompilation.Create(
            "GeneratedMembers_" + Path.GetFileNameWithoutExtension(description).Replace('.', '_'),
            new[] { generated },
            References.All,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        using var image = new MemoryStream();
        EmitResult emitted = compilation.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        image.Position = 0;
        context = new AssemblyLoadContext(description, isCollectible: true);
        Assembly assembly = context.LoadFromStream(image);
        return Assert.Single(assembly.GetTypes(), t => t.BaseType == typeof(CompiledModel));
    }
}
