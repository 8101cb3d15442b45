using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Xception.Compiler.Generator.Model;

namespace Xception.Compiler.Generator.Diagnostics;

/// <summary>
/// Every diagnostic the generator reports. Ids are stable and never reused; a new diagnostic gets
/// the next free number and a line in <c>AnalyzerReleases.Unshipped.md</c>.
/// </summary>
internal static class DiagnosticDescriptors
{
    public const string Category = "Xception.Compiler";

    private const string HelpLinkBase = "https://github.com/xception-compiler/xception-compiler/blob/main/docs/diagnostics.md#";

    /// <summary>XCS0001: "The model description is not valid JSON: {0}".</summary>
    public static readonly DiagnosticDescriptor MalformedJson = Error(
        "XCS0001", "Malformed model description", "The model description is not valid JSON: {0}");

    /// <summary>XCS0002: "Layer '{0}' has unknown op '{1}'; known ops: {2}".</summary>
    public static readonly DiagnosticDescriptor UnknownOp = Error(
        "XCS0002", "Unknown op", "Layer '{0}' has unknown op '{1}'; known ops: {2}");

    /// <summary>XCS0003: "{0} is missing the required member '{1}'".</summary>
    public static readonly DiagnosticDescriptor MissingAttribute = Error(
        "XCS0003", "Missing required member", "{0} is missing the required member '{1}'");

    /// <summary>XCS0004: "'{0}' of {1} is invalid: expected {2}, found {3}".</summary>
    public static readonly DiagnosticDescriptor InvalidAttributeValue = Error(
        "XCS0004", "Invalid value", "'{0}' of {1} is invalid: expected {2}, found {3}");

    /// <summary>XCS0005: "Layer '{0}' names the input '{1}', but no layer has that name".</summary>
    public static readonly DiagnosticDescriptor UnknownLayerReference = Error(
        "XCS0005", "Unknown layer in inputs", "Layer '{0}' names the input '{1}', but no layer has that name");

    /// <summary>XCS0006: "The layer name '{0}' is used more than once (first at line {1})".</summary>
    public static readonly DiagnosticDescriptor DuplicateLayerName = Error(
        "XCS0006", "Duplicate layer name", "The layer name '{0}' is used more than once (first at line {1})");

    /// <summary>XCS0007: "Layer '{0}' is part of a cycle: {1}".</summary>
    public static readonly DiagnosticDescriptor GraphCycle = Error(
        "XCS0007", "Layer graph has a cycle", "Layer '{0}' is part of a cycle: {1}");

    /// <summary>XCS0008: "Add layer '{0}' has inputs of different shapes: '{1}' is {2} but '{3}' is {4}".</summary>
    public static readonly DiagnosticDescriptor IncompatibleAddShapes = Error(
        "XCS0008", "Incompatible shapes at add", "Add layer '{0}' has inputs of different shapes: '{1}' is {2} but '{3}' is {4}");

    /// <summary>XCS0009: "The input {0} is below the minimum size at layer '{1}': {2}; the smallest input this model accepts is {3}".</summary>
    public static readonly DiagnosticDescriptor InputBelowMinimumSize = Error(
        "XCS0009", "Input below the minimum size", "The input {0} is below the minimum size at layer '{1}': {2}; the smallest input this model accepts is {3}");

    /// <summary>XCS0010: "The weight table '{0}' (resolved to '{1}') is not among the AdditionalFiles".</summary>
    public static readonly DiagnosticDescriptor WeightTableNotFound = Error(
        "XCS0010", "Weight table not found", "The weight table '{0}' (resolved to '{1}') is not among the AdditionalFiles; add it with <AdditionalFiles Include=\"...\" />");

    /// <summary>XCS0011: "The weight table '{0}' is malformed: {1}".</summary>
    public static readonly DiagnosticDescriptor MalformedWeightTable = Error(
        "XCS0011", "Malformed weight table", "The weight table '{0}' is malformed: {1}");

    /// <summary>XCS0012: "The model has {0} layers with weights, but the weight table '{1}' has {2}".</summary>
    public static readonly DiagnosticDescriptor WeightLayerCountMismatch = Error(
        "XCS0012", "Weight layer count mismatch", "The model has {0} layers with weights, but the weight table '{1}' has {2}");

    /// <summary>XCS0013: "Layer '{0}' (W#{1}) expects {2} weight datasets ({3}), but file layer '{4}' has {5} ({6})".</summary>
    public static readonly DiagnosticDescriptor WeightDatasetCountMismatch = Error(
        "XCS0013", "Weight dataset count mismatch", "Layer '{0}' (W#{1}) expects {2} weight datasets ({3}), but file layer '{4}' has {5} ({6})");

