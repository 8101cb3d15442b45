using System;
using System.Collections.Generic;
using System.Globalization;
using Xception.Compiler.Generator.Diagnostics;
using Xception.Compiler.Generator.Model;
using Xception.Compiler.Generator.Parsing;

namespace Xception.Compiler.Generator.Planning;

/// <summary>
/// Spec → plan: graph checks, shape inference, weight matching, fusion and the buffer plan. Pure:
/// no Roslyn objects, no I/O; every problem becomes a located diagnostic, and an unexpected
/// exception becomes XCS0024 instead of escaping into the compiler.
/// </summary>
internal static class ModelPlanner
{
    public static PlanResult Plan(ParsedModel parsed, IReadOnlyList<ParsedWeightTable> tables, GeneratorOptions options)
    {
        var sink = new DiagnosticBag(parsed.FilePath);
        sink.Add(parsed.Diagnostics);
        ExecutionPlan? plan = null;
        try
        {
            if (parsed.Spec is not null && !sink.HasErrors)
            {
                plan = PlanModel(parsed.Spec, tables, options, sink);
            }
        }
        catch (Exception ex)
        {
            sink.Report(DiagnosticDescriptors.InternalError, SourceSpan.None, ex.GetType().Name + ": " + ex.Message);
            plan = null;
        }

        return new PlanResult(parsed.FilePath, sink.HasErrors ? null : plan, sink.Items.ToEquatableArray(), parsed.Spec?.NameSpan ?? SourceSpan.None);
    }

    private static ExecutionPlan? PlanModel(ModelSpec spec, IReadOnlyList<ParsedWeightTable> tables, GeneratorOptions options, DiagnosticBag sink)
    {
        WeightTableSpec? table = ResolveTable(spec, tables, sink);

        ModelGraph? graph = ModelGraph.Build(spec, sink);
        if (graph is null)
        {
            return null;
        }

        LayerGeometry[]? geometry = ShapeInference.Infer(graph, sink);
        if (geometry is null || table is null || sink.HasErrors)
        {
            return null;
        }

        List<WeightLayerPlan>? weights = WeightMatcher.Match(graph, geometry, spec, table, sink, out int[] weightIndex);
        if (weights is null)
        {
            return null;
        }

        (List<PlannedStep> steps, List<PlannedTensor> tensors, int outputTensor) = StepPlanner.Plan(graph, geometry, weightIndex);
        int inputTensor = 0;
        (List<BufferSlot> slots, int[] slotOf) = BufferPlanner.Plan(steps, tensors, inputTensor);
        var placed = new List<PlannedStep>(steps.Count);
        foreach (PlannedStep step in steps)
        {
            StepSlots ids = step.Slots;
            placed.Add(step with
            {
                Slots = new StepSlots(slotOf[ids.Source], slotOf[ids.Destination], ids.Residual >= 0 ? slotOf[ids.Residual] : -1, ids.Factor >= 0 ? slotOf[ids.Factor] : -1),
            });
        }

        long arenaFloats = 0;
        foreach (BufferSlot slot in slots)
        {
            arenaFloats += slot.FloatsPerImage;
        }

        LayerSpec input = graph.Layers[graph.Input];
        TensorShape outputShape = geometry[graph.Output].Output;
        int[] outputDims = outputShape.IsFlat
            ? new[] { outputShape.Channels }
            : new[] { outputShape.Height, outputShape.Width, outputShape.Channels };
        (int minHeight, int minWidth) = ShapeInference.MinimumSize(graph);
        if (spec.Labels.IsDeclared && spec.Labels.Names.Count != outputShape.Length)
        {
            sink.Report(DiagnosticDescriptors.LabelCountMismatch, spec.Labels.Span,
                spec.Labels.Names.Count.ToString(CultureInfo.InvariantCulture), graph.Layers[graph.Output].Name, outputShape.Length.ToString(CultureInfo.InvariantCulture));
            return null;
        }

        string? ns = spec.Namespace;
        if (ns is null && ModelNames.IsValidNamespace(options.RootNamespace))
        {
            ns = options.RootNamespace;
        }

        return new ExecutionPlan(
            DescriptionPath: spec.FilePath,
            ClassName: spec.Name,
            Namespace: ns,
            Description: spec.Description,
            SourceFileName: WeightTableParser.FileName(spec.FilePath),
            TableFileName: WeightTableParser.FileName(table.FilePath),
            InputLayer: input.Name,
            OutputLayer: graph.Layers[graph.Output].Name,
            InputHeight: input.Shape.Height,
            InputWidth: input.Shape.Width,
            InputChannels: input.Shape.Channels,
            MinHeight: minHeight,
            MinWidth: minWidth,
            OutputShape: outputDims.ToEquatableArray(),
            OutputLength: (int)outputShape.Length,
            WeightsUrl: spec.WeightsUrl,
            WeightsMd5: spec.WeightsMd5,
            Weights: weights.ToEquatableArray(),
            Steps: placed.ToEquatableArray(),
            Slots: slots.ToEquatableArray(),
            InputSlot: slotOf[inputTensor],
            OutputSlot: slotOf[outputTensor],
            ArenaBytesPerImage: arenaFloats * sizeof(float))
        {
            Labels = spec.Labels.Names,
            Preprocessing = spec.Preprocessing,
        };
    }

