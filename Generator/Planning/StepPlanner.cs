using System;
using System.Collections.Generic;
using Xception.Compiler.Generator.Model;

namespace Xception.Compiler.Generator.Planning;

/// <summary>A value computed by a step (or the model input), with its liveness.</summary>
internal sealed class PlannedTensor
{
    public PlannedTensor(int id, string name, TensorShape shape, int producer)
    {
        Id = id;
        Name = name;
        Shape = shape;
        Producer = producer;
        LastUse = producer;
    }

    public int Id { get; }

    public string Name { get; }

    public TensorShape Shape { get; }

    /// <summary>Index of the producing step; -1 for the model input.</summary>
    public int Producer { get; }

    /// <summary>Index of the last step that reads it; int.MaxValue for the model output.</summary>
    public int LastUse { get; set; }
}

/// <summary>
/// Fuses layers into steps, one per <c>ExecutionBackend</c> call, scheduled in Keras order of the
/// layer each step runs (its anchor). Rules:
/// a BatchNormalization whose input is a conv/separable/depthwise/dense step read by nothing else
/// folds into that step's weights; an add folds into the step producing one of its inputs when
/// that step's only consumer is the add and the other input is already computed (the residual);
/// a ReLU folds as the epilogue of the step producing its input when nothing else reads that; a ReLU
/// that cannot (its input has several consumers) becomes the ReLU prologue of its single consumer;
/// any other activation function (a layer, or a convolution's or dense layer's own) runs as an activation
/// step right after the step producing its input, in place, when nothing else reads that output (the
/// step's epilogue), else as a step of its own, except a bounded ReLU (ReLU6), which a convolution clamps in its own
/// store, and a sigmoid or swish, which a convolution applies in its store (<see cref="StoreActivationFusion"/>); anything left becomes an elementwise step.
/// </summary>
internal sealed class StepPlanner
{
    private readonly ModelGraph _graph;
    private readonly LayerGeometry[] _geometry;
    private readonly int[] _weightIndex;
    private readonly List<PlannedStep> _steps = new();
    private readonly List<PlannedTensor> _tensors = new();
    private readonly int[] _tensorOf;
    private readonly bool[] _absorbed;
    private readonly bool[] _prologue;
    private readonly bool[] _foldedPadding;

    // The channel prologue (ChannelPrologueFusion) of the 1×1 convolution reading each layer, by the layer it reads; null: none.
    private readonly ChannelPrologueSource?[] _channelPrologue;

    // Concatenations some producer already writes into: the layer's tensor; and the producers' end layers that do, by concatenation.
    private readonly Dictionary<int, int> _concatTensor = new();
    private readonly Dictionary<int, int> _writesSliceOf = new();

    // Dense blocks: each running concatenation's members share the tensor of its root (keyed in _concatTensor).
    private readonly RunningConcatenation _running;

    private StepPlanner(ModelGraph graph, LayerGeometry[] geometry, int[] weightIndex)
    {
        _graph = graph;
        _geometry = geometry;
        _weightIndex = weightIndex;
        int n = graph.Layers.Length;
        _tensorOf = new int[n];
        for (int i = 0; i < n; i++)
        {
            _tensorOf[i] = -1;
        }

        _absorbed = new bool[n];
        _prologue = new bool[n];
        _foldedPadding = new bool[n];
        _channelPrologue = new ChannelPrologueSource?[n];
        _running = RunningConcatenation.Find(graph);
    }

    public static (List<PlannedStep> Steps, List<PlannedTensor> Tensors, int OutputTensor) Plan(ModelGraph graph, LayerGeometry[] geometry, int[] weightIndex)
    {
        var planner = new StepPlanner(graph, geometry, weightIndex);
        planner.Run();
        int output = planner._tensorOf[graph.Output];
        planner._tensors[output].LastUse = int.MaxValue;
        return (planner._steps, planner._tensors, output);
    }

    private LayerSpec Layer(int index) => _graph.Layers[index];

