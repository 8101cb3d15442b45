using System.Collections.Generic;
using System.Globalization;
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
    Activation,
    AveragePool,
    ZeroPad,
    ChannelSlice,
    Multiply,
}

/// <summary>
/// One fused step: one <c>ExecutionBackend</c> call. Fusion order (as the backends compute it):
/// out = reluOut(op(reluIn(x)) + bias + residual), with a following BatchNormalization folded
/// into the weights. Layer names are kept for the comments of the emitted code.
/// </summary>
internal sealed record PlannedStep
{
    /// <summary>1-based, in execution order; also the suffix of the step's weight fields and shape struct.</summary>
    public required int Number { get; init; }

    public required StepKind Kind { get; init; }

    /// <summary>The layer whose op the step runs (the one it is scheduled by, in Keras order).</summary>
    public required string Anchor { get; init; }

    /// <summary>The layer whose output the step's output is (the last layer fused into it).</summary>
    public required string OutputLayer { get; init; }

    /// <summary>The tensor the step reads (a layer name, or a partial sum).</summary>
    public required string SourceLayer { get; init; }

    public required TensorShape Input { get; init; }

    /// <summary>
    /// Elementwise steps reading a member of a dense block: the floats from one input pixel to the next in the block's
    /// shared buffer, whose first <see cref="Input"/> channels they read; 0 for a tensor of its own.
    /// </summary>
    public int InputPixelStride { get; init; }

    public required TensorShape Output { get; init; }

    public StepWindow Window { get; init; } = StepWindow.None;

    public StepFusion Fusion { get; init; } = StepFusion.None;

    public StepWeights Weights { get; init; } = StepWeights.None;

    /// <summary>Tensor ids while planning steps; arena slots once the buffer plan has placed them.</summary>
    public required StepSlots Slots { get; init; }

    /// <summary>Global pool: max rather than average.</summary>
    public bool IsMax { get; init; }

    /// <summary>Activation steps: the function they apply; dense steps: the function on their sums (linear: none).</summary>
    public ActivationSpec Function { get; init; } = ActivationSpec.Linear;

    /// <summary>
    /// A step that writes one input of a concatenation into its channel slice of the concatenated tensor (its
    /// destination), or null. The step's <see cref="Output"/> stays the slice's own shape.
    /// </summary>
    public OutputSlice? Slice { get; init; }

    /// <summary>Multiply steps: the factor is (1, 1, C), one value per channel for every pixel.</summary>
    public bool BroadcastFactor { get; init; }

    /// <summary>An activation step that overwrites the output of the step before it (its epilogue).</summary>
    public bool InPlace => Slots.Source == Slots.Destination;

    public bool ReluInput => Fusion.ReluInputLayer is not null;

    public bool HasResidual => Slots.Residual >= 0;
}

/// <summary>The window of a convolution or pool: kernel, strides and the pads the input's padding gives.</summary>
internal sealed record StepWindow
{
    public static StepWindow None { get; } = new()
    {
        KernelHeight = 0, KernelWidth = 0, StrideHeight = 0, StrideWidth = 0, SamePadding = false, PadTop = 0, PadBottom = 0, PadLeft = 0, PadRight = 0,
    };

    public required int KernelHeight { get; init; }

    public required int KernelWidth { get; init; }

    public required int StrideHeight { get; init; }

    public required int StrideWidth { get; init; }

    public required bool SamePadding { get; init; }

    public required int PadTop { get; init; }

    public required int PadBottom { get; init; }

    public required int PadLeft { get; init; }

    public required int PadRight { get; init; }

    /// <summary>
    /// The part of the pads that a ZeroPadding2D folded in: cells there are zeros a max pool may select and an
    /// average pool counts, unlike the pads of 'same', which a pool never selects or counts. Convolutions need no
    /// such split (every pad is a zero to them).
    /// </summary>
    public int ZeroPadTop { get; init; }

    public int ZeroPadBottom { get; init; }

    public int ZeroPadLeft { get; init; }

    public int ZeroPadRight { get; init; }

    public bool HasZeroPads => ZeroPadTop + ZeroPadBottom + ZeroPadLeft + ZeroPadRight > 0;
}

/// <summary>
/// What is fused around a step's op: a ReLU before it, a BatchNormalization folded into its weights, a residual
/// added and a ReLU after it, by the names of the layers they come from.
/// </summary>
internal sealed record StepFusion
{
    public static StepFusion None { get; } = new();

    /// <summary>The ReLU layer applied to the input (its prologue), or null.</summary>
    public string? ReluInputLayer { get; init; }

    /// <summary>A ReLU on the output: a relu layer, or a dense layer's relu activation (then without a layer name).</summary>
    public bool ReluOutput { get; init; }

    public string? ReluOutputLayer { get; init; }

    /// <summary>The output ReLU's upper bound (Keras ReLU(max_value=6): 6), clamped in the step's store; +∞: none.</summary>
    public double ReluMax { get; init; } = double.PositiveInfinity;

