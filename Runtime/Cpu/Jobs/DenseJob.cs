using System;
using System.Runtime.CompilerServices;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Execution;
using static Xception.Compiler.Runtime.Cpu.PinnedArray;

namespace Xception.Compiler.Runtime.Cpu.Jobs;

/// <summary>
/// A fully connected layer: the batch's rows by the packed kernel, summed in float64; tasks are groups of panels.
/// It needs no scratch: <see cref="WideSums.Dense"/> reads the input rows in place.
/// </summary>
internal sealed unsafe class DenseJob : IParallelJob
{
    private readonly CpuBackend owner;
    public DenseShape Shape;
    public int Batch, Groups;
    public float[]? Input, Output, Bias;
    public PackedPanels? Kernel;

    public DenseJob(CpuBackend owner) => this.owner = owner;

    public void Clear()
    {
        Input = Output = Bias = null;
        Kernel = null;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Execute(int task, int worker)
    {
        DenseShape s = Shape;
        int panels = Kernel!.Panels;
        WideSums.Dense(owner.Isa, Pointer(Input), Batch, Kernel,
            task * panels / Groups, (task + 1) * panels / Groups,
            Pointer(Output), s.OutFeatures, Pointer(Bias), s.ReluInput != 0, s.ReluOutput != 0, s.SigmoidOutput != 0,
            s.Activation, BitConverter.Int32BitsToSingle(s.ActivationParameter0), BitConverter.Int32BitsToSingle(s.ActivationParameter1),
            BitConverter.Int32BitsToSingle(s.ActivationParameter2));
    }
}
