using System.Collections.Generic;
using Xception.Compiler.Generator.Planning;
using static Xception.Compiler.Generator.Emitting.Literals;

namespace Xception.Compiler.Generator.Emitting;

/// <summary>
/// The step sequence of a generated class: the <c>RunSteps</c> override (one backend call per fused step, with
/// its explanation above it) and the step shape structs the CPU backend's convolution kernels are generic over.
/// </summary>
internal static class StepSequenceEmitter
{
    private const string CompilerServices = ModelEmitter.CompilerServices;
    private const string Backend = GeneratedMembers.Backend;

    /// <summary>
    /// On the per-call path: JIT-compiled fully optimized on the first call instead of tiering up, so the first
    /// Predicts are not slowed by background re-JITs of it and of the backend code it calls.
    /// </summary>
    private const string FullyOptimized =
        "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]";

    public static void WriteRunSteps(SourceWriter w, ExecutionPlan plan)
    {
        Dictionary<string, StepType> stepTypes = StepTypes(plan);
        w.WriteLine("/// <summary>The fused steps on the images of one chunk, from slot " + Int(plan.InputSlot) + " (the input, written by the base class) to slot "
            + Int(plan.OutputSlot) + " (the output it reads back).</summary>");
        w.WriteLine(FullyOptimized);
        using (w.Block("protected override void " + GeneratedMembers.RunSteps + "(int batch, " + ModelEmitter.Runtime + ".StepObserver? observer)"))
        {
            bool first = true;
            foreach (PlannedStep step in plan.Steps)
            {
                if (!first)
                {
                    w.WriteLine();
                }

                first = false;
                w.WriteLine("// [" + Int(step.Number) + "] " + Comment(StepDescriptions.Describe(step)));
                w.WriteLine(StepCall(step, stepTypes));
                // A step writing a slice shows the whole concatenation so far (its slot holds the pixels of that shape).
                string observed = step.Slice is null ? step.OutputLayer : step.Slice.Layer + " (through channel " + Int(step.Slice.Offset + step.Output.Channels - 1) + ")";
                w.WriteLine("if (observer is not null) " + GeneratedMembers.Observe + "(observer, " + Int(step.Number) + ", " + String(observed) + ", "
                    + Int(step.Slots.Destination) + ", " + ShapeArguments(step.Slice?.Shape ?? step.Output) + ");");
            }
        }

        if (stepTypes.Count > 0)
        {
            w.WriteLine();
            WriteStepTypes(w, stepTypes);
        }
    }

    /// <summary>One struct per distinct convolution shape, named after the first step that has it.</summary>
    private sealed class StepType
    {
        public StepType(string name, PlannedStep first)
        {
            Name = name;
            First = first;
        }

        public string Name { get; }

        public PlannedStep First { get; }

        public List<int> Steps { get; } = new();
    }

    private static Dictionary<string, StepType> StepTypes(ExecutionPlan plan)
    {
        var types = new Dictionary<string, StepType>(System.StringComparer.Ordinal);
        foreach (PlannedStep step in plan.Steps)
        {
            if (step.Kind is not (StepKind.Conv2D or StepKind.SeparableConv))
            {
                continue;
            }

            string key = StepTypeKey(step);
            if (!types.TryGetValue(key, out StepType? type))
            {
                type = new StepType(GeneratedMembers.StepShape(step.Number), step);
                types.Add(key, type);
            }

            type.Steps.Add(step.Number);
        }

        return types;
    }

    /// <summary>
    /// The step shape types: the CPU backend's convolution kernels are generic over them, so the JIT compiles
    /// one copy of each kernel per shape, with every dimension and flag below a constant it folds.
    /// </summary>
    private static void WriteStepTypes(SourceWriter w, Dictionary<string, StepType> stepTypes)
    {
        var ordered = new List<StepType>(stepTypes.Values);
        ordered.Sort((a, b) => a.First.Number.CompareTo(b.First.Number));
        bool first = true;
        foreach (StepType type in ordered)
        {
            if (!first)
            {
                w.WriteLine();
            }

            first = false;
            PlannedStep s = type.First;
            string kind = s.Kind == StepKind.Conv2D ? "Conv2D" : "SeparableConv";
            var numbers = new List<string>();
            foreach (int number in type.Steps)
            {
                numbers.Add("[" + Int(number) + "]");
            }

            w.WriteLine("/// <summary>The shape of step" + (numbers.Count > 1 ? "s " : " ") + string.Join(", ", numbers) + " as JIT-time constants.</summary>");
            using (w.Block("private readonly struct " + type.Name + " : " + CompilerServices + ".I" + kind + "Step"))
            {
                using (w.Block("public static " + CompilerServices + "." + kind + "Shape Shape"))
                {
                    w.WriteLine("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]");
                    w.WriteLine("get => new(" + ConvolutionShapeArguments(s) + ");");
                }
            }
        }

    }