    /// <summary>XCS0014: "Layer '{0}' (W#{1}) expects {2} of shape {3}, but file layer '{4}' dataset '{5}' has shape {6}".</summary>
    public static readonly DiagnosticDescriptor WeightShapeMismatch = Error(
        "XCS0014", "Weight shape mismatch", "Layer '{0}' (W#{1}) expects {2} of shape {3}, but file layer '{4}' dataset '{5}' has shape {6}");

    /// <summary>XCS0015: "Layer '{0}' uses {1}, which is not supported; {2}".</summary>
    public static readonly DiagnosticDescriptor UnsupportedFeature = Error(
        "XCS0015", "Unsupported feature", "Layer '{0}' uses {1}, which is not supported; {2}");

    /// <summary>XCS0016: "The model must have exactly one output (a layer no other layer consumes), but it has {0}: {1}".</summary>
    public static readonly DiagnosticDescriptor OutputCount = Error(
        "XCS0016", "No single output", "The model must have exactly one output (a layer no other layer consumes), but it has {0}: {1}");

    /// <summary>XCS0017: "'{0}' cannot be the model class name: {1}".</summary>
    public static readonly DiagnosticDescriptor InvalidModelName = Error(
        "XCS0017", "Invalid model name", "'{0}' cannot be the model class name: {1}");

    /// <summary>XCS0018: "Unknown member '{0}' in {1} is ignored".</summary>
    public static readonly DiagnosticDescriptor UnknownMember = new(
        "XCS0018", "Unknown member", "Unknown member '{0}' in {1} is ignored", Category, DiagnosticSeverity.Warning,
        isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "xcs0018");

    /// <summary>XCS0019: "Layer '{0}' ({1}) needs {2} input, but '{3}' gives {4}".</summary>
    public static readonly DiagnosticDescriptor InputRankMismatch = Error(
        "XCS0019", "Wrong input rank", "Layer '{0}' ({1}) needs {2} input, but '{3}' gives {4}");

    /// <summary>XCS0020: "Layer '{0}': {1} is too large ({2}; at most 2147483647 elements)".</summary>
    public static readonly DiagnosticDescriptor TensorTooLarge = Error(
        "XCS0020", "Tensor too large", "Layer '{0}': {1} is too large ({2}; at most 2147483647 elements)");

    /// <summary>XCS0021: "The model must have exactly one input layer, but it has {0}".</summary>
    public static readonly DiagnosticDescriptor InputLayerCount = Error(
        "XCS0021", "No single input layer", "The model must have exactly one layer with op 'input', but it has {0}");

    /// <summary>XCS0022: "Member '{0}' appears more than once in {1}".</summary>
    public static readonly DiagnosticDescriptor DuplicateMember = Error(
        "XCS0022", "Duplicate member", "Member '{0}' appears more than once in {1}");

    /// <summary>XCS0023: "Another description already generates '{0}'; this one is skipped".</summary>
    public static readonly DiagnosticDescriptor DuplicateModel = Error(
        "XCS0023", "Duplicate model", "Another description already generates '{0}'; this one is skipped");

    /// <summary>XCS0024: "The generator failed unexpectedly: {0}".</summary>
    public static readonly DiagnosticDescriptor InternalError = Error(
        "XCS0024", "Internal generator error", "The generator failed unexpectedly: {0}. Please report this with the description file.");

    /// <summary>XCS0025: "'{0}' of {1} is a Keras attribute this compiler does not implement; {2}".</summary>
    public static readonly DiagnosticDescriptor UnimplementedKerasAttribute = Error(
        "XCS0025", "Unimplemented Keras attribute", "'{0}' of {1} is a Keras attribute this compiler does not implement; {2}");

    /// <summary>XCS0026: "The model declares {0} labels, but its output '{1}' has {2} values".</summary>
    public static readonly DiagnosticDescriptor LabelCountMismatch = Error(
        "XCS0026", "Label count mismatch", "The model declares {0} labels, but its output '{1}' has {2} values; give one label per output value");

    /// <summary>XCS0027: "The labels file '{0}' cannot be used: {1}".</summary>
    public static readonly DiagnosticDescriptor UnusableLabelFile = Error(
        "XCS0027", "Unusable labels file", "The labels file '{0}' cannot be used: {1}");

    /// <summary>XCS0028: "Layer '{0}' uses the activation '{1}', which the compiler does not implement; supported: {2}".</summary>
    public static readonly DiagnosticDescriptor UnknownActivation = Error(
        "XCS0028", "Unknown activation function", "Layer '{0}' uses the activation '{1}', which the compiler does not implement; supported: {2}");

