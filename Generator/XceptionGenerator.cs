using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Xception.Compiler.Generator.Diagnostics;
using Xception.Compiler.Generator.Emitting;
using Xception.Compiler.Generator.Model;
using Xception.Compiler.Generator.Parsing;
using Xception.Compiler.Generator.Planning;

namespace Xception.Compiler.Generator;

/// <summary>
/// Turns each <c>*.xcs.json</c> model description (with the <c>*.shapes.json</c> weight table it names and
/// the <c>*.labels.txt</c> / <c>*.labels.json</c> class names it may name, all AdditionalFiles) into a statically shaped inference class. Wiring only: parsing, planning and
/// emitting live in their own folders and are pure functions of equatable values.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class XceptionGenerator : IIncrementalGenerator
{
    public const string ModelSuffix = ".xcs.json";
    public const string WeightTableSuffix = ".shapes.json";

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // Each description is parsed on its own, so editing one re-parses only that one.
        IncrementalValuesProvider<ParsedModel> parsed = context.AdditionalTextsProvider
            .Where(static file => file.Path.EndsWith(ModelSuffix, StringComparison.OrdinalIgnoreCase))
            .Select(static (file, ct) => (file.Path, Text: ReadText(file, ct)))
            .WithTrackingName(TrackingNames.ModelFiles)
            .Select(static (file, _) => ModelParser.Parse(file.Path, file.Text))
            .WithTrackingName(TrackingNames.ParseModel);

        // Class names a description keeps in a file beside it (its "labels" is then that file's path).
        IncrementalValueProvider<EquatableArray<ParsedLabelFile>> labelFiles = context.AdditionalTextsProvider
            .Where(static file => LabelFileParser.IsLabelFile(file.Path))
            .Select(static (file, ct) => LabelFileParser.Parse(file.Path, ReadText(file, ct)))
            .Collect()
            .Select(static (all, _) => all.ToEquatableArray())
            .WithTrackingName(TrackingNames.LabelFiles);

        IncrementalValuesProvider<ParsedModel> models = parsed
            .Combine(labelFiles)
            .Select(static (input, _) => LabelBinder.Bind(input.Left, input.Right))
            .WithTrackingName(TrackingNames.BindLabels);

        IncrementalValueProvider<EquatableArray<ParsedWeightTable>> tables = context.AdditionalTextsProvider
            .Where(static file => file.Path.EndsWith(WeightTableSuffix, StringComparison.OrdinalIgnoreCase))
            .Select(static (file, ct) => WeightTableParser.Parse(file.Path, ReadText(file, ct)))
            .Collect()
            .Select(static (all, _) => all.ToEquatableArray())
            .WithTrackingName(TrackingNames.WeightTables);

        IncrementalValueProvider<GeneratorOptions> options = context.AnalyzerConfigOptionsProvider
            .Select(static (provider, _) => ReadOptions(provider))
            .WithTrackingName(TrackingNames.Options);

        IncrementalValuesProvider<PlanResult> plans = models
            .Combine(tables)
            .Combine(options)
            .Select(static (input, _) => ModelPlanner.Plan(input.Left.Left, input.Left.Right, input.Right))
            .WithTrackingName(TrackingNames.Plan);

        // Diagnostics and sources travel separately: moving text in a description shifts
        // diagnostic positions but leaves the plan, and so the emitted source, cached.
        IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics = plans
            .Select(static (result, _) => result.Diagnostics)
            .WithTrackingName(TrackingNames.Diagnostics);
        context.RegisterSourceOutput(diagnostics, static (spc, items) =>
        {
            foreach (DiagnosticInfo info in items)
            {
                spc.ReportDiagnostic(DiagnosticDescriptors.ToDiagnostic(info));
            }
        });

        // Two descriptions naming one class: the first by path is generated, the others get XCS0023 at their
        // class name. Reported from the plan results (which carry positions), not where sources are added
        // (which sees only position-free plans), so the error points into the JSON.
        IncrementalValueProvider<ImmutableArray<(string Path, string HintName, string ClassName, SourceSpan Span)>> classNames = plans
            .Where(static result => result.Plan is not null)
            .Select(static (result, _) => (result.FilePath, result.Plan!.HintName, result.Plan.ClassName, result.ClassNameSpan))
            .WithTrackingName(TrackingNames.ClassNames)
            .Collect();
        context.RegisterSourceOutput(classNames, static (spc, all) =>
        {
            foreach (var duplicate in Duplicates(all, static item => item.Path, static item => item.HintName))
            {
                spc.ReportDiagnostic(DiagnosticDescriptors.ToDiagnostic(
                    DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateModel.Id, duplicate.Path, duplicate.Span, duplicate.ClassName)));
            }
        });

        IncrementalValueProvider<ImmutableArray<GeneratedSource>> sources = plans
            .Select(static (result, _) => result.Plan)
            .WithTrackingName(TrackingNames.ExecutionPlan)
            .Where(static plan => plan is not null)
            .Select(static (plan, _) => Emit(plan!))
            .WithTrackingName(TrackingNames.Emit)
            .Collect();
        context.RegisterSourceOutput(sources, static (spc, all) => AddSources(spc, all));
    }

    private static string ReadText(AdditionalText file, CancellationToken ct) =>
        file.GetText(ct)?.ToString() ?? string.Empty;

    private static GeneratorOptions ReadOptions(AnalyzerConfigOptionsProvider provider) =>
        provider.GlobalOptions.TryGetValue("build_property.RootNamespace", out string? rootNamespace) && !string.IsNullOrWhiteSpace(rootNamespace)
            ? new GeneratorOptions(rootNamespace.Trim())
            : GeneratorOptions.Default;

    private static GeneratedSource Emit(ExecutionPlan plan) =>
        new(plan.HintName, ModelEmitter.Emit(plan), plan.DescriptionPath);

    // Two descriptions naming the same class would collide on the hint name: the first by path wins (the
    // others are reported by the ClassNames output).
    private static void AddSources(SourceProductionContext spc, ImmutableArray<GeneratedSource> all)
    {
        var skipped = new HashSet<string>(StringComparer.Ordinal);
        foreach (GeneratedSource duplicate in Duplicates(all, static source => source.ModelPath, static source => source.HintName))
        {
            skipped.Add(duplicate.ModelPath);
        }

        foreach (GeneratedSource source in all)
        {
            if (!skipped.Contains(source.ModelPath))
            {
                spc.AddSource(source.HintName, SourceText.From(source.Text, Encoding.UTF8));
            }
        }
    }

    /// <summary>The items whose hint name an item with an ordinally smaller path already takes.</summary>
    private static List<T> Duplicates<T>(ImmutableArray<T> all, Func<T, string> path, Func<T, string> hintName)
    {
        var ordered = new List<T>(all);
        ordered.Sort((a, b) => string.CompareOrdinal(path(a), path(b)));
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var duplicates = new List<T>();
        foreach (T item in ordered)
        {
            if (!seen.Add(hintName(item)))
            {
                duplicates.Add(item);
            }
        }

        return duplicates;
    }
}