    private static string StepTypeKey(PlannedStep s) => s.Kind + ": " + ConvolutionShapeArguments(s);

    private static string ConvolutionShapeArguments(PlannedStep s) =>
        "InHeight: " + Int(s.Input.Height) + ", InWidth: " + Int(s.Input.Width)
        + ", InChannels: " + Int(s.Input.Channels) + ", OutHeight: " + Int(s.Output.Height) + ", OutWidth: " + Int(s.Output.Width)
        + ", OutChannels: " + Int(s.Output.Channels) + ", KernelHeight: " + Int(s.Window.KernelHeight) + ", KernelWidth: " + Int(s.Window.KernelWidth)
        + ", StrideHeight: " + Int(s.Window.StrideHeight) + ", StrideWidth: " + Int(s.Window.StrideWidth) + ", PadTop: " + Int(s.Window.PadTop) + ", PadLeft: " + Int(s.Window.PadLeft)
        + ", ReluInput: " + Flag(s.ReluInput) + ", ReluOutput: " + Flag(s.Fusion.ReluOutput) + ", HasResidual: " + Flag(s.HasResidual)
        + (s.Slice is null ? string.Empty : ", OutChannelOffset: " + Int(s.Slice.Offset) + ", OutPixelStride: " + Int(s.Slice.Shape.Channels))
        + ReluMaxArgument(s) + DepthwiseStageArguments(s) + StoreFunctionArgument(s);

    /// <summary>A sigmoid or swish applied in the step's store (none otherwise, so other descriptions emit what they did).</summary>
    private static string StoreFunctionArgument(PlannedStep s) => s.Fusion.StoreFunction.IsLinear
        ? string.Empty
        : ", Activation: (int)" + CompilerServices + ".ActivationFunction." + s.Fusion.StoreFunction.Kind;

    /// <summary>A fused DepthwiseConv2D + 1×1 Conv2D's stage between the two (none for Xception's separable layers).</summary>
    private static string DepthwiseStageArguments(PlannedStep s) =>
        (s.Weights.HasDepthwiseStageBias ? ", DepthwiseBias: 1" : string.Empty)
        + (s.Fusion.DepthwiseRelu ? ", DepthwiseRelu: 1" : string.Empty)
        + (s.Fusion.HasDepthwiseReluMax ? ", DepthwiseReluMax: global::System.BitConverter.SingleToInt32Bits(" + Float(s.Fusion.DepthwiseReluMax) + ")" : string.Empty);

    /// <summary>A bounded output ReLU's bound as float bits (none when unbounded, so other descriptions emit what they did).</summary>
    private static string ReluMaxArgument(PlannedStep s) => s.Fusion.HasReluMax
        ? ", ReluMax: global::System.BitConverter.SingleToInt32Bits(" + Float(s.Fusion.ReluMax) + ")"
        : string.Empty;

    private static string ShapeArguments(TensorShape shape) => shape.IsFlat
        ? Int(shape.Channels)
        : Int(shape.Height) + ", " + Int(shape.Width) + ", " + Int(shape.Channels);

