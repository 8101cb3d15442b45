namespace Xception.Compiler.Generator.Model;

/// <summary>The operations a description may use; <see cref="Unknown"/> marks a layer whose op was rejected.</summary>
internal enum LayerOp
{
    Unknown,
    Input,
    Conv2D,
    SeparableConv2D,
    DepthwiseConv2D,
    BatchNorm,
    Relu,
    Softmax,
    GlobalAvgPool,
    GlobalMaxPool,
    MaxPool2D,
    Add,
    Dense,
}

internal enum Padding
{
    Valid,
    Same,
}

internal enum DenseActivation
{
    Linear,
    Relu,
    Softmax,
}

/// <summary>
/// One layer of the expanded description (repeat blocks already unrolled). Attributes an op does
/// not have keep their defaults. For <c>max_pool2d</c> the pool size is stored as the kernel.
/// </summary>
internal sealed record LayerSpec(
    string Name,
    LayerOp Op,
    EquatableArray<string> Inputs,
    int Filters,
    int KernelHeight,
    int KernelWidth,
    int StrideHeight,
    int StrideWidth,
    Padding Padding,
    bool UseBias,
    int DepthMultiplier,
    double Epsilon,
    int Units,
    DenseActivation Activation,
    int Height,
    int Width,
    int Channels,
    int MinSize,
    SourceSpan NameSpan,
    EquatableArray<SourceSpan> InputSpans,
    SourceSpan ShapeSpan)
{
    /// <summary>True for the ops whose weights Keras stores (they take part in load-by-order).</summary>
    public bool HasWeights => OpTable.Get(Op).HasWeights;
}

/// <summary>A parsed model description: everything the planner needs, value-equatable.</summary>
internal sealed record ModelSpec(
    string FilePath,
    string Name,
    SourceSpan NameSpan,
    string? Namespace,
    string? Description,
    string WeightsTable,
    SourceSpan WeightsTableSpan,
    string? WeightsUrl,
    string? WeightsMd5,
    EquatableArray<LayerSpec> Layers);

/// <summary>The result of parsing one description: a spec (null when it has errors) and its diagnostics.</summary>
internal sealed record ParsedModel(string FilePath, ModelSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);