    public bool HasReluMax => ReluOutput && !double.IsPositiveInfinity(ReluMax);

    /// <summary>A dense layer's sigmoid activation, applied to the float64 sum before it is rounded.</summary>
    public bool SigmoidOutput { get; init; }

    /// <summary>The BatchNormalization folded into the weights (or, on an elementwise step, applied as scale and shift).</summary>
    public string? BatchNormLayer { get; init; }

    public double Epsilon { get; init; }

    /// <summary>The layer added as the residual, and the add layer that adds it.</summary>
    public string? ResidualLayer { get; init; }

    public string? AddLayer { get; init; }

    /// <summary>The ZeroPadding2D folded into the step's window as explicit pads, or null.</summary>
    public string? ZeroPaddingLayer { get; init; }

    /// <summary>
    /// A separable step fused from a DepthwiseConv2D and the 1×1 Conv2D reading it (MobileNet's conv_dw_N + conv_pw_N):
    /// the Conv2D layer, or null for a SeparableConv2D layer. The Depthwise* members say what runs between the two.
    /// </summary>
    public string? PointwiseLayer { get; init; }

    /// <summary>The BatchNormalization folded into the depthwise kernel and its bias, with its epsilon.</summary>
    public string? DepthwiseBatchNormLayer { get; init; }

    public double DepthwiseEpsilon { get; init; }

    /// <summary>The ReLU on the depthwise result (its layer, and its bound: +∞ none, 6 for ReLU6).</summary>
    public bool DepthwiseRelu { get; init; }

    public string? DepthwiseReluLayer { get; init; }

    public double DepthwiseReluMax { get; init; } = double.PositiveInfinity;

    public bool HasDepthwiseReluMax => DepthwiseRelu && !double.IsPositiveInfinity(DepthwiseReluMax);

    /// <summary>
    /// A sigmoid or swish the step applies to its output in its own store (after bias, residual and ReLU), so the
    /// function needs no pass of its own over memory (<see cref="StoreActivationFusion"/>); Linear: none.
    /// </summary>
    public ActivationSpec StoreFunction { get; init; } = ActivationSpec.Linear;

    /// <summary>The activation layer whose function <see cref="StoreFunction"/> is, or null for the step's layer's own.</summary>
    public string? StoreFunctionLayer { get; init; }
    /// A 1×1 convolution's channel prologue (<see cref="ChannelPrologueFusion"/>): the Multiply fused into it and the
    /// tensor of its per-channel factor; the BatchNormalization applied as scale and shift, with its epsilon, and the
    /// ReLU after it. Null for the parts it does not have.
    /// </summary>
    public string? PrologueMultiplyLayer { get; init; }

    public string? PrologueFactorLayer { get; init; }

    public string? PrologueBatchNormLayer { get; init; }

    public double PrologueEpsilon { get; init; }

    public string? PrologueReluLayer { get; init; }

    public bool HasChannelPrologue => PrologueMultiplyLayer is not null || PrologueBatchNormLayer is not null;
}

/// <summary>One dataset of the loaded weights: the layer's position in the weight table (Keras load order) and the dataset's within it.</summary>
internal readonly record struct WeightRef(int Layer, int Dataset);

/// <summary>
/// What a step uploads, from which datasets, into which fields of the generated class. The datasets are
/// located once, here, in Keras's dataset order (kernel, bias; depthwise, pointwise, bias; gamma, beta,
/// moving mean, moving variance); the fields are named by kind and step number (<c>_pw12</c>).
/// </summary>
internal sealed record StepWeights
{
    public const string KernelPrefix = "_w";
    public const string BiasPrefix = "_b";
    public const string DepthwisePrefix = "_dw";
    public const string PointwisePrefix = "_pw";
    public const string ScalePrefix = "_scale";
    public const string ShiftPrefix = "_shift";

    public static StepWeights None { get; } = new();

    /// <summary>Separable convolutions: the depthwise kernel, uploaded as is.</summary>
    public WeightRef? Depthwise { get; init; }

    public string? DepthwiseField { get; init; }

    /// <summary>
    /// A separable step fused from a DepthwiseConv2D and a 1×1 Conv2D: the depthwise layer's own bias (null: none)
    /// and the BatchNormalization folded into the depthwise kernel (-1: none; with the variables it has). Either
    /// gives the depthwise a bias, uploaded after its kernel in <see cref="DepthwiseField"/>.
    /// </summary>
    public WeightRef? DepthwiseBias { get; init; }

    public int DepthwiseBatchNorm { get; init; } = -1;

    public bool DepthwiseBatchNormScale { get; init; } = true;

    public bool DepthwiseBatchNormCenter { get; init; } = true;

    public bool HasDepthwiseStageBias => DepthwiseBias is not null || DepthwiseBatchNorm >= 0;

    /// <summary>The kernel the BatchNormalization folds into (the pointwise one of a separable convolution).</summary>
    public WeightRef? Kernel { get; init; }