    private static string StepCall(PlannedStep s, Dictionary<string, StepType> stepTypes)
    {
        string weights = string.Join(", ", s.Weights.Fields);
        string slots = "batch, source: " + Int(s.Slots.Source) + ", destination: " + Int(s.Slots.Destination);
        string residual = ", residual: " + Int(s.Slots.Residual);
        string reluIn = Flag(s.ReluInput);
        string reluOut = Flag(s.Fusion.ReluOutput);
        string hasResidual = Flag(s.HasResidual);
        switch (s.Kind)
        {
            case StepKind.Conv2D:
            case StepKind.SeparableConv:
                string method = s.Kind == StepKind.Conv2D ? "Conv2D" : "SeparableConv";
                if (s.Fusion.HasChannelPrologue)
                {
                    return Backend + ".Conv2D<" + stepTypes[StepTypeKey(s)].Name + ">(" + slots + residual + ", " + s.Weights.KernelField + ", " + s.Weights.BiasField
                        + ", " + ChannelPrologueArgument(s) + ");";
                }

                return Backend + "." + method + "<" + stepTypes[StepTypeKey(s)].Name + ">(" + slots + residual + ", " + weights + ");";
            case StepKind.DepthwiseConv:
                return Backend + ".DepthwiseConv(new " + CompilerServices + ".DepthwiseConvShape(InHeight: " + Int(s.Input.Height) + ", InWidth: " + Int(s.Input.Width)
                    + ", Channels: " + Int(s.Input.Channels) + ", OutHeight: " + Int(s.Output.Height) + ", OutWidth: " + Int(s.Output.Width)
                    + ", KernelHeight: " + Int(s.Window.KernelHeight) + ", KernelWidth: " + Int(s.Window.KernelWidth)
                    + ", StrideHeight: " + Int(s.Window.StrideHeight) + ", StrideWidth: " + Int(s.Window.StrideWidth) + ", PadTop: " + Int(s.Window.PadTop) + ", PadLeft: " + Int(s.Window.PadLeft)
                    + ", ReluInput: " + reluIn + ", ReluOutput: " + reluOut + ", HasResidual: " + hasResidual + ReluMaxArgument(s) + StoreFunctionArgument(s) + "), " + slots + residual + ", " + weights + ");";
            case StepKind.MaxPool:
            case StepKind.ZeroPad:
                return Backend + ".MaxPool(new " + CompilerServices + ".MaxPoolShape(InHeight: " + Int(s.Input.Height) + ", InWidth: " + Int(s.Input.Width)
                    + ", Channels: " + Int(s.Input.Channels) + ", OutHeight: " + Int(s.Output.Height) + ", OutWidth: " + Int(s.Output.Width)
                    + ", PoolHeight: " + Int(s.Window.KernelHeight) + ", PoolWidth: " + Int(s.Window.KernelWidth)
                    + ", StrideHeight: " + Int(s.Window.StrideHeight) + ", StrideWidth: " + Int(s.Window.StrideWidth) + ", PadTop: " + Int(s.Window.PadTop) + ", PadLeft: " + Int(s.Window.PadLeft)
                    + ", ReluInput: " + reluIn + ", ReluOutput: " + reluOut + ", HasResidual: " + hasResidual + (s.Window.HasZeroPads ? ", " + ZeroPadArguments(s.Window) : "")
                    + OutPixelStride(s) + "), " + slots + residual + ");";
            case StepKind.AveragePool:
                return Backend + ".AveragePool(new " + CompilerServices + ".AveragePoolShape(InHeight: " + Int(s.Input.Height) + ", InWidth: " + Int(s.Input.Width)
                    + ", Channels: " + Int(s.Input.Channels) + ", OutHeight: " + Int(s.Output.Height) + ", OutWidth: " + Int(s.Output.Width)
                    + ", PoolHeight: " + Int(s.Window.KernelHeight) + ", PoolWidth: " + Int(s.Window.KernelWidth)
                    + ", StrideHeight: " + Int(s.Window.StrideHeight) + ", StrideWidth: " + Int(s.Window.StrideWidth) + ", PadTop: " + Int(s.Window.PadTop) + ", PadLeft: " + Int(s.Window.PadLeft)
                    + ", " + ZeroPadArguments(s.Window) + OutPixelStride(s) + "), " + slots + ");";
            case StepKind.Elementwise:
                bool scaleShift = s.Weights.ScaleField is not null;
                string handles = scaleShift ? weights : CompilerServices + ".WeightHandle.None, " + CompilerServices + ".WeightHandle.None";
                return Backend + ".Elementwise(new " + CompilerServices + ".ElementwiseShape(Length: " + Int(s.Output.Length) + ", Channels: " + Int(s.Output.Channels)
                    + ", HasScaleShift: " + Flag(scaleShift) + ", ReluInput: " + reluIn + ", ReluOutput: " + reluOut + ", HasResidual: " + hasResidual
                    + (s.InputPixelStride == 0 ? string.Empty : ", InPixelStride: " + Int(s.InputPixelStride)) + "), "
                    + slots + residual + ", " + handles + ");";
            case StepKind.GlobalPool:
                return Backend + ".GlobalPool(new " + CompilerServices + ".GlobalPoolShape(Height: " + Int(s.Input.Height) + ", Width: " + Int(s.Input.Width)
                    + ", Channels: " + Int(s.Input.Channels) + ", IsMax: " + Flag(s.IsMax) + ", ReluInput: " + reluIn + "), " + slots + ");";
            case StepKind.Dense:
                return Backend + ".Dense(new " + CompilerServices + ".DenseShape(InFeatures: " + Int(s.Input.Channels) + ", OutFeatures: " + Int(s.Output.Channels)
                    + ", ReluInput: " + reluIn + ", ReluOutput: " + reluOut + (s.Fusion.SigmoidOutput ? ", SigmoidOutput: 1" : "") + DenseFunction(s.Function) + "), "
                    + slots + ", " + weights + ");";
            case StepKind.ChannelSlice:
                return Backend + ".ChannelSlice(new " + CompilerServices + ".ChannelSliceShape(Pixels: " + Int(s.Output.Height * s.Output.Width)
                    + ", Channels: " + Int(s.Output.Channels) + ", OutChannels: " + Int(s.Slice!.Shape.Channels) + ", OutChannelOffset: " + Int(s.Slice.Offset) + "), " + slots + ");";
            case StepKind.Multiply:
                return Backend + ".Multiply(new " + CompilerServices + ".MultiplyShape(Pixels: " + Int(s.Output.Height * s.Output.Width) + ", Channels: " + Int(s.Output.Channels)
                    + ", PerChannel: " + Flag(s.BroadcastFactor) + "), batch, source: " + Int(s.Slots.Source) + ", factor: " + Int(s.Slots.Residual)
                    + ", destination: " + Int(s.Slots.Destination) + ");";
            case StepKind.Activation:
                return Backend + ".Activation(new " + CompilerServices + ".ActivationShape(Length: " + Int(s.Output.Length) + ", Function: (int)" + CompilerServices
                    + ".ActivationFunction." + s.Function.Kind + ActivationParameters(s.Function) + "), " + slots + ");";
            default:
                return Backend + ".Softmax(new " + CompilerServices + ".SoftmaxShape(Length: " + Int(s.Output.Length) + "), " + slots + ");";
        }
    }

