using System;
using System.Collections.Generic;
using System.Reflection;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Kernels;
using Xception.Compiler.Runtime.Execution;
using Xception.Compiler.Runtime.Weights;

namespace Xception.Compiler.Tests.Ptx;

/// <summary>
/// An <see cref="ExecutionBackend"/> that computes nothing and records the shape of every step it is
/// asked to run, in order: what a generated class launches, read from the class itself.
/// </summary>
internal sealed class RecordingBackend : ExecutionBackend
{
    private int _uploads;

    /// <summary>The step shapes in call order (boxed Conv2DShape, SeparableConvShape, ...).</summary>
    public List<object> Steps { get; } = new();

    public override string Name => "recording";

    /// <summary>
    /// The step shapes of one <c>Predict</c> of the generated <see cref="Tests.Xception"/> (batch 1).
    /// <c>Load</c> creates its backend itself, so the class's private constructor is called with this
    /// backend and all-zero weights of the <see cref="Tests.Xception.WeightTable"/> shapes (BN folding of
    /// zeros is finite: variance 0 + epsilon).
    /// </summary>
    public static IReadOnlyList<object> StepsOfFullXception()
    {
        var backend = new RecordingBackend();
        using (Tests.Xception model = CreateFullXception(backend, maxBatch: 1))
        {
            model.Predict(new float[Tests.Xception.InputLength]);
        }

        return backend.Steps;
    }

    /// <summary>The generated <see cref="Tests.Xception"/> on <paramref name="backend"/> with all-zero weights (its private constructor).</summary>
    public static Tests.Xception CreateFullXception(ExecutionBackend backend, int maxBatch)
    {
        WeightTable table = Tests.Xception.WeightTable;
        var data = new float[table.Layers.Count][][];
        var names = new string[table.Layers.Count];
        for (int k = 0; k < data.Length; k++)
        {
            names[k] = table.Layers[k].LayerName;
            data[k] = new float[table.Layers[k].Datasets.Count][];
            for (int d = 0; d < data[k].Length; d++)
            {
                data[k][d] = new float[table.Layers[k].Datasets[d].ElementCount];
            }
        }

        ConstructorInfo weightsConstructor = typeof(LoadedWeights).GetConstructor(
            BindingFlags.NonPublic | BindingFlags.Instance, null,
            new[] { typeof(string), typeof(WeightTable), typeof(string[]), typeof(float[][][]) }, null)
            ?? throw new InvalidOperationException("LoadedWeights(string, WeightTable, string[], float[][][]) not found.");
        var weights = (LoadedWeights)weightsConstructor.Invoke(new object[] { "zeros.h5", table, names, data });

        ConstructorInfo modelConstructor = typeof(Tests.Xception).GetConstructor(
            BindingFlags.NonPublic | BindingFlags.Instance, null,
            new[] { typeof(ExecutionBackend), typeof(LoadedWeights), typeof(int) }, null)
            ?? throw new InvalidOperationException("The generated Xception(ExecutionBackend, LoadedWeights, int) constructor was not found.");

        try
        {
            return (Tests.Xception)modelConstructor.Invoke(new object[] { backend, weights, maxBatch });
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }

    /// <summary>What <see cref="ChunkSize"/> answers; null: the default (the whole MaxBatch).</summary>
    public int? Chunk { get; init; }

    /// <summary>The image counts <see cref="ExecutionBackend.AllocateBuffers"/> was called with.</summary>
    public List<int> Allocations { get; } = new();

    public override int ChunkSize(int maxBatch) => Chunk ?? base.ChunkSize(maxBatch);

    protected override void AllocateBuffersCore(ReadOnlySpan<long> floatsPerImage, int maxBatch) => Allocations.Add(maxBatch);

    protected override WeightHandle UploadCore(ReadOnlySpan<float> values) => new(_uploads++);

    protected override void WriteInputCore(int slot, ReadOnlySpan<float> values)
    {
    }

    protected override void ReadOutputCore(int slot, Span<float> values) => values.Clear();

    protected override void Conv2DCore(in Conv2DShape shape, int batch, int source, int destination, int residual, WeightHandle kernel, WeightHandle bias) =>
        Steps.Add(shape);

    protected override void Conv2DCore(in Conv2DShape shape, int batch, int source, int destination, int residual, WeightHandle kernel, WeightHandle bias, in ChannelPrologue prologue) =>
        Steps.Add(new PrologueConv2DStep(shape, prologue));

    protected override void SeparableConvCore(in SeparableConvShape shape, int batch, int source, int destination, int residual, WeightHandle depthwise, WeightHandle pointwise, WeightHandle bias) =>
        Steps.Add(shape);

    protected override void DepthwiseConvCore(in DepthwiseConvShape shape, int batch, int source, int destination, int residual, WeightHandle kernel, WeightHandle bias) =>
        Steps.Add(shape);

    protected override void MaxPoolCore(in MaxPoolShape shape, int batch, int source, int destination, int residual) =>
        Steps.Add(shape);

    protected override void ElementwiseCore(in ElementwiseShape shape, int batch, int source, int destination, int residual, WeightHandle scale, WeightHandle shift) =>
        Steps.Add(shape);

    protected override void GlobalPoolCore(in GlobalPoolShape shape, int batch, int source, int destination) =>
        Steps.Add(shape);

    protected override void DenseCore(in DenseShape shape, int batch, int source, int destination, WeightHandle kernel, WeightHandle bias) =>
        Steps.Add(shape);

    protected override void SoftmaxCore(in SoftmaxShape shape, int batch, int source, int destination) =>
        Steps.Add(shape);

    protected override void ActivationCore(in ActivationShape shape, int batch, int source, int destination) =>
        Steps.Add(shape);

    protected override void AveragePoolCore(in AveragePoolShape shape, int batch, int source, int destination) =>
        Steps.Add(shape);

    protected override void ChannelSliceCore(in ChannelSliceShape shape, int batch, int source, int destination) =>
        Steps.Add(shape);

    protected override void MultiplyCore(in MultiplyShape shape, int batch, int source, int factor, int destination) =>
        Steps.Add(shape);
}
