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
    Flatten,
    Activation,
    LeakyRelu,
    Elu,
    Rescaling,
    Normalization,
    Reshape,
    ZeroPadding2D,
    AvgPool2D,
    Concatenate,
    Multiply,
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
    Sigmoid,
}

/// <summary>
/// One layer of the expanded description (repeat blocks already unrolled). Attributes an op does
/// not have keep their defaults.
/// </summary>
internal sealed record LayerSpec
{
    public required string Name { get; init; }

    public required LayerOp Op { get; init; }

    /// <summary>The layers it reads, by name; an input layer reads none.</summary>
    public required EquatableArray<string> Inputs { get; init; }

    /// <summary>Convolutions: output channels (separable: of the pointwise part).</summary>
    public int Filters { get; init; }

    /// <summary>Convolutions and max pools (the pool size is stored as the kernel).</summary>
    public LayerWindow Window { get; init; } = LayerWindow.None;

    public bool UseBias { get; init; } = true;

    public int DepthMultiplier { get; init; } = 1;

    /// <summary>BatchNormalization's epsilon.</summary>
    public double Epsilon { get; init; }

    /// <summary>Dense: output features and the activation after them.</summary>
    public int Units { get; init; }

    public DenseActivation Activation { get; init; }

    /// <summary>
    /// The activation function the layer applies after its op: a convolution's or dense layer's <c>activation</c>
    /// (a dense layer's linear, relu, sigmoid and softmax stay in <see cref="Activation"/>), or what an activation
    /// layer computes (relu, leaky_relu, elu and activation layers are read as <see cref="LayerOp.Activation"/>
    /// layers, except plain ReLUs and softmaxes, which keep their ops and fast paths).
    /// </summary>
    public ActivationSpec Function { get; init; } = ActivationSpec.Linear;

    /// <summary>Input layers: the image shape they declare.</summary>
    public DeclaredInput Shape { get; init; } = DeclaredInput.None;

    /// <summary>Rescaling and Normalization: the constants they apply (one value, or one per channel); see <see cref="PreprocessingValues"/>.</summary>
    public PreprocessingValues Preprocessing { get; init; } = PreprocessingValues.None;

    /// <summary>Global pools: keep the (1, 1, C) shape rather than flatten to (C,) (Keras's keepdims).</summary>
    public bool KeepDims { get; init; }

    /// <summary>Reshape: the target shape (without the batch axis), as written.</summary>
    public EquatableArray<int> TargetShape { get; init; } = EquatableArray<int>.Empty;
    /// <summary>ZeroPadding2D: the rows and columns of zeros added on each side.</summary>
    public LayerPads Pads { get; init; } = LayerPads.None;

    /// <summary>BatchNormalization: whether it has a beta (center) and a gamma (scale); Keras saves only those that exist.</summary>
    public bool Center { get; init; } = true;

    public bool Scale { get; init; } = true;

    /// <summary>Where the layer's name, inputs and shape are written, for diagnostics.</summary>
    public required LayerSpans Spans { get; init; }

    /// <summary>True for the ops whose weights Keras stores (they take part in load-by-order).</summary>
    public bool HasWeights => OpTable.Get(Op).HasWeights && !(Op == LayerOp.Normalization && Preprocessing.HasInlineStatistics);
}

/// <summary>A convolution's or pool's kernel (or pool size), strides and padding.</summary>
internal sealed record LayerWindow
{
    public static LayerWindow None { get; } = new() { KernelHeight = 0, KernelWidth = 0, StrideHeight = 1, StrideWidth = 1, Padding = Padding.Valid };

    public required int KernelHeight { get; init; }

    public required int KernelWidth { get; init; }

    public required int StrideHeight { get; init; }

    public required int StrideWidth { get; init; }

    public required Padding Padding { get; init; }
}

/// <summary>Rows (top, bottom) and columns (left, right) of zeros a ZeroPadding2D adds.</summary>
internal sealed record LayerPads
{
    public static LayerPads None { get; } = new() { Top = 0, Bottom = 0, Left = 0, Right = 0 };

    public required int Top { get; init; }

    public required int Bottom { get; init; }

    public required int Left { get; init; }

    public required int Right { get; init; }
}

/// <summary>The image an input layer declares: (height, width, channels), and the smallest size it accepts (0: any).</summary>
internal sealed record DeclaredInput
{
    public static DeclaredInput None { get; } = new() { Height = 0, Width = 0, Channels = 0, MinSize = 0 };

    public required int Height { get; init; }

    public required int Width { get; init; }

    public required int Channels { get; init; }

    public required int MinSize { get; init; }
}

/// <summary>Where a layer's name, each of its inputs, and (input layers) its shape are written in the description.</summary>
internal sealed record LayerSpans
{
    public static LayerSpans None { get; } = new() { Name = SourceSpan.None, Inputs = EquatableArray<SourceSpan>.Empty, Shape = SourceSpan.None };

    public required SourceSpan Name { get; init; }

    public required EquatableArray<SourceSpan> Inputs { get; init; }

    public required SourceSpan Shape { get; init; }
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
    EquatableArray<LayerSpec> Layers)
{
    /// <summary>The class names of the output, when the description declares them.</summary>
    public ModelLabels Labels { get; init; } = ModelLabels.None;

    /// <summary>The input preprocessing mode ("tf", "caffe", "torch", "none") when the description declares one.</summary>
    public string? Preprocessing { get; init; }
}

/// <summary>The result of parsing one description: a spec (null when it has errors) and its diagnostics.</summary>
internal sealed record ParsedModel(string FilePath, ModelSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);