    /// <summary>A 1×1 convolution's channel prologue: the factor's slot, the BatchNormalization's scale and shift, the ReLU, the input's pixel stride.</summary>
    private static string ChannelPrologueArgument(PlannedStep s)
    {
        if (s.Weights.ScaleField is null && s.Fusion.PrologueReluLayer is null && s.InputPixelStride == 0)
        {
            return CompilerServices + ".ChannelPrologue.ScaledBy(factor: " + Int(s.Slots.Factor) + ")";
        }

        string none = CompilerServices + ".WeightHandle.None";
        return "new " + CompilerServices + ".ChannelPrologue(Factor: " + Int(s.Slots.Factor)
            + ", Scale: " + (s.Weights.ScaleField ?? none) + ", Shift: " + (s.Weights.ShiftField ?? none)
            + ", Relu: " + Flag(s.Fusion.PrologueReluLayer is not null)
            + (s.InputPixelStride == 0 ? string.Empty : ", InPixelStride: " + Int(s.InputPixelStride)) + ")";
    }

    private static string ZeroPadArguments(StepWindow w) =>
        "ZeroPadTop: " + Int(w.ZeroPadTop) + ", ZeroPadBottom: " + Int(w.ZeroPadBottom) + ", ZeroPadLeft: " + Int(w.ZeroPadLeft) + ", ZeroPadRight: " + Int(w.ZeroPadRight);

    private static string Flag(bool value) => value ? "1" : "0";

    /// <summary>A pool writing the first channels of a dense block's buffer (none otherwise, so other code is unchanged).</summary>
    private static string OutPixelStride(PlannedStep s) => s.Slice is null ? string.Empty : ", OutPixelStride: " + Int(s.Slice.Shape.Channels);

    /// <summary>A dense step's function (none when linear, so the code of descriptions without one is unchanged).</summary>
    private static string DenseFunction(Model.ActivationSpec function) => function.IsLinear
        ? string.Empty
        : ", Activation: (int)" + CompilerServices + ".ActivationFunction." + function.Kind + ActivationParameters(function, "ActivationParameter");

    /// <summary>The parameters that are not 0, as float bits (ILGPU shapes are int-only), readable at the call.</summary>
    private static string ActivationParameters(Model.ActivationSpec function, string prefix = "Parameter")
    {
        var sb = new System.Text.StringBuilder();
        double[] values = { function.Parameter0, function.Parameter1, function.Parameter2 };
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] != 0)
            {
                string literal = double.IsPositiveInfinity(values[i]) ? "float.PositiveInfinity" : Float(values[i]);
                sb.Append(", ").Append(prefix).Append(Int(i)).Append(": global::System.BitConverter.SingleToInt32Bits(").Append(literal).Append(')');
            }
        }

        return sb.ToString();
    }
}
