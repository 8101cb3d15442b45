using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xception.Compiler.Generator;
using Xception.Compiler.Tests.Generator.Infrastructure;

namespace Xception.Compiler.Tests.Generator;

/// <summary>Caching: what re-runs after which edit, and that no Roslyn object leaks into a step.</summary>
public sealed class IncrementalTests
{
    private const string Mini = "Tests/Models/MiniXception90x72.xcs.json";

    private static string[] TrackedNames() =>
        typeof(TrackingNames).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => (string)f.GetRawConstantValue()!)
            .OrderBy(n => n, StringComparer.Ordinal)
            .ToArray();

    private static (GeneratorDriver Driver, Compilation Compilation, List<AdditionalText> Files) FirstRun()
    {
        List<AdditionalText> files = ModelFiles.Files(Mini);
        GeneratorDriver driver = GeneratorHarness.CreateDriver(files, "Sample");
        Compilation compilation = GeneratorHarness.EmptyCompilation();
        driver = driver.RunGenerators(compilation);
        return (driver, compilation, files);
    }

    private static IEnumerable<IncrementalStepRunReason> Reasons(GeneratorRunResult result, string step) =>
        result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason);

    [Fact]
    public void TrackingNames_AreAllUsedByThePipeline()
    {
        (GeneratorDriver driver, _, _) = FirstRun();
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        Assert.Equal(
            new[] { "BindLabels", "ClassNames", "Diagnostics", "Emit", "ExecutionPlan", "LabelFiles", "ModelFiles", "Options", "ParseModel", "Plan", "WeightTables" },
            TrackedNames());
        foreach (string name in TrackedNames())
        {
            Assert.True(result.TrackedSteps.ContainsKey(name), "step not tracked: " + name);
        }
    }

    [Fact]
    public void UnrelatedCodeEdit_DoesNotRegenerate()
    {
        (GeneratorDriver driver, Compilation compilation, _) = FirstRun();
        string before = driver.GetRunResult().GeneratedTrees.Single().GetText().ToString();
        Compilation edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Consumer { internal sealed class Other { } }", GeneratorHarness.ParseOptions));
        driver = driver.RunGenerators(edited);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();

        foreach (string name in TrackedNames())
        {
            Assert.All(Reasons(result, name), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, name + ": " + r));
        }

        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
        Assert.Equal(before, result.GeneratedSources.Single().SourceText.ToString());
    }

    [Fact]
    public void DescriptionEdit_Regenerates()
    {
        (GeneratorDriver driver, _, List<AdditionalText> files) = FirstRun();
        AdditionalText description = files[0];
        string text = description.GetText()!.ToString();
        string changed = text.Replace("\"units\": 10, \"use_bias\": true, \"activation\": \"softmax\"", "\"units\": 10, \"use_bias\": true, \"activation\": \"relu\"", StringComparison.Ordinal);
        Assert.NotEqual(text, changed);
        driver = driver.ReplaceAdditionalText(description, new InMemoryAdditionalText(description.Path, changed));
        driver = driver.RunGenerators(GeneratorHarness.EmptyCompilation());
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(result, TrackingNames.ParseModel));
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(result, TrackingNames.Emit));
        string source = result.GeneratedSources.Single().SourceText.ToString();
        Assert.DoesNotContain("Backend.Softmax(", source, StringComparison.Ordinal);
    }

    [Fact]
    public void WhitespaceEditOfDescription_ReparsesButDoesNotReEmit()
    {
        (GeneratorDriver driver, _, List<AdditionalText> files) = FirstRun();
        AdditionalText description = files[0];
        driver = driver.ReplaceAdditionalText(description, new InMemoryAdditionalText(description.Path, "\n\n" + description.GetText()!));
        driver = driver.RunGenerators(GeneratorHarness.EmptyCompilation());
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(result, TrackingNames.ParseModel));

        // The plan result carries positions (diagnostics, where the class is named), so it changes; the
        // position-free execution plan inside it does not, and nothing is emitted again.
        Assert.All(Reasons(result, TrackingNames.Plan), r => Assert.Equal(IncrementalStepRunReason.Modified, r));
        Assert.All(Reasons(result, TrackingNames.ExecutionPlan), r => Assert.Equal(IncrementalStepRunReason.Unchanged, r));
        Assert.All(Reasons(result, TrackingNames.Emit), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
    }

    [Fact]
    public void ShapeTableEdit_Regenerates()
    {
        (GeneratorDriver driver, _, List<AdditionalText> files) = FirstRun();
        AdditionalText table = files[1];
        string text = table.GetText()!.ToString();
        string changed = text.Replace("block1_conv1/block1_conv1/kernel:0", "block1_conv1/block1_conv1/kernel_renamed:0", StringComparison.Ordinal);
        Assert.NotEqual(text, changed);
        driver = driver.ReplaceAdditionalText(table, new InMemoryAdditionalText(table.Path, changed));
        driver = driver.RunGenerators(GeneratorHarness.EmptyCompilation());
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        Assert.All(Reasons(result, TrackingNames.ParseModel), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(result, TrackingNames.WeightTables));
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(result, TrackingNames.Emit));
        Assert.Contains("kernel_renamed:0", result.GeneratedSources.Single().SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void StepOutputs_HoldNoRoslynObjects()
    {
        (GeneratorDriver driver, _, _) = FirstRun();
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        foreach (var step in result.TrackedSteps)
        {
            foreach (IncrementalGeneratorRunStep run in step.Value)
            {
                foreach ((object value, _) in run.Outputs)
                {
                    AssertNoRoslynObjects(value, step.Key, new HashSet<object>(ReferenceEqualityComparer.Instance));
                }
            }
        }
    }

    private static void AssertNoRoslynObjects(object? node, string step, HashSet<object> seen)
    {
        if (node is null || node is string || node.GetType().IsPrimitive || node.GetType().IsEnum || !seen.Add(node))
        {
            return;
        }

        Assert.False(node is Compilation or ISymbol or SyntaxNode or SyntaxTree or Location or SemanticModel,
            step + " holds a " + node.GetType().FullName);
        // Arrays are walked item by item; other collections through their fields (ImmutableArray, List).
        if (node is Array sequence)
        {
            foreach (object? item in sequence)
            {
                AssertNoRoslynObjects(item, step, seen);
            }
        }

        for (Type? t = node.GetType(); t is not null && t != typeof(object); t = t.BaseType)
        {
            foreach (FieldInfo field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                if (field.FieldType.IsPointer || field.FieldType.IsByRefLike)
                {
                    continue;
                }

                AssertNoRoslynObjects(field.GetValue(node), step, seen);
            }
        }
    }
}