    public string? KernelField { get; init; }

    /// <summary>The layer's own bias; null when it has none (a zero bias, or the folded BatchNormalization's).</summary>
    public WeightRef? Bias { get; init; }

    public string? BiasField { get; init; }

    /// <summary>The BatchNormalization's position in the weight table (datasets gamma, beta, moving mean, moving variance); -1 for none.</summary>
    public int BatchNorm { get; init; } = -1;

    /// <summary>Whether the BatchNormalization has gamma (scale=True) and beta (center=True); Keras saves only the variables that exist.</summary>
    public bool BatchNormScale { get; init; } = true;

    public bool BatchNormCenter { get; init; } = true;

    /// <summary>A 1×1 convolution's prologue BatchNormalization (its position in the weight table; -1: none) and the variables it has.</summary>
    public int PrologueBatchNorm { get; init; } = -1;

    public bool PrologueBatchNormScale { get; init; } = true;

    public bool PrologueBatchNormCenter { get; init; } = true;

    /// <summary>Elementwise steps: the BatchNormalization as a per-channel scale and shift; a convolution's prologue BatchNormalization likewise.</summary>
    public string? ScaleField { get; init; }

    public string? ShiftField { get; init; }

    /// <summary>Elementwise steps of a rescaling or normalization: where their scale and shift come from; null otherwise.</summary>
    public PreprocessingWeights? Preprocessing { get; init; }

    /// <summary>The handle fields, in upload order; empty when the step has no weights.</summary>
    public List<string> Fields
    {
        get
        {
            var fields = new List<string>();
            foreach (string? name in new[] { DepthwiseField, KernelField, BiasField, ScaleField, ShiftField })
            {
                if (name is not null)
                {
                    fields.Add(name);
                }
            }

            return fields;
        }
    }

    /// <summary>
    /// Where a BatchNormalization variable (0 gamma, 1 beta, 2 moving mean, 3 moving variance) sits in its layer's
    /// datasets, which hold only the variables that exist, in that order; null for an absent gamma or beta.
    /// </summary>
    public WeightRef? BatchNormDataset(int variable) => BatchNormDataset(BatchNorm, BatchNormScale, BatchNormCenter, variable);

    /// <summary>The same for a 1×1 convolution's prologue BatchNormalization (<see cref="PrologueBatchNorm"/>).</summary>
    public WeightRef? PrologueBatchNormDataset(int variable) => BatchNormDataset(PrologueBatchNorm, PrologueBatchNormScale, PrologueBatchNormCenter, variable);

    /// <summary>The same for the BatchNormalization folded into the depthwise kernel (<see cref="DepthwiseBatchNorm"/>).</summary>
    public WeightRef? DepthwiseBatchNormDataset(int variable) => BatchNormDataset(DepthwiseBatchNorm, DepthwiseBatchNormScale, DepthwiseBatchNormCenter, variable);

    private static WeightRef? BatchNormDataset(int batchNorm, bool scale, bool center, int variable)
    {
        bool[] present = { scale, center, true, true };
        if (!present[variable])
        {
            return null;
        }

        int dataset = 0;
        for (int v = 0; v < variable; v++)
        {
            dataset += present[v] ? 1 : 0;
        }

        return new WeightRef(batchNorm, dataset);
    }
}

/// <summary>
/// The slots (tensor ids while planning) a step reads, writes and adds as residual; -1: no residual. A multiply
/// step's factor sits in <see cref="Residual"/>: it is read alongside the source the same way. <see cref="Factor"/>:
/// the per-channel scale a 1×1 convolution's channel prologue multiplies its input by; -1: none.
/// </summary>
internal readonly record struct StepSlots(int Source, int Destination, int Residual, int Factor = -1);

/// <summary>Channels [Offset, Offset + the step's output channels) of the concatenation <paramref name="Layer"/>, whose pixels hold <paramref name="Shape"/>'s channels.</summary>
internal sealed record OutputSlice(string Layer, int Offset, TensorShape Shape);

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
    /// <summary>The class names of the output values (one per value), or empty when the description declares none.</summary>
    public EquatableArray<string> Labels { get; init; } = EquatableArray<string>.Empty;

    /// <summary>The description's preprocessing mode ("tf", "caffe", "torch", "none"), or null when it declares none.</summary>
    public string? Preprocessing { get; init; }

    public long InputLength => (long)InputHeight * InputWidth * InputChannels;

    public string HintName => ClassName + ".g.cs";
}

/// <summary>
/// The result of planning one description: the plan (null on errors), all diagnostics, and where the class
/// name is written (for a duplicate-name error; kept out of the position-free plan so moving text does not
/// re-emit the source).
/// </summary>
internal sealed record PlanResult(string FilePath, ExecutionPlan? Plan, EquatableArray<DiagnosticInfo> Diagnostics, SourceSpan ClassNameSpan);
