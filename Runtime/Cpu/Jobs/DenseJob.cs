using System.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Execution;
using static Xception.Compiler.Runtime.Cpu.PinnedArray;

namespace Xception.Compiler.Runtime.Cpu.Jobs;

/// <summary>A fully connected layer as a GEMM of the batch (rows) by the packed kernel; tasks are groups of panels.</summary>
internal sealed unsafe class DenseJob : IParallelJob
{
    private readonly CpuBackend owner;
    public DenseShape Shape;
    public int Batch, Groups;
    public float[]? Input, Output, Bias;
    public PackedPanels? Kernel;

    public DenseJob(CpuBackend owner) => this.owner = owner;

    /// <summary>The batch's input rows (whole micro-tiles) and one raw micro-tile.</summary>
    public long ScratchFloats
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        get => (long)ChannelMath.RoundUp(Batch, Gemm.Rows) * ChannelMath.RoundUp(Shape.InFeatures, 16) + Gemm.TileFloats;
    }

    public void Clear()
    {
        Input = Output = Bias = null;
        Kernel = null;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Execute(int task, int worker)
    {
        DenseShape s = Shape;
        CpuIsa isa = owner.Isa;
        int lda = ChannelMath.RoundUp(s.InFeatures, 16);
        int rows = ChannelMath.RoundUp(Batch, Gemm.Rows);
        float* a = owner.Scratch(worker, ScratchFloats);
        for (int n = 0; n < Batch; n++)
        {
            ChannelMath.Copy(isa, a + (long)n * lda, Pointer(Input) + (long)n * s.InFeatures, s.InFeatures, s.ReluInput != 0);
        }

        int panels = Kernel!.Panels;
        Gemm.Multiply(isa, a, lda, Batch, Kernel,
            task * panels / Groups, (task + 1) * panels / Groups,
            Pointer(Output), s.OutFeatures, Pointer(Bias), null, s.ReluOutput != 0, a + (long)rows * lda);
    }
}