    private static WeightTableSpec? ResolveTable(ModelSpec spec, IReadOnlyList<ParsedWeightTable> tables, DiagnosticBag sink)
    {
        string resolved = PathResolution.Resolve(spec.FilePath, spec.WeightsTable);
        ParsedWeightTable? match = null;
        foreach (ParsedWeightTable t in tables)
        {
            if (string.Equals(PathResolution.Normalize(t.FilePath), resolved, StringComparison.Ordinal))
            {
                match = t;
                break;
            }
        }

        if (match is null)
        {
            foreach (ParsedWeightTable t in tables)
            {
                if (string.Equals(PathResolution.Normalize(t.FilePath), resolved, StringComparison.OrdinalIgnoreCase))
                {
                    match = match is null ? t : null;
                }
            }
        }

        if (match is null)
        {
            sink.Report(DiagnosticDescriptors.WeightTableNotFound, spec.WeightsTableSpan, spec.WeightsTable, resolved);
            return null;
        }

        sink.Add(match.Diagnostics);
        return match.Spec;
    }
}

/// <summary>String-only path handling (the generator never touches the file system).</summary>
internal static class PathResolution
{
    /// <summary>The table path relative to the description's folder, normalized.</summary>
    public static string Resolve(string descriptionPath, string relative)
    {
        if (IsRooted(relative))
        {
            return Normalize(relative);
        }

        string folder = Directory(descriptionPath);
        return Normalize(folder.Length == 0 ? relative : folder + "/" + relative);
    }

    /// <summary>Forward slashes, no "." segments, ".." applied, no doubled separators.</summary>
    public static string Normalize(string path)
    {
        string p = path.Replace('\\', '/');
        bool rooted = p.StartsWith("/", StringComparison.Ordinal);
        var segments = new List<string>();
        foreach (string segment in p.Split('/'))
        {
            if (segment.Length == 0 || segment == ".")
            {
                continue;
            }

            if (segment == ".." && segments.Count > 0 && segments[segments.Count - 1] != ".." && !IsDrive(segments[segments.Count - 1]))
            {
                segments.RemoveAt(segments.Count - 1);
                continue;
            }

            if (segment == ".." && rooted && segments.Count == 0)
            {
                continue;
            }

            segments.Add(segment);
        }

        return (rooted ? "/" : string.Empty) + string.Join("/", segments);
    }

    private static string Directory(string path)
    {
        int slash = Math.Max(path.LastIndexOf('/'), path.LastIndexOf('\\'));
        return slash < 0 ? string.Empty : slash == 0 ? "/" : path.Substring(0, slash);
    }

    private static bool IsRooted(string path) =>
        path.StartsWith("/", StringComparison.Ordinal) || path.StartsWith("\\", StringComparison.Ordinal) || (path.Length >= 2 && path[1] == ':');

    private static bool IsDrive(string segment) => segment.Length == 2 && segment[1] == ':';
}
