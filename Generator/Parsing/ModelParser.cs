using Xception.Compiler.Generator.Diagnostics;
using Xception.Compiler.Generator.Model;
using Xception.Compiler.Generator.Parsing.Json;

namespace Xception.Compiler.Generator.Parsing;

/// <summary>
/// Reads a model description (<c>*.xcs.json</c>) into a <see cref="ModelSpec"/>: checks every member's
/// type and range, applies Keras's defaults, unrolls repeat blocks and resolves default inputs.
/// Graph-level checks (names, cycles, shapes, weights) belong to the planner. The work is done by
/// <see cref="ModelDocumentReader"/> (top level), <see cref="LayerListReader"/> (layer lists and repeat
/// blocks), <see cref="LayerReader"/> (one layer), <see cref="RepeatExpansion"/> and <see cref="ModelNames"/>.
/// </summary>
internal static class ModelParser
{
    /// <summary>The most layers a description may expand to.</summary>
    public const int MaxLayers = 100_000;

    public const double DefaultEpsilon = 0.001;

    public static ParsedModel Parse(string filePath, string text)
    {
        JsonDocument doc = JsonDocument.Parse(text);
        var ctx = new ParseContext(filePath, doc);
        if (doc.Root is null)
        {
            ctx.Report(DiagnosticDescriptors.MalformedJson, doc.Span(doc.ErrorStart, doc.ErrorEnd), doc.Error ?? "unknown error");
            return new ParsedModel(filePath, null, ctx.Items.ToEquatableArray());
        }

        ModelSpec? spec = ModelDocumentReader.Read(ctx, doc.Root);
        return new ParsedModel(filePath, ctx.HasErrors ? null : spec, ctx.Items.ToEquatableArray());
    }
}
