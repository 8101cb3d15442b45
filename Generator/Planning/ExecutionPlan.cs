using Xception.Compiler.Generator.Model;

namespace Xception.Compiler.Generator.Planning;

/// <summary>A per-image activation shape: NHWC spatial (H, W, C) or flat (C) after a global pool.</summary>
internal readonly record struct TensorShape(int Height, int Width, int Channels, bool IsFlat)
{
    public static TensorShape Flat(int length) => new(1, 1, length, true);

    public long Length => (long)Height * Width * Channels;

    /// <summary>Keras's tuple notation: (19, 19, 728) or (2048,).</summary>
    public string Text => ShapeFormat.Tuple(IsFlat ? new[] { Channels } : new[] { Height, Width, Channels });
}

internal enum StepKind
{
    Conv2D,
    SeparableConv,
    DepthwiseConv,
    MaxPool,
    Elementwise,
    GlobalPool,
    Dense,
    Softmax,
}

/// <summary>
/// One fused step: one <c>ExecutionBackend</c> call. Fusion order (as the backends compute it):
/// out = reluOut(op(reluIn(x)) + bias + residual), with a following BatchNormalization folded
/// into the weights. Layer names are kept for the comments of the emitted code. Weight indices
/// are 0-based positions in the weight table (Keras load order); -1 means none.
/// </summary>
internal sealed record PlannedStep(
    int Number,
    StepKind Kind,
    string Anchor,
    string OutputLayer,
    TensorShape Input,
    TensorShape Output,
    int KernelHeight,
    int KernelWidth,
    int StrideHeight,
    int StrideWidth,
    bool SamePadding,
    int PadTop,
    int PadBottom,
    int PadLeft,
    int PadRight,
    string? ReluInputLayer,
    bool ReluOutput,
    string? ReluOutputLayer,
    int WeightLayer,
    bool UseBias,
    string? BatchNormLayer,
    int BatchNormWeights,
    double Epsilon,
    string? ResidualLayer,
    string? AddLayer,
    bool IsMax,
    string SourceLayer,
    int Source,
    int Destination,
    int Residual)
{
    public bool ReluInput => ReluInputLayer is not null;

    public bool HasResidual => Residual >= 0;
}

/// <summary>One slot of the activation arena: its size per image and the tensors that live in it, in order.</summary>
internal sealed record BufferSlot(int Index, long FloatsPerImage, EquatableArray<string> Tensors);

/// <summary>One dataset a weighted layer expects, with the path the shape table gives it.</summary>
internal sealed record WeightDatasetPlan(string Variable, string FilePath, EquatableArray<int> Shape);

/// <summary>The k-th layer with weights in Keras order (Number = k, 1-based) and the file layer it loads from.</summary>
internal sealed record WeightLayerPlan(int Number, string LayerName, string KerasClass, string FileLayerName, EquatableArray<WeightDatasetPlan> Datasets);

/// <summary>Everything the emitter needs; nothing else reaches it.</summary>
internal sealed record ExecutionPlan(
    string DescriptionPath,
    string ClassName,
    string? Namespace,
    string? Description,
    string SourceFileName,
    string TableFileName,
    string InputLayer,
    string OutputLayer,
    int InputHeight,
    int InputWidth,
    int InputChannels,
    int MinHeight,
    int MinWidth,
    EquatableArray<int> OutputShape,
    int OutputLength,
    string? WeightsUrl,
    string? WeightsMd5,
    EquatableArray<WeightLayerPlan> Weights,
    EquatableArray<PlannedStep> Steps,
    EquatableArray<BufferSlot> Slots,
    int InputSlot,
    int OutputSlot,
    long ArenaBytesPerImage)
{
    public long InputLength => (long)InputHeight * InputWidth * InputChannels;

    public string HintName => ClassName + ".g.cs";
}

/// <summary>
/// The result of planning one description: the plan (null on errors), all diagnostics, and where the class
/// name is written (for a duplicate-name error; kept out of the position-free plan so moving text does not
/// re-emit the source).
/// </summary>
internal sealed record PlanResult(string FilePath, ExecutionPlan? Plan, EquatableArray<DiagnosticInfo> Diagnostics, SourceSpan ClassNameSpan);