    private void Run()
    {
        foreach (int index in _graph.KerasOrder)
        {
            if (_absorbed[index])
            {
                continue;
            }

            LayerSpec layer = Layer(index);
            switch (layer.Op)
            {
                case LayerOp.Input:
                    _tensorOf[index] = NewTensor(layer.Name, _geometry[index].Output, -1);
                    break;
                case LayerOp.Relu when CanBePrologue(index):
                    _prologue[index] = true;
                    break;
                case LayerOp.ZeroPadding2D when CanFoldPadding(index):
                    // No step: its one windowed consumer reads the unpadded tensor with the pads added to its own.
                    _foldedPadding[index] = true;
                    break;
                case LayerOp.Add:
                    PlanStandaloneAdd(index);
                    break;
                case LayerOp.Concatenate:
                    PlanConcatenate(index);
                    break;
                case LayerOp.Multiply when TakeChannelPrologue(index):
                case LayerOp.BatchNorm when TakeChannelPrologue(index):
                    // No step: the 1×1 convolution reading it applies it as it loads its input.
                    break;
                case LayerOp.Multiply:
                    PlanMultiply(index);
                    break;
                case LayerOp.Activation when layer.Function.IsLinear:
                    // The identity: no step, like a flatten.
                    _tensorOf[index] = ResolveSource(_graph.Inputs[index][0]).Tensor;
                    break;
                case LayerOp.Flatten:
                case LayerOp.Reshape:
                    // No step: the flat vector is the same memory; its readers take the flat shape from the geometry.
                    _tensorOf[index] = ResolveSource(_graph.Inputs[index][0]).Tensor;
                    break;
                default:
                    PlanStep(index);
                    break;
            }
        }
    }

    // A ReLU the step producing its input could not take becomes the prologue of its only consumer,
    // when that consumer reads it as its main input and its backend call has a ReluInput flag.
    private bool CanBePrologue(int relu)
    {
        List<int> consumers = _graph.Consumers[relu];
        if (consumers.Count != 1)
        {
            return false;
        }

        int consumer = consumers[0];
        LayerSpec c = Layer(consumer);
        bool supports = c.Op is LayerOp.Conv2D or LayerOp.SeparableConv2D or LayerOp.DepthwiseConv2D or LayerOp.MaxPool2D
            or LayerOp.GlobalAvgPool or LayerOp.GlobalMaxPool or LayerOp.Dense or LayerOp.BatchNorm;
        return supports && _graph.Inputs[consumer][0] == relu && _tensorOf[_graph.Inputs[relu][0]] >= 0;
    }

    // A Multiply by a per-channel scale, or a BatchNormalization and its ReLU, read only by a 1×1 convolution becomes that
    // convolution's channel prologue when what it reads is computed and read as a tensor of its own or a dense block's prefix.
    private bool TakeChannelPrologue(int layer)
    {
        ChannelPrologueSource? prologue = ChannelPrologueFusion.Find(_graph, _geometry, layer);
        if (prologue is null || _tensorOf[prologue.Input] < 0 || (prologue.Factor >= 0 && _tensorOf[prologue.Factor] < 0))
        {
            return false;
        }

        // The SE scale is read per image as one value per channel, so it must be a tensor of exactly that size.
        if (prologue.Factor >= 0 && _tensors[_tensorOf[prologue.Factor]].Shape.Length != _geometry[prologue.Factor].Output.Length)
        {
            return false;
        }

        // x is read as its own tensor, or (DenseNet) as the first channels of its dense block's buffer.
        TensorShape read = _tensors[_tensorOf[prologue.Input]].Shape;
        TensorShape x = _geometry[prologue.Input].Output;
        bool prefix = _running.RootOf(prologue.Input) >= 0 && read.Channels != x.Channels;
        if (!prefix && read != x || prologue.Factor >= 0 && prefix)
        {
            return false;
        }

        _channelPrologue[prologue.Layer] = prologue;
        if (prologue.Relu >= 0)
        {
            _absorbed[prologue.Relu] = true;
        }

        return true;
    }

    // A ZeroPadding2D folds into the window of its only consumer when that consumer is a convolution or pool
    // reading it as its main input: the pads become explicit pads of the window, so no padded copy is made.
    private bool CanFoldPadding(int padding)
    {
        List<int> consumers = _graph.Consumers[padding];
        if (consumers.Count != 1)
        {
            return false;
        }

        int consumer = consumers[0];
        return Layer(consumer).Op is LayerOp.Conv2D or LayerOp.SeparableConv2D or LayerOp.DepthwiseConv2D or LayerOp.MaxPool2D or LayerOp.AvgPool2D
            && _graph.Inputs[consumer][0] == padding && _tensorOf[_graph.Inputs[padding][0]] >= 0;
    }

    private (int Tensor, string? ReluLayer) ResolveSource(int layer)
    {
        if (_prologue[layer])
        {
            return (_tensorOf[_graph.Inputs[layer][0]], Layer(layer).Name);
        }

        if (_tensorOf[layer] < 0)
        {
            throw new InvalidOperationException("layer '" + Layer(layer).Name + "' is read before it is computed");
        }

        return (_tensorOf[layer], null);
    }