    /// <summary>XCS0029: "Layer '{0}' applies softmax to the spatial output {1}; softmax is computed over flat vectors only (after a global pool, flatten or dense)".</summary>
    public static readonly DiagnosticDescriptor SpatialSoftmax = Error(
        "XCS0029", "Softmax on a spatial tensor", "Layer '{0}' applies softmax to the spatial output {1}; softmax is computed over flat vectors only (after a global pool, flatten or dense)");
    /// <summary>XCS0030: "Layer '{0}' ({1}) gives {2} {3} values, but its input '{4}' has {5} channels".</summary>
    public static readonly DiagnosticDescriptor PreprocessingChannelMismatch = Error(
        "XCS0030", "Preprocessing constants do not fit the channels", "Layer '{0}' ({1}) gives {2} {3} values, but its input '{4}' has {5} channels; give one value, or one per channel");

    /// <summary>XCS0031: "Layer '{0}' cannot reshape {1} to {2}: {3}".</summary>
    public static readonly DiagnosticDescriptor InvalidReshape = Error(
        "XCS0031", "Invalid reshape", "Layer '{0}' cannot reshape {1} to {2}: {3}");

    /// <summary>XCS0032: "Concatenate layer '{0}' cannot join its inputs: {1}".</summary>
    public static readonly DiagnosticDescriptor InvalidConcatenate = Error(
        "XCS0032", "Invalid concatenate", "Concatenate layer '{0}' cannot join its inputs: {1}");

    /// <summary>XCS0033: "Multiply layer '{0}' has inputs that do not broadcast: '{1}' is {2} but '{3}' is {4}; ...".</summary>
    public static readonly DiagnosticDescriptor IncompatibleMultiplyShapes = Error(
        "XCS0033", "Incompatible shapes at multiply", "Multiply layer '{0}' has inputs that do not broadcast: '{1}' is {2} but '{3}' is {4}; give both one shape, or make the second (1, 1, C)");

    private static readonly Dictionary<string, DiagnosticDescriptor> s_byId = Index(
        MalformedJson, UnknownOp, MissingAttribute, InvalidAttributeValue, UnknownLayerReference, DuplicateLayerName,
        GraphCycle, IncompatibleAddShapes, InputBelowMinimumSize, WeightTableNotFound, MalformedWeightTable,
        WeightLayerCountMismatch, WeightDatasetCountMismatch, WeightShapeMismatch, UnsupportedFeature, OutputCount,
        InvalidModelName, UnknownMember, InputRankMismatch, TensorTooLarge, InputLayerCount, DuplicateMember,
        DuplicateModel, InternalError, UnimplementedKerasAttribute, LabelCountMismatch, UnusableLabelFile,
        UnknownActivation, SpatialSoftmax,
        PreprocessingChannelMismatch, InvalidReshape,
        InvalidConcatenate,
        IncompatibleMultiplyShapes);

    /// <summary>All descriptors, by id (ordinal order).</summary>
    public static IReadOnlyDictionary<string, DiagnosticDescriptor> All => s_byId;

    public static DiagnosticDescriptor Get(string id) => s_byId.TryGetValue(id, out DiagnosticDescriptor? d) ? d : InternalError;

    /// <summary>Builds the Roslyn diagnostic for a <see cref="DiagnosticInfo"/>, located in its (non-C#) file.</summary>
    public static Diagnostic ToDiagnostic(DiagnosticInfo info)
    {
        SourceSpan s = info.Span;
        Location location = Location.Create(
            info.FilePath,
            new TextSpan(s.Start, s.Length),
            new LinePositionSpan(new LinePosition(s.StartLine, s.StartColumn), new LinePosition(s.EndLine, s.EndColumn)));
        object?[] args = new object?[info.Arguments.Count];
        for (int i = 0; i < args.Length; i++)
        {
            args[i] = info.Arguments[i];
        }

        return Diagnostic.Create(Get(info.Id), location, args);
    }

    private static DiagnosticDescriptor Error(string id, string title, string message) => new(
        id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + id.ToLowerInvariant(), customTags: WellKnownDiagnosticTags.NotConfigurable);

    private static Dictionary<string, DiagnosticDescriptor> Index(params DiagnosticDescriptor[] descriptors)
    {
        var map = new Dictionary<string, DiagnosticDescriptor>(System.StringComparer.Ordinal);
        foreach (DiagnosticDescriptor d in descriptors)
        {
            map.Add(d.Id, d);
        }

        return map;
    }
}