    private int NewTensor(string name, TensorShape shape, int producer)
    {
        var tensor = new PlannedTensor(_tensors.Count, name, shape, producer);
        _tensors.Add(tensor);
        return tensor.Id;
    }

    private void Read(int tensor)
    {
        if (tensor >= 0)
        {
            _tensors[tensor].LastUse = Math.Max(_tensors[tensor].LastUse, _steps.Count);
        }
    }

    private void PlanStep(int index)
    {
        LayerSpec layer = Layer(index);
        LayerGeometry geometry = _geometry[index];
        int inputLayer = _graph.Inputs[index][0];
        LayerPads zeroPads = LayerPads.None;
        string? zeroPaddingLayer = null;
        if (_foldedPadding[inputLayer])
        {
            zeroPads = Layer(inputLayer).Pads;
            zeroPaddingLayer = Layer(inputLayer).Name;
            inputLayer = _graph.Inputs[inputLayer][0];
        }
        else if (layer.Op == LayerOp.ZeroPadding2D)
        {
            // Standalone: a 1×1 max pool whose frame of pads is all zeros copies the tensor into its padded place.
            zeroPads = layer.Pads;
        }

        ChannelPrologueSource? channelPrologue = _channelPrologue[inputLayer];
        inputLayer = channelPrologue?.Input ?? inputLayer;
        (int source, string? reluIn) = channelPrologue is null ? ResolveSource(inputLayer) : (_tensorOf[inputLayer], null);
        int factor = channelPrologue is { Factor: >= 0 } ? _tensorOf[channelPrologue.Factor] : -1;
        TensorShape input = _geometry[inputLayer].Output; // a flatten's, where the tensor it aliases is spatial

        // A member of a dense block read from the block's buffer: its channels are the first of each wider pixel.
        bool prefixRead = _running.RootOf(inputLayer) >= 0 && !input.IsFlat && _tensors[source].Shape.Channels != input.Channels;
        int inputPixelStride = prefixRead ? _tensors[source].Shape.Channels : 0;

        StepKind kind = layer.Op switch
        {
            LayerOp.Conv2D => StepKind.Conv2D,
            LayerOp.SeparableConv2D => StepKind.SeparableConv,
            LayerOp.DepthwiseConv2D => StepKind.DepthwiseConv,
            LayerOp.MaxPool2D => StepKind.MaxPool,
            LayerOp.GlobalAvgPool or LayerOp.GlobalMaxPool => StepKind.GlobalPool,
            LayerOp.Dense => StepKind.Dense,
            LayerOp.Softmax => StepKind.Softmax,
            LayerOp.Activation => StepKind.Activation,
            LayerOp.AvgPool2D => StepKind.AveragePool,
            LayerOp.ZeroPadding2D => StepKind.ZeroPad,
            _ => StepKind.Elementwise, // standalone batch_norm or relu
        };

        // The layer's own function (a convolution's or dense layer's activation): a ReLU is its step's flag, any
        // other function the step's epilogue, after which nothing more fuses (a BN after it cannot fold into the weights).
        bool ownsFunction = kind is StepKind.Conv2D or StepKind.SeparableConv or StepKind.DepthwiseConv or StepKind.Dense && !layer.Function.IsLinear;
        bool canClamp = kind is StepKind.Conv2D or StepKind.SeparableConv or StepKind.DepthwiseConv;
        bool ownClamp = ownsFunction && canClamp && IsBoundedRelu(layer.Function);
        ActivationSpec? epilogue = ownsFunction && !layer.Function.IsPlainRelu && !ownClamp ? layer.Function : null;
        double reluMax = ownClamp ? layer.Function.Parameter1 : double.PositiveInfinity;
        string? epilogueLayer = null;

        bool denseSoftmax = layer.Op == LayerOp.Dense && layer.Activation == DenseActivation.Softmax;
        bool canFoldBn = kind is StepKind.Conv2D or StepKind.SeparableConv or StepKind.DepthwiseConv or StepKind.Dense && !denseSoftmax;
        bool canResidual = kind is StepKind.Conv2D or StepKind.SeparableConv or StepKind.DepthwiseConv or StepKind.MaxPool or StepKind.Elementwise;
        bool sigmoidOut = layer.Op == LayerOp.Dense && layer.Activation == DenseActivation.Sigmoid;
        bool canReluOut = kind is StepKind.Conv2D or StepKind.SeparableConv or StepKind.DepthwiseConv or StepKind.MaxPool or StepKind.Elementwise
            || (kind == StepKind.Dense && !denseSoftmax && !sigmoidOut) || kind == StepKind.ZeroPad;

        bool reluOut = layer.Op == LayerOp.Relu || (layer.Op == LayerOp.Dense && layer.Activation == DenseActivation.Relu)
            || (ownsFunction && layer.Function.IsPlainRelu) || ownClamp;
        string? reluOutLayer = layer.Op == LayerOp.Relu ? layer.Name : null;
        string? bnLayer = layer.Op == LayerOp.BatchNorm ? layer.Name : null;
        int bnWeights = layer.Op == LayerOp.BatchNorm ? _weightIndex[index] : -1;
        double epsilon = layer.Op == LayerOp.BatchNorm ? layer.Epsilon : 0;
        LayerSpec? batchNorm = layer.Op == LayerOp.BatchNorm ? layer : null;
        string? residualLayer = null;
        string? addLayer = null;
        int residual = -1;

        int end = index;
        int beforeEpilogue = index;
        while (!denseSoftmax && epilogue is null && _graph.Consumers[end].Count == 1)
        {
            int next = _graph.Consumers[end][0];
            LayerSpec n = Layer(next);
            if (n.Op == LayerOp.BatchNorm && canFoldBn && bnLayer is null && residual < 0 && !reluOut && !sigmoidOut)
            {
                bnLayer = n.Name;
                bnWeights = _weightIndex[next];
                epsilon = n.Epsilon;
                batchNorm = n;
            }
            else if (n.Op == LayerOp.Add && canResidual && residual < 0 && !reluOut && OtherAddInput(next, end) is int other
                && _tensorOf[other] >= 0 && !_prologue[other])
            {
                residual = _tensorOf[other];
                residualLayer = Layer(other).Name;
                addLayer = n.Name;
            }
            else if (n.Op == LayerOp.Relu && canReluOut && !reluOut)
            {
                reluOut = true;
                reluOutLayer = n.Name;
            }
            else if (n.Op == LayerOp.Activation && canClamp && !reluOut && IsBoundedRelu(n.Function))
            {
                reluOut = true;
                reluOutLayer = n.Name;
                reluMax = n.Function.Parameter1;
            }
            else if (n.Op == LayerOp.Activation && !n.Function.IsLinear && kind != StepKind.Activation && !reluOut && !sigmoidOut)
            {
                epilogue = n.Function;
                epilogueLayer = n.Name;
                beforeEpilogue = end;
            }
            else
            {
                break;
            }

            _absorbed[next] = true;
            end = next;
        }

        // A dense step takes any function on its float64 sums (DenseShape.Activation); the others get an in-place step.
        bool denseFunction = kind == StepKind.Dense && epilogue is not null;
        if (epilogue is null || denseFunction)
        {
            beforeEpilogue = end;
        }

        // A 1×1 convolution that alone reads what the depthwise step just before it wrote (MobileNet's conv_dw_N +
        // BN + ReLU6 → conv_pw_N, MobileNetV2's depthwise → project): the two become one separable step, so the
        // depthwise result feeds the pointwise GEMM tile by tile and never fills a full-size buffer.
        PlannedStep? depthwise = kind == StepKind.Conv2D && channelPrologue is null ? FusableDepthwise(layer, geometry, inputLayer, source, reluIn, zeroPaddingLayer, end) : null;
        if (depthwise is not null)
        {
            _steps.RemoveAt(_steps.Count - 1);
            _tensors.RemoveAt(source);
            kind = StepKind.SeparableConv;
            source = depthwise.Slots.Source;
            input = depthwise.Input;
        }

        // A sigmoid or swish after a convolution runs in the convolution's store instead of a pass of its own.
        bool storeFunction = !denseFunction && StoreActivationFusion.Fuses(kind, epilogue);
        if (storeFunction)
        {
            beforeEpilogue = end;
        }

        Read(source);
        Read(residual);
        Read(factor);
        TensorShape output = _geometry[end].Output;
        int stepIndex = _steps.Count;
        string outputName = denseSoftmax ? layer.Name + " (logits)" : Layer(end).Name;
        OutputSlice? slice = null;
        int destination;
        if (kind == StepKind.Conv2D && residual < 0 && epilogue is null && SliceOf(end) is (int concat, int offset))
        {
            // Straight into its channels of the concatenation: placed by the first branch that writes it.
            destination = ConcatTensor(concat, stepIndex);
            Read(destination);
            _writesSliceOf[end] = concat;
            int buffer = BufferLayer(concat);
            slice = new OutputSlice(Layer(buffer).Name, offset, _geometry[buffer].Output);
        }
        else if (_running.PrefixOf(end) is int prefixOf and >= 0 && residual < 0 && epilogue is null && !denseSoftmax
            && kind is StepKind.Conv2D or StepKind.MaxPool or StepKind.AveragePool)
        {
            // A dense block's input: the first channels of the block's buffer, which its readers read as a prefix.
            destination = ConcatTensor(prefixOf, stepIndex);
            Read(destination);
            _writesSliceOf[end] = prefixOf;
            int buffer = BufferLayer(prefixOf);
            slice = new OutputSlice(Layer(buffer).Name, 0, _geometry[buffer].Output);
        }
        else
        {
            destination = NewTensor(outputName, output, stepIndex);
        }

        string stepOutput = denseSoftmax ? outputName
            : epilogue is null || denseFunction || storeFunction ? Layer(end).Name
            : epilogueLayer is null ? layer.Name + " (before " + epilogue.Text + ")"
            : Layer(beforeEpilogue).Name;
        int weightLayer = layer.Op == LayerOp.BatchNorm ? -1 : _weightIndex[index];
        bool useBias = layer.UseBias && layer.HasWeights && layer.Op != LayerOp.BatchNorm;
        bool standalonePadding = kind == StepKind.ZeroPad;
        StepWeights weights = layer.Op is LayerOp.Rescaling or LayerOp.Normalization
            ? PreprocessingWeights.Of(layer, stepIndex + 1, weightLayer, output.Channels)
            : Weights(kind, stepIndex + 1, weightLayer, useBias, bnWeights);
        if (batchNorm is not null)
        {
            weights = weights with { BatchNormScale = batchNorm.Scale, BatchNormCenter = batchNorm.Center };
        }

        StepWindow window = new()
        {
            KernelHeight = standalonePadding ? 1 : layer.Window.KernelHeight,
            KernelWidth = standalonePadding ? 1 : layer.Window.KernelWidth,
            StrideHeight = layer.Window.StrideHeight,
            StrideWidth = layer.Window.StrideWidth,
            SamePadding = layer.Window.Padding == Padding.Same,
            PadTop = standalonePadding ? zeroPads.Top : geometry.PadTop + zeroPads.Top,
            PadBottom = standalonePadding ? zeroPads.Bottom : geometry.PadBottom + zeroPads.Bottom,
            PadLeft = standalonePadding ? zeroPads.Left : geometry.PadLeft + zeroPads.Left,
            PadRight = standalonePadding ? zeroPads.Right : geometry.PadRight + zeroPads.Right,
            ZeroPadTop = zeroPads.Top,
            ZeroPadBottom = zeroPads.Bottom,
            ZeroPadLeft = zeroPads.Left,
            ZeroPadRight = zeroPads.Right,
        };
        var fusion = new StepFusion
        {
            ReluInputLayer = reluIn,
            ReluOutput = reluOut,
            ReluOutputLayer = reluOutLayer,
            ReluMax = reluMax,
            SigmoidOutput = sigmoidOut,
            BatchNormLayer = bnLayer,
            Epsilon = epsilon,
            ResidualLayer = residualLayer,
            AddLayer = addLayer,
            ZeroPaddingLayer = zeroPaddingLayer,
            StoreFunction = storeFunction ? epilogue! : ActivationSpec.Linear,
            StoreFunctionLayer = storeFunction ? epilogueLayer : null,
        };
        if (channelPrologue is not null)
        {
            (fusion, weights) = WithChannelPrologue(channelPrologue, fusion, weights, stepIndex + 1, factor);
        }

        string anchor = layer.Name;
        string sourceLayer = _tensors[source].Name;
        if (depthwise is not null)
        {
            // The depthwise's window, prologue and padding; its BN and ReLU become the stage between the two GEMM operands.
            anchor = depthwise.Anchor;
            sourceLayer = depthwise.SourceLayer;
            window = depthwise.Window;
            fusion = fusion with
            {
                ReluInputLayer = depthwise.Fusion.ReluInputLayer,
                ZeroPaddingLayer = depthwise.Fusion.ZeroPaddingLayer,
                PointwiseLayer = layer.Name,
                DepthwiseBatchNormLayer = depthwise.Fusion.BatchNormLayer,
                DepthwiseEpsilon = depthwise.Fusion.Epsilon,
                DepthwiseRelu = depthwise.Fusion.ReluOutput,
                DepthwiseReluLayer = depthwise.Fusion.ReluOutputLayer,
                DepthwiseReluMax = depthwise.Fusion.ReluMax,
            };
            string n = (stepIndex + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            weights = weights with
            {
                Depthwise = depthwise.Weights.Kernel,
                DepthwiseField = StepWeights.DepthwisePrefix + n,
                DepthwiseBias = depthwise.Weights.Bias,
                DepthwiseBatchNorm = depthwise.Weights.BatchNorm,
                DepthwiseBatchNormScale = depthwise.Weights.BatchNormScale,
                DepthwiseBatchNormCenter = depthwise.Weights.BatchNormCenter,
                Kernel = new WeightRef(weightLayer, 0),
                KernelField = StepWeights.PointwisePrefix + n,
                Bias = useBias ? new WeightRef(weightLayer, 1) : null,
            };
        }

        _steps.Add(new PlannedStep
        {
            Number = stepIndex + 1,
            Kind = kind,
            Anchor = anchor,
            OutputLayer = stepOutput,
            SourceLayer = prefixRead ? Layer(inputLayer).Name : sourceLayer,
            Input = input,
            InputPixelStride = inputPixelStride,
            Output = output,
            Window = window,
            Fusion = fusion,
            Weights = weights,
            Slots = new StepSlots(source, destination, residual, factor),
            Slice = slice,
            IsMax = layer.Op == LayerOp.GlobalMaxPool,
            Function = kind == StepKind.Activation ? layer.Function : denseFunction ? epilogue! : ActivationSpec.Linear,
        });

        if (epilogue is not null && !denseFunction && !storeFunction)
        {
            Read(destination);
            int epilogueIndex = _steps.Count;
            string epilogueName = epilogueLayer ?? layer.Name;
            _steps.Add(Simple(epilogueIndex, StepKind.Activation, epilogueName, output, destination, destination, -1, stepOutput) with { Function = epilogue });
        }

        if (denseSoftmax)
        {
            Read(destination);
            int softmaxIndex = _steps.Count;
            int probabilities = NewTensor(layer.Name, output, softmaxIndex);
            _steps.Add(Simple(softmaxIndex, StepKind.Softmax, layer.Name, output, destination, probabilities, -1, _tensors[destination].Name));
            end = index;
            destination = probabilities;
        }

        _tensorOf[end] = destination;
    }

    // The depthwise step a 1×1 convolution can take in as the first half of a separable step: the step just before,
    // a depthwise convolution with no residual whose output only this convolution reads, unpadded, without a ReLU
    // prologue of its own, and not writing into a concatenation's slice (a separable step has none). Null otherwise.
    private PlannedStep? FusableDepthwise(LayerSpec layer, LayerGeometry geometry, int inputLayer, int source, string? reluIn, string? zeroPaddingLayer, int end)
    {
        bool pointwise = layer.Window.KernelHeight == 1 && layer.Window.KernelWidth == 1 && layer.Window.StrideHeight == 1 && layer.Window.StrideWidth == 1
            && geometry.PadTop == 0 && geometry.PadBottom == 0 && geometry.PadLeft == 0 && geometry.PadRight == 0;
        if (!pointwise || reluIn is not null || zeroPaddingLayer is not null || _steps.Count == 0 || SliceOf(end) is not null)
        {
            return null;
        }

        PlannedStep previous = _steps[_steps.Count - 1];
        bool alone = _graph.Consumers[inputLayer].Count == 1 && source == _tensors.Count - 1 && _tensors[source].Producer == _steps.Count - 1;
        return previous.Kind == StepKind.DepthwiseConv && previous.Slots.Destination == source && !previous.HasResidual
            && previous.Slice is null && previous.Fusion.StoreFunction.IsLinear && alone ? previous : null;
    }

    // The prologue's layers in the step's fusion (for its comment) and the prologue BatchNormalization's datasets and fields.
    private (StepFusion Fusion, StepWeights Weights) WithChannelPrologue(ChannelPrologueSource prologue, StepFusion fusion, StepWeights weights, int number, int factor)
    {
        fusion = fusion with
        {
            PrologueMultiplyLayer = prologue.Multiply >= 0 ? Layer(prologue.Multiply).Name : null,
            PrologueFactorLayer = factor >= 0 ? _tensors[factor].Name : null,
            PrologueBatchNormLayer = prologue.BatchNorm >= 0 ? Layer(prologue.BatchNorm).Name : null,
            PrologueEpsilon = prologue.BatchNorm >= 0 ? Layer(prologue.BatchNorm).Epsilon : 0,
            PrologueReluLayer = prologue.Relu >= 0 ? Layer(prologue.Relu).Name : null,
        };
        if (prologue.BatchNorm >= 0)
        {
            string n = number.ToString(System.Globalization.CultureInfo.InvariantCulture);
            LayerSpec bn = Layer(prologue.BatchNorm);
            weights = weights with
            {
                PrologueBatchNorm = _weightIndex[prologue.BatchNorm],
                PrologueBatchNormScale = bn.Scale,
                PrologueBatchNormCenter = bn.Center,
                ScaleField = StepWeights.ScalePrefix + n,
                ShiftField = StepWeights.ShiftPrefix + n,
            };
        }

        return (fusion, weights);
    }

    // min(max(x, 0), max_value) with a finite positive bound and no slope or threshold (ReLU6): what a convolution's
    // store clamps to, so the function needs no pass of its own over the output.
    private static bool IsBoundedRelu(ActivationSpec function) =>
        function.Kind == ActivationKind.Relu && function.Parameter0 == 0 && function.Parameter2 == 0
        && function.Parameter1 > 0 && !double.IsPositiveInfinity(function.Parameter1);

    // The concatenation a step's output feeds and nothing else, with the step's channel offset in it; null otherwise
    // (an output read twice by the concatenation, or by anything more, keeps a tensor of its own).
    private (int Concat, int Offset)? SliceOf(int layer)
    {
        List<int> consumers = _graph.Consumers[layer];
        if (consumers.Count != 1 || Layer(consumers[0]).Op != LayerOp.Concatenate)
        {
            return null;
        }

        int offset = 0;
        foreach (int input in _graph.Inputs[consumers[0]])
        {
            if (input == layer)
            {
                return (consumers[0], offset);
            }

            offset += _geometry[input].Output.Channels;
        }

        return null;
    }

    // The layer whose tensor holds a concatenation: the root of its dense block, or itself.
    private int BufferLayer(int concat) => _running.RootOf(concat) is int root and >= 0 ? root : concat;

    // The tensor a concatenation is written into, placed by its first writer (step stepIndex).
    private int ConcatTensor(int concat, int stepIndex)
    {
        int buffer = BufferLayer(concat);
        if (!_concatTensor.TryGetValue(buffer, out int tensor))
        {
            tensor = NewTensor(BufferName(buffer), _geometry[buffer].Output, stepIndex);
            _concatTensor.Add(buffer, tensor);
        }

        return tensor;
    }

    // A dense block's buffer is named for what it holds, so the buffer plan shows the sharing.
    private string BufferName(int buffer)
    {
        if (_running.RootOf(buffer) != buffer)
        {
            return Layer(buffer).Name;
        }

        List<int> members = _running.Members(buffer);
        string first = Layer(members[0]).Name;
        return Layer(buffer).Name + " (dense block buffer: " + first + " and "
            + (members.Count - 1).ToString(System.Globalization.CultureInfo.InvariantCulture) + " concatenations in place)";
    }

    private int? OtherAddInput(int add, int from)
    {
        int[] inputs = _graph.Inputs[add];
        if (inputs.Length != 2 || inputs[0] == inputs[1])
        {
            return null;
        }

        return inputs[0] == from ? inputs[1] : inputs[1] == from ? inputs[0] : null;
    }

    // An add no producing step could take: elementwise steps, two inputs at a time; a ReLU after it folds in.
    private void PlanStandaloneAdd(int index)
    {
        LayerSpec layer = Layer(index);
        int[] inputs = _graph.Inputs[index];
        TensorShape shape = _geometry[index].Output;
        (int current, _) = ResolveSource(inputs[0]);
        string currentName = _tensors[current].Name;
        for (int j = 1; j < inputs.Length; j++)
        {
            (int other, _) = ResolveSource(inputs[j]);
            bool last = j == inputs.Length - 1;
            string? reluOutLayer = null;
            int end = index;
            if (last && _graph.Consumers[index].Count == 1 && Layer(_graph.Consumers[index][0]).Op == LayerOp.Relu)
            {
                end = _graph.Consumers[index][0];
                reluOutLayer = Layer(end).Name;
                _absorbed[end] = true;
            }

            Read(current);
            Read(other);
            int stepIndex = _steps.Count;
            string name = last ? Layer(end).Name : layer.Name + " (partial sum " + j.ToString(System.Globalization.CultureInfo.InvariantCulture) + ")";
            int destination = NewTensor(name, shape, stepIndex);
            PlannedStep sum = Simple(stepIndex, StepKind.Elementwise, layer.Name, shape, current, destination, other, currentName);
            _steps.Add(sum with
            {
                OutputLayer = Layer(end).Name,
                Fusion = new StepFusion { ReluOutput = reluOutLayer is not null, ReluOutputLayer = reluOutLayer, ResidualLayer = Layer(inputs[j]).Name, AddLayer = layer.Name },
            });
            current = destination;
            currentName = name;
            if (last)
            {
                _tensorOf[end] = destination;
            }
        }
    }

    // A concatenation: the tensor is placed by its first writer; every input not written into its slice by its
    // producer (ConcatSlices) is copied there by a slice step.
    private void PlanConcatenate(int index)
    {
        LayerSpec layer = Layer(index);
        int buffer = BufferLayer(index);
        TensorShape shape = _geometry[buffer].Output;
        int concat = _concatTensor.TryGetValue(buffer, out int placed) ? placed : -1;
        int offset = 0;
        foreach (int input in _graph.Inputs[index])
        {
            TensorShape part = _geometry[input].Output;
            bool inPlace = _writesSliceOf.TryGetValue(input, out int target) && target == index
                || (_running.PrefixOf(input) == index && concat >= 0 && _tensorOf[input] == concat); // an earlier concatenation of the block
            if (!inPlace)
            {
                (int source, _) = ResolveSource(input);
                Read(source);
                Read(concat);
                int stepIndex = _steps.Count;
                if (concat < 0)
                {
                    concat = ConcatTensor(index, stepIndex);
                }

                _steps.Add(Simple(stepIndex, StepKind.ChannelSlice, layer.Name, part, source, concat, -1, _tensors[source].Name) with
                {
                    Slice = new OutputSlice(Layer(buffer).Name, offset, shape),
                });
            }

            offset += part.Channels;
        }

        _tensorOf[index] = concat;
    }

    // Keras Multiply: x · factor, the factor of x's shape or a (1, 1, C) scale broadcast over the pixels.
    private void PlanMultiply(int index)
    {
        LayerSpec layer = Layer(index);
        (int source, _) = ResolveSource(_graph.Inputs[index][0]);
        (int factor, _) = ResolveSource(_graph.Inputs[index][1]);
        Read(source);
        Read(factor);
        int stepIndex = _steps.Count;
        TensorShape shape = _geometry[index].Output;
        int destination = NewTensor(layer.Name, shape, stepIndex);
        _steps.Add(Simple(stepIndex, StepKind.Multiply, layer.Name, shape, source, destination, factor, _tensors[source].Name) with
        {
            Fusion = new StepFusion { ResidualLayer = _tensors[factor].Name },
            BroadcastFactor = _tensors[factor].Shape != shape,
        });
        _tensorOf[index] = destination;
    }

    /// <summary>A step with no window and no weights, whose input and output have one shape.</summary>
    private static PlannedStep Simple(
        int stepIndex, StepKind kind, string anchor, TensorShape shape, int source, int destination, int residual, string sourceLayer) =>
        new()
        {
            Number = stepIndex + 1,
            Kind = kind,
            Anchor = anchor,
            OutputLayer = anchor,
            SourceLayer = sourceLayer,
            Input = shape,
            Output = shape,
            Slots = new StepSlots(source, destination, residual),
        };

    /// <summary>
    /// Where a step's weights come from, in Keras's dataset order, and the fields they are uploaded to.
    /// <paramref name="layer"/> and <paramref name="batchNorm"/> are positions in the weight table; -1: none.
    /// </summary>
    private static StepWeights Weights(StepKind kind, int number, int layer, bool useBias, int batchNorm)
    {
        string n = number.ToString(System.Globalization.CultureInfo.InvariantCulture);
        switch (kind)
        {
            case StepKind.Conv2D:
            case StepKind.DepthwiseConv:
            case StepKind.Dense:
                return new StepWeights
                {
                    Kernel = new WeightRef(layer, 0),
                    KernelField = StepWeights.KernelPrefix + n,
                    Bias = useBias ? new WeightRef(layer, 1) : null,
                    BiasField = StepWeights.BiasPrefix + n,
                    BatchNorm = batchNorm,
                };
            case StepKind.SeparableConv:
                return new StepWeights
                {
                    Depthwise = new WeightRef(layer, 0),
                    DepthwiseField = StepWeights.DepthwisePrefix + n,
                    Kernel = new WeightRef(layer, 1),
                    KernelField = StepWeights.PointwisePrefix + n,
                    Bias = useBias ? new WeightRef(layer, 2) : null,
                    BiasField = StepWeights.BiasPrefix + n,
                    BatchNorm = batchNorm,
                };
            case StepKind.Elementwise when batchNorm >= 0:
                return new StepWeights { BatchNorm = batchNorm, ScaleField = StepWeights.ScalePrefix + n, ShiftField = StepWeights.ShiftPrefix + n };
            default:
                return StepWeights.None;
        }
    }
}
